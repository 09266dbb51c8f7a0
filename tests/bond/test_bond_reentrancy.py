"""A hostile settlement token that re-enters the bond on every transfer: each re-entry is refused by
the guard and every balance is exactly what an honest token would give."""

import pytest
from tests.bond.support import DENOMINATION, as_tuple, default_terms, ledger, now, past
from brownie import GreenBond, ReentrantTokenForBonds
from tests.support.chain import UNIT
from web3 import Web3

GUARD = Web3.keccak(text="ReentrancyGuardReentrantCall()")[:4]


@pytest.fixture
def hostile(factory_on, admin, issuer, investor, investor2):
    token = ReentrantTokenForBonds.deploy({"from": admin})
    factory = factory_on(token)
    bond = GreenBond.at(factory.createBond(as_tuple(default_terms(now(), kpiTargetGramsPerPeriod=0)), "H", "H",
                                           {"from": issuer}).return_value)
    for who in (issuer, investor, investor2):
        token.mint(who, 10_000_000 * UNIT, {"from": admin})
        token.approve(bond, 2**256 - 1, {"from": who})
    return token, bond


def _refused(token):
    assert token.attempted() and not token.reentrySucceeded()
    assert bytes(token.reentryRevertData())[:4] == GUARD


def test_reentry_on_subscribe_is_refused(hostile, investor):
    token, bond = hostile
    token.arm(bond, bond.subscribe.encode_input(1), {"from": investor})
    bond.subscribe(100, {"from": investor})
    _refused(token)
    assert bond.totalSupply() == 100 and token.balanceOf(bond) == 100 * DENOMINATION


def test_reentry_on_coupon_claim_and_refund_is_refused(hostile, issuer, investor, investor2):
    token, bond = hostile
    bond.subscribe(300, {"from": investor})
    bond.subscribe(200, {"from": investor2})
    past(bond.terms()[5])
    bond.settle({"from": issuer})
    bond.fundCoupon(1, {"from": issuer})
    past(bond.recordDate(1))
    token.arm(bond, bond.claimCoupons.encode_input(), {"from": investor})
    before = token.balanceOf(investor)
    bond.claimCoupons({"from": investor})
    _refused(token)
    assert token.balanceOf(investor) == before + 300 * 25 * UNIT
    assert bond.claimableCoupons(investor) == 0
    led = ledger(bond)
    assert token.balanceOf(bond) == led["subscribed"] + led["couponsDeposited"] - led["couponsClaimed"]


def test_reentry_on_refund_is_refused(hostile, issuer, investor):
    token, bond = hostile
    bond.subscribe(10, {"from": investor})
    past(bond.terms()[5])
    bond.settle({"from": issuer})  # under the minimum: failed
    token.arm(bond, bond.refund.encode_input(), {"from": investor})
    before = token.balanceOf(investor)
    bond.refund({"from": investor})
    _refused(token)
    assert token.balanceOf(investor) == before + 10 * DENOMINATION and token.balanceOf(bond) == 0
