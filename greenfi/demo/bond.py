"""Demo step 5: a green bond (GreenBondFactory, GreenBond; docs/bonds.md).

The core enterprise creates a quarterly KPI-linked series through GreenBondFactory; both investors
subscribe; at the issue date the issuer settles (GreenBond checks the issuer's RiskOracle score
from step 4 against the terms' limit); part of the proceeds is allocated to the PV project (the series
claims its output in ImpactAttribution from then on), attested by the verifier, released and withdrawn
by the developer; the first coupon is funded, the chain's clock moves to its payment date and the
investors claim; the first KPI observation compares the reductions attributed to the series (only
those verified after the allocation: none in the demo, as step 2's report predates it, so the KPI is
Missing) with the per-period target and steps up the next coupon (the KPI step). The series'
impact report (`greenfi bond report`, greenfi.domain.bond_report) goes into the report folder's bond/.
"""

from __future__ import annotations

from web3 import Web3
from web3.logs import DISCARD

from greenfi.domain import bonds as bond_terms
from greenfi.domain import bond_report
from greenfi.chain import contracts
from greenfi.chain.contracts import fields
from greenfi.demo.context import ONE_DAY, TOKEN_UNIT, DemoContext

ISSUER = "core_enterprise"
DENOMINATION = 1_000 * TOKEN_UNIT
ISSUE_SIZE, MINIMUM_RAISE = 1_000, 100  # bonds
SUBSCRIPTIONS = {"investor_a": 600, "investor_b": 300}  # bonds
COUPON_BPS, FREQUENCY, KPI_STEP_BPS = 500, 4, 25  # 5 % a year, quarterly; +0.25 % per missed KPI
KPI_TARGET_GRAMS = 100 * 10**6  # verified reductions due per quarter (cumulative: i × this at observation i)
RISK_LIMIT_BPS = 2_000  # the issuer's PD at settlement must not exceed 20 %
ALLOCATED_SHARE_BPS = 6_000  # of the raise, to the PV project's milestone
KPI_OUTCOMES = ["None", "Met", "Missed", "Missing", "Stale"]


def isin(run_tag: str) -> str:
    """A 12-character ISIN-like id unique to the run."""
    return "XSGF" + Web3.keccak(text=run_tag).hex().removeprefix("0x")[:8].upper()


def terms(start: int, run_tag: str) -> tuple:
    """The series' IGreenBond.Terms, built by `greenfi bond create`'s own function."""
    return bond_terms.build_terms(
        isin=isin(run_tag), denomination=DENOMINATION, issue_size=ISSUE_SIZE, minimum_raise=MINIMUM_RAISE, start=start,
        issue=start + ONE_DAY, periods=FREQUENCY, coupon_bps=COUPON_BPS, frequency=FREQUENCY, day_count="30/360",
        kpi_step_bps=KPI_STEP_BPS, kpi_target_grams=KPI_TARGET_GRAMS, risk_limit_bps=RISK_LIMIT_BPS)


def run(ctx: DemoContext) -> None:
    bond = create(ctx)
    subscribe_and_settle(ctx, bond)
    release_proceeds(ctx, bond)
    coupon_and_kpi(ctx, bond)
    impact = bond_report.build_report(ctx.w3, bond.address, ctx.options.out_dir / "bond", ctx.from_block)
    ctx.report["bond"]["impact_report"] = f"bond/{impact['markdown'].name}"
    ctx.log(f"    greenfi bond report: {ctx.options.out_dir / 'bond'} ({impact['markdown'].name}, {impact['chart'].name})")


def create(ctx: DemoContext):
    factory = ctx.c["GreenBondFactory"]
    t = terms(ctx.now(), ctx.run_tag)
    receipt = ctx.send(ISSUER, factory.functions.createBond(t, "Demo Green Bond", "GFGB"))
    address = factory.events.BondCreated().process_receipt(receipt, errors=DISCARD)[0]["args"]["bond"]
    bond = contracts.at(ctx.w3, "GreenBond", address)
    ctx.send(ISSUER, bond.functions.addDocument(0, Web3.keccak(text="green bond framework (demo)"), "demo://framework"))
    ctx.report["bond"] = {"address": address, "isin": t[0].rstrip(b"\0").decode(), "denomination": DENOMINATION,
                          "coupon_rate_bps": COUPON_BPS, "kpi_target_grams": KPI_TARGET_GRAMS}
    ctx.log(f"    {ISSUER} created series {ctx.report['bond']['isin']} at {address}: {ISSUE_SIZE} × "
            f"{DENOMINATION / TOKEN_UNIT:,.0f} tdCNY, 1 year, {COUPON_BPS / 100:.2f} % quarterly, KPI-linked "
            f"({KPI_TARGET_GRAMS / 1e6:,.0f} t per quarter, +{KPI_STEP_BPS / 100:.2f} % per miss)")
    return bond


def subscribe_and_settle(ctx: DemoContext, bond) -> None:
    token = ctx.c["SettlementToken"]
    for investor, bonds in SUBSCRIPTIONS.items():
        ctx.send(investor, token.functions.approve(bond.address, bonds * DENOMINATION))
        ctx.send(investor, bond.functions.subscribe(bonds))
        ctx.log(f"    {investor} subscribed {bonds} bonds")
    issue_date = fields(bond.functions.terms())["issueDate"]
    ctx.advance_to(issue_date)
    receipt = ctx.send(ISSUER, bond.functions.settle())
    issued = bond.events.BondIssued().process_receipt(receipt, errors=DISCARD)[0]["args"]
    ctx.report["bond"].update(bonds=issued["bonds"], raised=issued["raised"], issuer_score_bps=issued["riskScoreBps"])
    ctx.log(f"    settled at the issue date: {issued['bonds']} bonds, {issued['raised'] / TOKEN_UNIT:,.0f} tdCNY raised "
            f"into escrow (issuer PD {issued['riskScoreBps'] / 100:.2f} % ≤ limit {RISK_LIMIT_BPS / 100:.0f} %, "
            f"model v{issued['riskModelVersion']})")


def release_proceeds(ctx: DemoContext, bond) -> None:
    project_id = ctx.report["project_id"]
    generation_wh = 0  # an attestation milestone: step 2's output predates the financing and is not the bond's
    amount = ctx.report["bond"]["raised"] * ALLOCATED_SHARE_BPS // 10_000
    maturity = fields(bond.functions.terms())["maturityDate"]
    receipt = ctx.send(ISSUER, bond.functions.allocate(project_id, amount, generation_wh, maturity))
    milestone = bond.events.ProceedsAllocated().process_receipt(receipt, errors=DISCARD)[0]["args"]["milestoneId"]
    ctx.send("verifier", bond.functions.attestMilestone(milestone, Web3.keccak(text="commissioning visit (demo)")))
    ctx.send("pv_developer", bond.functions.releaseMilestone(milestone))
    receipt = ctx.send("pv_developer", bond.functions.withdrawProceeds())
    withdrawn = bond.events.ProceedsWithdrawn().process_receipt(receipt, errors=DISCARD)[0]["args"]["amount"]
    ctx.report["bond"].update(allocated=amount, released=amount, withdrawn=withdrawn, threshold_wh=generation_wh,
                              unallocated=bond.functions.unallocated().call())
    ctx.log(f"    milestone {milestone}: {amount / TOKEN_UNIT:,.0f} tdCNY for project {project_id}, attested by the verifier: "
            f"released and withdrawn by pv_developer "
            f"({ctx.report['bond']['unallocated'] / TOKEN_UNIT:,.0f} tdCNY stay unallocated in escrow)")


def coupon_and_kpi(ctx: DemoContext, bond) -> None:
    token = ctx.c["SettlementToken"]
    due = bond.functions.couponPerBond(1).call() * bond.functions.totalSupply().call()
    ctx.send(ISSUER, token.functions.approve(bond.address, due))
    ctx.send(ISSUER, bond.functions.fundCoupon(1))
    ctx.advance_to(bond.functions.paymentDate(1).call())
    claimed = 0
    for investor in SUBSCRIPTIONS:
        receipt = ctx.send(investor, bond.functions.claimCoupons())
        claimed += bond.events.CouponClaimed().process_receipt(receipt, errors=DISCARD)[0]["args"]["amount"]
    ctx.log(f"    coupon 1 funded ({due / TOKEN_UNIT:,.2f} tdCNY at {bond.functions.couponRate(1).call() / 100:.2f} %); "
            f"at its payment date the investors claimed {claimed / TOKEN_UNIT:,.2f}")
    receipt = ctx.send("auditor", bond.functions.observeKpi(1))
    kpi = bond.events.KpiObserved().process_receipt(receipt, errors=DISCARD)[0]["args"]
    outcome = KPI_OUTCOMES[kpi["outcome"]]
    next_rate = bond.functions.couponRate(2).call()
    ctx.report["bond"].update(coupon_funded=due, coupon_claimed=claimed, kpi_outcome=outcome, kpi_grams=kpi["kpiGrams"],
                              next_coupon_rate_bps=next_rate)
    ctx.log(f"    KPI observation 1: {kpi['kpiGrams'] / 1e6:,.3f} t verified vs target {kpi['targetGrams'] / 1e6:,.0f} t → "
            f"{outcome}; coupon 2 rate {next_rate / 100:.2f} %")
