"""`greenfi market`: each command's effect on the market, the credits and the settlement token, read
back from the contracts; and refusals that change nothing, above all that an approval the main call
needs (the market as ERC-1155 operator, the tdCNY allowance) is never sent when the call is refused."""

import pytest
from tests.carbon.support import supply
from tests.support.cli import greenfi, ok, record, refused  # noqa: F401 (greenfi: a fixture)
from tests.support.chain import UNIT, now

from greenfi.domain.units import format_date

DAYS_30 = 30 * 24 * 3600


@pytest.fixture(scope="module")
def records(carbon_registry, credits, market, settlement_token, tmp_path_factory):
    return record(tmp_path_factory.mktemp("deployments"), carbon_registry, credits, market, settlement_token)


@pytest.fixture(scope="module")
def cash(settlement_token, bank, enterprise):
    """The enterprise holds 10,000 tdCNY and has approved nothing."""
    settlement_token.mint(enterprise, 10_000 * UNIT, {"from": bank})
    return settlement_token


@pytest.fixture
def listing(batch, credits, market, developer):
    """Listing 1: 300 units of batch 1 at 12.5 tdCNY, listed with Brownie."""
    credits.setApprovalForAll(market, True, {"from": developer})
    market.list(batch, 300, 12_500_000, now() + DAYS_30, {"from": developer})
    return 1


def test_list_fill_withdraw(greenfi, batch, credits, market, cash, developer, enterprise):
    expiry = now() + DAYS_30
    cai = credits.caiString(batch)
    out = ok(greenfi(developer, "market", "list", cai, "300", "--price", "12.5", "--expiry", str(expiry)))
    assert out == f"listing 1: 300 units of {cai} at 12.500000 tdCNY each until {format_date(expiry)}"
    assert credits.isApprovedForAll(developer, market) and credits.balanceOf(market, batch) == 300
    assert f"listing 1: 300 units of {cai} at 12.500000 tdCNY each, fee 1 %" in ok(greenfi(None, "market", "show", "1"))
    assert ok(greenfi(None, "market", "listings")).startswith("listing 1: 300 units")

    out = ok(greenfi(enterprise, "market", "fill", "1", "100"))
    assert out == f"bought 100 units of {cai} from listing 1 for 1,250.000000 tdCNY (fee 12.500000 tdCNY)"
    assert credits.balanceOf(enterprise, batch) == 100 and market.listing(1)[5] == 200
    assert cash.balanceOf(enterprise) == 8_750 * UNIT and cash.allowance(enterprise, market) == 0  # exactly the price
    assert ok(greenfi(developer, "market", "withdraw")) == f"withdrew 1,237.500000 tdCNY to {developer.address}"
    assert cash.balanceOf(developer) == 1_237_500_000


def test_a_refused_listing_sends_no_approval(greenfi, batch, credits, market, developer, enterprise):
    held = credits.balanceOf(developer, batch)
    line = refused(greenfi(developer, "market", "list", str(batch), str(held + 1), "--price", "1",
                           "--expiry", str(now() + DAYS_30)))
    assert f"list would revert: InsufficientUnits({developer.address.lower()}, {batch}, {held}, {held + 1})" in line
    assert f"{held} units held, {held + 1} asked" in line
    line = refused(greenfi(developer, "market", "list", str(batch), "1", "--price", "1", "--expiry", "2020-01-01"))
    assert "ExpiryNotInFuture(1577836800); expiry 2020-01-01 is not in the future" in line
    assert not credits.isApprovedForAll(developer, market) and market.listingCount() == 0
    assert refused(greenfi(enterprise, "market", "list", str(batch), "1", "--price", "1",
                           "--expiry", str(now() + DAYS_30))).count("InsufficientUnits") == 1
    assert not credits.isApprovedForAll(enterprise, market)


def test_a_refused_fill_sends_no_approval(greenfi, listing, market, cash, enterprise, supplier, outsider):
    line = refused(greenfi(enterprise, "market", "fill", str(listing), "301"))
    assert "fill would revert: ExceedsListing(1, 300, 301); 300 units left, 301 asked" in line
    line = refused(greenfi(supplier, "market", "fill", str(listing), "1"))  # holds no tdCNY
    assert "ERC20InsufficientBalance" in line and "balance 0.000000 tdCNY, needed 12.500000 tdCNY" in line
    line = refused(greenfi(outsider, "market", "fill", str(listing), "1"))
    assert "NotRegistered" in line and "greenfi participant register" in line
    assert "UnknownListing(9)" in refused(greenfi(enterprise, "market", "fill", "9", "1"))
    assert [cash.allowance(a, market) for a in (enterprise, supplier, outsider)] == [0, 0, 0]
    assert market.listing(listing)[5] == 300


def test_buy_and_retire(greenfi, listing, batch, credits, cash, enterprise):
    retired = supply(credits, batch)["retired"]
    out = ok(greenfi(enterprise, "market", "buy-and-retire", str(listing), "10", "--beneficiary-name", "ACME Ltd",
                     "--jurisdiction", "CN"))
    assert out.startswith("certificate 1: bought and retired 10 units of ") and "for 125.000000 tdCNY" in out
    assert supply(credits, batch)["retired"] == retired + 10 and cash.balanceOf(enterprise) == 9_875 * UNIT


def test_cancel_by_the_seller_only(greenfi, listing, batch, credits, market, developer, enterprise):
    assert f"NotSeller(1, {enterprise.address.lower()})" in refused(greenfi(enterprise, "market", "cancel", "1"))
    assert market.listing(listing)[2] == 1  # Open
    held = credits.balanceOf(developer, batch)
    assert ok(greenfi(developer, "market", "cancel", "1")) == f"cancelled listing 1: 300 units back to {developer.address}"
    assert credits.balanceOf(developer, batch) == held + 300 and market.listing(listing)[2] == 2


def test_the_regulators_delist_cancel_and_reverse(greenfi, listing, batch, credits, market, developer, regulator):
    line = refused(greenfi(developer, "market", "cancel-escrowed", str(listing), "5"))
    assert "NotRegulator" in line and "REGULATOR_ROLE on CarbonCredits" in line
    assert market.listing(listing)[5] == 300
    assert ok(greenfi(regulator, "market", "cancel-escrowed", "1", "5", "--reason", "fraud")) == (
        "cancelled 5 escrowed units of listing 1, 295 left in it")
    buffered = supply(credits, batch)["buffered"]
    out = ok(greenfi(regulator, "market", "reverse-escrowed", "1", str(buffered + 5)))
    assert out == (f"reversed {buffered + 5} units against listing 1: {buffered} from the buffer pool, 5 from escrow, "
                   "290 left in it")
    held = credits.balanceOf(developer, batch)
    assert ok(greenfi(regulator, "market", "delist", "1")) == f"delisted listing 1: 290 units back to {developer.address}"
    assert credits.balanceOf(developer, batch) == held + 290 and market.listing(listing)[2] == 2
    assert "ListingCancelled(1)" in refused(greenfi(regulator, "market", "delist", "1"))


def test_on_a_node_without_state_overrides_only_the_approval_refusal_is_tolerated(
        greenfi, listing, market, cash, enterprise, monkeypatch):
    monkeypatch.setattr("greenfi.chain.approvals.allowance_override", lambda *args: None)
    assert "ExceedsListing(1, 300, 301)" in refused(greenfi(enterprise, "market", "fill", str(listing), "301"))
    assert cash.allowance(enterprise, market) == 0
    ok(greenfi(enterprise, "market", "fill", str(listing), "10"))
    assert market.listing(listing)[5] == 290 and cash.allowance(enterprise, market) == 0
