"""A batch the daemon anchored is rejected on the real MRVAnchor: the daemon quarantines the
challenged reading with its fault, anchors every other reading again in a new batch, and keeps
the rejected batch's document; also when it is killed (-9) at random moments of that recovery.

The faulty reading is written to the store directly, standing for one the intake should not have
let through (a device record the daemon had cached, say): the point here is what happens after, so
the daemons run without the pre-anchoring judge (which would withdraw the batch before it is sent:
test_mrv_sensor_daemon.py)."""

import random
import sqlite3
import tempfile
import time
from pathlib import Path

import pytest
from brownie import web3
from tests.mrv.support import DAY, HOUR, Batch, chain_now, sign, signed_tuple
from tests.mrv.sensor_process import DaemonProcess, accepted_keys, anchored_events, in_process_daemons, wait_until

from oracles.codec import batch_tree
from oracles.sensor.batcher import BatchPolicy
from oracles.sensor.store import HOLD_QUARANTINED, Store

SEED = 20261205
OVER_CAPACITY_WH = 12_000  # 10 kW for an hour is 10,000 Wh; the contract's tolerance is 5 %
REJECTED = 2


def insert_faulty(db_path, anchor, device, sequence, start):
    """An over-capacity reading of `device`, stored as accepted behind the intake's back."""
    signed = sign(anchor, device, sequence, start, start + HOUR, OVER_CAPACITY_WH)
    store = Store(db_path)
    try:
        with store.transaction() as db:
            Store.insert_accepted(db, [(signed, 1)], 0.0)
    finally:
        store.close()
    return signed


def challenge(anchor, root: bytes, items, faulty, challenger):
    """challengeReading of `faulty` in the batch of `items` (proof built as the tests' Batch builds it)."""
    batch = Batch(items, 1, 0, 1)
    index = items.index(faulty)
    assert "0x" + batch_tree(items).root.hex() == batch.root == "0x" + root.hex()
    return anchor.challengeReading(root, signed_tuple(faulty), batch.proof(index), {"from": challenger})


@pytest.fixture
def make_daemon(tmp_path, anchor, devices, oracle_operator):
    with in_process_daemons(tmp_path / "sensor.db", anchor, devices.address, oracle_operator.address, chain_now,
                            judged=False) as make:
        yield lambda: make(BatchPolicy(max_readings=8, window_s=0))


def test_a_rejected_batch_is_recovered_and_its_honest_readings_anchored_again(make_daemon, anchor, fleet, accounts):
    own, _, t0 = fleet
    daemon = make_daemon()
    honest = [sign(anchor, d, h + 1, t0 + h * HOUR, t0 + (h + 1) * HOUR, 5_000 + h) for h in range(2) for d in own]
    assert all(o.accepted for o in daemon.intake.submit([s.to_json_obj() for s in honest]))
    faulty = insert_faulty(daemon.settings.db_path, anchor, own[0], 3, t0 + 2 * HOUR)
    daemon.tick()
    daemon.tick()
    [first] = daemon.store.batches("anchored")
    items = daemon.store.batch_readings(first.id)
    assert len(items) == 7

    challenge(anchor, first.root, items, faulty, accounts[9])
    assert anchor.batch(first.root)[6] == REJECTED
    daemon.tick()  # sees the rejection, recovers, cuts the new batch, sends it
    daemon.tick()  # sees it anchored
    assert daemon.failed_reason is None
    rejected = daemon.store.batch(first.id)
    assert (rejected.status, rejected.reason) == ("rejected", "OverCapacity")
    assert daemon.store.batch_document(first.id)  # the rejected batch's document is kept
    [second] = daemon.store.batches("anchored")
    again = daemon.store.batch_readings(second.id)
    assert sorted(s.leaf() for s in again) == sorted(s.leaf() for s in honest)
    assert second.total_wh == sum(s.reading.energy_wh for s in honest)
    assert anchor.batch(second.root)[6] == 1
    states = daemon.store.reading_states()
    assert states[(own[0].device_id, 3)] == (None, HOLD_QUARANTINED)
    with daemon.store.lock:
        [detail] = daemon.store._db.execute("SELECT hold_detail FROM readings WHERE hold = ?", (HOLD_QUARANTINED,)).fetchone()
    assert detail == "OverCapacity: challenged on chain"
    assert daemon.metrics.value("batches_rejected", fault="OverCapacity") == 1


def live_state(db: Path):
    with sqlite3.connect(db) as conn:
        readings = {("0x" + d.hex(), s): (b, h) for d, s, b, h in
                    conn.execute("SELECT device_id, sequence, batch_id, hold FROM readings")}
        batches = {i: (bytes(r), st) for i, r, st in conn.execute("SELECT id, root, status FROM batches")}
    return readings, batches


def settled(db: Path) -> bool:
    readings, batches = live_state(db)
    return (all(b is not None or h is not None for b, h in readings.values())
            and all(st in ("anchored", "rejected") for _, st in batches.values()))


def test_kill_9_during_the_reanchoring_of_a_rejected_batch_loses_nothing(anchor, fleet, devices, oracle_operator,
                                                                           accounts):
    own, _, _ = fleet
    t0 = fleet[2]  # after the fleet's activation, as the contract requires
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory(prefix="greenfi-mrv-rejection-") as workdir:
        db = Path(workdir) / "sensor.db"
        daemon = DaemonProcess(db, web3.provider.endpoint_uri, oracle_operator.address, anchor.address,
                               devices.address, **{"batch-size": 16, "pre-anchor-judge": "off",
                                                   # the chain's clock runs days ahead of the process's wall clock
                                                   "max-future-skew-s": 4 * DAY})
        daemon.start()
        try:
            honest = [sign(anchor, d, h + 1, t0 + h * HOUR, t0 + (h + 1) * HOUR, 4_000 + h).to_json_obj()
                      for h in range(3) for d in own]
            status, body = daemon.post(honest)
            acknowledged = set(accepted_keys(status, body, honest))
            assert len(acknowledged) == 9
            faulty = insert_faulty(db, anchor, own[1], 4, t0 + 3 * HOUR)
            wait_until(lambda: settled(db), daemon=daemon, message="the first batch anchored")
            readings, batches = live_state(db)
            [(first_id, (root, _))] = batches.items()
            store = Store(db)
            items = store.batch_readings(first_id)
            store.close()
            daemon.kill()

            challenge(anchor, root, items, faulty, accounts[9])
            for _ in range(4):  # kill -9 at random moments of the recovery and the re-anchoring
                daemon.start()
                time.sleep(rng.uniform(0.0, 0.6))
                daemon.kill()
            daemon.start()
            wait_until(lambda: settled(db) and len(live_state(db)[1]) >= 2, daemon=daemon,
                       message="the honest readings anchored again")
            assert daemon.terminate() == 0
        finally:
            if daemon.alive():
                daemon.kill()

        readings, batches = live_state(db)
        key = lambda s: ("0x" + s["deviceId"][2:].lower(), s["sequence"])  # noqa: E731
        assert readings[("0x" + own[1].device_id.hex(), 4)] == (None, HOLD_QUARANTINED)
        events = anchored_events(anchor.address)
        assert len({e["root"] for e in events}) == len(events), "a root was anchored twice"
        live_roots = {root for root, st in batches.values() if st == "anchored"}
        assert all(anchor.batch(r)[6] == 1 for r in live_roots)
        store = Store(db)
        try:
            counted = [s.leaf() for bid, (_, st) in batches.items() if st == "anchored" for s in store.batch_readings(bid)]
        finally:
            store.close()
        honest_leaves = {
            sign(anchor, d, h + 1, t0 + h * HOUR, t0 + (h + 1) * HOUR, 4_000 + h).leaf() for h in range(3) for d in own}
        assert sorted(counted) == sorted(honest_leaves)  # each honest reading in exactly one live anchored batch
        assert {key(item) for item in honest} == acknowledged
        for bid, (_, st) in batches.items():
            assert st in ("anchored", "rejected")
