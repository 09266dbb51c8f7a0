"""Every way GreenBond and its factory refuse bad input: a named custom error, and nothing changes."""

import brownie
import pytest
from tests.bond.support import (
    DAY, DENOMINATION, FAILED, ISSUED, MINIMUM_CLAIM, REDEEMABLE, SUBSCRIPTION, YEAR, as_tuple, b32, default_terms,
    now, past, snapshot
)
from tests.support.chain import UNIT, custom_error

from greenfi.domain.participants import Reason


@pytest.fixture
def unchanged(settlement_token, cast, investor2, investor3, outsider):
    people = [a for a, _, _ in cast] + [investor2, investor3, outsider]

    def capture(bond):
        before = snapshot(bond, settlement_token, people)
        return lambda: snapshot(bond, settlement_token, people) == before

    return capture


@pytest.fixture
def issued(bond, issuer, investor, investor2):
    bond.subscribe(300, {"from": investor})
    bond.subscribe(200, {"from": investor2})
    past(bond.terms()[5])
    bond.settle({"from": issuer})
    return bond


def reverts_named(name):
    """For errors whose arguments depend on the mined block's time: match the error's name only."""
    return brownie.reverts(revert_pattern=rf"{name}: .*")


# ---------------------------------------------------------------- creation


@pytest.mark.parametrize("overrides, field", [
    (dict(isin="0x" + "00" * 32), "isin"),
    (dict(denomination=0), "denomination"),
    (dict(denomination=2**64), "denomination"),
    (dict(issueSize=0), "issueSize"),
    (dict(minimumRaise=0), "minimumRaise"),
    (dict(minimumRaise=2_000), "minimumRaise"),
    (dict(couponFrequency=3), "couponFrequency"),
    (dict(tenor=0), "maturityDate"),
    (dict(couponFrequency=12, tenor=11 * YEAR), "maturityDate"),  # 132 monthly periods > MAX_PERIODS
    (dict(couponRateBps=10_001), "couponRate"),
    (dict(kpiStepBps=600), "couponRate"),  # 500 + 600 × 120 steps would overflow the uint16 rate
    (dict(riskLimitBps=10_001), "riskLimitBps"),
    (dict(callPrice=0), "call"),
    (dict(callPrice=DENOMINATION - 1), "call"),  # below par: the netted proceeds could exceed the price due
])
def test_create_rejects_bad_terms(factory, issuer, overrides, field):
    with brownie.reverts(custom_error("InvalidTerms", b32(field))):
        factory.createBond(as_tuple(default_terms(now(), **overrides)), "n", "s", {"from": issuer})
    assert factory.bondCount() == 0


def test_create_rejects_bad_dates_and_call(factory, issuer):
    start = now()
    for overrides, field in [
        (dict(maturityDate=start + 10 * DAY + YEAR + 1), "maturityDate"),
        (dict(issueDate=start), "dates"),
        (dict(subscriptionStart=start - DAY, issueDate=start), "dates"),  # an issue date already passed
        (dict(subscriptionStart=start + 10 * DAY), "dates"),  # the window [start, issueDate) is empty
        (dict(callDate=start + 5 * DAY), "call"),
        (dict(callDate=start + 10 * DAY + 3 * YEAR), "call"),  # on the maturity date
    ]:
        with brownie.reverts(custom_error("InvalidTerms", b32(field))):
            factory.createBond(as_tuple(default_terms(start, **overrides)), "n", "s", {"from": issuer})
    assert factory.bondCount() == 0


def test_create_refuses_non_enterprises_and_duplicate_ids(factory, make_bond, investor, issuer):
    with brownie.reverts(custom_error("ComplianceRefused", investor, Reason.WRONG_KIND)):
        factory.createBond(as_tuple(default_terms(now())), "n", "s", {"from": investor})
    make_bond()
    with brownie.reverts(custom_error("DuplicateIsin", issuer, b32("XS0000GREEN1"))):
        factory.createBond(as_tuple(default_terms(now())), "n", "s", {"from": issuer})
    with brownie.reverts(custom_error("UnknownIsin", issuer, b32("nope"))):
        factory.bondOf(issuer, b32("nope"))
    assert factory.bondCount() == 1


def test_a_series_and_the_implementation_cannot_be_initialized_again(bond, factory, issuer, outsider):
    with brownie.reverts(custom_error("AlreadyInitialized")):
        bond.initialize(as_tuple(default_terms(now())), outsider, "x", "y", {"from": outsider})
    impl = brownie.GreenBond.at(factory.implementation())
    with brownie.reverts(custom_error("AlreadyInitialized")):
        impl.initialize(as_tuple(default_terms(now())), outsider, "x", "y", {"from": outsider})


def test_documents_only_from_the_issuer_and_never_empty(bond, investor, issuer, unchanged):
    same = unchanged(bond)
    with brownie.reverts(custom_error("NotIssuer", investor)):
        bond.addDocument(0, b32("f"), "ipfs://f", {"from": investor})
    with brownie.reverts(custom_error("InvalidDocument")):
        bond.addDocument(0, b32(""), "ipfs://f", {"from": issuer})
    with brownie.reverts(custom_error("InvalidDocument")):
        bond.addDocument(0, b32("f"), "", {"from": issuer})
    assert same()


# ---------------------------------------------------------------- subscription


def test_subscribe_refuses_ineligible_investors_and_bad_amounts(bond, investor, issuer, outsider, unchanged):
    same = unchanged(bond)
    with brownie.reverts(custom_error("ComplianceRefused", outsider, Reason.NOT_REGISTERED)):
        bond.subscribe(1, {"from": outsider})
    with brownie.reverts(custom_error("ComplianceRefused", issuer, Reason.WRONG_KIND)):
        bond.subscribe(1, {"from": issuer})
    with brownie.reverts(custom_error("ZeroAmount")):
        bond.subscribe(0, {"from": investor})
    with brownie.reverts(custom_error("ExceedsIssueSize", 1_001, 1_000)):
        bond.subscribe(1_001, {"from": investor})
    assert same()


def test_subscribe_refuses_a_frozen_investor(bond, bond_registry, regulator, investor, unchanged):
    bond_registry.freeze(investor, b32("aml"), {"from": regulator})
    same = unchanged(bond)
    with brownie.reverts(custom_error("ComplianceRefused", investor, Reason.FROZEN)):
        bond.subscribe(1, {"from": investor})
    assert same()


def test_subscribe_outside_the_window(make_bond, investor, unchanged):
    late = make_bond(subscriptionStart=now() + DAY)
    same = unchanged(late)
    t = late.terms()
    with brownie.reverts(custom_error("OutsideSubscriptionWindow", t[4], t[5])):
        late.subscribe(1, {"from": investor})
    assert same()
    past(t[5])
    with brownie.reverts(custom_error("OutsideSubscriptionWindow", t[4], t[5])):
        late.subscribe(1, {"from": investor})


def test_settle_refuses_early_wrong_caller_and_bad_risk(bond, risk, admin, issuer, investor, unchanged):
    bond.subscribe(200, {"from": investor})
    same = unchanged(bond)
    with brownie.reverts(custom_error("IssueDateNotReached", bond.terms()[5])):
        bond.settle({"from": issuer})
    past(bond.terms()[5])
    with brownie.reverts(custom_error("NotIssuer", investor)):
        bond.settle({"from": investor})
    risk.setScore(issuer, 501, 9, {"from": admin})
    with brownie.reverts(custom_error("RiskScoreAboveLimit", 501, 500)):
        bond.settle({"from": issuer})
    risk.clearScore(issuer, {"from": admin})
    with brownie.reverts(custom_error("RiskScoreUnavailable", issuer)):
        bond.settle({"from": issuer})
    with brownie.reverts(custom_error("SettlementGraceNotOver", bond.terms()[5] + 7 * DAY)):
        bond.abandon({"from": investor})
    with brownie.reverts(custom_error("WrongStatus", FAILED, SUBSCRIPTION)):
        bond.refund({"from": investor})
    assert same()


def test_transfers_after_issue_are_compliance_checked(issued, bond_registry, regulator, investor, investor2, outsider,
                                                    unchanged):
    same = unchanged(issued)
    with brownie.reverts(custom_error("ComplianceRefused", outsider, Reason.NOT_REGISTERED)):
        issued.transfer(outsider, 1, {"from": investor})
    bond_registry.freeze(investor, b32("aml"), {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", investor, Reason.FROZEN)):
        issued.transfer(investor2, 1, {"from": investor})
    with brownie.reverts(custom_error("ComplianceRefused", investor, Reason.FROZEN)):
        issued.transferFrom(investor, investor2, 0, {"from": investor2})
    assert same()


def test_transfers_locked_during_subscription(make_bond, investor, investor2, unchanged):
    b = make_bond(isin=b32("XS0000GREEN9"))
    b.subscribe(10, {"from": investor})
    same = unchanged(b)
    with brownie.reverts(custom_error("TransfersLocked")):
        b.transfer(investor2, 1, {"from": investor})
    assert same()


def test_refund_twice_and_refund_without_bonds(bond, investor, investor2, issuer, unchanged):
    bond.subscribe(10, {"from": investor})
    past(bond.terms()[5])
    bond.settle({"from": issuer})  # under the minimum: failed
    bond.refund({"from": investor})
    same = unchanged(bond)
    with brownie.reverts(custom_error("NothingToRefund", investor)):
        bond.refund({"from": investor})
    with brownie.reverts(custom_error("NothingToRefund", investor2)):
        bond.refund({"from": investor2})
    assert same()


# ---------------------------------------------------------------- proceeds


def test_allocate_refuses_bad_projects_and_amounts(issued, issuer, investor, projects, regulator, unchanged):
    projects.suspend(2, b32("x"), {"from": regulator})
    same = unchanged(issued)
    with brownie.reverts(custom_error("NotIssuer", investor)):
        issued.allocate(1, MINIMUM_CLAIM, 0, issued.terms()[6], {"from": investor})
    with brownie.reverts(custom_error("ZeroAmount")):
        issued.allocate(1, 0, 0, issued.terms()[6], {"from": issuer})
    with brownie.reverts(custom_error("ProjectNotActive", 2)):
        issued.allocate(2, MINIMUM_CLAIM, 0, issued.terms()[6], {"from": issuer})
    with brownie.reverts(custom_error("ProjectNotActive", 99)):
        issued.allocate(99, MINIMUM_CLAIM, 0, issued.terms()[6], {"from": issuer})
    with brownie.reverts(custom_error("ExceedsUnallocated", 500 * DENOMINATION + 1, 500 * DENOMINATION)):
        issued.allocate(1, 500 * DENOMINATION + 1, 0, issued.terms()[6], {"from": issuer})
    assert same()


def test_allocate_before_issue_is_refused(bond, issuer):
    with brownie.reverts(custom_error("WrongStatus", ISSUED, SUBSCRIPTION)):
        bond.allocate(1, MINIMUM_CLAIM, 0, bond.terms()[6], {"from": issuer})


def test_at_most_eight_projects_per_series(issued, projects, developer, verifier, regulator, issuer):
    for i in range(7):
        pid = projects.submitProject(b32("m"), b32("v"), 0, b"CN", b32(f"site{i}"), {"from": developer}).return_value
        projects.validate(pid, b32("v"), {"from": verifier})
        projects.activate(pid, b32("d"), {"from": regulator})
    for pid in range(1, 9):
        issued.allocate(pid, MINIMUM_CLAIM, 0, issued.terms()[6], {"from": issuer})
    with brownie.reverts(custom_error("TooManyProjects", 8)):
        issued.allocate(9, MINIMUM_CLAIM, 0, issued.terms()[6], {"from": issuer})
    issued.allocate(3, MINIMUM_CLAIM, 0, issued.terms()[6], {"from": issuer})  # a project already financed is fine


def test_release_without_the_condition(issued, reports, issuer, verifier, investor, outsider, unchanged):
    issued.allocate(1, MINIMUM_CLAIM, 0, issued.terms()[6], {"from": issuer})
    issued.allocate(2, MINIMUM_CLAIM, 1_000, issued.terms()[6], {"from": issuer})
    reports.setTotals(2, 999, 0)
    same = unchanged(issued)
    with brownie.reverts(custom_error("MilestoneConditionNotMet", 0)):
        issued.releaseMilestone(0, {"from": outsider})
    with brownie.reverts(custom_error("MilestoneConditionNotMet", 1)):
        issued.releaseMilestone(1, {"from": outsider})
    with brownie.reverts(custom_error("UnknownMilestone", 2)):
        issued.releaseMilestone(2, {"from": outsider})
    with brownie.reverts(custom_error("ComplianceRefused", investor, Reason.WRONG_KIND)):
        issued.attestMilestone(0, b32("e"), {"from": investor})
    with brownie.reverts(custom_error("NotAnAttestationMilestone", 1)):
        issued.attestMilestone(1, b32("e"), {"from": verifier})
    assert same()


def test_release_twice_and_reallocate_released_or_active(issued, issuer, verifier, outsider, developer, unchanged):
    issued.allocate(1, MINIMUM_CLAIM, 0, issued.terms()[6], {"from": issuer})
    issued.attestMilestone(0, b32("e"), {"from": verifier})
    issued.releaseMilestone(0, {"from": outsider})
    issued.allocate(1, MINIMUM_CLAIM, 0, issued.terms()[6], {"from": issuer})
    same = unchanged(issued)
    with brownie.reverts(custom_error("MilestoneClosed", 0)):
        issued.releaseMilestone(0, {"from": outsider})
    with brownie.reverts(custom_error("MilestoneClosed", 0)):
        issued.reallocate(0, b32("r"), {"from": issuer})
    with brownie.reverts(custom_error("ProjectStillActive", 1)):
        issued.reallocate(1, b32("r"), {"from": issuer})
    with brownie.reverts(custom_error("NotIssuer", outsider)):
        issued.reallocate(1, b32("r"), {"from": outsider})
    with brownie.reverts(custom_error("NothingToWithdraw", outsider)):
        issued.withdrawProceeds({"from": outsider})
    assert same()


def test_a_reallocated_milestone_is_closed_and_unknown_ones_are_refused(issued, projects, regulator, issuer, verifier,
                                                                       outsider, unchanged):
    issued.allocate(1, MINIMUM_CLAIM, 0, issued.terms()[6], {"from": issuer})
    projects.suspend(1, b32("fraud"), {"from": regulator})
    issued.reallocate(0, b32("suspended"), {"from": issuer})
    same = unchanged(issued)
    with brownie.reverts(custom_error("MilestoneClosed", 0)):
        issued.attestMilestone(0, b32("e"), {"from": verifier})
    with brownie.reverts(custom_error("MilestoneClosed", 0)):
        issued.releaseMilestone(0, {"from": outsider})
    with brownie.reverts(custom_error("MilestoneClosed", 0)):
        issued.reallocate(0, b32("again"), {"from": issuer})
    with brownie.reverts(custom_error("UnknownMilestone", 1)):
        issued.milestone(1)
    assert same()


def test_release_refused_while_the_network_is_paused(issued, bond_registry, regulator, issuer, verifier, outsider):
    issued.allocate(1, MINIMUM_CLAIM, 0, issued.terms()[6], {"from": issuer})
    issued.attestMilestone(0, b32("e"), {"from": verifier})
    bond_registry.pause({"from": regulator})
    with brownie.reverts(custom_error("NetworkPaused")):
        issued.releaseMilestone(0, {"from": outsider})


# ---------------------------------------------------------------- coupons


def test_claim_before_funding_and_claim_twice(issued, issuer, investor, unchanged):
    same = unchanged(issued)
    with brownie.reverts(custom_error("NothingToClaim", investor)):
        issued.claimCoupons({"from": investor})
    assert same()
    issued.fundCoupon(1, {"from": issuer})
    same = unchanged(issued)
    with brownie.reverts(custom_error("NothingToClaim", investor)):  # funded, but its record date is ahead
        issued.claimCoupons({"from": investor})
    assert same()
    past(issued.recordDate(1))
    issued.claimCoupons({"from": investor})
    same = unchanged(issued)
    with brownie.reverts(custom_error("NothingToClaim", investor)):
        issued.claimCoupons({"from": investor})
    assert same()


def test_fund_coupon_out_of_order_unknown_or_unobserved(issued, issuer, investor, unchanged):
    same = unchanged(issued)
    with brownie.reverts(custom_error("NotIssuer", investor)):
        issued.fundCoupon(1, {"from": investor})
    with brownie.reverts(custom_error("UnknownPeriod", 0)):
        issued.fundCoupon(0, {"from": issuer})
    with brownie.reverts(custom_error("UnknownPeriod", 7)):
        issued.fundCoupon(7, {"from": issuer})
    with brownie.reverts(custom_error("PeriodOutOfOrder", 2, 1)):
        issued.fundCoupon(2, {"from": issuer})
    assert same()
    issued.fundCoupon(1, {"from": issuer})
    with brownie.reverts(custom_error("KpiNotObserved", 1)):
        issued.fundCoupon(2, {"from": issuer})


def test_default_only_after_the_date_and_only_unfunded(issued, issuer, outsider, unchanged):
    same = unchanged(issued)
    with brownie.reverts(custom_error("PaymentDateNotReached", 1, issued.paymentDate(1))):
        issued.declareDefault(1, {"from": outsider})
    for period in (9, 0):
        with brownie.reverts(custom_error("UnknownPeriod", period)):
            issued.declareDefault(period, {"from": outsider})
    assert same()
    issued.fundCoupon(1, {"from": issuer})
    past(issued.paymentDate(2))
    with brownie.reverts(custom_error("PeriodFunded", 1)):
        issued.declareDefault(1, {"from": outsider})
    issued.declareDefault(2, {"from": outsider})
    with brownie.reverts(custom_error("DefaultAlreadyDeclared", 2)):
        issued.declareDefault(2, {"from": outsider})


def test_default_only_on_an_issued_bond(bond, outsider, unchanged):
    same = unchanged(bond)
    with brownie.reverts(custom_error("WrongStatus", ISSUED, SUBSCRIPTION)):
        bond.declareDefault(1, {"from": outsider})
    assert same()


def test_observe_kpi_too_early_out_of_order_or_unlinked(issued, make_bond, outsider, unchanged):
    plain = make_bond(isin=b32("XS0000PLAIN1"), kpiTargetGramsPerPeriod=0)
    same = unchanged(issued)
    with brownie.reverts(custom_error("PaymentDateNotReached", 1, issued.paymentDate(1))):
        issued.observeKpi(1, {"from": outsider})
    for index in (6, 0):
        with brownie.reverts(custom_error("UnknownObservation", index)):
            issued.observeKpi(index, {"from": outsider})
    past(issued.paymentDate(2))
    with brownie.reverts(custom_error("ObservationOutOfOrder", 2, 1)):
        issued.observeKpi(2, {"from": outsider})
    assert same()
    with brownie.reverts(custom_error("KpiNotLinked")):
        plain.observeKpi(1, {"from": outsider})


# ---------------------------------------------------------------- redemption


def test_redeem_early_without_the_right(issued, make_bond, issuer, investor, unchanged):
    same = unchanged(issued)
    with brownie.reverts(custom_error("WrongStatus", REDEEMABLE, ISSUED)):
        issued.redeem(1, {"from": investor})
    with brownie.reverts(custom_error("CouponsOutstanding", 1)):
        issued.depositPrincipal({"from": issuer})
    with brownie.reverts(custom_error("CallWindowClosed", issued.terms()[13], issued.terms()[6])):
        issued.callBonds({"from": issuer})
    assert same()


def test_call_refused_with_coupons_outstanding_and_after_maturity(issued, issuer, unchanged):
    t = issued.terms()
    past(t[13])  # the call date, periods 1 and 2 due and unfunded
    same = unchanged(issued)
    with brownie.reverts(custom_error("CouponsOutstanding", 1)):
        issued.callBonds({"from": issuer})
    past(t[6])
    with brownie.reverts(custom_error("CallWindowClosed", t[13], t[6])):
        issued.callBonds({"from": issuer})
    assert same()


def test_a_non_callable_bond_cannot_be_called(make_bond, issuer, investor):
    b = make_bond(isin=b32("XS0000NOCALL"), callDate=0, callPrice=0)
    b.subscribe(200, {"from": investor})
    past(b.terms()[5])
    b.settle({"from": issuer})
    with brownie.reverts(custom_error("NotCallable")):
        b.callBonds({"from": issuer})


def test_redeem_before_maturity_even_with_principal_deposited(make_bond, issuer, investor, unchanged):
    b = make_bond(isin=b32("XS0000SHORT1"), tenor=YEAR // 2, kpiTargetGramsPerPeriod=0, callDate=0)
    b.subscribe(200, {"from": investor})
    past(b.terms()[5])
    b.settle({"from": issuer})
    b.fundCoupon(1, {"from": issuer})
    b.depositPrincipal({"from": issuer})
    same = unchanged(b)
    with reverts_named("RedemptionNotOpen"):
        b.redeem(1, {"from": investor})
    assert same()
    past(b.terms()[6])
    same = unchanged(b)  # the record date passed: the coupon became claimable
    with brownie.reverts(custom_error("ZeroAmount")):
        b.redeem(0, {"from": investor})
    assert same()
