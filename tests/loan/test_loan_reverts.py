"""Every way a green loan refuses bad input (issue 20, "What bad input gets"): a named custom error, and nothing
changes. The score check is tested on every path that prices or draws: approve, draw, reprice."""

import brownie
import pytest
from brownie import chain
from tests.support.chain import UNIT, custom_error
from tests.loan.support import COMMITMENT, MODEL, as_tuple, b32, default_terms, now, past, snapshot

from greenfi.domain.loans import DAY, State
from greenfi.domain.participants import Reason


@pytest.fixture
def unchanged(settlement_token, borrower, lender, outsider):
    people = [borrower, lender, outsider]

    def capture(loan):
        before = snapshot(loan, settlement_token, people)
        return lambda: snapshot(loan, settlement_token, people) == before

    return capture


def named(name):
    """Match the error's name (its arguments depend on the mined block's time)."""
    return brownie.reverts(revert_pattern=rf"{name}: .*")


@pytest.fixture
def active(approved, borrower):
    approved.draw(10_000 * UNIT, {"from": borrower})
    return approved


# ---------------------------------------------------------------- creation


@pytest.mark.parametrize("overrides, field", [
    (dict(commitment=0), "commitment"),
    (dict(commitment=2**96), "commitment"),  # commitments stay below 2^96
    (dict(periodLength=0), "periodLength"),
    (dict(periodLength=DAY + 1), "periodLength"),
    (dict(periodLength=367 * DAY), "periodLength"),
    (dict(periods=0), "periods"),
    (dict(periods=121), "periods"),
    (dict(startDate=2**40), "startDate"),
    (dict(availabilityEnd=1), "availabilityEnd"),
    (dict(marginFloorBps=900), "margin"),
    (dict(baseRateBps=9_500), "margin"),
    (dict(pdLimitsBps=[0, 0, 0, 0]), "pdLimits"),
    (dict(pdLimitsBps=[300, 300, 0, 0]), "pdLimits"),
    (dict(pdLimitsBps=[300, 10_001, 0, 0]), "pdLimits"),
    (dict(marginsBps=[50, 350, 500, 0]), "margins"),
    (dict(maxRepricingStepBps=0), "repricingStep"),
    (dict(maxRepricingStepBps=1_001), "repricingStep"),
    (dict(minRepricingInterval=DAY - 1), "repricingInterval"),
    (dict(ratchetStepBps=0), "ratchet"),
    (dict(ratchetStepBps=501), "ratchet"),
    (dict(kpiTargetWh=2**128), "kpiTarget"),
    (dict(lateInterestBps=2_001), "lateInterest"),
    (dict(arrangementFeeBps=501), "arrangementFee"),
    (dict(observationGrace=60), "observationGrace"),
    (dict(tariffPerMWh=2**128), "tariff"),
    (dict(opexPerPeriod=2**128), "opex"),
    (dict(defaultDscrBps=13_000), "dscr"),
    (dict(defaultPeriods=0), "defaultPeriods"),
    (dict(defaultPeriods=13), "defaultPeriods"),
    (dict(trancheAmounts=[COMMITMENT, 1, 0, 0]), "tranches"),
    (dict(trancheAmounts=[2**97, 0, 0, 0]), "tranches"),
    (dict(trancheThresholdsWh=[0, 2**128, 0, 0]), "trancheThresholds"),
])
def test_create_rejects_bad_terms(loan_factory, borrower, lender, project_id, overrides, field):
    with brownie.reverts(custom_error("LoanInvalidTerms", b32(field))):
        loan_factory.createLoan(as_tuple(default_terms(project_id, now() + 1, **overrides)), lender, {"from": borrower})


def test_create_refuses_a_lender_that_is_not_a_bank_and_a_borrower_of_the_wrong_kind(
        loan_factory, borrower, lender, investor, project_id):
    terms = as_tuple(default_terms(project_id, now() + 1))
    with brownie.reverts(custom_error("ComplianceRefused", investor, Reason.WRONG_KIND)):
        loan_factory.createLoan(terms, investor, {"from": borrower})
    with brownie.reverts(custom_error("ComplianceRefused", investor, Reason.WRONG_KIND)):
        loan_factory.createLoan(terms, lender, {"from": investor})
    with brownie.reverts(custom_error("ComplianceRefused", lender, Reason.WRONG_KIND)):
        loan_factory.createLoan(terms, lender, {"from": lender})  # a bank cannot borrow from itself


def test_unknown_loan_id_and_double_initialize(loan_factory, loan, borrower, lender):
    with brownie.reverts(custom_error("LoanUnknownId", 99)):
        loan_factory.loanOf(99)
    assert loan_factory.loanOf(1) == loan
    with brownie.reverts(custom_error("LoanAlreadyInitialized")):
        loan.initialize(loan.terms(), borrower, lender, {"from": borrower})


# ---------------------------------------------------------------- approval and the score check


def test_only_the_lender_approves(loan, borrower, unchanged):
    same = unchanged(loan)
    with brownie.reverts(custom_error("LoanUnauthorized", borrower, loan.lender())):
        loan.approve({"from": borrower})
    assert same()


@pytest.mark.parametrize("entry", ["approve", "draw", "reprice"])
def test_every_pricing_or_drawing_path_refuses_an_unapproved_model(make_loan, models, auditor, borrower, lender,
                                                                  post_score, entry, unchanged):
    loan = make_loan()
    if entry != "approve":
        loan.approve({"from": lender})
        chain.sleep(31 * DAY)
        post_score(260)
    models.suspend(MODEL, b32("drift"), {"from": auditor})
    same = unchanged(loan)
    caller = {"approve": lender, "draw": borrower, "reprice": borrower}[entry]
    args = (UNIT,) if entry == "draw" else ()
    with brownie.reverts(custom_error("ModelNotApproved", MODEL)):
        getattr(loan, entry)(*args, {"from": caller})
    assert same()


@pytest.mark.parametrize("entry", ["approve", "draw", "reprice"])
def test_every_pricing_or_drawing_path_refuses_a_stale_score(make_loan, borrower, lender, entry, unchanged,
                                                             registry, regulator, cast):
    loan = make_loan(availabilityEnd=now() + 200 * DAY, minRepricingInterval=DAY)
    if entry != "approve":
        loan.approve({"from": lender})
    past(now() + 31 * DAY)  # the score (posted at setup) is older than the oracle's 30-day maxAge
    same = unchanged(loan)
    caller = {"approve": lender, "draw": borrower, "reprice": borrower}[entry]
    args = (UNIT,) if entry == "draw" else ()
    with named("ScoreStale"):
        getattr(loan, entry)(*args, {"from": caller})
    assert same()


@pytest.mark.parametrize("entry", ["approve", "draw", "reprice"])
def test_every_pricing_or_drawing_path_refuses_a_score_above_the_buckets(make_loan, borrower, lender, post_score,
                                                                         entry, unchanged):
    loan = make_loan()
    if entry != "approve":
        loan.approve({"from": lender})
    chain.sleep(31 * DAY)
    post_score(1501)
    same = unchanged(loan)
    caller = {"approve": lender, "draw": borrower, "reprice": borrower}[entry]
    args = (UNIT,) if entry == "draw" else ()
    with brownie.reverts(custom_error("LoanScoreAboveLimit", 1501, 1500)):
        getattr(loan, entry)(*args, {"from": caller})
    assert same()


# ---------------------------------------------------------------- drawdowns


def test_drawdown_before_approval_is_refused(loan, borrower, unchanged):
    same = unchanged(loan)
    with brownie.reverts(custom_error("LoanWrongState", State.PROPOSED)):
        loan.draw(UNIT, {"from": borrower})
    assert same()


def test_drawdown_above_the_commitment_is_refused(approved, borrower, unchanged):
    same = unchanged(approved)
    with brownie.reverts(custom_error("LoanExceedsCommitment", COMMITMENT + 1, COMMITMENT)):
        approved.draw(COMMITMENT + 1, {"from": borrower})
    with brownie.reverts(custom_error("LoanZeroAmount")):
        approved.draw(0, {"from": borrower})
    assert same()


def test_drawdown_by_a_frozen_borrower_is_refused(approved, borrower, registry, regulator, unchanged):
    registry.freeze(borrower, b32("aml"), {"from": regulator})
    same = unchanged(approved)
    with brownie.reverts(custom_error("ComplianceRefused", borrower, Reason.FROZEN)):
        approved.draw(UNIT, {"from": borrower})
    assert same()


def test_drawdown_after_the_availability_period_is_refused(approved, borrower, unchanged):
    past(approved.terms().dict()["availabilityEnd"])
    same = unchanged(approved)
    with named("LoanAvailabilityEnded"):
        approved.draw(UNIT, {"from": borrower})
    assert same()


def test_drawdown_by_someone_else_or_for_an_inactive_project_is_refused(approved, lender, borrower, projects,
                                                                        regulator, project_id, unchanged):
    same = unchanged(approved)
    with brownie.reverts(custom_error("LoanUnauthorized", lender, borrower)):
        approved.draw(UNIT, {"from": lender})
    projects.suspend(project_id, b32("audit"), {"from": regulator})
    with brownie.reverts(custom_error("LoanProjectNotEligible", project_id)):
        approved.draw(UNIT, {"from": borrower})
    assert same()


def test_pause_stops_every_payout(active, borrower, lender, registry, regulator, unchanged):
    registry.pause({"from": regulator})
    same = unchanged(active)
    for call, args, who in ((active.draw, (UNIT,), borrower), (active.repay, (UNIT,), borrower),
                            (active.withdraw, (), borrower)):
        with brownie.reverts(custom_error("NetworkPaused")):
            call(*args, {"from": who})
    assert same()


def test_frozen_party_cannot_withdraw(active, borrower, registry, regulator, unchanged):
    registry.freeze(borrower, b32("aml"), {"from": regulator})
    same = unchanged(active)
    with brownie.reverts(custom_error("ComplianceRefused", borrower, Reason.FROZEN)):
        active.withdraw({"from": borrower})
    assert same()


# ---------------------------------------------------------------- repayments


def test_repayment_of_the_wrong_amount_is_refused(active, borrower, unchanged):
    same = unchanged(active)
    with brownie.reverts(custom_error("LoanZeroAmount")):
        active.repay(0, {"from": borrower})
    with named("LoanRepaymentExceedsDebt"):
        active.repay(10_000 * UNIT + 10**12, {"from": borrower})
    assert same()


def test_repayment_in_the_wrong_state_is_refused(approved, borrower, unchanged):
    same = unchanged(approved)
    with brownie.reverts(custom_error("LoanWrongState", State.APPROVED)):
        approved.repay(UNIT, {"from": borrower})
    assert same()


def test_repayment_by_someone_else_is_refused(active, lender, borrower, unchanged):
    same = unchanged(active)
    with brownie.reverts(custom_error("LoanUnauthorized", lender, borrower)):
        active.repay(UNIT, {"from": lender})
    assert same()


def test_nothing_to_withdraw(approved, outsider, lender):
    with brownie.reverts(custom_error("LoanNothingToWithdraw", outsider)):
        approved.withdraw({"from": outsider})
    with brownie.reverts(custom_error("LoanNothingToWithdraw", lender)):
        approved.withdraw({"from": lender})


# ---------------------------------------------------------------- repricing and observations


def test_repricing_too_early_or_from_a_score_that_is_not_newer_is_refused(make_loan, lender, borrower, unchanged):
    approved = make_loan(minRepricingInterval=DAY)
    approved.approve({"from": lender})
    same = unchanged(approved)
    with named("LoanRepricingTooEarly"):
        approved.reprice({"from": borrower})
    chain.sleep(2 * DAY)
    chain.mine()
    with named("LoanScoreNotNewer"):
        approved.reprice({"from": borrower})
    assert same()


def test_observation_of_a_period_that_has_not_ended_is_refused(approved, outsider, unchanged):
    same = unchanged(approved)
    with brownie.reverts(custom_error("LoanPeriodNotEnded", 1, approved.periodEnd(1))):
        approved.observe(1, {"from": outsider})
    with brownie.reverts(custom_error("LoanUnknownPeriod", 0)):
        approved.observe(0, {"from": outsider})
    with brownie.reverts(custom_error("LoanUnknownPeriod", 9)):
        approved.observe(9, {"from": outsider})
    with brownie.reverts(custom_error("LoanObservationOutOfOrder", 2, 1)):
        approved.observe(2, {"from": outsider})
    assert same()


def test_observation_in_the_wrong_state_is_refused(loan, outsider):
    with brownie.reverts(custom_error("LoanWrongState", State.PROPOSED)):
        loan.observe(1, {"from": outsider})


# ---------------------------------------------------------------- lender remedies and cancellation


def test_remedies_are_the_lenders_and_need_their_trigger(active, borrower, lender, unchanged):
    same = unchanged(active)
    with brownie.reverts(custom_error("LoanUnauthorized", borrower, lender)):
        active.impair({"from": borrower})
    with brownie.reverts(custom_error("LoanNothingOverdue")):
        active.impair({"from": lender})
    with brownie.reverts(custom_error("LoanNotCallable", 0, 2)):
        active.callLoan({"from": lender})
    with brownie.reverts(custom_error("LoanWrongState", State.ACTIVE)):
        active.writeOff({"from": lender})
    with brownie.reverts(custom_error("LoanWrongState", State.ACTIVE)):
        active.cancel({"from": lender})
    assert same()


def test_cancel_commitment_bad_input(approved, borrower, lender, outsider, unchanged):
    same = unchanged(approved)
    with brownie.reverts(custom_error("LoanUnauthorized", lender, borrower)):
        approved.cancelCommitment(UNIT, {"from": lender})
    with brownie.reverts(custom_error("LoanZeroAmount")):
        approved.cancelCommitment(0, {"from": borrower})
    with brownie.reverts(custom_error("LoanExceedsCommitment", COMMITMENT + 1, COMMITMENT)):
        approved.cancelCommitment(COMMITMENT + 1, {"from": borrower})
    with brownie.reverts(custom_error("LoanUnauthorized", outsider, borrower)):
        approved.cancel({"from": outsider})
    assert same()
