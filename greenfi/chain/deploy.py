"""Deploy the greenfi suite to a chain, idempotently.

The suite is an ordered list of contract specs. A contract is skipped when the chain's record holds
it with the same fingerprint (bytecode and constructor arguments) and code is still at its address;
a changed dependency changes its dependents' arguments, so they are redeployed too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth_abi import encode
from web3 import Web3

from greenfi.chain import artifacts, contracts, governance
from greenfi.chain.deployments import Deployed, DeploymentRecord
from greenfi.errors import DeploymentError
from greenfi.chain.signers import Signer
from greenfi.chain.transactions import transact

def _stand_in(name: str) -> str:
    """A deterministic address standing in, during a dry run, for a contract not yet deployed."""
    return Web3.to_checksum_address("0x" + hashlib.sha256(name.encode()).hexdigest()[:40])


@dataclass(frozen=True)
class SuiteRoles:
    """Who holds the suite's administrative roles, and how many oracle operators must sign each MRV
    batch (MRVAnchor's k: `LIVE_MRV_THRESHOLD` on live networks, 1 on local chains; docs/mrv.md)."""

    admin: str
    regulator: str
    bank: str
    mrv_threshold: int = 1
    # Seconds between the two steps of a default-admin transfer (ParticipantRegistry's constructor
    # argument, adopted by every contract built on it); 0 only on local chains.
    admin_delay: int = 0


@dataclass
class DeployContext:
    roles: SuiteRoles
    addresses: dict[str, str] = field(default_factory=dict)

    def address(self, name: str) -> str:
        if name not in self.addresses:
            raise DeploymentError(f"{name} is used before it is deployed: reorder the suite")
        return self.addresses[name]


@dataclass(frozen=True)
class ContractSpec:
    name: str
    args: Callable[[DeployContext], list[Any]]
    artifact: str | None = None  # defaults to `name`

    @property
    def artifact_name(self) -> str:
        return self.artifact or self.name


@dataclass(frozen=True)
class RoleGrant:
    """A role one suite contract must hold on another (or a configured account), granted after deployment."""

    contract: str  # the contract whose AccessControl holds the role
    role: str  # the name of its bytes32 constant, e.g. "ISSUER_ROLE"
    account: Callable[[DeployContext], str]


CARBON_BUFFER_BPS = 1_000  # 10 % of each issued batch goes to the buffer pool
CARBON_MARKET_FEE_BPS = 100  # 1 % of each fill to the treasury (the admin)
# k on live networks: one operator's key alone cannot anchor invented readings (docs/mrv.md, "k of n").
LIVE_MRV_THRESHOLD = 2
RISK_SCORE_MAX_AGE = 30 * 24 * 3600  # seconds a risk score stays usable for consumers (RiskOracle.maxAge)
MINIMUM_ATTRIBUTION_CLAIM = 1_000 * 10**6  # settlement base units: a smaller allocation buys no share of impact

# The whole network, in deployment order: each contract only refers to those above it.
SUITE: list[ContractSpec] = [
    # The shared layer (issue 2).
    ContractSpec("ParticipantRegistry", lambda c: [c.roles.admin, c.roles.regulator, c.roles.admin_delay]),
    ContractSpec(
        "SettlementToken",
        lambda c: ["Tokenized Deposit CNY", "tdCNY", c.address("ParticipantRegistry"), c.roles.admin, c.roles.bank],
    ),
    # Projects, verified sensor data and monitoring reports (issues 3 and 4).
    ContractSpec("ProjectRegistry", lambda c: [c.address("ParticipantRegistry"), c.roles.admin, c.roles.regulator]),
    ContractSpec("DeviceRegistry", lambda c: [c.address("ParticipantRegistry"), c.address("ProjectRegistry")]),
    ContractSpec(
        "MRVAnchor",
        lambda c: [c.address("ParticipantRegistry"), c.address("DeviceRegistry"), c.roles.admin, c.roles.regulator,
                   c.roles.mrv_threshold],
    ),
    ContractSpec(
        "MRVReports",
        lambda c: [c.address("ParticipantRegistry"), c.address("ProjectRegistry"), c.address("MRVAnchor"),
                   c.roles.admin, c.roles.regulator],
    ),
    # Carbon assets (issue 4).
    ContractSpec(
        "CarbonCredits",
        lambda c: [c.address("ParticipantRegistry"), c.address("ProjectRegistry"), c.address("MRVReports"),
                   c.roles.admin, c.roles.regulator, CARBON_BUFFER_BPS],
    ),
    ContractSpec(
        "CarbonMarket",
        lambda c: [c.address("ParticipantRegistry"), c.address("CarbonCredits"), c.address("SettlementToken"),
                   c.roles.admin, c.roles.admin, CARBON_MARKET_FEE_BPS],
    ),
    # The AI decision ledger: model versions and the risk scores they produce.
    ContractSpec("ModelRegistry", lambda c: [c.address("ParticipantRegistry"), c.roles.admin]),
    ContractSpec(
        "RiskOracle",
        lambda c: [c.address("ParticipantRegistry"), c.address("ModelRegistry"), c.roles.admin, RISK_SCORE_MAX_AGE],
    ),
    # Supply-chain e-credit vouchers (issue 7), priced with the RiskOracle.
    ContractSpec(
        "CreditVoucher",
        lambda c: [c.address("ParticipantRegistry"), c.address("SettlementToken"), c.address("RiskOracle"),
                   c.address("ProjectRegistry"), c.roles.admin, c.roles.regulator],
    ),
    # Verified output attributed once between the instruments that finance a project (bonds, later loans).
    ContractSpec("ImpactAttribution",
                 lambda c: [c.address("MRVReports"), c.roles.admin, MINIMUM_ATTRIBUTION_CLAIM, c.roles.admin_delay]),
    # Green bonds (issue 6): one GreenBond implementation wired to the suite, cloned per series by the factory.
    ContractSpec(
        "GreenBond",
        lambda c: [c.address("ParticipantRegistry"), c.address("SettlementToken"), c.address("ProjectRegistry"),
                   c.address("ImpactAttribution"), c.address("RiskOracle")],
    ),
    ContractSpec("GreenBondFactory", lambda c: [c.address("ParticipantRegistry"), c.address("GreenBond")]),
    # Green and sustainability-linked loans (issue 20): one GreenLoan implementation, cloned per facility.
    ContractSpec(
        "GreenLoan",
        lambda c: [c.address("ParticipantRegistry"), c.address("SettlementToken"), c.address("ProjectRegistry"),
                   c.address("ImpactAttribution"), c.address("RiskOracle")],
    ),
    ContractSpec("GreenLoanFactory", lambda c: [c.address("ParticipantRegistry"), c.address("GreenLoan")]),
]

# Roles the suite's contracts hold on each other.
GRANTS: list[RoleGrant] = [
    # The market's escrow is exempt from CarbonCredits' per-transfer check (it checks both sides itself).
    RoleGrant("CarbonCredits", "MARKET_ROLE", lambda c: c.address("CarbonMarket")),
    # IMonitoringReports.consumeForIssuance is the issuance contract's alone.
    RoleGrant("MRVReports", "ISSUER_ROLE", lambda c: c.address("CarbonCredits")),
    # The factory registers each series it creates as an instrument that may claim a project's output.
    RoleGrant("ImpactAttribution", "REGISTRAR_ROLE", lambda c: c.address("GreenBondFactory")),
    # ... and so does the loan factory for each facility (a loan's KPI and DSCR read its attributed output).
    RoleGrant("ImpactAttribution", "REGISTRAR_ROLE", lambda c: c.address("GreenLoanFactory")),
]


@dataclass(frozen=True)
class Step:
    spec: ContractSpec
    action: str  # "deploy" or "skip" or "external"
    gas: int | None = None


def _constructor_types(abi: list[dict[str, Any]]) -> list[str]:
    for item in abi:
        if item.get("type") == "constructor":
            return [_abi_type(i) for i in item["inputs"]]
    return []


def _abi_type(param: dict[str, Any]) -> str:
    if param["type"].startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in param["components"])
        return f"({inner}){param['type'][5:]}"
    return param["type"]


def fingerprint(artifact: artifacts.Artifact, args: list[Any]) -> str:
    encoded = encode(_constructor_types(artifact.abi), args)
    return "0x" + hashlib.sha256(bytes.fromhex(artifact.bytecode.removeprefix("0x")) + encoded).hexdigest()


class SuiteDeployer:
    def __init__(self, w3: Web3, signer: Signer, record: DeploymentRecord, roles: SuiteRoles,
                 external: dict[str, str] | None = None, suite: list[ContractSpec] | None = None,
                 grants: list[RoleGrant] | None = None, timelock: governance.TimelockConfig | None = None):
        self.w3 = w3
        self.signer = signer
        self.record = record
        self.roles = roles
        self.external = external or {}
        self.suite = SUITE if suite is None else suite
        self.grants = GRANTS if grants is None else grants
        self.timelock = timelock
        if timelock is not None:  # deployed last; takes GOVERNOR_ROLE over once the grants are in place
            self.suite = [*self.suite, ContractSpec(governance.TIMELOCK, lambda c: timelock.args())]

    def plan(self) -> list[Step]:
        """What a run would do, with a gas estimate for each contract it would deploy. Sends nothing."""
        return self._walk(execute=False)

    def deploy(self, on_progress: Callable[[Step], None] = lambda step: None) -> dict[str, str]:
        """Deploy what changed, record each contract as soon as it is mined, return all addresses."""
        ctx = DeployContext(self.roles)
        self._walk(execute=True, ctx=ctx, on_progress=on_progress)
        self._grant_roles(ctx)
        if self.timelock is not None:
            self._hand_over(ctx)
        return dict(ctx.addresses)

    def _hand_over(self, ctx: DeployContext) -> list[str]:
        """GOVERNOR_ROLE (and the extra parameter roles) from the deployer and the regulator to the timelock."""
        handles = {name: contracts.at(self.w3, name, address) for name, address in ctx.addresses.items()
                   if name not in self.external}
        return governance.hand_over(governance.governed(handles), ctx.address(governance.TIMELOCK),
                                    self.signer.address, (self.roles.regulator,),
                                    lambda call: transact(self.w3, self.signer, call))

    def missing_grants(self, addresses: dict[str, str]) -> list[tuple[RoleGrant, bytes, str]]:
        """The grants not yet in place: (grant, role id, grantee)."""
        ctx = DeployContext(self.roles, dict(addresses))
        missing = []
        for grant in self.grants:
            holder = contracts.at(self.w3, grant.contract, ctx.address(grant.contract))
            role_id = getattr(holder.functions, grant.role)().call()
            grantee = grant.account(ctx)
            if not holder.functions.hasRole(role_id, grantee).call():
                missing.append((grant, role_id, grantee))
        return missing

    def _grant_roles(self, ctx: DeployContext) -> None:
        # Idempotent: a re-run grants only what is missing (e.g. after a redeploy).
        for grant, role_id, grantee in self.missing_grants(ctx.addresses):
            holder = contracts.at(self.w3, grant.contract, ctx.address(grant.contract))
            admin_role = holder.functions.getRoleAdmin(role_id).call()
            if not holder.functions.hasRole(admin_role, self.signer.address).call():
                # After the hand-over only the timelock grants governed roles.
                raise DeploymentError(
                    f"{grant.contract}.{grant.role} must go to {grantee}, but the deployer no longer holds the "
                    f"role that grants it: schedule it through the timelock (greenfi governance schedule "
                    f"{grant.contract} grantRole {'0x' + bytes(role_id).hex()} {grantee})")
            transact(self.w3, self.signer, holder.functions.grantRole(role_id, grantee))

    def _walk(self, execute: bool, ctx: DeployContext | None = None,
              on_progress: Callable[[Step], None] = lambda step: None) -> list[Step]:
        ctx = ctx or DeployContext(self.roles)
        changed: set[str] = set()  # addresses (real or, in a dry run, stand-ins) of contracts deployed anew
        steps = []
        for spec in self.suite:
            if spec.name in self.external:
                address = self.external[spec.name]
                if execute:
                    self._record_external(spec.name, address)
                step = Step(spec, "external")
            else:
                artifact = artifacts.load(spec.artifact_name)
                args = spec.args(ctx)
                current = self.record.get(spec.name)
                if self._is_current(current, artifact, args) and not self._depends_on(args, changed):
                    address, step = current.address, Step(spec, "skip")
                elif execute:
                    address, step = self._deploy_one(spec.name, artifact, args), Step(spec, "deploy")
                else:
                    address, step = _stand_in(spec.name), Step(spec, "deploy", self._estimate(artifact, args))
                if step.action == "deploy":
                    changed.add(address)
            ctx.addresses[spec.name] = address
            steps.append(step)
            on_progress(step)
        return steps

    # ------------------------------------------------------------------ internals

    def _is_current(self, current: Deployed | None, artifact: artifacts.Artifact, args: list[Any]) -> bool:
        if current is None or current.external or current.fingerprint != fingerprint(artifact, args):
            return False
        return len(self.w3.eth.get_code(Web3.to_checksum_address(current.address))) > 0

    @staticmethod
    def _depends_on(args: list[Any], changed: set[str]) -> bool:
        return any(isinstance(a, str) and a in changed for a in args)

    def _estimate(self, artifact: artifacts.Artifact, args: list[Any]) -> int | None:
        """Gas for deploying `artifact`; None when the constructor needs dependencies not yet deployed."""
        data = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode).constructor(*args).data_in_transaction
        try:
            return self.w3.eth.estimate_gas({"from": self.signer.address, "data": data})
        except Exception:  # a revert here only means a stand-in address was called
            return None

    def _deploy_one(self, name: str, artifact: artifacts.Artifact, args: list[Any]) -> str:
        data = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode).constructor(*args).data_in_transaction
        tx_hash = self.signer.send(self.w3, {"data": data})
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=600)
        if receipt["status"] != 1 or not receipt.get("contractAddress"):
            raise DeploymentError(f"deployment of {name} failed in transaction {tx_hash.hex()}")
        address = receipt["contractAddress"]
        self.record.put(
            name,
            Deployed(address, "0x" + bytes(tx_hash).hex().removeprefix("0x"), receipt["blockNumber"],
                     artifact.abi_hash, fingerprint(artifact, args)),
        )
        return address

    def _record_external(self, name: str, address: str) -> None:
        if len(self.w3.eth.get_code(Web3.to_checksum_address(address))) == 0:
            raise DeploymentError(f"{name} is configured as {address}, but no contract is deployed there")
        self.record.put(name, Deployed(address, None, None, "", "", external=True))
