"""Every base unit of the proceeds has an exit: released to a developer, or netted against the principal when
redemption opens (unallocated, reallocated, expired and still-open milestones alike); milestones that can never be
met expire at their deadline; and a series that has ended holds nothing."""

import brownie
import pytest
from tests.bond.support import (DAY, DENOMINATION, ISSUED, REDEEMABLE, b32, fund_every_coupon, ledger, past,
                          reach_the_call_date)
from tests.support.chain import UNIT, custom_error, event


@pytest.fixture
def issued(bond, issuer, investor, investor2):
    for who, n in ((investor, 300), (investor2, 100)):
        bond.subscribe(n, {"from": who})
    past(bond.terms()[5])
    bond.settle({"from": issuer})
    return bond


def test_unreleased_proceeds_are_netted_and_the_ended_series_holds_nothing(
        issued, projects, settlement_token, issuer, verifier, developer, regulator, investor, investor2, outsider,
        renew_kyc):
    t = issued.terms()
    issued.allocate(1, 100 * DENOMINATION, 0, t[6], {"from": issuer})  # 0: released
    issued.allocate(1, 50 * DENOMINATION, 0, t[5] + 30 * DAY, {"from": issuer})  # 1: expires
    issued.allocate(2, 40 * DENOMINATION, 0, t[6], {"from": issuer})  # 2: reallocated (project suspended)
    issued.allocate(1, 30 * DENOMINATION, 0, t[6], {"from": issuer})  # 3: still open at maturity
    issued.attestMilestone(0, b32("done"), {"from": verifier})
    issued.releaseMilestone(0, {"from": outsider})
    past(t[5] + 30 * DAY)
    tx = issued.expireMilestone(1, {"from": outsider})
    assert event(tx, "MilestoneExpired") == {"milestoneId": 1, "projectId": 1, "amount": 50 * DENOMINATION}
    projects.suspend(2, b32("fraud"), {"from": regulator})
    issued.reallocate(2, b32("suspended"), {"from": issuer})
    assert issued.unallocated() == 400 * DENOMINATION - 100 * DENOMINATION - 30 * DENOMINATION
    fund_every_coupon(issued, issuer, renew_kyc)
    before = settlement_token.balanceOf(issuer)
    tx = issued.depositPrincipal({"from": issuer})
    netted = 300 * DENOMINATION  # everything but the 100 released to the developer
    assert event(tx, "ProceedsNetted") == {"amount": netted}
    assert event(tx, "PrincipalDeposited")["amount"] == 400 * DENOMINATION - netted
    assert before - settlement_token.balanceOf(issuer) == 100 * DENOMINATION
    assert issued.unallocated() == 0 and ledger(issued)["proceedsNetted"] == netted
    past(t[6])
    renew_kyc()
    for who, n in ((investor, 300), (investor2, 100)):
        issued.claimCoupons({"from": who})
        assert event(issued.redeem(n, {"from": who}), "Redeemed")["amount"] == n * DENOMINATION
    issued.withdrawProceeds({"from": developer})
    assert settlement_token.balanceOf(issued) == 0  # every base unit accounted for
    led = ledger(issued)
    assert led["subscribed"] + led["couponsDeposited"] + led["principalDeposited"] == \
        led["withdrawn"] + led["couponsClaimed"] + led["redeemed"]


def test_a_call_nets_the_unreleased_proceeds_too(issued, issuer, investor, renew_kyc, settlement_token):
    issued.allocate(1, 100 * DENOMINATION, 0, issued.terms()[6], {"from": issuer})  # open, never released
    reach_the_call_date(issued, issuer, renew_kyc)
    tx = issued.callBonds({"from": issuer})
    assert event(tx, "ProceedsNetted")["amount"] == 400 * DENOMINATION
    assert event(tx, "PrincipalDeposited")["amount"] == 400 * 10 * UNIT  # only the premium above par
    assert issued.status() == REDEEMABLE


def test_deadlines_are_bounded_and_enforced(issued, issuer, verifier, outsider):
    t = issued.terms()
    for deadline in (0, t[6] + 1):
        with brownie.reverts(revert_pattern=r"InvalidDeadline: .*"):
            issued.allocate(1, 100 * DENOMINATION, 0, deadline, {"from": issuer})
    issued.allocate(1, 100 * DENOMINATION, 0, t[5] + 10 * DAY, {"from": issuer})
    issued.attestMilestone(0, b32("done"), {"from": verifier})
    with brownie.reverts(custom_error("DeadlineNotReached", 0, t[5] + 10 * DAY)):
        issued.expireMilestone(0, {"from": outsider})
    past(t[5] + 10 * DAY)
    free = issued.unallocated()
    with brownie.reverts(custom_error("DeadlinePassed", 0, t[5] + 10 * DAY)):
        issued.releaseMilestone(0, {"from": outsider})
    assert issued.unallocated() == free and issued.milestone(0)[4] is False
    issued.expireMilestone(0, {"from": outsider})
    assert issued.unallocated() == free + 100 * DENOMINATION and issued.milestone(0)[7]
    for call in (lambda: issued.expireMilestone(0, {"from": outsider}),
                 lambda: issued.releaseMilestone(0, {"from": outsider})):
        with brownie.reverts(custom_error("MilestoneClosed", 0)):
            call()


def test_once_redemption_opens_no_proceeds_move(issued, issuer, verifier, outsider, renew_kyc):
    issued.allocate(1, 100 * DENOMINATION, 0, issued.terms()[6], {"from": issuer})
    issued.attestMilestone(0, b32("done"), {"from": verifier})
    fund_every_coupon(issued, issuer, renew_kyc)
    issued.depositPrincipal({"from": issuer})  # milestone 0, attested but not released, is netted
    for call in (lambda: issued.releaseMilestone(0, {"from": outsider}),
                 lambda: issued.expireMilestone(0, {"from": outsider}),
                 lambda: issued.allocate(1, 100 * DENOMINATION, 0, issued.terms()[6], {"from": issuer})):
        with brownie.reverts(custom_error("WrongStatus", ISSUED, REDEEMABLE)):
            call()


def test_a_coupon_funded_ahead_of_a_call_goes_to_the_holders_at_the_call(
        issued, issuer, investor, investor2, settlement_token, renew_kyc):
    """Redemption opens at the call, so a coupon funded before its record date is recorded at the call: holders who
    redeem at once still claim it, and the ended series holds nothing (it used to strand that coupon)."""
    reach_the_call_date(issued, issuer, renew_kyc)
    issued.observeKpi(2, {"from": issuer})
    issued.fundCoupon(3, {"from": issuer})  # period 3's record date is half a year away
    assert issued.claimableCoupons(investor) == 300 * (issued.couponPerBond(1) + issued.couponPerBond(2))
    issued.callBonds({"from": issuer})
    per_bond = issued.couponPerBond(1) + issued.couponPerBond(2) + issued.couponPerBond(3)
    for who, n in ((investor, 300), (investor2, 100)):
        assert issued.claimableCoupons(who) == n * per_bond
        issued.redeem(n, {"from": who})
        assert issued.claimableCoupons(who) == n * per_bond  # redeeming keeps what the call recorded
        assert event(issued.claimCoupons({"from": who}), "CouponClaimed")["amount"] == n * per_bond
    assert issued.totalSupply() == 0 and settlement_token.balanceOf(issued) == 0
