"""Settlement tokens that do not deliver the exact amount (fee-on-transfer, rebasing) are refused
by the market at the fill, before anything is booked; a well-behaved token settles as usual."""

import brownie
import pytest
from brownie import CarbonMarket, FeeOnTransferToken, chain
from tests.carbon.support import DAY, claim, supply
from tests.support.chain import UNIT, custom_error

PRICE = 20 * UNIT


@pytest.fixture
def odd_market(carbon_registry, credits, batch, admin, treasury, developer, enterprise):
    """A market settling in a 1 %-fee token, holding listing 1: 500 units of batch 1."""
    token = FeeOnTransferToken.deploy(100, {"from": admin})
    market = CarbonMarket.deploy(carbon_registry, credits, token, admin, treasury, 100, {"from": admin})
    credits.grantRole(credits.MARKET_ROLE(), market, {"from": admin})
    credits.setApprovalForAll(market, True, {"from": developer})
    market.list(batch, 500, PRICE, chain.time() + 30 * DAY, {"from": developer})
    token.mint(enterprise, 1_000_000 * UNIT, {"from": admin})
    token.approve(market, 2**256 - 1, {"from": enterprise})
    return market, token


def test_a_fee_on_transfer_token_is_refused_and_nothing_is_booked(odd_market, credits, batch, developer, enterprise):
    market, token = odd_market
    before = (tuple(market.listing(1)), market.credited(developer), token.balanceOf(enterprise), supply(credits, batch))
    cost = 10 * PRICE
    with brownie.reverts(custom_error("ExactTransfersAmountMismatch", token, cost, cost - cost // 100)):
        market.fill(1, 10, {"from": enterprise})
    with brownie.reverts(custom_error("ExactTransfersAmountMismatch", token, cost, cost - cost // 100)):
        market.buyAndRetire(1, 10, claim(enterprise), {"from": enterprise})
    after = (tuple(market.listing(1)), market.credited(developer), token.balanceOf(enterprise), supply(credits, batch))
    assert after == before and token.balanceOf(market) == 0


def test_the_same_token_without_a_fee_settles_exactly(odd_market, developer, enterprise, treasury):
    market, token = odd_market
    token.setFee(0, {"from": developer})
    market.fill(1, 10, {"from": enterprise})
    assert token.balanceOf(market) == market.credited(developer) + market.credited(treasury) == 10 * PRICE
