"""CarbonMarket: escrowed listings, delivery-versus-payment fills, buy-and-retire, pull payments; every refusal."""

import brownie
import pytest
from brownie import chain
from tests.carbon.support import DAY, claim, h, supply
from tests.support.chain import UNIT, custom_error, event

from greenfi.domain.participants import Reason

PRICE = 20 * UNIT


@pytest.fixture
def listing(credits, market, batch, developer, funded):
    """Listing 1: 500 units of batch 1 at 20 per unit, open for 30 days."""
    credits.setApprovalForAll(market, True, {"from": developer})
    return market.list(batch, 500, PRICE, chain.time() + 30 * DAY, {"from": developer}).return_value


def state(credits, market, settlement_token, batch, accounts_):
    return (
        tuple(market.listing(1)),
        [credits.balanceOf(a, batch) for a in accounts_],
        [settlement_token.balanceOf(a) for a in accounts_],
        [market.credited(a) for a in accounts_],
    )


def test_list_escrows_units(credits, market, batch, listing, developer):
    seller, batch_id, status, fee_bps, price, remaining, expiry = market.listing(listing)
    assert (seller, batch_id, status, price, remaining) == (developer, batch, 1, PRICE, 500)
    assert credits.balanceOf(market, batch) == 500 and credits.balanceOf(developer, batch) == 400
    assert supply(credits, batch)["escrowed"] == 500


def test_fill_delivers_against_payment(credits, market, settlement_token, batch, listing, developer, enterprise,
                                       treasury):
    paid_before = settlement_token.balanceOf(enterprise)
    tx = market.fill(listing, 120, {"from": enterprise})
    assert event(tx, "Filled") == {"listingId": listing, "buyer": enterprise, "batchId": batch, "quantity": 120,
                                   "cost": 2400 * UNIT, "fee": 24 * UNIT}
    assert credits.balanceOf(enterprise, batch) == 120
    assert settlement_token.balanceOf(enterprise) == paid_before - 2400 * UNIT
    assert market.credited(developer) == 2376 * UNIT and market.credited(treasury) == 24 * UNIT
    market.fill(listing, 380, {"from": enterprise})
    assert market.listing(listing)[2] == 3  # sold out
    assert market.withdraw({"from": developer}).return_value == 9900 * UNIT
    assert market.withdraw({"from": treasury}).return_value == 100 * UNIT
    assert settlement_token.balanceOf(market) == 0


def test_buy_and_retire(credits, market, batch, listing, enterprise):
    tx = market.buyAndRetire(listing, 30, claim(enterprise), {"from": enterprise})
    cert = credits.certificate(tx.return_value)
    assert (cert[0], cert[1], cert[2]) == (batch, enterprise, 30)
    assert credits.balanceOf(enterprise, batch) == 0
    s = supply(credits, batch)
    assert s["retired"] == 30 and s["escrowed"] == 470


def test_cancel_returns_escrow(credits, market, batch, listing, developer, enterprise):
    market.fill(listing, 100, {"from": enterprise})
    with brownie.reverts(custom_error("NotSeller", listing, enterprise)):
        market.cancelListing(listing, {"from": enterprise})
    tx = market.cancelListing(listing, {"from": developer})
    assert event(tx, "ListingCancelledBySeller")["returned"] == 400
    assert credits.balanceOf(developer, batch) == 800 and credits.balanceOf(market, batch) == 0


def test_fill_refusals_change_nothing(credits, market, settlement_token, batch, listing, registry, developer,
                                      enterprise, supplier, outsider, regulator):
    watch = [developer, enterprise, supplier, market]
    before = state(credits, market, settlement_token, batch, watch)
    with brownie.reverts(custom_error("ZeroAmount")):
        market.fill(listing, 0, {"from": enterprise})
    with brownie.reverts(custom_error("ExceedsListing", listing, 500, 501)):
        market.fill(listing, 501, {"from": enterprise})
    with brownie.reverts(custom_error("UnknownListing", 9)):
        market.fill(9, 1, {"from": enterprise})
    with brownie.reverts(custom_error("ComplianceRefused", outsider, Reason.NOT_REGISTERED)):
        market.fill(listing, 1, {"from": outsider})
    settlement_token.approve(market, PRICE * 10 - 1, {"from": supplier})
    with brownie.reverts(custom_error("InsufficientAllowance", supplier, PRICE * 10 - 1, PRICE * 10)):
        market.fill(listing, 10, {"from": supplier})
    registry.freeze(developer, h("order"), {"from": regulator})  # the seller's escrowed units are frozen too
    with brownie.reverts(custom_error("ComplianceRefused", developer, Reason.FROZEN)):
        market.fill(listing, 1, {"from": enterprise})
    registry.unfreeze(developer, {"from": regulator})
    registry.pause({"from": regulator})
    with brownie.reverts(custom_error("NetworkPaused")):
        market.fill(listing, 1, {"from": enterprise})
    registry.unpause({"from": regulator})
    assert state(credits, market, settlement_token, batch, watch)[1:] == before[1:]
    assert tuple(market.listing(1)) == before[0]


def test_expired_and_cancelled_listings_cannot_be_filled(credits, market, batch, listing, developer, enterprise):
    expiry = market.listing(listing)[6]
    chain.sleep(31 * DAY)
    chain.mine()
    with brownie.reverts(custom_error("ListingExpired", listing, expiry)):
        market.fill(listing, 1, {"from": enterprise})
    with brownie.reverts(custom_error("ListingExpired", listing, expiry)):
        market.buyAndRetire(listing, 1, claim(enterprise), {"from": enterprise})
    market.cancelListing(listing, {"from": developer})  # an expired listing can still be cancelled
    with brownie.reverts(custom_error("ListingCancelled", listing)):
        market.fill(listing, 1, {"from": enterprise})
    with brownie.reverts(custom_error("ListingCancelled", listing)):
        market.cancelListing(listing, {"from": developer})
    assert credits.balanceOf(enterprise, batch) == 0 and credits.balanceOf(developer, batch) == 900


def test_sold_out_listing(market, listing, enterprise):
    market.fill(listing, 500, {"from": enterprise})
    with brownie.reverts(custom_error("ListingSoldOut", listing)):
        market.fill(listing, 1, {"from": enterprise})


def test_list_refusals_change_nothing(credits, market, batch, registry, developer, enterprise, regulator):
    expiry = chain.time() + DAY
    with brownie.reverts(custom_error("MarketNotApproved", developer)):
        market.list(batch, 10, PRICE, expiry, {"from": developer})
    credits.setApprovalForAll(market, True, {"from": developer})
    with brownie.reverts(custom_error("ZeroAmount")):
        market.list(batch, 0, PRICE, expiry, {"from": developer})
    with brownie.reverts(custom_error("ZeroPrice")):
        market.list(batch, 10, 0, expiry, {"from": developer})
    now = chain.time()
    with brownie.reverts(custom_error("ExpiryNotInFuture", now - 1)):
        market.list(batch, 10, PRICE, now - 1, {"from": developer})
    with brownie.reverts(custom_error("InsufficientUnits", developer, batch, 900, 901)):
        market.list(batch, 901, PRICE, expiry, {"from": developer})
    registry.freeze(developer, h("order"), {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", developer, Reason.FROZEN)):
        market.list(batch, 10, PRICE, expiry, {"from": developer})
    assert market.listingCount() == 0 and credits.balanceOf(developer, batch) == 900


def test_unsolicited_units_are_refused(credits, market, batch, developer):
    with brownie.reverts(custom_error("UnsolicitedTransfer", developer)):
        credits.safeTransferFrom(developer, market, batch, 1, b"", {"from": developer})
    assert credits.balanceOf(market, batch) == 0


def test_withdraw_and_fee_refusals(market, listing, registry, admin, developer, enterprise, treasury, regulator):
    with brownie.reverts(custom_error("NothingToWithdraw", enterprise)):
        market.withdraw({"from": enterprise})
    market.fill(listing, 10, {"from": enterprise})
    registry.freeze(developer, h("order"), {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", developer, Reason.FROZEN)):
        market.withdraw({"from": developer})
    assert market.credited(developer) == 198 * UNIT
    with brownie.reverts(custom_error("FeeTooHigh", 1001, 1000)):
        market.setFee(1001, treasury, {"from": admin})
    with brownie.reverts(custom_error("ZeroAddress")):
        market.setFee(10, brownie.ZERO_ADDRESS, {"from": admin})
    market.setFee(50, enterprise, {"from": admin})  # fees earned so far stay with the old treasury
    assert market.credited(treasury) == 2 * UNIT and tuple(market.fee()) == (50, enterprise.address)
