"""A local chain populated for the dashboard: the demo's steps (greenfi.demo) on a fresh embedded
chain that stays up while the caller looks at it (the browser test, the screenshot script).

Where the demo does not yet create something the dashboard shows, `bond_step` fills in: a green bond
issued by the core enterprise, subscribed by both investors, settled at the issuer's risk score,
proceeds allocated to the PV project in two milestones of which the first is released against the
verified generation, and the first coupon funded and claimed. It runs before the voucher step (the
voucher step moves the chain's clock 90 days on, past the risk score's useful age).
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from greenfi import contracts, demo
from greenfi.deploy import ContractSpec, SuiteDeployer, SuiteRoles
from greenfi.deployments import DeploymentRecord
from greenfi.networks import EMBEDDED, Network
from greenfi.signers import UnlockedSigner

BOND_STEP = 5
BOND_UNIT = 1_000 * demo.TOKEN_UNIT  # denomination: 1 000 tdCNY per bond
SUBSCRIPTIONS = {"investor_a": 300, "investor_b": 200}  # bonds
RELEASED_SHARE = 2  # milestone 0 releases at 1/RELEASED_SHARE of the verified generation (met at once)


def deploy_bond_contracts(ctx: demo.DemoContext) -> dict[str, str]:
    """GreenBond (the implementation) and GreenBondFactory, recorded in deployments/<chainId>.json."""
    a = ctx.addresses
    specs = [
        ContractSpec("GreenBond", lambda c: [a["ParticipantRegistry"], a["SettlementToken"], a["ProjectRegistry"],
                                             a["MRVReports"], a["RiskOracle"]]),
        ContractSpec("GreenBondFactory", lambda c: [a["ParticipantRegistry"], c.address("GreenBond")]),
    ]
    roles = SuiteRoles(admin=ctx.deployer, regulator=ctx.cast["regulator"], bank=ctx.cast["bank"])
    deployed = SuiteDeployer(ctx.w3, UnlockedSigner(ctx.deployer), DeploymentRecord(ctx.conn.chain_id), roles,
                             suite=specs, grants=[]).deploy()
    return {"GreenBondFactory": deployed["GreenBondFactory"]}


def bond_step(ctx: demo.DemoContext) -> None:
    """Issue a green bond, subscribe, settle, allocate and release proceeds, fund and claim a coupon."""
    if "GreenBondFactory" not in ctx.addresses:
        ctx.addresses.update(deploy_bond_contracts(ctx))
    factory = contracts.at(ctx.w3, "GreenBondFactory", ctx.addresses["GreenBondFactory"])
    token = ctx.c["SettlementToken"]
    start = ctx.now()
    issue_date = start + 3600  # settle within the risk score's validity (the risk oracle's default: 7 days)
    terms = (b"XS00GREENFI1".ljust(32, b"\0"), BOND_UNIT, 1_000, 100, start, issue_date,
             issue_date + 3 * demo.ONE_YEAR, 500, 2, 0, 0, 0, 2_000, 0, 0)
    receipt = ctx.send("core_enterprise", factory.functions.createBond(terms, "greenfi Solar Bond 2029", "GFSB29"))
    bond = contracts.at(ctx.w3, "GreenBond", factory.events.BondCreated().process_receipt(receipt)[0]["args"]["bond"])
    for investor, bonds in SUBSCRIPTIONS.items():
        ctx.send(investor, token.functions.approve(bond.address, bonds * BOND_UNIT))
        ctx.send(investor, bond.functions.subscribe(bonds))
    ctx.advance_to(issue_date)
    ctx.send("core_enterprise", bond.functions.settle())

    project_id = ctx.report["project_id"]
    generation_wh = ctx.c["MRVReports"].functions.verifiedTotals(project_id).call()[0]
    raised = sum(SUBSCRIPTIONS.values()) * BOND_UNIT
    ctx.send("core_enterprise", bond.functions.allocate(project_id, raised * 3 // 5, max(1, generation_wh // RELEASED_SHARE)))
    ctx.send("core_enterprise", bond.functions.allocate(project_id, raised // 5, generation_wh * 10 + 1))
    ctx.send("verifier", bond.functions.releaseMilestone(0))
    ctx.send("pv_developer", bond.functions.withdrawProceeds())

    coupon = bond.functions.couponPerBond(1).call() * sum(SUBSCRIPTIONS.values())
    ctx.send("core_enterprise", token.functions.approve(bond.address, coupon))
    ctx.send("core_enterprise", bond.functions.fundCoupon(1))
    ctx.send("investor_a", bond.functions.claimCoupons())
    ledger = bond.functions.ledger().call()
    ctx.report["bond"] = {"address": bond.address, "raised": raised, "released": ledger[3], "coupon": coupon}
    ctx.log(f"    green bond {bond.address[:10]}…: raised {raised / demo.TOKEN_UNIT:,.0f}, released "
            f"{ledger[3] / demo.TOKEN_UNIT:,.0f} against verified generation, coupon 1 funded and claimed")


def plan(steps: list[demo.Step]) -> list[demo.Step]:
    """The demo's steps, with `bond_step` before the voucher step when the demo has no bond step."""
    if any(step.number == BOND_STEP for step in steps):
        return steps
    ours = demo.Step(BOND_STEP, "green bond: issue, subscribe, release proceeds, coupon (dashboard sample)", bond_step)
    before = [s for s in steps if s.number < BOND_STEP]
    return before + [ours] + [s for s in steps if s.number > BOND_STEP]


@contextlib.contextmanager
def populated_chain(options: demo.DemoOptions | None = None, network: Network = EMBEDDED["development"],
                    log: Callable[[str], None] = lambda line: None) -> Iterator[demo.DemoContext]:
    """A fresh embedded chain after the demo's steps (and `bond_step`); stopped on exit.

    The chain's genesis is dated before the replayed PV days, as `greenfi.demo.main` does. The demo
    records its deployment in deployments/<chainId>.json; a record that was there before (a chain of
    `greenfi chain` with the same id) is put back on exit."""
    from greenfi import chain

    with tempfile.TemporaryDirectory(prefix="greenfi-dashboard-sample-") as scratch, \
            _record_restored(DeploymentRecord(network.chain_id).path):
        options = options or demo.DemoOptions.quick()
        options = replace(options, out_dir=options.out_dir or Path(scratch) / "report")
        started = int(time.time())
        replay_start = (started // demo.ONE_DAY - options.days) * demo.ONE_DAY
        backdated = demo._BackdatedNetwork(network.name, True, network.chain_id, network.rpc_url, network.port,
                                           genesis=replay_start - demo.ONE_DAY)
        with chain.embedded(backdated) as conn:
            ctx = demo.DemoContext(conn, options, log, Path(scratch))
            ctx.report["replay_start"] = replay_start
            ctx.report["started_at"] = started
            for step in plan(demo.steps()):
                log(f"step {step.number}: {step.title}")
                try:
                    step.run(ctx)
                except Exception as exc:
                    raise demo.DemoStepFailed(f"demo step {step.number} ({step.title}) failed: {exc}") from exc
            yield ctx


@contextlib.contextmanager
def _record_restored(path: Path) -> Iterator[None]:
    before = path.read_bytes() if path.exists() else None
    try:
        yield
    finally:
        if before is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(before)


def rpc_url(ctx: demo.DemoContext) -> str:
    return ctx.w3.provider.endpoint_uri

