"""Demo step 1: deploy the whole suite, register the cast, fund it, and grant the operator roles
(sensor operators in MRVAnchor's operator set, the AI operator in ModelRegistry and RiskOracle)."""

from __future__ import annotations

import time

from greenfi.chain import contracts
from greenfi.demo.context import AI_OPERATOR, CAST, FUNDED, ONE_YEAR, TOKEN_UNIT, DemoContext, assign_cast
from greenfi.chain.deploy import SUITE, SuiteDeployer, SuiteRoles
from greenfi.chain.deployments import DeploymentRecord
from greenfi.paths import DEPLOYMENTS
from greenfi.domain.participants import Kind, jurisdiction
from greenfi.chain.signers import UnlockedSigner

SENSOR_OPERATORS = ("oracle_a", "oracle_b")


def run(ctx: DemoContext) -> None:
    w3 = ctx.w3
    ctx.deployer, ctx.cast = assign_cast(w3.eth.accounts)
    if ctx.attached:  # the node's own record: deploy only what is missing or changed
        record = DeploymentRecord(ctx.conn.chain_id, ctx.options.deployments_dir or DEPLOYMENTS)
    else:  # a throwaway chain: its record goes in the report folder, never over deployments/
        record = DeploymentRecord(ctx.conn.chain_id, ctx.options.out_dir / "deployments")
    roles = SuiteRoles(admin=ctx.deployer, regulator=ctx.cast["regulator"], bank=ctx.cast["bank"])
    ctx.addresses = SuiteDeployer(w3, UnlockedSigner(ctx.deployer), record, roles).deploy(
        on_progress=lambda step: ctx.log(f"    {step.action:8} {step.spec.name}"))
    artifact_of = {spec.name: spec.artifact_name for spec in SUITE}  # a spec may deploy another name's artifact
    ctx.c = {name: contracts.at(w3, artifact_of.get(name, name), address) for name, address in ctx.addresses.items()}
    ctx.log(f"    {record.path} written ({len(ctx.addresses)} contracts)")
    register_cast(ctx)
    fund(ctx)
    grant_operators(ctx)
    ctx.report["participants"] = {role: {"address": ctx.cast[role], "kind": kind.name, "jurisdiction": code}
                                  for role, kind, code in CAST}
    ctx.report["contracts"] = dict(ctx.addresses)


def register_cast(ctx: DemoContext) -> None:
    registry = ctx.c["ParticipantRegistry"]
    # A year from the wall clock: the chain's clock starts at the replayed days, up to a year earlier.
    expiry = max(ctx.now(), int(time.time())) + ONE_YEAR
    for role, kind, code in CAST:
        if registry.functions.kindOf(ctx.cast[role]).call() == Kind.NONE:
            ctx.send("regulator", registry.functions.register(ctx.cast[role], kind, jurisdiction(code), expiry))
    ctx.log(f"    registered {len(CAST)} participants (KYC valid one year)")


def fund(ctx: DemoContext) -> None:
    token = ctx.c["SettlementToken"]
    for role, amount in FUNDED.items():
        ctx.send("bank", token.functions.mint(ctx.cast[role], amount * TOKEN_UNIT))
    ctx.log("    minted tdCNY: " + ", ".join(f"{role} {amount:,}" for role, amount in FUNDED.items()))


def grant_operators(ctx: DemoContext) -> None:
    anchor, models, risk = ctx.c["MRVAnchor"], ctx.c["ModelRegistry"], ctx.c["RiskOracle"]
    for role in SENSOR_OPERATORS:
        if not anchor.functions.isOperator(ctx.cast[role]).call():
            ctx.send("regulator", anchor.functions.addOperator(ctx.cast[role]))
    for contract, role in ((models, models.functions.MODEL_OPERATOR_ROLE().call()),
                           (risk, risk.functions.OPERATOR_ROLE().call())):
        if not contract.functions.hasRole(role, ctx.cast[AI_OPERATOR]).call():
            ctx.send("deployer", contract.functions.grantRole(role, ctx.cast[AI_OPERATOR]))
    ctx.log(f"    MRVAnchor operators: {', '.join(SENSOR_OPERATORS)}; AI operator (models, risk scores): {AI_OPERATOR}")
