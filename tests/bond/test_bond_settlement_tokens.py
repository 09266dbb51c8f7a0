"""Settlement tokens that do not deliver the amount asked for (fee-on-transfer, or a balance rebased down during
the pull) are refused at every pull, before anything is booked: ExactTransfersAmountMismatch, nothing changed."""

import brownie
import pytest
from tests.bond.support import DENOMINATION, ISSUED, as_tuple, default_terms, now, past, snapshot
from brownie import FeeOnTransferToken, GreenBond
from tests.support.chain import UNIT, custom_error


@pytest.fixture
def fot(factory_on, admin, issuer, investor, investor2):
    """A series settling in a token whose fee starts at 0 (so it can be issued), then is switched on."""
    token = FeeOnTransferToken.deploy(0, {"from": admin})
    factory = factory_on(token)
    terms = default_terms(now(), kpiTargetGramsPerPeriod=0)
    bond = GreenBond.at(factory.createBond(as_tuple(terms), "F", "F", {"from": issuer}).return_value)
    for who in (issuer, investor, investor2):
        token.mint(who, 10_000_000 * UNIT, {"from": admin})
        token.approve(bond, 2**256 - 1, {"from": who})
    return token, bond


def mismatch(token, expected, fee_bps=100):
    return custom_error("ExactTransfersAmountMismatch", token, expected, expected - expected * fee_bps // 10_000)


def test_a_fee_on_subscription_is_refused(fot, admin, investor, investor2):
    token, bond = fot
    token.setFee(100, {"from": admin})
    before = snapshot(bond, token, [investor, investor2])
    with brownie.reverts(mismatch(token, 10 * DENOMINATION)):
        bond.subscribe(10, {"from": investor})
    assert snapshot(bond, token, [investor, investor2]) == before


def test_a_fee_on_coupon_and_principal_pay_ins_is_refused(fot, admin, issuer, investor, investor2, renew_kyc):
    token, bond = fot
    bond.subscribe(300, {"from": investor})
    past(bond.terms()[5])
    bond.settle({"from": issuer})
    token.setFee(100, {"from": admin})
    before = snapshot(bond, token, [issuer, investor, investor2])
    with brownie.reverts(mismatch(token, 300 * 25 * UNIT)):
        bond.fundCoupon(1, {"from": issuer})
    assert snapshot(bond, token, [issuer, investor, investor2]) == before
    token.setFee(0, {"from": admin})
    bond.fundCoupon(1, {"from": issuer})
    bond.fundCoupon(2, {"from": issuer})  # not KPI-linked: no observation to wait for
    past(bond.terms()[13])
    renew_kyc()
    token.setFee(100, {"from": admin})
    with brownie.reverts(mismatch(token, 300 * 10 * UNIT)):  # the call premium above the netted proceeds
        bond.callBonds({"from": issuer})
    assert bond.status() == ISSUED and bond.redemptionPrice() == 0
