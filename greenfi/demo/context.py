"""What the demo's steps share: the cast of participants, the run's options, and `DemoContext` (the
chain, who is who, the contracts, the report's figures). A step imports this module, never the
runner (greenfi.demo) and never a click module."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from web3 import Web3

from greenfi.chain.node import Connection
from greenfi.chain.signers import UnlockedSigner
from greenfi.chain.transactions import transact
from greenfi.domain.participants import Kind
from greenfi.domain.units import UNIT
from greenfi.errors import GreenfiError

ONE_DAY = 24 * 3600
ONE_YEAR = 365 * ONE_DAY
TOKEN_UNIT = UNIT  # SettlementToken's base units per token (6 decimals)

# role, participant kind, jurisdiction; the order fixes which dev account plays which role.
CAST_TABLE = """
    regulator         REGULATOR          CN
    verifier          VERIFIER           CN
    oracle_a          ORACLE_OPERATOR    CN
    oracle_b          ORACLE_OPERATOR    DE
    pv_developer      PROJECT_DEVELOPER  CN
    core_enterprise   ENTERPRISE         CN
    supplier_tier1    ENTERPRISE         CN
    supplier_tier2    ENTERPRISE         CN
    supplier_tier3    ENTERPRISE         CN
    bank              BANK               CN
    investor_a        INVESTOR           CN
    investor_b        INVESTOR           DE
    auditor           AUDITOR            CN
"""
CAST: list[tuple[str, Kind, str]] = [(role, Kind[kind], code) for role, kind, code in map(str.split, CAST_TABLE.strip().splitlines())]
AI_OPERATOR = "oracle_b"  # registers models and posts risk scores
FUNDED = {"core_enterprise": 5_000_000, "investor_a": 2_000_000, "investor_b": 1_000_000, "bank": 10_000_000}


class DemoStepFailed(GreenfiError):
    """A demo step failed; the message names the step and the cause."""


@dataclass(frozen=True)
class DemoOptions:
    """How much the demo replays: the default run, or `quick()` for tests."""

    days: int = 3  # days of the PV series replayed
    devices: int = 3  # PV inverters, each the series scaled differently (oracles.sensor.simulate's fleet)
    start_day: int = 60  # the first replayed day of the series: from day 59 on, every device's weather is in it
    cv_folds: int = 5
    cv_repeats: int = 1
    out_dir: Path | None = None  # default reports/<timestamp>/
    deployments_dir: Path | None = None  # the record of an attached node's suite (default deployments/)

    @classmethod
    def quick(cls, out_dir: Path | None = None) -> DemoOptions:
        return cls(days=1, devices=2, cv_folds=3, cv_repeats=1, out_dir=out_dir)


@dataclass
class DemoContext:
    """What the steps share: the chain, who is who, the contracts, and the report's figures."""

    conn: Connection
    options: DemoOptions
    log: Callable[[str], None]
    workdir: Path  # scratch files of this run (daemon databases, model, features)
    deployer: str = ""
    cast: dict[str, str] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)
    c: dict[str, Any] = field(default_factory=dict)  # contract name → web3 handle
    report: dict[str, Any] = field(default_factory=dict)  # step name → figures for summary.json
    run_tag: str = ""  # unique per run: seeds the devices' keys and the documents' hashes
    from_block: int = 0  # the first block of this run (event queries start there)
    attached: bool = False  # on a persistent node (greenfi chain) rather than a fresh embedded one
    started_monotonic: float = 0.0  # when the first step began (time.monotonic)

    @property
    def w3(self) -> Web3:
        return self.conn.w3

    def send(self, role: str, call) -> Any:
        """Send `call` as the cast member `role` (or "deployer"), return the receipt."""
        account = self.deployer if role == "deployer" else self.cast[role]
        return transact(self.w3, UnlockedSigner(account), call)

    def now(self) -> int:
        """The chain's time: the latest block's timestamp."""
        return self.w3.eth.get_block("latest")["timestamp"]

    def advance_to(self, timestamp: int) -> None:
        """Mine a block at `timestamp` (local chains only); never moves time backwards."""
        target = max(timestamp, self.now() + 1)
        if "error" in self.w3.provider.make_request("evm_setNextBlockTimestamp", [target]):
            self.w3.provider.make_request("evm_mine", [target])  # ganache: the block's time as a parameter
        else:
            self.w3.provider.make_request("evm_mine", [])
        if self.now() < target:
            raise GreenfiError(f"the node did not move its clock to {target} (evm_setNextBlockTimestamp / evm_mine)")

    def advance(self, seconds: int) -> None:
        self.advance_to(self.now() + seconds)

    def set_clock(self, timestamp: int) -> None:
        """Mine a block at `timestamp`, even in the past: anvil's `anvil_setTime` (attached runs)."""
        answer = self.w3.provider.make_request("anvil_setTime", [timestamp])
        if "error" in answer:
            raise GreenfiError(f"the node cannot move its clock (anvil_setTime): {answer['error'].get('message')}")
        self.w3.provider.make_request("evm_mine", [])


def assign_cast(accounts: list[str]) -> tuple[str, dict[str, str]]:
    """The deployer and the cast's addresses, from a node's unlocked accounts."""
    if len(accounts) < len(CAST) + 1:
        raise GreenfiError(f"the demo needs {len(CAST) + 1} unlocked accounts, the node has {len(accounts)}")
    return accounts[0], {role: accounts[i + 1] for i, (role, _, _) in enumerate(CAST)}
