"""The sensor daemon against the real DeviceRegistry and MRVAnchor: readings in over HTTP, batches
anchored on chain exactly once, even when the daemon dies at the worst moments."""

import http.client
import json
from dataclasses import replace

import pytest
from brownie import web3
from tests.mrv.support import CAPACITY_W, HOUR, chain_now, sign, signed_tuple
from tests.mrv.sensor_process import in_process_daemons

from greenfi.chain.signers import UnlockedSigner
from oracles.sensor.anchor import AnchorClient, OperatorRefused, anchor_batches
from oracles.sensor.batcher import BatchPolicy, cut_batches
from oracles.codec import batch_tree

ANCHORED = 1


@pytest.fixture
def make_daemon(tmp_path, anchor, devices, oracle_operator):
    with in_process_daemons(tmp_path / "sensor.db", anchor, devices.address, oracle_operator.address, chain_now) as make:
        yield lambda: make(BatchPolicy(max_readings=6, window_s=10**9))


def readings(anchor, fleet, hours=2):
    own, _, t0 = fleet
    return [sign(anchor, d, h + 1, t0 + h * HOUR, t0 + (h + 1) * HOUR, 5_000 + 100 * h).to_json_obj()
            for h in range(hours) for d in own]


def anchored_events(anchor):
    topic = web3.keccak(text="BatchAnchored(bytes32,uint256,address,uint64,uint64,uint64,uint32,bytes32,uint16)")
    return web3.eth.get_logs({"address": anchor.address, "topics": [topic], "fromBlock": 0})


def post(daemon, body):
    conn = http.client.HTTPConnection("127.0.0.1", daemon.server.port, timeout=10)
    conn.request("POST", "/readings", json.dumps(body).encode(), {"Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, json.loads(response.read())


def test_readings_over_http_are_anchored_and_provable(make_daemon, anchor, fleet):
    daemon = make_daemon()
    daemon.server.start()
    try:
        status, body = post(daemon, readings(anchor, fleet))
    finally:
        daemon.server.stop()
    assert (status, body["accepted"]) == (200, 6)
    daemon.tick()  # cut and send
    daemon.tick()  # see it mined
    assert daemon.failed_reason is None and daemon.metrics.value("batches_anchored") == 1
    [batch] = daemon.store.batches("anchored")
    on_chain = anchor.batch(batch.root)
    assert on_chain[6] == ANCHORED and on_chain[3] == batch.total_wh == 3 * (5_000 + 5_100)
    stored = daemon.store.batch_readings(batch.id)
    tree = batch_tree(stored)
    for i, signed in enumerate(stored):
        assert anchor.proveReading(batch.root, signed_tuple(signed), tree.path(i).to_abi())


def test_readings_of_unknown_or_inactive_devices_are_refused_from_the_chain(make_daemon, anchor, fleet, devices, verifier):
    own, foreign, t0 = fleet
    daemon = make_daemon()
    suspended_at = devices.suspend(own[0].device_id, b"\x01" * 32, {"from": verifier}).timestamp
    # Judged over the period: before the suspension it stands, across it it does not.
    outcomes = daemon.intake.submit([sign(anchor, own[0], 1, t0, t0 + HOUR, 10).to_json_obj(),
                                     sign(anchor, own[0], 2, suspended_at - 60, suspended_at + 60, 10).to_json_obj(),
                                     sign(anchor, own[1], 1, t0, t0 + HOUR, 10).to_json_obj()])
    assert [o.reason for o in outcomes] == [None, "inactive_device", None]


def reserve_nonce(daemon, anchor, fleet):
    """Readings in, one batch cut, its nonce reserved (`sending`): where every crash test starts."""
    daemon.intake.submit(readings(anchor, fleet))
    [batch_id] = cut_batches(daemon.store, daemon.settings.batch, chain_now)
    nonce = daemon.anchor.mined_nonce()
    daemon.store.mark_sending(batch_id, nonce)
    return batch_id, nonce


def test_a_crash_after_reserving_the_nonce_anchors_once(make_daemon, anchor, fleet):
    first = make_daemon()
    reserve_nonce(first, anchor, fleet)
    first.store.close()

    restarted = make_daemon()
    restarted.tick()
    restarted.tick()
    assert [b.status for b in restarted.store.batches()] == ["anchored"]
    assert len(anchored_events(anchor)) == 1


def test_a_crash_after_sending_but_before_recording_the_hash_anchors_once(make_daemon, anchor, fleet):
    first = make_daemon()
    batch_id, nonce = reserve_nonce(first, anchor, fleet)
    first.anchor.send(first.store.batch(batch_id), nonce)  # sent and mined; the process dies before mark_sent
    first.store.close()

    restarted = make_daemon()
    restarted.tick()
    assert [b.status for b in restarted.store.batches()] == ["anchored"]
    assert len(anchored_events(anchor)) == 1


def test_a_dropped_transaction_is_resent_with_its_nonce(make_daemon, anchor, fleet):
    daemon = make_daemon()
    batch_id, _ = reserve_nonce(daemon, anchor, fleet)
    daemon.store.mark_sent(batch_id, b"\x11" * 32)  # a hash no node knows: the transaction was dropped
    anchor_batches(daemon.store, daemon.anchor, clock=lambda: chain_now() + 10**6)
    assert daemon.store.batch(batch_id).status == "sent"
    daemon.tick()
    assert daemon.store.batch(batch_id).status == "anchored"
    assert len(anchored_events(anchor)) == 1


def test_the_real_contract_decides_what_is_set_aside(make_daemon, anchor, fleet, outsider):
    """refusal() simulates anchorBatch on MRVAnchor: a header only this batch has wrong comes back as
    the decoded error (set aside), an operator-level refusal raises (the round fails), a good one is None."""
    daemon = make_daemon()
    daemon.intake.submit(readings(anchor, fleet))
    [batch_id] = cut_batches(daemon.store, daemon.settings.batch, chain_now)
    good = daemon.store.batch(batch_id)
    assert daemon.anchor.refusal(good) is None
    assert daemon.anchor.refusal(replace(good, total_wh=2**48)) == f"EnergyTooLarge({2**48})"
    assert daemon.anchor.refusal(replace(good, window_end=good.window_start)).startswith("InvalidWindow(")
    assert daemon.anchor.refusal(replace(good, project_id=2**64)).startswith("ProjectIdTooLarge(")
    stranger = AnchorClient(web3, anchor.address, UnlockedSigner(outsider.address))
    with pytest.raises(OperatorRefused, match="NotOperator"):
        stranger.refusal(good)
    assert [b.status for b in daemon.store.batches()] == ["built"]  # simulating changes nothing


def test_a_batch_the_contract_refuses_is_set_aside_and_the_daemon_keeps_anchoring(make_daemon, anchor, fleet):
    daemon = make_daemon()
    own, _, t0 = fleet
    daemon.intake.submit(readings(anchor, fleet, hours=1))
    [poisoned] = cut_batches(daemon.store, BatchPolicy(max_readings=6, window_s=0), chain_now)
    with daemon.store.transaction() as db:  # a header the contract refuses (as a project id ≥ 2**48 would be)
        db.execute("UPDATE batches SET total_wh = ? WHERE id = ?", (2**48, poisoned))
    daemon.intake.submit([sign(anchor, d, h + 1, t0 + h * HOUR, t0 + (h + 1) * HOUR, 4_000).to_json_obj()
                          for h in (1, 2) for d in own])  # a full batch of 6 after it
    daemon.tick()
    daemon.tick()
    assert daemon.failed_reason is None and daemon._failures == 0
    statuses = {b.id: (b.status, b.reason) for b in daemon.store.batches()}
    assert statuses[poisoned] == ("set_aside", f"EnergyTooLarge({2**48})")
    assert [s for i, (s, _) in statuses.items() if i != poisoned] == ["anchored"]
    ok, health = daemon.health()
    assert ok and health["setAsideBatches"][0]["id"] == poisoned


def test_a_batch_a_challenge_would_reject_is_withdrawn_before_anchoring(make_daemon, anchor, fleet, regulator):
    """Accepted under the 5 % tolerance, then the tolerance drops to 0: anchored now, the batch would
    carry 0 % and three of its readings would be over capacity. The standing judge
    (oracles.sensor.standing.batch_judge, fresh records, the tolerance in force) finds them before
    sending: the batch is withdrawn, those readings quarantined as OverCapacity, the other three go
    back to the pool and are anchored in a later batch; nothing challengeable reaches the chain."""
    own, _, t0 = fleet
    daemon = make_daemon()
    items = [sign(anchor, d, 1, t0, t0 + HOUR, CAPACITY_W * 105 // 100).to_json_obj() for d in own] + \
        [sign(anchor, d, 2, t0 + HOUR, t0 + 2 * HOUR, 100).to_json_obj() for d in own]
    assert all(o.accepted for o in daemon.intake.submit(items))
    anchor.setCapacityTolerance(0, {"from": regulator})
    for _ in range(4):
        daemon.tick()
    assert daemon.failed_reason is None
    assert [b.status for b in daemon.store.batches()] == ["withdrawn"] and anchored_events(anchor) == []
    daemon.intake.submit([sign(anchor, d, 3, t0 + 2 * HOUR, t0 + 3 * HOUR, 100).to_json_obj() for d in own])
    for _ in range(3):
        daemon.tick()
    [anchored] = daemon.store.batches("anchored")
    assert anchored.reading_count == 6 and anchored.total_wh == 600  # the six honest readings, nothing else
    assert len(anchored_events(anchor)) == 1
