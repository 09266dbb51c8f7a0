"""A proposal holds no attribution (docs/loans.md, "Attribution: opened at proposal, claimed at approval"): the
facility's ImpactAttribution position is opened when the borrower proposes, with no claim, so proposing a loan on
a project, letting the proposal lapse or withdrawing it leaves every other instrument's attributed output exactly
as it would have been; only approval raises the facility's claim to its commitment."""

from fractions import Fraction

from brownie import GreenLoan
from brownie.test import given
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from tests.loan.support import COMMITMENT

SETTINGS = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def instruments(factory):
    return [GreenLoan.at(factory.loanOf(i)) for i in range(1, factory.loanCount() + 1)]


def attributed(attribution, factory, project_id):
    return {loan.address: tuple(int(x) for x in attribution.attributed(loan, project_id)) for loan in instruments(factory)}


def verify_more(reports, project_id, wh, grams):
    total_wh, total_grams = reports.verifiedTotals(project_id)
    reports.setTotals(project_id, total_wh + wh, total_grams + grams)


@SETTINGS
@given(before=st.integers(0, 10**13), during=st.integers(0, 10**13), grams=st.integers(0, 10**9),
       withdrawn=st.booleans())
def test_a_proposal_withdrawn_or_lapsed_changes_no_other_instruments_attribution(
        make_loan, loan_factory, lender, borrower, attribution, reports, project_id, before, during, grams, withdrawn):
    financier = make_loan()
    financier.approve({"from": lender})  # another instrument on the project, with a claim
    verify_more(reports, project_id, before, grams)
    seen, project = attributed(attribution, loan_factory, project_id), tuple(attribution.project(project_id))

    proposal = make_loan()
    assert attribution.isOpen(proposal, project_id) and attribution.claimOf(proposal, project_id) == 0
    assert tuple(attribution.project(project_id)) == project, "no claim total, no output taken in"
    assert {k: v for k, v in attributed(attribution, loan_factory, project_id).items() if k != proposal.address} == seen

    # Output verified while the proposal stands is split between the claims alone: the proposal gets nothing.
    verify_more(reports, project_id, during, grams)
    total = attribution.project(project_id).dict()["totalClaimed"]
    now = attributed(attribution, loan_factory, project_id)
    assert now[proposal.address] == (0, 0)
    for loan in instruments(loan_factory):
        if loan.address == proposal.address:
            continue
        claim = attribution.claimOf(loan, project_id)
        for k, increment in ((0, during), (1, grams)):
            share, exact = now[loan.address][k] - seen[loan.address][k], Fraction(increment * claim, total)
            assert exact - 2 < share < exact + 1, (loan, k)  # each credit is rounded down once

    if withdrawn:
        proposal.cancel({"from": borrower})
    # withdrawn or left to lapse: still no claim, and every other instrument keeps what it had
    assert attribution.claimOf(proposal, project_id) == 0
    assert attributed(attribution, loan_factory, project_id) == now


def test_approval_raises_the_opened_position_to_the_commitment(make_loan, lender, attribution, reports, project_id):
    loan = make_loan()
    assert attribution.isOpen(loan, project_id) and attribution.claimOf(loan, project_id) == 0
    loan.approve({"from": lender})
    assert attribution.claimOf(loan, project_id) == COMMITMENT
    before = attribution.attributedWh(loan, project_id)
    verify_more(reports, project_id, 10**9, 0)
    assert attribution.attributedWh(loan, project_id) == attribution.attributed(loan, project_id)[0] > before
