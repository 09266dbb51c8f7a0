"""The carbon regulator's reach into the market's escrow: force-delisting, cancelling and reversing
escrowed units (the listing shrinks), on frozen sellers and during a pause; escrowed units are not
circulating; every payout honours freeze and pause, a treasury's included."""

import brownie
import pytest
from brownie import chain
from tests.carbon.support import DAY, h, supply
from tests.support.chain import UNIT, custom_error, event

from greenfi.domain.participants import Reason

PRICE = 20 * UNIT
OPEN, CANCELLED = 1, 2


@pytest.fixture
def listing(credits, market, batch, developer, funded):
    """Listing 1: 500 units of batch 1 (1000 issued, 100 buffered) at 20 per unit, open for 30 days."""
    credits.setApprovalForAll(market, True, {"from": developer})
    return market.list(batch, 500, PRICE, chain.time() + 30 * DAY, {"from": developer}).return_value


def status_price_remaining(market, listing_id):
    listing = market.listing(listing_id)  # seller, batch, status, feeBps, price, remaining, expiry
    return int(listing[2]), int(listing[4]), int(listing[5])


def books(credits, market, batch, accounts_):
    """Everything a refused regulator call must leave unchanged."""
    return (tuple(market.listing(1)), supply(credits, batch), [credits.balanceOf(a, batch) for a in accounts_])


def test_escrowed_units_are_not_circulating(credits, batch, listing):
    s = supply(credits, batch)
    assert (s["circulating"], s["escrowed"]) == (400, 500)
    assert s["issued"] == s["circulating"] + s["escrowed"] + s["retired"] + s["cancelled"] + s["buffered"]


def test_force_delist_returns_a_frozen_sellers_units_where_cancel_reaches_them(credits, market, registry, batch,
                                                                                listing, developer, enterprise,
                                                                                regulator):
    registry.freeze(developer, h("court order"), {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", developer, Reason.FROZEN)):
        market.cancelListing(listing, {"from": developer})
    with brownie.reverts(custom_error("ComplianceRefused", developer, Reason.FROZEN)):
        market.fill(listing, 1, {"from": enterprise})
    tx = market.forceDelist(listing, h("court order"), {"from": regulator})
    assert event(tx, "ListingDelisted") == {"listingId": listing, "seller": developer.address, "returned": 500,
                                            "reasonHash": "0x" + bytes(h("court order")).hex()}
    assert status_price_remaining(market, listing) == (CANCELLED, PRICE, 0)
    assert credits.balanceOf(market, batch) == 0 and credits.balanceOf(developer, batch) == 900
    credits.cancel(developer, batch, 900, h("court order"), {"from": regulator})  # the regulator's process
    assert supply(credits, batch)["cancelled"] == 900
    with brownie.reverts(custom_error("ListingCancelled", listing)):
        market.forceDelist(listing, h("again"), {"from": regulator})


def test_cancel_escrowed_shrinks_the_listing(credits, market, registry, batch, listing, developer, regulator):
    registry.freeze(developer, h("fraud"), {"from": regulator})
    tx = market.cancelEscrowed(listing, 120, h("fraud"), {"from": regulator})
    assert event(tx, "EscrowCancelled")["remaining"] == 380
    assert event(tx, "Cancelled") == {"batchId": batch, "holder": market.address, "amount": 120,
                                      "reasonHash": "0x" + bytes(h("fraud")).hex()}
    assert status_price_remaining(market, listing) == (OPEN, PRICE, 380)
    s = supply(credits, batch)
    assert (s["escrowed"], s["cancelled"]) == (380, 120) and credits.balanceOf(market, batch) == 380
    market.cancelEscrowed(listing, 380, h("fraud"), {"from": regulator})
    assert status_price_remaining(market, listing) == (CANCELLED, PRICE, 0)
    assert credits.balanceOf(developer, batch) == 400  # the seller's other units are untouched


def test_reverse_escrowed_draws_the_buffer_first(credits, market, batch, listing, regulator):
    tx = market.reverseEscrowed(listing, 130, h("reversal"), {"from": regulator})
    assert tx.return_value == 30
    assert event(tx, "Reversed")["fromBuffer"] == 100 and event(tx, "Reversed")["holder"] == market.address
    assert event(tx, "EscrowReversed")["remaining"] == 470
    s = supply(credits, batch)
    assert (s["buffered"], s["cancelled"], s["escrowed"]) == (0, 130, 470)
    assert market.listing(listing)[5] == 470  # remaining


def test_regulator_actions_work_during_the_pause(credits, market, registry, batch, listing, regulator):
    registry.pause({"from": regulator})
    market.cancelEscrowed(listing, 10, h("x"), {"from": regulator})
    market.reverseEscrowed(listing, 110, h("x"), {"from": regulator})
    market.forceDelist(listing, h("x"), {"from": regulator})
    assert supply(credits, batch)["cancelled"] == 120 and market.listing(listing)[2] == CANCELLED


def test_regulator_refusals_change_nothing(credits, market, batch, listing, developer, enterprise, regulator):
    watch = [developer, enterprise, market]
    before = books(credits, market, batch, watch)
    with brownie.reverts(custom_error("NotRegulator", enterprise)):
        market.forceDelist(listing, h("x"), {"from": enterprise})
    with brownie.reverts(custom_error("NotRegulator", developer)):
        market.cancelEscrowed(listing, 1, h("x"), {"from": developer})
    with brownie.reverts(custom_error("NotRegulator", enterprise)):
        market.reverseEscrowed(listing, 1, h("x"), {"from": enterprise})
    with brownie.reverts(custom_error("ZeroAmount")):
        market.cancelEscrowed(listing, 0, h("x"), {"from": regulator})
    with brownie.reverts(custom_error("ExceedsListing", listing, 500, 501)):
        market.cancelEscrowed(listing, 501, h("x"), {"from": regulator})
    with brownie.reverts(custom_error("InsufficientTradable", market, batch, 500, 501)):
        market.reverseEscrowed(listing, 601, h("x"), {"from": regulator})  # 100 buffered + 500 listed < 601
    with brownie.reverts(custom_error("ZeroAmount")):
        market.reverseEscrowed(listing, 0, h("x"), {"from": regulator})
    with brownie.reverts(custom_error("UnknownListing", 9)):
        market.cancelEscrowed(9, 1, h("x"), {"from": regulator})
    with brownie.reverts(custom_error("NotMarket", regulator)):
        credits.cancelEscrowed(batch, 1, h("x"), {"from": regulator})
    with brownie.reverts(custom_error("NotMarket", regulator)):
        credits.reverseEscrowed(batch, 1, 500, h("x"), {"from": regulator})
    with brownie.reverts(custom_error("EscrowedUnits", market)):
        credits.cancel(market, batch, 1, h("x"), {"from": regulator})
    assert books(credits, market, batch, watch) == before


def test_a_treasury_is_exempt_from_registration_only(market, registry, listing, admin, developer, enterprise,
                                                     treasury, outsider, regulator, settlement_token):
    market.fill(listing, 100, {"from": enterprise})  # 20 fee to the treasury
    registry.pause({"from": regulator})
    with brownie.reverts(custom_error("NetworkPaused")):
        market.withdraw({"from": treasury})
    registry.unpause({"from": regulator})
    registry.freeze(treasury, h("sanctions"), {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", treasury, Reason.FROZEN)):
        market.withdraw({"from": treasury})
    registry.unfreeze(treasury, {"from": regulator})
    market.setFee(100, outsider, {"from": admin})  # an unregistered treasury
    market.fill(listing, 100, {"from": enterprise})
    market.setFee(100, treasury, {"from": admin})  # the outsider's fees stay credited to it
    assert market.credited(outsider) == 20 * UNIT
    market.withdraw({"from": outsider})  # a former treasury still collects what it earned
    market.withdraw({"from": treasury})
    assert settlement_token.balanceOf(outsider) == 20 * UNIT and settlement_token.balanceOf(treasury) == 20 * UNIT
    assert settlement_token.balanceOf(market) == market.credited(developer)  # the seller's proceeds, no more
