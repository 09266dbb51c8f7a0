"""A local chain populated for the dashboard: the demo's steps (greenfi.demo) on a fresh embedded
chain that stays up while the caller looks at it (the browser test, the screenshot script).

Where the demo does not yet create something the dashboard shows, `bond_step` fills in (see
`plan`): a green bond issued by the core enterprise, subscribed by both investors, settled at the
issuer's risk score, proceeds allocated to the PV project in two milestones of which the first is
released against the verified generation, and the first coupon funded and claimed. It runs before the voucher step (the
voucher step moves the chain's clock 90 days on, past the risk score's useful age).
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from unittest import mock

from greenfi import contracts, demo
from greenfi.deploy import ContractSpec, SuiteDeployer, SuiteRoles
from greenfi.deployments import DeploymentRecord
from greenfi.networks import EMBEDDED, Network
from greenfi.paths import DEPLOYMENTS
from greenfi.signers import UnlockedSigner

BOND_STEP = 5
BOND_UNIT = 1_000 * demo.TOKEN_UNIT  # denomination: 1 000 tdCNY per bond
SUBSCRIPTIONS = {"investor_a": 300, "investor_b": 200}  # bonds
RELEASED_SHARE = 2  # milestone 0 releases at 1/RELEASED_SHARE of the verified generation (met at once)


def records_dir(ctx: demo.DemoContext) -> Path:
    """Where the demo keeps this chain's deployment record: the repo's deployments/ for an attached
    node, the report folder for a fresh embedded chain (greenfi.demo_setup)."""
    return DEPLOYMENTS if ctx.attached else ctx.options.out_dir / "deployments"


def deploy_bond_contracts(ctx: demo.DemoContext) -> dict[str, str]:
    """GreenBond (the implementation) and GreenBondFactory, added to the demo's deployment record."""
    a = ctx.addresses
    specs = [
        ContractSpec("GreenBond", lambda c: [a["ParticipantRegistry"], a["SettlementToken"], a["ProjectRegistry"],
                                             a["MRVReports"], a["RiskOracle"]]),
        ContractSpec("GreenBondFactory", lambda c: [a["ParticipantRegistry"], c.address("GreenBond")]),
    ]
    roles = SuiteRoles(admin=ctx.deployer, regulator=ctx.cast["regulator"], bank=ctx.cast["bank"])
    deployed = SuiteDeployer(ctx.w3, UnlockedSigner(ctx.deployer), DeploymentRecord(ctx.conn.chain_id, records_dir(ctx)), roles,
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
    ledger = bond.functions.ledger().call()  # subscribed, refunded, allocatedNet, released, withdrawn, coupons…
    # the figures in the keys demo_report's summary and bond chart read
    ctx.report["bond"] = {"address": bond.address, "bonds": sum(SUBSCRIPTIONS.values()), "raised": raised,
                          "released": ledger[3], "withdrawn": ledger[4], "coupon_funded": ledger[5],
                          "coupon_claimed": ledger[6], "coupon_rate_bps": bond.functions.couponRate(1).call()}
    ctx.log(f"    green bond {bond.address[:10]}…: raised {raised / demo.TOKEN_UNIT:,.0f}, released "
            f"{ledger[3] / demo.TOKEN_UNIT:,.0f} against verified generation, coupon 1 funded and claimed")


def plan(steps: list[demo.Step]) -> list[demo.Step]:
    """The demo's steps, its bond step wrapped: the bond contracts are deployed first when the suite
    lacks them, and `bond_step` issues a bond when the demo's own step leaves none."""
    def bonds(ctx: demo.DemoContext) -> None:
        if "GreenBondFactory" not in ctx.addresses:
            ctx.addresses.update(deploy_bond_contracts(ctx))
        for step in steps:
            if step.number == BOND_STEP:
                step.run(ctx)
        factory = contracts.at(ctx.w3, "GreenBondFactory", ctx.addresses["GreenBondFactory"])
        if factory.functions.bondCount().call() == 0:
            bond_step(ctx)

    ours = demo.Step(BOND_STEP, "green bond: issue, subscribe, release proceeds, coupon", bonds)
    return [s for s in steps if s.number < BOND_STEP] + [ours] + [s for s in steps if s.number > BOND_STEP]


@contextlib.contextmanager
def populated_chain(options: demo.DemoOptions | None = None, network: Network = EMBEDDED["development"],
                    log: Callable[[str], None] = lambda line: None) -> Iterator[demo.DemoContext]:
    """A fresh embedded chain after the demo's steps (and `bond_step`); stopped on exit.

    The chain's genesis is dated before the replayed PV days, as `greenfi.demo.main` does; the
    deployment record is in `records_dir(ctx)` (the demo's report folder, here a scratch folder)."""
    from greenfi import chain
    from greenfi.demo_mrv import replay_start as first_replayed_midnight

    with tempfile.TemporaryDirectory(prefix="greenfi-dashboard-sample-") as scratch:
        options = options or demo.DemoOptions.quick()
        options = replace(options, out_dir=options.out_dir or Path(scratch) / "report")
        started = int(time.time())
        replay_start = first_replayed_midnight(started, options.days)
        backdated = demo._BackdatedNetwork(network.name, True, network.chain_id, network.rpc_url, network.port,
                                           genesis=replay_start - demo.ONE_DAY)
        with chain.embedded(backdated) as conn:
            ctx = demo.DemoContext(conn, options, log, Path(scratch), run_tag=f"{conn.chain_id}-{started}",
                                   from_block=conn.w3.eth.block_number)
            ctx.report.update(replay_start=replay_start, started_at=started, chain_id=conn.chain_id,
                              attached=False, network=network.name)
            # demo.run takes its steps from demo.steps(): hand it ours for this run only
            demo_steps = demo.steps()
            with mock.patch.object(demo, "steps", lambda: plan(demo_steps)):
                demo.run(ctx)
            yield ctx


def rpc_url(ctx: demo.DemoContext) -> str:
    return ctx.w3.provider.endpoint_uri

