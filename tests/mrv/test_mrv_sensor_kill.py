"""Drills on the real daemon process (`greenfi oracle sensor`) against the real DeviceRegistry and
MRVAnchor: kill -9 at seeded random moments, the RPC endpoint going away and coming back, a pending
anchor transaction dropped by the node, and the store locked by another connection. After each
drill: every acknowledged reading is stored and in exactly one anchored batch, no root is anchored
twice, and per device the energy in the anchored leaves equals the energy of the stored readings."""

import http.client
import json
import random
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

import pytest
from brownie import web3
from tests.support.chain import local_network
from tests.mrv.support import DAY, sign
from tests.mrv.sensor_process import (DaemonProcess, RpcRelay, accepted_keys, all_anchored, check_exactly_once, mosquitto_broker,
                            wait_until)

SEED = 20261124
ROUNDS = 5
STEP = 300


class Feed:
    """Signed five-minute readings from a fleet: per device, sequences and periods move forward;
    `sent` remembers every reading handed out, whatever became of it."""

    def __init__(self, anchor, devices, start: int, seed: int = SEED):
        self.anchor = anchor
        self.devices = devices
        self.next = {d.device_id: [1, start] for d in devices}
        self.rng = random.Random(seed)
        self.sent: dict[tuple[str, int], int] = {}

    def take(self, n: int, devices=None) -> list[dict]:
        """`n` readings of devices chosen at random (from `devices`, default the whole fleet)."""
        return self._signed([self.rng.choice(devices or self.devices) for _ in range(n)])

    def take_each(self) -> list[dict]:
        """One reading of every device."""
        return self._signed(self.devices)

    def _signed(self, chosen) -> list[dict]:
        items = []
        for device in chosen:
            sequence, start = self.next[device.device_id]
            self.next[device.device_id] = [sequence + 1, start + STEP]
            energy = self.rng.randint(0, 800)
            items.append(sign(self.anchor, device, sequence, start, start + STEP, energy).to_json_obj())
            self.sent[(items[-1]["deviceId"], sequence)] = energy
        return items


@pytest.fixture
def drill(anchor, devices, fleet, oracle_operator):
    """(make a daemon process, a feed of the fleet's readings); the store lives in a private
    directory (pytest's tmp_path retention is shared with other sessions on this machine)."""
    own, foreign, t0 = fleet
    made = []
    workdir = tempfile.TemporaryDirectory(prefix="greenfi-mrv-drill-")
    tmp_path = Path(workdir.name)

    def make(rpc_url=None, **options):
        url = rpc_url or web3.provider.endpoint_uri
        # Readings start after the fleet's activation (t0), as the contract requires; the chain's clock
        # runs days ahead of the wall clock the daemon process reads, hence the skew allowance.
        daemon = DaemonProcess(tmp_path / "sensor.db", url, oracle_operator.address, anchor.address, devices.address,
                               **({"max-future-skew-s": 4 * DAY} | options))
        made.append(daemon)
        return daemon

    yield make, Feed(anchor, own + [foreign], t0)
    for daemon in made:
        if daemon.alive():
            daemon.kill()
    workdir.cleanup()


def post_acknowledged(daemon, feed, n, acknowledged, items=None):
    items = items or feed.take(n)
    status, body = daemon.post(items)
    acknowledged |= set(accepted_keys(status, body, items))
    return status, body


def batch_states(db):
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id, status, tx_hash, attempts FROM batches ORDER BY id").fetchall()


def metric(daemon, name):
    _, text = daemon.get("/metrics")
    for line in text.decode().splitlines():
        if line.startswith(f"greenfi_sensor_{name} "):
            return float(line.split()[1])
    return 0.0


def finish(daemon, feed, acknowledged):
    """Restart, let everything be cut and anchored, stop cleanly, check the invariants."""
    daemon.start(**{"window-s": 0.3})
    wait_until(lambda: all_anchored(daemon.db), daemon=daemon, message="every reading anchored")
    assert daemon.terminate() == 0
    anchored = check_exactly_once(daemon.db, daemon.anchor, acknowledged, feed.sent)
    assert sum(anchored.values()) == sum(feed.sent[k] for k in read_keys(daemon.db))
    return anchored


def read_keys(db):
    with sqlite3.connect(db) as conn:
        return [("0x" + d.hex(), s) for d, s in conn.execute("SELECT device_id, sequence FROM readings")]


def test_kill_9_at_random_moments_loses_nothing_and_anchors_nothing_twice(drill):
    make, feed = drill
    daemon = make()
    rng = random.Random(SEED)
    kinds = ["intake", "after_cut", "after_send"]
    moments = kinds + [rng.choice(kinds) for _ in range(ROUNDS - len(kinds))]
    rng.shuffle(moments)
    poster_rng = random.Random(SEED + 1)
    acknowledged: set = set()
    for moment in moments:
        daemon.start()
        before = batch_states(daemon.db)
        stop = threading.Event()

        def keep_posting():
            while not stop.is_set():
                try:
                    post_acknowledged(daemon, feed, poster_rng.randint(1, 4), acknowledged)
                except (OSError, ValueError, http.client.HTTPException):  # the daemon died mid-request: outcome unknown
                    return

        poster = threading.Thread(target=keep_posting)
        poster.start()
        if moment == "intake":
            time.sleep(rng.uniform(0.0, 0.5))
        elif moment == "after_cut":
            wait_until(lambda: len(batch_states(daemon.db)) > len(before), step=0.005, daemon=daemon, message="a new batch")
        else:
            wait_until(lambda: any(s[1] == "sent" and s not in before for s in batch_states(daemon.db)), step=0.005,
                       daemon=daemon, message="a batch sent")
        daemon.kill()
        stop.set()
        poster.join()
    assert acknowledged
    anchored = finish(daemon, feed, acknowledged)
    assert len(anchored) == 4  # readings of every device were anchored


def test_rpc_outages_are_waited_out_then_the_breaker_stops_the_daemon(drill):
    make, feed = drill
    relay = RpcRelay(int(web3.provider.endpoint_uri.rsplit(":", 1)[1]))
    relay.start()
    daemon = make(rpc_url=relay.url, **{"max-failures": 8, "tick-s": 0.1, "max-backoff-s": 0.4})
    acknowledged: set = set()
    try:
        daemon.start()
        post_acknowledged(daemon, feed, 0, acknowledged, feed.take_each())  # every device is now in the directory's cache
        wait_until(lambda: all_anchored(daemon.db), daemon=daemon, message="anchored before the outage")

        relay.stop()  # a short outage: readings are still taken (known devices), anchoring waits
        status, body = post_acknowledged(daemon, feed, 8, acknowledged)
        assert status == 200 and body["accepted"] == 8
        wait_until(lambda: metric(daemon, "tick_failures_total") >= 2, daemon=daemon, message="failed rounds")
        assert daemon.get("/health")[0] == 200 and daemon.alive()
        relay.start()
        wait_until(lambda: all_anchored(daemon.db), daemon=daemon, message="anchored after the outage")
        assert metric(daemon, "consecutive_failures") == 0

        relay.stop()  # a long outage: the breaker trips with a clear message
        post_acknowledged(daemon, feed, 4, acknowledged)
        assert daemon.wait_exit() != 0
        assert "sensor oracle stopped: 8 consecutive failures" in daemon.output()
    finally:
        relay.start()
    finish(daemon, feed, acknowledged)


def test_a_dropped_pending_anchor_is_replaced_with_higher_fees(drill):
    if local_network() != "development":
        pytest.skip("drops a pending transaction with anvil_dropTransaction, which ganache does not have")
    make, feed = drill
    daemon = make(**{"resend-after-s": 3})
    acknowledged: set = set()
    daemon.start()
    web3.provider.make_request("evm_setAutomine", [False])
    try:
        post_acknowledged(daemon, feed, 4, acknowledged, feed.take(4, feed.devices[:3]))  # one full batch
        wait_until(lambda: (states := batch_states(daemon.db)) and all(s[1] == "sent" and s[2] for s in states),
                   daemon=daemon, message="pending anchors")
        pending = batch_states(daemon.db)
        for _, _, tx_hash, _ in pending:
            response = web3.provider.make_request("anvil_dropTransaction", ["0x" + tx_hash.hex()])
            assert response.get("result") == "0x" + tx_hash.hex(), response  # it was pending, now it is gone
        # gone from the pool: nothing of the operator's is pending any more
        assert web3.eth.get_transaction_count(daemon.operator, "pending") == \
            web3.eth.get_transaction_count(daemon.operator, "latest")
        wait_until(lambda: all(now[3] > before[3] for now, before in zip(batch_states(daemon.db), pending)),
                   daemon=daemon, message="replacements")
        assert web3.eth.get_transaction_count(daemon.operator, "pending") == \
            web3.eth.get_transaction_count(daemon.operator, "latest") + len(pending)
    finally:
        web3.provider.make_request("evm_setAutomine", [True])
    web3.provider.make_request("evm_mine", [])
    wait_until(lambda: all_anchored(daemon.db), daemon=daemon, message="the replacements mined")
    assert daemon.terminate() == 0
    finish(daemon, feed, acknowledged)


def test_a_locked_store_is_waited_out_then_the_breaker_stops_the_daemon(drill):
    make, feed = drill
    daemon = make(**{"window-s": 3600, "batch-size": 1000})
    acknowledged: set = set()
    daemon.start()
    post_acknowledged(daemon, feed, 6, acknowledged)  # stored, not yet due for a batch
    assert daemon.terminate() == 0

    locker = sqlite3.connect(daemon.db, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    daemon.start(**{"window-s": 0.2, "max-failures": 8})
    status, body = daemon.post(feed.take(2))
    assert (status, body["error"]) == (503, "unavailable") and "database is locked" in body["detail"]
    wait_until(lambda: metric(daemon, "tick_failures_total") >= 2, daemon=daemon, message="failed rounds")
    assert daemon.alive() and all_anchored(daemon.db) is False
    locker.execute("ROLLBACK")
    wait_until(lambda: all_anchored(daemon.db), daemon=daemon, message="anchored once the lock is gone")
    assert daemon.terminate() == 0

    daemon.start(**{"window-s": 3600})
    post_acknowledged(daemon, feed, 3, acknowledged)
    assert daemon.terminate() == 0
    locker.execute("BEGIN IMMEDIATE")
    daemon.start(**{"window-s": 0.2, "max-failures": 3})
    assert daemon.wait_exit() != 0
    assert "sensor oracle stopped: 3 consecutive failures, last: OperationalError: database is locked" in daemon.output()
    locker.execute("ROLLBACK")
    locker.close()
    finish(daemon, feed, acknowledged)


def test_kill_9_while_devices_publish_over_mqtt_loses_no_published_reading(drill):
    """The broker holds what the daemon has not acknowledged (persistent QoS 1 session), and the daemon
    acknowledges only after committing: every reading the broker accepted ends anchored, once."""
    import paho.mqtt.client as mqtt

    from oracles.sensor.mqtt import broker_address

    make, feed = drill
    with mosquitto_broker() as url:
        host, port, _, _ = broker_address(url)
        device = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="drill-devices")
        device.connect(host, port)
        device.loop_start()
        daemon = make(**{"mqtt-url": url})
        published: set = set()
        rng = random.Random(SEED + 2)
        try:
            def publish(n):
                for item in feed.take(n):
                    device.publish(f"greenfi/readings/{item['deviceId']}", json.dumps(item), qos=1).wait_for_publish(10)
                    published.add((item["deviceId"], item["sequence"]))  # the broker has it

            for _ in range(3):
                daemon.start()
                publish(rng.randint(5, 25))
                daemon.kill()  # some of those are still in flight
                publish(rng.randint(0, 5))  # the broker queues these for the daemon's session
            daemon.start(**{"window-s": 0.3})
            wait_until(lambda: read_keys(daemon.db) and set(read_keys(daemon.db)) >= published and all_anchored(daemon.db),
                       daemon=daemon, message="every published reading stored and anchored")
            assert daemon.terminate() == 0
        finally:
            device.disconnect()
            device.loop_stop()
        check_exactly_once(daemon.db, daemon.anchor, published, feed.sent)
