"""Fault drills for the risk oracle daemon: `greenfi oracle risk` as a real subprocess against a real
anvil node this module starts itself (greenfi.chain.node.embedded, on a free port, so it can be stopped).

Drills: kill -9 at random points of a run, then restart; the RPC endpoint stopped and restarted (the
node keeps its chain in an --state file); the pending transactions dropped from the node's pool (one
of them replaced by another transaction with the same nonce); the SQLite outbox locked by another
connection, during a run and at start-up.

After each drill the chain and the outbox agree exactly: the set of ScorePosted events equals the set
of items of confirmed batches (nothing lost, nothing posted that the store does not know), no
(subject, input hash) is posted twice, no batch is left open, the outbox's last posted scores are
the chain's, and every subject's stored score is the one in the final features file.

The seed of the random kill points is printed; set GREENFI_DRILL_SEED to replay a run.
"""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_utils import to_checksum_address

from greenfi.chain import contracts
from greenfi.chain.node import embedded, free_port
from greenfi.chain.deploy import SUITE, SuiteDeployer, SuiteRoles
from greenfi.chain.deployments import DeploymentRecord
from greenfi.chain.networks import Network
from greenfi.domain.participants import Kind, jurisdiction
from greenfi.chain.signers import UnlockedSigner
from greenfi.chain.transactions import transact
from oracles.risk.outbox import Outbox

ROOT = Path(__file__).resolve().parents[2]
SCORER = "tests.ai.support:make_scorer"  # tests/ai/support.py: score_bps = the row's x column
SUBJECTS = 48
BATCH = 6  # 8 batches per full run
YEAR = 365 * 24 * 3600
SEED = int(os.environ.get("GREENFI_DRILL_SEED") or random.SystemRandom().randrange(1 << 32))


@dataclass(frozen=True)
class DrillNode(Network):
    """anvil mining a block every second and keeping its chain in `state_file` across restarts."""

    state_file: str = ""

    def launch_command(self, port: int) -> list[str]:
        return [*super().launch_command(port), "--block-time", "1", "--state", self.state_file]


class Node:
    def __init__(self, state_file: Path):
        self.port = free_port()
        self.network = DrillNode("development", embedded=True, chain_id=31337, port=self.port,
                                 state_file=str(state_file))
        self.url = f"http://127.0.0.1:{self.port}"
        self._running = None
        self.w3 = None

    def start(self) -> None:
        self._running = embedded(self.network, self.port)
        self.w3 = self._running.__enter__().w3

    def stop(self) -> None:
        """SIGTERM: anvil writes its state file on the way out."""
        running, self._running = self._running, None
        running.__exit__(None, None, None)

    def rpc(self, method: str, *params):
        response = self.w3.provider.make_request(method, list(params))
        assert "error" not in response, response
        return response.get("result")


@dataclass
class Drill:
    node: Node
    oracle: object  # web3 contract
    operator: str


@pytest.fixture(scope="module")
def drill(tmp_path_factory):
    """A fresh anvil with ParticipantRegistry, ModelRegistry and RiskOracle, an oracle operator and
    model version 1 approved."""
    print(f"risk drills: GREENFI_DRILL_SEED={SEED}")
    tmp = tmp_path_factory.mktemp("risk-drill-chain")
    node = Node(tmp / "anvil-state.json")
    node.start()
    try:
        w3 = node.w3
        admin, regulator, auditor, operator = w3.eth.accounts[:4]
        suite = [s for s in SUITE if s.name in ("ParticipantRegistry", "ModelRegistry", "RiskOracle")]
        addresses = SuiteDeployer(w3, UnlockedSigner(admin), DeploymentRecord(w3.eth.chain_id, tmp),
                                  SuiteRoles(admin=admin, regulator=regulator, bank=admin),
                                  suite=suite, grants=[]).deploy()
        registry = contracts.at(w3, "ParticipantRegistry", addresses["ParticipantRegistry"])
        models = contracts.at(w3, "ModelRegistry", addresses["ModelRegistry"])
        oracle = contracts.at(w3, "RiskOracle", addresses["RiskOracle"])
        expiry = w3.eth.get_block("latest")["timestamp"] + YEAR
        for account, kind in ((auditor, Kind.AUDITOR), (operator, Kind.ORACLE_OPERATOR)):
            transact(w3, UnlockedSigner(regulator), registry.functions.register(account, kind, jurisdiction("CN"), expiry))
        transact(w3, UnlockedSigner(admin), models.functions.grantRole(models.functions.MODEL_OPERATOR_ROLE().call(), operator))
        transact(w3, UnlockedSigner(admin), oracle.functions.grantRole(oracle.functions.OPERATOR_ROLE().call(), operator))
        hashes = [(0x7000 + i).to_bytes(32, "big") for i in range(5)]
        transact(w3, UnlockedSigner(operator), models.functions.registerModel((*hashes, (7900, 4500, 1700, 7600)), ""))
        transact(w3, UnlockedSigner(auditor), models.functions.approve(1, b"\x4e" * 32))
        yield Drill(node, oracle, operator)
    finally:
        if node._running:
            node.stop()


# ---------------------------------------------------------------- the daemon as a process

class Daemon:
    def __init__(self, drill: Drill, workdir: Path, offset: int):
        self.drill = drill
        self.workdir = workdir
        self.offset = offset  # this drill's subjects: addresses 0x6000_0000 + offset + i
        self.features = workdir / "features.csv"
        self.outbox = workdir / "outbox.sqlite"
        self.version = 0
        self.proc = None
        self.runs = 0

    @property
    def subjects(self) -> list[str]:
        return [to_checksum_address("0x" + (0x6000_0000 + self.offset + i).to_bytes(20, "big").hex())
                for i in range(SUBJECTS)]

    def scores(self, version: int) -> list[int]:
        # every version moves every score by 1000 bps (mod 10001): beyond the default 100 bps threshold
        return [(i * 37 + self.offset + version * 1000) % 10_001 for i in range(SUBJECTS)]

    def write_features(self, version: int) -> None:
        self.version = version
        rows = [f"{s},{x}" for s, x in zip(self.subjects, self.scores(version))]
        self.features.write_text("subject,x\n" + "\n".join(rows) + "\n")

    def command(self, once: bool) -> list[str]:
        return [
            sys.executable, "-c", "from greenfi.cli import main; main()", "oracle", "risk",
            "--network", "development", "--rpc-url", self.drill.node.url, "--from", self.drill.operator,
            "--risk-oracle", self.drill.oracle.address, "--features", str(self.features),
            "--model", str(self.workdir), "--model-version", "1", "--outbox", str(self.outbox), "--port", "0",
            "--batch-size", str(BATCH), "--interval", "0.3", "--max-failures", "1000", "--scorer", SCORER,
            *(["--once"] if once else []),
        ]

    def env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(ROOT)}

    def start(self) -> None:
        self.runs += 1
        self.log = self.workdir / f"daemon-{self.runs}.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(self.command(once=False), cwd=self.workdir, env=self.env(), stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def terminate(self) -> int:
        """SIGTERM: the loop finishes its cycle and exits."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)

    def run_once(self) -> subprocess.CompletedProcess:
        return subprocess.run(self.command(once=True), cwd=self.workdir, env=self.env(), capture_output=True,
                              text=True, timeout=180)

    def health(self) -> tuple[int, dict]:
        """GET /health of the running daemon (its port is in its first output line)."""
        deadline = time.monotonic() + 30
        while "/health" not in self.log.read_text():
            assert self.proc.poll() is None and time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)
        url = self.log.read_text().split(" on ", 1)[1].split()[0] + "/health"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    # ------------------------------------------------------------ what the store says

    def store(self, sql: str, *args) -> list[tuple]:
        if not self.outbox.exists():
            return []
        db = sqlite3.connect(self.outbox, timeout=30)
        try:
            return db.execute(sql, args).fetchall()
        except sqlite3.OperationalError as exc:  # the daemon is still creating its schema
            if "no such table" in str(exc):
                return []
            raise
        finally:
            db.close()

    def states(self) -> Counter:
        return Counter(dict(self.store("SELECT state, COUNT(*) FROM batches GROUP BY state")))

    def settled(self) -> bool:
        """No open batch, and the chain stores the current features' score of every subject."""
        if self.states()["pending"] + self.states()["sent"]:
            return False
        expected = self.scores(self.version)
        return all(self.drill.oracle.functions.scoreOf(s).call()[0] == x for s, x in zip(self.subjects, expected))

    def wait_settled(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while not self.settled():
            assert self.proc is None or self.proc.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"not settled after {timeout} s: {self.states()}"
            time.sleep(0.5)


def check_chain_and_store_agree(daemon: Daemon) -> Counter:
    """The drill's invariants; returns the outbox's batch states."""
    oracle, subjects = daemon.drill.oracle, set(daemon.subjects)
    logs = [log for log in oracle.events.ScorePosted().get_logs(from_block=0) if log["args"]["subject"] in subjects]
    posted = [(log["args"]["subject"], "0x" + log["args"]["inputHash"].hex().removeprefix("0x"),
               log["args"]["timestamp"]) for log in logs]
    twice = [key for key, n in Counter((s, h) for s, h, _ in posted).items() if n > 1]
    assert not twice, f"posted twice: {twice[:5]}"
    confirmed = daemon.store(
        "SELECT items.subject, items.input_hash, batches.timestamp FROM items JOIN batches ON batches.id = items.batch_id"
        " WHERE batches.state = 'confirmed'")
    assert sorted(posted) == sorted(confirmed), "the chain's ScorePosted events differ from the outbox's confirmed items"
    states = daemon.states()
    assert states["pending"] == states["sent"] == 0, states
    last = {s: (score, ts) for s, score, ts in daemon.store("SELECT subject, score_bps, timestamp FROM posted")}
    for subject, expected in zip(daemon.subjects, daemon.scores(daemon.version)):
        stored = oracle.functions.scoreOf(subject).call()
        assert stored[0] == expected, (subject, stored, expected)
        assert last[subject] == (stored[0], stored[4]), (subject, last[subject], stored)
    assert Counter(s for s, _, _ in posted) and set(s for s, _, _ in posted) == subjects
    return states


def running_with_new_scores(drill: Drill, tmp_path: Path, offset: int, seed: int) -> Daemon:
    """A looping daemon that has posted version 0 and is somewhere in posting version 1."""
    daemon = Daemon(drill, tmp_path, offset=offset)
    daemon.write_features(0)
    daemon.start()
    daemon.wait_settled()
    daemon.write_features(1)
    time.sleep(random.Random(seed).uniform(0.0, 1.0))
    return daemon


def finish(daemon: Daemon) -> None:
    """A final `--once` run has nothing left to do."""
    result = daemon.run_once()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "posted 0 scores in 0 transactions" in result.stdout, result.stdout


# ---------------------------------------------------------------- the drills

def test_kill_9_at_random_points_then_restart(drill, tmp_path):
    rng = random.Random(SEED)
    daemon = Daemon(drill, tmp_path, offset=0)
    for version in range(4):
        daemon.write_features(version)
        daemon.start()
        time.sleep(rng.uniform(0.5, 4.5))  # start-up, scoring, sending, waiting for confirmations
        daemon.kill9()
    daemon.write_features(4)
    result = daemon.run_once()
    assert result.returncode == 0, result.stdout + result.stderr
    finish(daemon)
    check_chain_and_store_agree(daemon)


def test_the_rpc_endpoint_stopped_and_restarted(drill, tmp_path):
    daemon = running_with_new_scores(drill, tmp_path, offset=1_000, seed=SEED + 1)
    drill.node.stop()
    try:
        time.sleep(2.0)
        status, health = daemon.health()
        assert daemon.proc.poll() is None, "the daemon died with its node"
        assert status == 503 and health["status"] == "degraded", health
    finally:
        drill.node.start()  # same port, chain state loaded from the --state file
    daemon.wait_settled()
    assert daemon.health()[1]["status"] == "ok"
    assert daemon.terminate() == 0
    finish(daemon)
    check_chain_and_store_agree(daemon)


def test_the_pending_transactions_dropped_and_one_nonce_reused(drill, tmp_path):
    node = drill.node
    daemon = Daemon(drill, tmp_path, offset=2_000)
    daemon.write_features(0)
    node.rpc("evm_setIntervalMining", 0)
    node.rpc("evm_setAutomine", False)
    try:
        daemon.start()
        deadline = time.monotonic() + 60
        while daemon.states()["sent"] < SUBJECTS // BATCH:  # every batch waits in the node's pool
            assert time.monotonic() < deadline and daemon.proc.poll() is None, daemon.log.read_text()[-3000:]
            time.sleep(0.2)
        nonces = sorted(n for (n,) in daemon.store("SELECT nonce FROM batches WHERE state = 'sent'"))
        node.rpc("anvil_dropAllTransactions")
        # another transaction takes the first batch's nonce (paying more, so it also replaces a re-send)
        node.rpc("eth_sendTransaction", {"from": drill.operator, "to": drill.operator, "value": "0x0",
                                         "nonce": hex(nonces[0]), "gas": hex(21_000),
                                         "maxFeePerGas": hex(200 * 10**9), "maxPriorityFeePerGas": hex(100 * 10**9)})
    finally:
        node.rpc("evm_setIntervalMining", 1)
    daemon.wait_settled()
    assert daemon.terminate() == 0
    finish(daemon)
    states = check_chain_and_store_agree(daemon)
    assert states["dropped"] == 1, states  # the batch whose nonce was taken; its scores went out again


def test_the_outbox_locked_by_another_connection(drill, tmp_path):
    daemon = running_with_new_scores(drill, tmp_path, offset=3_000, seed=SEED + 2)
    lock = sqlite3.connect(daemon.outbox, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        time.sleep(8.0)  # longer than the daemon's 5 s busy timeout: some cycles fail
        assert daemon.proc.poll() is None, daemon.log.read_text()[-3000:]
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    daemon.wait_settled()
    assert daemon.terminate() == 0
    check_chain_and_store_agree(daemon)


def test_the_outbox_locked_at_start(drill, tmp_path):
    daemon = Daemon(drill, tmp_path, offset=4_000)
    daemon.write_features(0)
    Outbox(daemon.outbox).close()  # an existing outbox, as a previous run leaves it
    lock = sqlite3.connect(daemon.outbox, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        result = daemon.run_once()
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    # its first write waits out SQLite's 5 s busy timeout, then the run stops with one clear line
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: outbox ") and "database is locked" in result.stderr
    assert daemon.states() == Counter()  # nothing recorded, nothing sent
    assert daemon.run_once().returncode == 0
    finish(daemon)
    check_chain_and_store_agree(daemon)
