"""The sensor daemon as a real process (`greenfi oracle sensor`), a TCP relay that can cut the
daemon off its RPC endpoint, and what the drills check afterwards: the store and the chain's
BatchAnchored events."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from brownie import web3
from tests.support.chain import local_network

from greenfi.chain.node import free_port
from greenfi.chain.signers import UnlockedSigner
from oracles.codec import batch_tree
from oracles.readings import Domain
from oracles.sensor.anchor import AnchorClient
from oracles.sensor.batcher import BatchPolicy
from oracles.sensor.chain_directory import ChainDirectory
from oracles.sensor.cosigners import CosignerSettings
from oracles.sensor.daemon import DaemonSettings, SensorDaemon
from oracles.sensor.standing import batch_judge
from oracles.sensor.store import Store

ROOT = Path(__file__).resolve().parents[2]
ANCHORED_TOPIC = web3.keccak(text="BatchAnchored(bytes32,uint256,address,uint64,uint64,uint64,uint32,bytes32,uint16)")


@contextlib.contextmanager
def in_process_daemons(db: Path, anchor, registry_address: str, operator: str, clock, judged: bool = True,
                       cosigners: CosignerSettings | None = None):
    """Yields make(batch_policy) → a SensorDaemon on `db` against the real registry and anchor,
    in this process (ticks driven by the test), with the pre-anchoring standing judge unless
    `judged` is False, asking `cosigners` where k > 1; closes every store made."""
    made: list[SensorDaemon] = []

    def make(policy: BatchPolicy) -> SensorDaemon:
        directory, domain = ChainDirectory(web3, registry_address), Domain(web3.eth.chain_id, anchor.address)
        client = AnchorClient(web3, anchor.address, UnlockedSigner(operator))
        daemon = SensorDaemon(DaemonSettings(db, batch=policy, cosigners=cosigners), directory, domain, clock=clock, anchor=client,
                              judge=batch_judge(directory.fresh, client.tolerance_bps, domain) if judged else None)
        made.append(daemon)
        return daemon

    try:
        yield make
    finally:
        for daemon in made:
            daemon.store.close()


class DaemonProcess:
    """`greenfi oracle sensor` in a subprocess; the same store and port across restarts."""

    def __init__(self, db: Path, rpc_url: str, operator: str, anchor: str, registry: str, **options):
        self.db = db
        self.anchor = anchor
        self.operator = operator
        self.port = free_port()
        self.options = {"batch-size": 4, "window-s": 0.3, "tick-s": 0.1, "max-failures": 5, "max-backoff-s": 0.5,
                        "resend-after-s": 1, "db-busy-timeout-s": 0.2,
                        "anomaly-model": "off"} | options  # the drills' readings are random, not PV-shaped
        self.base = [sys.executable, "-c", "from greenfi.cli import main; main()", "oracle", "sensor",
                     "--network", local_network(), "--rpc-url", rpc_url, "--from", operator, "--db", str(db),
                     "--port", str(self.port), "--mrv-anchor", anchor, "--device-registry", registry]
        self.proc: subprocess.Popen | None = None
        self.log = db.with_suffix(".log")

    def start(self, **options) -> "DaemonProcess":
        opts = self.options | options
        command = self.base + [a for k, v in opts.items() for a in (f"--{k}", str(v))]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"daemon exited at start:\n{self.output()}"
            try:
                if self.get("/health")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"daemon did not come up:\n{self.output()}")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)

    def wait_exit(self, timeout: float = 60) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the daemon did not stop:\n{self.output()[-3000:]}") from None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def post(self, body, timeout: float = 10) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("POST", "/readings", json.dumps(body).encode(), {"Content-Type": "application/json"})
            response = conn.getresponse()
            return response.status, json.loads(response.read())
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()


def accepted_keys(status: int, body: dict, sent: list[dict]) -> list[tuple[str, int]]:
    """(deviceId, sequence) of the readings a POST of `sent` acknowledged as accepted."""
    if status not in (200, 202):
        return []
    if "results" not in body:
        return [(sent[0]["deviceId"], sent[0]["sequence"])] if body.get("accepted") else []
    return [(r["deviceId"], r["sequence"]) for r in body["results"] if r["accepted"]]


def read_store(db: Path) -> dict:
    """Stored readings {(deviceId hex, sequence): (energy, batch id)} and batches {id: (root, status, total)}."""
    with sqlite3.connect(db) as conn:
        readings = {("0x" + d.hex(), s): (e, b) for d, s, e, b in
                    conn.execute("SELECT device_id, sequence, energy_wh, batch_id FROM readings")}
        batches = {i: (bytes(r), st, t) for i, r, st, t in conn.execute("SELECT id, root, status, total_wh FROM batches")}
    return {"readings": readings, "batches": batches}


def anchored_events(anchor_address: str) -> list[dict]:
    """Every BatchAnchored of `anchor_address`: root, project and energy total."""
    logs = web3.eth.get_logs({"address": anchor_address, "topics": [ANCHORED_TOPIC], "fromBlock": 0})
    events = []
    for log in logs:
        data = bytes(log["data"])
        words = [int.from_bytes(data[i:i + 32], "big") for i in range(0, len(data), 32)]
        # data: windowStart, windowEnd, energyWh, readingCount, contentHash, signers
        events.append({"root": bytes(log["topics"][1]), "project": int.from_bytes(bytes(log["topics"][2]), "big"),
                       "energy": words[2], "count": words[3]})
    return events


def wait_until(condition, timeout: float = 60, step: float = 0.1, message: str = "condition",
               daemon: "DaemonProcess | None" = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(step)
    log = f"\n{daemon.output()[-3000:]}" if daemon else ""
    raise AssertionError(f"timed out waiting for {message}{log}")


def all_anchored(db: Path) -> bool:
    state = read_store(db)
    return (all(b is not None for _, b in state["readings"].values())
            and all(st == "anchored" for _, st, _ in state["batches"].values()))


def check_exactly_once(db: Path, anchor_address: str, acknowledged: set, sent: dict) -> dict[str, int]:
    """The drill's invariants; returns the anchored energy per device.

    * every acknowledged reading is stored, and every stored reading was sent by the test;
    * every stored reading is in exactly one batch, every batch anchored;
    * each root anchored once, and each event's totals are those of its batch's stored leaves,
      whose rebuilt Merkle root is the anchored root;
    * per device, the energy in anchored leaves equals the energy of its stored readings.
    """
    state = read_store(db)
    stored = state["readings"]
    assert acknowledged <= stored.keys(), f"lost acknowledged readings: {sorted(acknowledged - stored.keys())[:5]}"
    assert stored.keys() <= sent.keys()
    events = anchored_events(anchor_address)
    roots = Counter(e["root"] for e in events)
    assert all(n == 1 for n in roots.values()), "a root was anchored twice"
    by_root = {e["root"]: e for e in events}
    batches = state["batches"]
    assert set(by_root) == {root for root, _, _ in batches.values()}
    store = Store(db)
    try:
        anchored_per_device: Counter = Counter()
        for batch_id, (root, status, total) in batches.items():
            assert status == "anchored"
            leaves = store.batch_readings(batch_id)
            assert batch_tree(leaves).root == root
            event = by_root[root]
            assert event["energy"] == total == sum(s.reading.energy_wh for s in leaves)
            assert event["count"] == len(leaves)
            for s in leaves:
                anchored_per_device["0x" + s.reading.device_id.hex()] += s.reading.energy_wh
    finally:
        store.close()
    assert sum(1 for _, b in stored.values() if b is None) == 0
    stored_per_device: Counter = Counter()
    for (device, _), (energy, _) in stored.items():
        stored_per_device[device] += energy
    assert anchored_per_device == stored_per_device
    return dict(anchored_per_device)


class RpcRelay:
    """A TCP relay in front of the node: `stop()` makes the RPC endpoint vanish (refused
    connections, open ones cut), `start()` brings it back on the same port."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "RpcRelay":
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            except OSError:
                pass
            listener.close()
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@contextlib.contextmanager
def mosquitto_broker():
    """A real MQTT broker (mosquitto, Debian package) on a free port: yields its mqtt:// URL."""
    port = free_port()
    proc = subprocess.Popen([shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: _accepts(port), timeout=20, step=0.05, message="mosquitto")
        yield f"mqtt://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False
