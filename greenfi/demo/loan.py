"""Demo step 7: a green, sustainability-linked loan to the PV developer (GreenLoanFactory, GreenLoan;
docs/loans.md).

The bank sizes the debt from the project's verified generation (step 2's approved report, through the yield
model of `greenfi loan size`, whose estimate the AI operator records in the ledger), the developer proposes a
monthly amortising facility of that size, the bank approves it (the margin comes from the developer's risk
score, step 4) and funds it, the developer draws it all. Then, month by month, the devices' output is
verified (one signed reading per device and day, replayed from the shipped PV series, anchored as one batch,
a monitoring report opened by the developer and approved by the verifier), the electricity sold pays the
developer (the bank mints the sales proceeds), anyone observes the period (KPI ratchet and DSCR on the output
attributed to the loan: the bond of step 5 claims part of the same project), and the developer pays what fell
due. After the last observed month it repays everything (REPAY_ALL) and the facility ends Repaid.
"""

from __future__ import annotations

from web3 import Web3
from web3.logs import DISCARD

from greenfi.chain import contracts
from greenfi.chain.contracts import fields
from greenfi.demo.context import AI_OPERATOR, ONE_DAY, TOKEN_UNIT, DemoContext
from greenfi.demo.mrv import demo_fleet
from greenfi.domain.loan_sizing import approved_reports, estimate_subject, size
from greenfi.domain.loan_terms import KPI_OUTCOMES, as_tuple, build_terms
from greenfi.errors import GreenfiError
from models.energy_yield import DebtTerms, reference, write_model_dir
from oracles import Domain, Reading, SignedReading, batch_content_hash, batch_tree, sign_reading
from oracles.sensor.simulate import daily_energy_wh

BORROWER, LENDER = "pv_developer", "bank"
PERIOD_DAYS, PERIODS, OBSERVED = 30, 12, 3  # a one-year monthly facility; the demo lives through 3 months
TARIFF = 400 * TOKEN_UNIT  # tdCNY per MWh sold (0.40 per kWh)
OPEX_PER_PERIOD = 20_000 * TOKEN_UNIT
BASE_RATE_BPS = 300
BUCKETS = [(500, 150), (1_500, 250), (3_000, 400), (10_000, 600)]  # PD limit -> credit margin
TARGET_DSCR_BPS = 13_000
LOCKUP_DSCR_BPS, DEFAULT_DSCR_BPS = 12_000, 10_500
MAX_COMMITMENT = 5_000_000 * TOKEN_UNIT  # what the bank lends at most
ROUND = 1_000 * TOKEN_UNIT
SEQUENCE_BASE = 10**9  # the demo's daily readings number above every 5-minute reading of step 2
REVIEW = Web3.keccak(text="yield model review (demo)")


def run(ctx: DemoContext) -> None:
    if "GreenLoanFactory" not in ctx.c:
        ctx.report["loan"] = {"skipped": "green loans not deployed in this suite"}
        ctx.log("    skipped: green loans not deployed in this suite")
        return
    from greenfi.demo.risk import post_scores  # the scores of step 4 have expired by now (as for the voucher)

    project_id = ctx.report["project_id"]
    sizing = size_and_record(ctx, project_id)
    post_scores(ctx)
    loan = propose_and_approve(ctx, project_id, sizing)
    for period in range(1, OBSERVED + 1):
        live_through(ctx, loan, project_id, period)
    repay_all(ctx, loan)


# ---------------------------------------------------------------- sizing


def size_and_record(ctx: DemoContext, project_id: int):
    reports = approved_reports(ctx.c["MRVReports"], project_id, ctx.from_block)
    terms = DebtTerms(tariff_per_mwh=TARIFF, opex_per_year=OPEX_PER_PERIOD * 365 // PERIOD_DAYS, periods=PERIODS,
                      period_days=PERIOD_DAYS, rate_bps=BASE_RATE_BPS + BUCKETS[-1][1], dscr_bps=TARGET_DSCR_BPS)
    sizing = size(project_id, reports, terms)
    version = yield_model_version(ctx)
    now = ctx.now()
    ctx.send(AI_OPERATOR, ctx.c["RiskOracle"].functions.postScores(
        version, now, now + 30 * ONE_DAY, [estimate_subject(project_id)], [sizing.result.haircut_bps],
        [bytes.fromhex(sizing.input_hash[2:])], [bytes.fromhex(sizing.explanation_hash[2:])]))
    r = sizing.result
    ctx.report["loan"] = {"p50_wh": r.p50_wh, "p90_wh": r.p90_wh, "history_days": r.history_days,
                          "sized_debt": sizing.debt, "yield_model_version": version,
                          "estimate_hash": sizing.explanation_hash, "input_hash": sizing.input_hash}
    ctx.log(f"    greenfi loan size: {len(reports)} approved report(s), {r.history_days:.1f} days → P50 "
            f"{r.p50_wh / 1e6:,.0f} MWh/year, P90 {r.p90_wh / 1e6:,.0f} MWh/year; debt at DSCR "
            f"{TARGET_DSCR_BPS / 1e4:.2f}x on P90: {sizing.debt / TOKEN_UNIT:,.0f} tdCNY; recorded as yield model "
            f"v{version} under {estimate_subject(project_id)}")
    return sizing


def yield_model_version(ctx: DemoContext) -> int:
    """The yield model's version in ModelRegistry: registered by the AI operator and approved by the auditor
    on this run's first use (an attached node keeps it)."""
    from oracles.risk.registration import model_spec

    registry = ctx.c["ModelRegistry"]
    directory = ctx.workdir / "yield-model"
    if not directory.exists():
        write_model_dir(directory, reference())
    spec = model_spec(directory)
    version = registry.functions.versionOf(bytes.fromhex(spec.model_hash[2:])).call()
    if version == 0:
        ctx.send(AI_OPERATOR, registry.functions.registerModel(spec.as_args(), "demo://yield-model"))
        version = registry.functions.versionOf(bytes.fromhex(spec.model_hash[2:])).call()
    if not registry.functions.isApproved(version).call():
        ctx.send("auditor", registry.functions.approve(version, REVIEW))
    return version


# ---------------------------------------------------------------- the facility


def propose_and_approve(ctx: DemoContext, project_id: int, sizing):
    commitment = min(sizing.debt, MAX_COMMITMENT) // ROUND * ROUND
    if commitment < ROUND:
        raise GreenfiError(f"the project's P90 energy carries no debt at DSCR {TARGET_DSCR_BPS / 1e4:.2f}x")
    start = ctx.now()
    factory = ctx.c["GreenLoanFactory"]
    claims = fields(ctx.c["ImpactAttribution"].functions.project(project_id))["totalClaimed"]
    share = commitment / (commitment + claims)  # of the project's new output, attributed to the loan
    kpi_target_wh = int(sizing.result.p90_wh * PERIOD_DAYS / 365 * share)
    terms = build_terms(
        project_id=project_id, commitment=commitment, start=start, period_days=PERIOD_DAYS, periods=PERIODS,
        availability_end=start + PERIOD_DAYS * ONE_DAY, repayment="amortising", base_rate_bps=BASE_RATE_BPS,
        buckets=BUCKETS, margin_floor_bps=100, margin_cap_bps=800, max_step_bps=50, min_repricing_days=7,
        ratchet_step_bps=25, kpi_target_wh=kpi_target_wh, observation_grace_hours=72, tariff_per_mwh=TARIFF,
        opex_per_period=OPEX_PER_PERIOD, lockup_dscr_bps=LOCKUP_DSCR_BPS, default_dscr_bps=DEFAULT_DSCR_BPS, default_periods=2,
        late_interest_bps=200, fee_bps=50, tranches=[])
    create = factory.functions.createLoan
    receipt = ctx.send(BORROWER, create(as_tuple(create.abi["inputs"][0]["components"], terms), ctx.cast[LENDER]))
    created = factory.events.LoanCreated().process_receipt(receipt, errors=DISCARD)[0]["args"]
    loan = contracts.at(ctx.w3, "GreenLoan", created["loan"])
    ctx.send(LENDER, ctx.c["SettlementToken"].functions.approve(loan.address, commitment))
    receipt = ctx.send(LENDER, loan.functions.approve())
    approved = loan.events.LoanApproved().process_receipt(receipt, errors=DISCARD)[0]["args"]
    ctx.send(BORROWER, loan.functions.draw(commitment))
    ctx.send(BORROWER, loan.functions.withdraw())
    pricing = fields(loan.functions.pricing())
    ctx.report["loan"].update(
        address=loan.address, loan_id=created["loanId"], commitment=commitment, attributed_share=round(share, 4),
        kpi_target_wh=kpi_target_wh, lockup_dscr_bps=LOCKUP_DSCR_BPS, default_dscr_bps=DEFAULT_DSCR_BPS, pd_bps=approved["scoreBps"], credit_margin_bps=approved["creditMarginBps"],
        history=[{"time": ctx.now(), "event": "drawn", "principal": commitment, "margin_bps": pricing["marginBps"]}],
        periods=[])
    ctx.log(f"    loan {created['loanId']} at {loan.address}: {commitment / TOKEN_UNIT:,.0f} tdCNY, {PERIODS} monthly "
            f"amortising periods; approved by the bank on PD {approved['scoreBps'] / 100:.2f} % (model "
            f"v{approved['modelVersion']}) → credit margin {approved['creditMarginBps'] / 100:.2f} %, rate "
            f"{pricing['rateBps'] / 100:.2f} %; drawn and withdrawn by {BORROWER} "
            f"(loan's share of new output {share:.0%}, KPI target {kpi_target_wh / 1e6:,.1f} MWh per month)")
    return loan


def live_through(ctx: DemoContext, loan, project_id: int, period: int) -> None:
    """One month: its output verified, the sales paid, the period observed, what fell due paid."""
    end = loan.functions.periodEnd(period).call()
    start = end - PERIOD_DAYS * ONE_DAY
    energy_wh = verify_output(ctx, project_id, start, end, period)
    token = ctx.c["SettlementToken"]
    ctx.send(LENDER, token.functions.mint(ctx.cast[BORROWER], energy_wh * TARIFF // 10**6))  # electricity sales
    receipt = ctx.send("auditor", loan.functions.observe(period))  # anyone may observe
    seen = loan.events.LoanObserved().process_receipt(receipt, errors=DISCARD)[0]["args"]
    due = fields(loan.functions.debt())["overdue"]
    if due:
        ctx.send(BORROWER, token.functions.approve(loan.address, due))
        ctx.send(BORROWER, loan.functions.repay(due))
    debt = fields(loan.functions.debt())
    row = {"period": period, "end": end, "verified_wh": energy_wh, "attributed_wh": seen["outputWh"],
           "kpi": KPI_OUTCOMES.name(seen["outcome"]), "dscr_bps": seen["dscrBps"], "margin_bps": seen["marginBps"],
           "locked_up": seen["lockedUp"], "paid": due, "principal": debt["principal"]}
    loan_report = ctx.report["loan"]
    loan_report["periods"].append(row)
    loan_report["history"].append({"time": ctx.now(), "event": f"period {period}", "principal": debt["principal"],
                                   "margin_bps": seen["marginBps"]})
    ctx.log(f"    month {period}: {energy_wh / 1e6:,.1f} MWh verified, {seen['outputWh'] / 1e6:,.1f} MWh attributed → "
            f"KPI {row['kpi']}, DSCR {seen['dscrBps'] / 1e4:.2f}x{' (lock-up)' if seen['lockedUp'] else ''}, margin "
            f"{seen['marginBps'] / 100:.2f} %; paid {due / TOKEN_UNIT:,.2f} tdCNY due, principal "
            f"{debt['principal'] / TOKEN_UNIT:,.0f}")


def verify_output(ctx: DemoContext, project_id: int, start: int, end: int, period: int) -> int:
    """Each device's daily energy over [start, end) (the PV series' days, replayed in turn) as one anchored
    batch of signed readings, final after the challenge window, in a report the verifier approves."""
    days = (end - start) // ONE_DAY
    devices = demo_fleet(ctx.run_tag, len(ctx.report["devices"]))  # step 2's devices (oracles.sensor.simulate)
    domain = Domain(ctx.conn.chain_id, ctx.addresses["MRVAnchor"])
    items = []
    for device, per_day in zip(devices, _daily_energy(devices)):
        for d in range(days):
            wh = per_day[((period - 1) * days + d) % len(per_day)]
            reading = Reading(device.device_id, SEQUENCE_BASE + (period - 1) * 1000 + d, start + d * ONE_DAY,
                              start + (d + 1) * ONE_DAY, wh)
            items.append(SignedReading(reading, sign_reading(device.key, reading, domain)))
    energy = sum(item.reading.energy_wh for item in items)
    anchor, reports = ctx.c["MRVAnchor"], ctx.c["MRVReports"]
    window = fields(anchor.functions.config())["challengeWindow"]
    ctx.advance_to(end)
    root = batch_tree(items).root
    ctx.send("oracle_a", anchor.functions.anchorBatch(
        (root, project_id, start, end, energy, len(items), batch_content_hash(items)), []))
    ctx.advance(window + 1)
    ctx.send(BORROWER, reports.functions.openReport(project_id, start, end, [root],
                                                    Web3.keccak(text=f"monitoring report, loan month {period}")))
    ctx.send("verifier", reports.functions.approveReport(reports.functions.reportCount().call(),
                                                         Web3.keccak(text="verification statement: demo")))
    return energy


_ENERGY_CACHE: dict[tuple, list[list[int]]] = {}


def _daily_energy(devices) -> list[list[int]]:
    """Each device's energy per day of the shipped PV series (the series read once per fleet)."""
    key = tuple((d.scale, d.day_offset) for d in devices)
    if key not in _ENERGY_CACHE:
        _ENERGY_CACHE[key] = daily_energy_wh(devices)
    return _ENERGY_CACHE[key]


def repay_all(ctx: DemoContext, loan) -> None:
    token = ctx.c["SettlementToken"]
    owed = fields(loan.functions.debt())["total"]
    allowance = owed + owed // 1000  # interest of the seconds until the block
    ctx.send(BORROWER, token.functions.approve(loan.address, allowance))
    receipt = ctx.send(BORROWER, loan.functions.repay(2**256 - 1))
    paid = loan.events.LoanRepayment().process_receipt(receipt, errors=DISCARD)[0]["args"]
    ctx.send(LENDER, loan.functions.withdraw())
    ledger = fields(loan.functions.ledger())
    state = contracts.BuildEnum("IGreenLoan.State").name(loan.functions.state().call())
    loan_report = ctx.report["loan"]
    loan_report.update(state=state, interest_paid=ledger["interestPaid"], fees_paid=ledger["feesPaid"],
                       balance_after=token.functions.balanceOf(loan.address).call())
    loan_report["history"].append({"time": ctx.now(), "event": "repaid", "principal": 0,
                                   "margin_bps": loan_report["history"][-1]["margin_bps"]})
    ctx.log(f"    prepaid everything (REPAY_ALL): {paid['amount'] / TOKEN_UNIT:,.2f} tdCNY; the facility is {state}; "
            f"interest {ledger['interestPaid'] / TOKEN_UNIT:,.2f}, fees {ledger['feesPaid'] / TOKEN_UNIT:,.2f}; the bank "
            f"withdrew its receipts (balance left {loan_report['balance_after']})")
