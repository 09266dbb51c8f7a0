"""Every payout and pay-in honours the regulator's freeze and pause, refund and settle included; the documented
exceptions (docs/bonds.md, "Freeze and pause") record facts, move no money, and keep working during a pause so a
pause can never hide a default or keep a failed issue from failing. Each refusal is a named error and changes
nothing."""

import brownie
import pytest
from tests.bond.support import DAY, DENOMINATION, FAILED, b32, past, reach_the_call_date, snapshot
from tests.support.chain import custom_error

from greenfi.domain.participants import Reason


@pytest.fixture
def people(cast, investor2, investor3, outsider):
    return [a for a, _, _ in cast] + [investor2, investor3, outsider]


def refused(bond, token, people, call, error):
    before = snapshot(bond, token, people)
    with brownie.reverts(error):
        call()
    assert snapshot(bond, token, people) == before


@pytest.fixture
def issued(bond, issuer, investor, investor2, verifier):
    for who, n in ((investor, 300), (investor2, 100)):
        bond.subscribe(n, {"from": who})
    past(bond.terms()[5])
    bond.settle({"from": issuer})
    bond.allocate(1, 100 * DENOMINATION, 0, bond.terms()[5] + 20 * DAY, {"from": issuer})
    bond.attestMilestone(0, b32("done"), {"from": verifier})
    return bond


def test_refund_and_settle_honour_freeze_and_pause(bond, settlement_token, bond_registry, regulator, issuer,
                                                  investor, people):
    bond.subscribe(10, {"from": investor})
    past(bond.terms()[5])
    bond_registry.pause({"from": regulator})
    refused(bond, settlement_token, people, lambda: bond.settle({"from": issuer}), custom_error("NetworkPaused"))
    bond_registry.unpause({"from": regulator})
    bond.settle({"from": issuer})  # under the minimum raise: failed
    assert bond.status() == FAILED
    bond_registry.freeze(investor, b32("aml"), {"from": regulator})
    refused(bond, settlement_token, people, lambda: bond.refund({"from": investor}),
            custom_error("ComplianceRefused", investor, Reason.FROZEN))
    bond_registry.unfreeze(investor, {"from": regulator})
    bond_registry.pause({"from": regulator})
    refused(bond, settlement_token, people, lambda: bond.refund({"from": investor}), custom_error("NetworkPaused"))


def test_every_payout_is_refused_to_a_frozen_account_and_while_paused(issued, settlement_token, bond_registry,
                                                                      regulator, issuer, investor, developer,
                                                                      outsider, people):
    issued.releaseMilestone(0, {"from": outsider})
    issued.fundCoupon(1, {"from": issuer})
    past(issued.recordDate(1))
    bond_registry.freeze(investor, b32("aml"), {"from": regulator})
    bond_registry.freeze(developer, b32("aml"), {"from": regulator})
    frozen = lambda who: custom_error("ComplianceRefused", who, Reason.FROZEN)  # noqa: E731
    refused(issued, settlement_token, people, lambda: issued.claimCoupons({"from": investor}), frozen(investor))
    refused(issued, settlement_token, people, lambda: issued.withdrawProceeds({"from": developer}), frozen(developer))
    bond_registry.unfreeze(investor, {"from": regulator})
    bond_registry.unfreeze(developer, {"from": regulator})
    bond_registry.pause({"from": regulator})
    paused = custom_error("NetworkPaused")
    for call in (lambda: issued.claimCoupons({"from": investor}),
                 lambda: issued.withdrawProceeds({"from": developer}),
                 lambda: issued.transfer(developer, 0, {"from": investor})):
        refused(issued, settlement_token, people, call, paused)


def test_pay_ins_from_a_frozen_issuer_are_refused(issued, settlement_token, bond_registry, regulator, issuer,
                                                 outsider, people, renew_kyc):
    bond_registry.freeze(issuer, b32("sanctions"), {"from": regulator})
    frozen = custom_error("ComplianceRefused", issuer, Reason.FROZEN)
    refused(issued, settlement_token, people, lambda: issued.fundCoupon(1, {"from": issuer}), frozen)
    issued.releaseMilestone(0, {"from": outsider})  # the holders' escrow still reaches the project
    bond_registry.unfreeze(issuer, {"from": regulator})
    reach_the_call_date(issued, issuer, renew_kyc)
    bond_registry.freeze(issuer, b32("sanctions"), {"from": regulator})
    refused(issued, settlement_token, people, lambda: issued.callBonds({"from": issuer}), frozen)


def test_release_and_redeem_refused_while_paused(issued, settlement_token, bond_registry, regulator, issuer, investor,
                                                outsider, people, renew_kyc):
    bond_registry.pause({"from": regulator})
    refused(issued, settlement_token, people, lambda: issued.releaseMilestone(0, {"from": outsider}),
            custom_error("NetworkPaused"))
    refused(issued, settlement_token, people, lambda: issued.fundCoupon(1, {"from": issuer}),
            custom_error("NetworkPaused"))
    bond_registry.unpause({"from": regulator})
    reach_the_call_date(issued, issuer, renew_kyc)
    issued.callBonds({"from": issuer})
    bond_registry.pause({"from": regulator})
    refused(issued, settlement_token, people, lambda: issued.redeem(1, {"from": investor}),
            custom_error("NetworkPaused"))


def test_the_exceptions_record_facts_during_a_pause(issued, make_bond, bond_registry, regulator, issuer, investor,
                                                   outsider):
    pending = make_bond(isin=b32("XS0000PEND01"))
    pending.subscribe(200, {"from": investor})
    past(issued.paymentDate(1))
    bond_registry.pause({"from": regulator})
    issued.declareDefault(1, {"from": outsider})  # a pause cannot hide a missed coupon
    assert issued.isDefaulted(1)
    issued.observeKpi(1, {"from": outsider})
    assert issued.kpiObservation(1)[0] != 0
    issued.expireMilestone(0, {"from": outsider})  # past its deadline: the amount returns to the holders' pool
    assert issued.milestone(0)[7]
    past(pending.terms()[5] + 7 * DAY)
    pending.abandon({"from": outsider})
    assert pending.status() == FAILED
    issued.addDocument(2, b32("impact"), "ipfs://impact", {"from": issuer})
