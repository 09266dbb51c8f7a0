"""The end-to-end demo: the whole network on one chain, step by step.

Today it deploys the shared layer, registers the cast of participants and funds them with the
settlement token; later steps (MRV, carbon credits, risk scores, bonds, vouchers) join as they land.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from web3 import Web3

from greenfi import contracts
from greenfi.chain import Connection
from greenfi.deploy import SuiteDeployer, SuiteRoles
from greenfi.deployments import DeploymentRecord
from greenfi.participants import Kind, jurisdiction
from greenfi.signers import UnlockedSigner
from greenfi.transactions import transact

ONE_YEAR = 365 * 24 * 3600
TOKEN_UNIT = 10**6  # SettlementToken has 6 decimals

# (role name, participant kind, jurisdiction); the order fixes which dev account plays which role.
CAST: list[tuple[str, Kind, str]] = [
    ("regulator", Kind.REGULATOR, "CN"),
    ("verifier", Kind.VERIFIER, "CN"),
    ("oracle_a", Kind.ORACLE_OPERATOR, "CN"),
    ("oracle_b", Kind.ORACLE_OPERATOR, "DE"),
    ("pv_developer", Kind.PROJECT_DEVELOPER, "CN"),
    ("core_enterprise", Kind.ENTERPRISE, "CN"),
    ("supplier_tier1", Kind.ENTERPRISE, "CN"),
    ("supplier_tier2", Kind.ENTERPRISE, "CN"),
    ("supplier_tier3", Kind.ENTERPRISE, "CN"),
    ("bank", Kind.BANK, "CN"),
    ("investor_a", Kind.INVESTOR, "CN"),
    ("investor_b", Kind.INVESTOR, "DE"),
    ("auditor", Kind.AUDITOR, "CN"),
]
FUNDED = {"core_enterprise": 5_000_000, "investor_a": 2_000_000, "investor_b": 1_000_000, "bank": 10_000_000}


@dataclass
class DemoResult:
    chain_id: int
    addresses: dict[str, str]
    cast: dict[str, str]


def assign_cast(accounts: list[str]) -> tuple[str, dict[str, str]]:
    """The deployer and the cast's addresses, from a node's unlocked accounts."""
    if len(accounts) < len(CAST) + 1:
        raise ValueError(f"the demo needs {len(CAST) + 1} unlocked accounts, the node has {len(accounts)}")
    return accounts[0], {role: accounts[i + 1] for i, (role, _, _) in enumerate(CAST)}


def run(conn: Connection, log: Callable[[str], None] = print) -> DemoResult:
    w3 = conn.w3
    deployer, cast = assign_cast(w3.eth.accounts)
    record = DeploymentRecord(conn.chain_id)
    roles = SuiteRoles(admin=deployer, regulator=cast["regulator"], bank=cast["bank"])

    log("step 1/1  deploy the shared layer and register participants")
    addresses = SuiteDeployer(w3, UnlockedSigner(deployer), record, roles).deploy(
        on_progress=lambda step: log(f"  {step.action:8} {step.spec.name}")
    )
    handles = contracts.suite(w3, addresses)
    _register_cast(w3, handles["ParticipantRegistry"], cast)
    _fund(w3, handles["SettlementToken"], cast)
    return DemoResult(conn.chain_id, addresses, cast)


def _register_cast(w3: Web3, registry, cast: dict[str, str]) -> None:
    regulator = UnlockedSigner(cast["regulator"])
    expiry = w3.eth.get_block("latest")["timestamp"] + ONE_YEAR
    for role, kind, code in CAST:
        if registry.functions.kindOf(cast[role]).call() == Kind.NONE:
            transact(w3, regulator, registry.functions.register(cast[role], kind, jurisdiction(code), expiry))


def _fund(w3: Web3, token, cast: dict[str, str]) -> None:
    bank = UnlockedSigner(cast["bank"])
    for role, amount in FUNDED.items():
        transact(w3, bank, token.functions.mint(cast[role], amount * TOKEN_UNIT))
