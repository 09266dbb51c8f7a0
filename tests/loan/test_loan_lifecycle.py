"""A green loan's life (docs/loans.md): approval priced from the AI ledger, drawdowns, the exact Actual/365F
interest, the waterfall, prepayment, the ratchet, the DSCR covenants, and every way a facility ends."""

import brownie
from brownie import chain
from tests.support.chain import UNIT, custom_error, event
from tests.loan.support import COMMITMENT, MODEL, OPEX, PERIOD, SCORE, TARGET_WH, TARIFF, debt, ledger, now, past, pricing

from greenfi.domain import loans as ref
from greenfi.domain.loans import DAY, KpiOutcome, State

DRAW = 40_000 * UNIT
ALL = 2**256 - 1  # repay(type(uint256).max): everything owed


def model_of(loan):
    """The Python reference facility for `loan`'s terms, priced as approved."""
    t = loan.terms().dict()
    return ref.Facility(start_date=int(t["startDate"]), period_length=int(t["periodLength"]),
                        periods=int(t["periods"]), repayment=int(t["repayment"]), late_bps=int(t["lateInterestBps"]),
                        rate_bps=int(loan.pricing().dict()["rateBps"]))


def last_observation(loan):
    """lastObservation() as plain ints (period, outcome, DSCR, lock-up, breaches)."""
    return tuple(int(x) for x in loan.lastObservation())


def timestamp(tx):
    return chain[tx.block_number].timestamp


def test_approval_prices_from_the_latest_usable_score_and_funds_the_facility(loan, lender, settlement_token):
    tx = loan.approve({"from": lender})
    approved = event(tx, "LoanApproved")
    assert approved["modelVersion"] == MODEL and approved["scoreBps"] == SCORE
    assert approved["creditMarginBps"] == 200 and approved["commitment"] == COMMITMENT
    assert approved["inputHash"] != "0x" + "00" * 32
    p = pricing(loan)
    assert (p["scoreBps"], p["modelVersion"], p["creditMarginBps"], p["marginBps"], p["rateBps"]) == (SCORE, 1, 200, 200, 500)
    assert event(tx, "LoanStateChanged") == {"from": State.PROPOSED, "to": State.APPROVED}
    assert loan.state() == State.APPROVED
    assert settlement_token.balanceOf(loan) == COMMITMENT == loan.undrawn()


def test_drawdown_repayment_and_withdrawals_end_at_zero(approved, borrower, lender, settlement_token):
    loan = approved
    tx = loan.draw(DRAW, {"from": borrower})
    assert event(tx, "LoanStateChanged") == {"from": State.APPROVED, "to": State.ACTIVE}
    assert event(tx, "LoanDrawn")["scoreBps"] == SCORE
    assert loan.withdrawable(borrower) == DRAW
    loan.withdraw({"from": borrower})
    chain.sleep(45 * DAY)
    chain.mine()
    assert debt(loan)["fees"] == COMMITMENT * 50 // 10_000
    tx = loan.repay(ALL, {"from": borrower})  # everything owed at the block
    assert loan.state() == State.REPAID
    assert event(tx, "CommitmentCancelled")["amount"] == COMMITMENT - DRAW
    r = event(tx, "LoanRepayment")
    assert r["principal"] == DRAW and r["fees"] == COMMITMENT * 50 // 10_000
    assert r["amount"] == r["fees"] + r["interest"] + r["principal"]
    loan.withdraw({"from": lender})
    assert settlement_token.balanceOf(loan) == 0
    l = ledger(loan)
    assert l["received"] == l["feesPaid"] + l["interestPaid"] + l["principalPaid"]
    assert l["funded"] == l["drawn"] + l["cancelled"]


def test_interest_accrues_exactly_as_the_python_reference(approved, borrower):
    loan = approved
    model = model_of(loan)
    tx = loan.draw(DRAW, {"from": borrower})
    model.cursor = timestamp(tx)
    model.draw(timestamp(tx), DRAW, fee=COMMITMENT * 50 // 10_000)
    for days in (1, 30, 89, 200, 400):
        past(int(loan.terms().dict()["startDate"]) + days * DAY)
        t = now()
        m = ref.Facility(**{k: v for k, v in model.__dict__.items() if k != "paid"})
        m.accrue(t)
        d = debt(loan)
        assert (d["interest"], d["fees"], d["principal"], d["overdue"]) == (m.interest, m.fees, m.principal, m.overdue)


def test_waterfall_pays_fees_then_interest_then_principal(approved, borrower):
    loan = approved
    loan.draw(DRAW, {"from": borrower})
    chain.sleep(10 * DAY)
    chain.mine()
    fees = debt(loan)["fees"]
    tx = loan.repay(fees + 100 * UNIT, {"from": borrower})
    r = event(tx, "LoanRepayment")
    assert r["fees"] == fees
    assert r["interest"] + r["principal"] == 100 * UNIT and r["interest"] > 0
    assert debt(loan)["fees"] == 0


def test_prepayment_reduces_later_instalments(approved, borrower):
    loan = approved
    loan.draw(DRAW, {"from": borrower})
    d = debt(loan)
    loan.repay(d["fees"] + 2 * (DRAW // 8) + 50 * UNIT, {"from": borrower})  # two instalments ahead
    past(loan.periodEnd(1))
    d = debt(loan)
    # the first instalment (DRAW/8) was prepaid: only the interest that fell due at the period end is overdue
    assert 0 < d["overdue"] <= d["interest"]
    assert loan.scheduledPrincipal(1) == DRAW // 8


def test_missed_payment_accrues_late_interest_and_lets_the_lender_impair_and_call(approved, borrower, lender):
    loan = approved
    loan.draw(DRAW, {"from": borrower})
    loan.repay(debt(loan)["fees"], {"from": borrower})
    past(loan.periodEnd(1))
    d = debt(loan)
    assert DRAW // 8 < d["overdue"] <= d["interest"] + DRAW // 8  # the instalment and the interest due
    late_before = d["interest"]
    chain.sleep(30 * DAY)
    chain.mine()
    on_time = ref.interest(DRAW, pricing(loan)["rateBps"], 30 * DAY)
    assert debt(loan)["interest"] - late_before >= on_time + ref.interest(d["overdue"], 200, 30 * DAY) - 1
    tx = loan.impair({"from": lender})
    assert event(tx, "LoanStateChanged") == {"from": State.ACTIVE, "to": State.IMPAIRED}
    tx = loan.callLoan({"from": lender})
    assert event(tx, "LoanCalled")["principal"] == DRAW
    assert loan.state() == State.DEFAULTED
    assert debt(loan)["overdue"] == debt(loan)["total"]
    tx = loan.writeOff({"from": lender})
    assert event(tx, "LoanStateChanged") == {"from": State.DEFAULTED, "to": State.WRITTEN_OFF}
    assert ledger(loan)["writtenOff"] == event(tx, "LoanWrittenOff")["principal"] + event(tx, "LoanWrittenOff")["interest"] + event(tx, "LoanWrittenOff")["fees"]


def test_observation_met_steps_the_margin_down_missed_up(approved, borrower, reports, project_id):
    loan = approved
    loan.draw(DRAW, {"from": borrower})
    reports.setTotals(project_id, TARGET_WH, 0)
    past(loan.periodEnd(1))
    tx = loan.observe(1, {"from": borrower})
    o = event(tx, "LoanObserved")
    assert o["outcome"] == KpiOutcome.MET and o["outputWh"] == TARGET_WH and o["ratchetBps"] == -25
    assert pricing(loan)["rateBps"] == 475
    reports.setTotals(project_id, TARGET_WH + TARGET_WH // 2, 0)
    past(loan.periodEnd(2))
    o = event(loan.observe(2, {"from": borrower}), "LoanObserved")
    assert o["outcome"] == KpiOutcome.MISSED and o["ratchetBps"] == 0
    past(loan.periodEnd(3))
    o = event(loan.observe(3, {"from": borrower}), "LoanObserved")
    assert o["outcome"] == KpiOutcome.MISSING and o["ratchetBps"] == 25
    past(loan.periodEnd(4) + 15 * DAY)
    reports.setTotals(project_id, 10 * TARGET_WH, 0)
    o = event(loan.observe(4, {"from": borrower}), "LoanObserved")
    assert o["outcome"] == KpiOutcome.STALE and o["ratchetBps"] == 50


def test_past_observations_live_in_the_events_and_the_last_one_in_storage(approved, borrower, reports, project_id):
    loan = approved
    assert last_observation(loan) == (0, KpiOutcome.NONE, 0, False, 0)  # nothing observed yet
    loan.draw(DRAW, {"from": borrower})
    records = []
    for period, total in ((1, TARGET_WH), (2, TARGET_WH + 1)):
        reports.setTotals(project_id, total, 0)
        past(loan.periodEnd(period))
        records.append(event(loan.observe(period, {"from": borrower}), "LoanObserved"))
    logged = [{k: int(v) for k, v in log["args"].items()}  # in block order
              for log in loan.events.LoanObserved().get_logs(from_block=0)]
    assert logged == [{k: int(v) for k, v in r.items()} for r in records] and [r["period"] for r in logged] == [1, 2]
    last = records[-1]
    assert last_observation(loan) == (2, last["outcome"], last["dscrBps"], last["lockedUp"], last["breaches"])
    assert loan.nextObservation() == 3


def test_ratchet_stays_within_floor_and_cap(make_loan, lender, reports, project_id):
    loan = make_loan(marginFloorBps=150, marginCapBps=225, ratchetStepBps=100, marginsBps=[200, 210, 220, 0])
    loan.approve({"from": lender})
    past(loan.periodEnd(1))
    o = event(loan.observe(1, {"from": lender}), "LoanObserved")  # missing: up, capped at 225
    assert o["ratchetBps"] == 25 and o["marginBps"] == 225
    reports.setTotals(project_id, 10 * TARGET_WH, 0)
    past(loan.periodEnd(2))
    o = event(loan.observe(2, {"from": lender}), "LoanObserved")  # met: down, floored at 150
    assert o["ratchetBps"] == -50 and o["marginBps"] == 150


def test_dscr_lockup_blocks_drawing_and_sweeps_excess_cash(approved, borrower, reports, project_id):
    loan = approved
    loan.draw(DRAW, {"from": borrower})
    loan.repay(debt(loan)["fees"], {"from": borrower})
    # net cash = 155 MWh × 300 − 40,000 = 6,500 UNIT; debt service = 5,000 + ~493 interest: 1.0x < DSCR < 1.2x
    reports.setTotals(project_id, 155_000_000, 0)
    past(loan.periodEnd(1))
    rate = pricing(loan)["rateBps"]  # the period's rate: the covenant is measured before the ratchet steps
    tx = loan.observe(1, {"from": borrower})
    o = event(tx, "LoanObserved")
    service = ref.debt_service(0, DRAW, 1, 8, DRAW, rate, PERIOD)
    net = ref.net_cash(155_000_000, TARIFF, OPEX)
    assert o["dscrBps"] == ref.dscr_bps(net, service) < 12_000 and o["lockedUp"] and loan.lockedUp()
    assert event(tx, "CashSwept") == {"period": 1, "amount": net - service}
    d = debt(loan)
    due_interest = d["overdue"] - DRAW // 8 - (net - service)  # the interest that fell due at the period end
    assert d["interest"] - 10**4 < due_interest <= d["interest"]
    # storage keeps the last observation's summary (the event has the full record); the lock-up names its DSCR
    assert last_observation(loan) == (1, o["outcome"], o["dscrBps"], True, o["breaches"])
    with brownie.reverts(custom_error("LoanLockedUp", o["dscrBps"], 12_000)):
        loan.draw(UNIT, {"from": borrower})


def test_dscr_above_lockup_neither_locks_nor_sweeps(approved, borrower, reports, project_id):
    loan = approved
    loan.draw(DRAW, {"from": borrower})
    reports.setTotals(project_id, 165_000_000, 0)  # net 9,500 vs service ≈ 5,493: 1.73x
    past(loan.periodEnd(1))
    tx = loan.observe(1, {"from": borrower})
    assert not event(tx, "LoanObserved")["lockedUp"] and "CashSwept" not in tx.events
    assert ledger(loan)["swept"] == 0 and loan.breaches() == 0


def test_covenant_default_for_the_stated_periods_lets_the_lender_call(approved, borrower, lender, settlement_token):
    loan = approved
    loan.draw(DRAW, {"from": borrower})
    past(loan.periodEnd(1))
    loan.observe(1, {"from": borrower})  # no output: DSCR 0, breach 1 of 2
    with brownie.reverts(revert_pattern=r"LoanNotCallable: 1, 2"):
        loan.callLoan({"from": lender})
    past(loan.periodEnd(2))
    loan.observe(2, {"from": borrower})
    assert loan.breaches() == 2
    tx = loan.callLoan({"from": lender})
    assert event(tx, "CommitmentCancelled")["amount"] == COMMITMENT - DRAW
    assert loan.state() == State.DEFAULTED
    loan.repay(ALL, {"from": borrower})
    assert loan.state() == State.REPAID


def test_reprice_moves_the_credit_margin_by_a_bounded_step_from_a_newer_score(make_loan, lender, post_score):
    loan = make_loan(minRepricingInterval=DAY)
    loan.approve({"from": lender})
    with brownie.reverts(revert_pattern=r"LoanRepricingTooEarly: .*"):
        loan.reprice({"from": loan.borrower()})
    chain.sleep(2 * DAY)
    chain.mine()
    with brownie.reverts(revert_pattern=r"LoanScoreNotNewer: .*"):
        loan.reprice({"from": loan.borrower()})
    post_score(1400)  # bucket 3: 500 bps, but at most 100 bps per repricing
    tx = loan.reprice({"from": loan.borrower()})
    r = event(tx, "LoanRepriced")
    assert (r["targetMarginBps"], r["creditMarginBefore"], r["creditMarginBps"]) == (500, 200, 300)
    assert pricing(loan)["rateBps"] == 600 and pricing(loan)["scoreBps"] == 1400


def test_tranches_unlock_with_attributed_output(make_loan, lender, borrower, reports, project_id):
    loan = make_loan(trancheThresholdsWh=[0, 200_000_000, 0, 0])
    loan.approve({"from": lender})
    assert loan.unlocked() == COMMITMENT // 2
    with brownie.reverts(revert_pattern=r"LoanExceedsUnlocked: .*"):
        loan.draw(COMMITMENT // 2 + 1, {"from": borrower})
    reports.setTotals(project_id, 200_000_000, 0)
    assert loan.unlocked() == COMMITMENT
    loan.draw(COMMITMENT // 2 + 1, {"from": borrower})


def test_cancel_before_drawing_returns_the_commitment(approved, lender, settlement_token, attribution, project_id):
    tx = approved.cancel({"from": lender})
    assert event(tx, "LoanStateChanged") == {"from": State.APPROVED, "to": State.CANCELLED}
    assert attribution.claimOf(approved, project_id) == 0
    approved.withdraw({"from": lender})
    assert settlement_token.balanceOf(approved) == 0


def test_cancel_commitment_reduces_the_undrawn_amount(approved, borrower, lender):
    tx = approved.cancelCommitment(10_000 * UNIT, {"from": borrower})
    assert event(tx, "CommitmentCancelled") == {"amount": 10_000 * UNIT, "undrawnAfter": COMMITMENT - 10_000 * UNIT}
    assert approved.withdrawable(lender) == 10_000 * UNIT


def test_facility_is_an_attribution_instrument_claiming_its_commitment(approved, attribution, project_id):
    assert attribution.isInstrument(approved)
    assert attribution.claimOf(approved, project_id) == COMMITMENT
