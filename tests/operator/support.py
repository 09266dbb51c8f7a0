"""What the runbook test and the rehearsal share: greenfi run as a subprocess, long-running
processes (nodes, daemons) in their own process group with their output in a file (anvil logs every
call: a pipe nobody reads fills up and freezes the node), and JSON-RPC helpers for the one thing an
operator cannot do from the CLI, letting time pass."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from web3 import Web3

from greenfi.chain import contracts
from greenfi.chain.deployments import DeploymentRecord
from greenfi.chain.node import executable
from oracles.readings import Domain
from oracles.sensor import simulate

GREENFI = str(Path(sys.executable).with_name("greenfi"))
# Variables that would point a subprocess at another node or another deployment record.
FOREIGN_ENV = ("GREENFI_RPC_URL", "DEVELOPMENT_RPC_URL", "GANACHE_RPC_URL", "GREENFI_KEYSTORE",
               "GREENFI_KEYSTORE_PASSWORD_FILE", "GREENFI_KEYSTORE_PASSWORD", "GREENFI_PRIVATE_KEY",
               "GREENFI_DEPLOYMENTS", "GREENFI_TIMELOCK_DELAY", "GREENFI_ADMIN_DELAY")


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without greenfi's node, key and record variables, plus `extra`;
    greenfi's own virtualenv first on PATH (the runbook says `greenfi`, not `.venv/bin/greenfi`)."""
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
    env["PATH"] = f"{Path(GREENFI).parent}{os.pathsep}{executable('anvil').rsplit('/', 1)[0]}{os.pathsep}{env['PATH']}"
    return {**env, **extra}


class Background:
    """Processes started in their own session, each with its output in a log file; `stop_all`
    ends every process group (a `greenfi chain` and its anvil, a daemon) and never another's."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.groups: list[subprocess.Popen | int] = []

    def start(self, name: str, argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
        log = open(self.directory / f"{name}.log", "w")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True)
        log.close()  # the child holds its own descriptor
        self.groups.append(proc)
        return proc

    def adopt(self, pgid: int) -> None:
        """A process group started elsewhere (a runbook block's `&`), stopped with the others."""
        self.groups.append(pgid)

    def log(self, name: str) -> str:
        path = self.directory / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop_all(self) -> None:
        for group in reversed(self.groups):
            if isinstance(group, subprocess.Popen):
                stop_child(group)
            else:
                stop_group(group)
        self.groups.clear()


def stop_child(proc: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM the group our child leads, wait for the child (reaped, not a zombie), then SIGKILL
    the group if it is still there."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def stop_group(pgid: int, timeout: float = 20) -> None:
    """SIGTERM a process group that is not our child's (reparented: never a zombie of ours), then
    SIGKILL what is still there after `timeout` seconds."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def wait_for_rpc(url: str, proc: subprocess.Popen | None = None, timeout: float = 60) -> Web3:
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 60}))
    deadline = time.monotonic() + timeout
    while not w3.is_connected():
        assert proc is None or proc.poll() is None, f"the node at {url} exited with {proc.returncode}"
        assert time.monotonic() < deadline, f"no node answered at {url} within {timeout:.0f} s"
        time.sleep(0.2)
    return w3


def pass_time(w3: Web3, seconds: int) -> int:
    """Let `seconds` pass on the node and mine a block at the new time; returns that block's time.
    The operator waits; the test asks anvil to jump."""
    w3.provider.make_request("evm_increaseTime", [seconds])
    w3.provider.make_request("evm_mine", [])
    return w3.eth.get_block("latest")["timestamp"]


class Chain:
    """Read access to a deployed suite for the tests' checks (the deployment record greenfi wrote)."""

    def __init__(self, w3: Web3, deployments: Path):
        self.w3 = w3
        self.deployments = deployments

    def contract(self, name: str):
        record = DeploymentRecord(self.w3.eth.chain_id, self.deployments)
        return contracts.at(self.w3, name, record.get(name).address)

    def now(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]


@dataclass(frozen=True)
class ReplayPlan:
    """What a `greenfi oracle simulate-devices` run replays: the readings are computed here from the
    same series and seed, so a test compares what was anchored with what was sent."""

    seed: str
    devices: int
    size: float
    after: int
    steps: int
    start_row: int

    def fleet(self) -> list[simulate.SimulatedDevice]:
        return simulate.fleet(self.seed, self.devices, self.size)

    def readings(self, chain_id: int, anchor: str) -> list:
        replay = simulate.Replay(self.fleet(), Domain(chain_id, anchor), after=self.after)
        return [s.reading for step in replay.steps(self.steps, self.start_row) for s in step]

    def options(self) -> list[str]:
        return ["--devices", str(self.devices), "--size", str(self.size), "--keys-from-seed", self.seed,
                "--start-row", str(self.start_row), "--steps", str(self.steps), "--after", str(self.after)]


def anchored_batches(chain: Chain) -> list[dict]:
    """Every batch MRVAnchor anchored, by field name, with its root."""
    anchor = chain.contract("MRVAnchor")
    return [contracts.fields(anchor.functions.batch(log["args"]["batchId"])) | {"root": log["args"]["batchId"]}
            for log in anchor.events.BatchAnchored().get_logs(from_block=0)]
