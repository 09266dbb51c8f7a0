"""SettlementToken: the cash leg is minted by the bank, only to participants who may hold it."""

import brownie
from tests.support.chain import UNIT, custom_error

from greenfi.domain.participants import Reason


def test_metadata(settlement_token):
    assert settlement_token.decimals() == 6
    assert settlement_token.symbol() == "tdCNY"


def test_bank_mints_to_a_participant(settlement_token, bank, enterprise):
    tx = settlement_token.mint(enterprise, 1_000 * UNIT, {"from": bank})
    assert settlement_token.balanceOf(enterprise) == 1_000 * UNIT
    assert settlement_token.totalSupply() == 1_000 * UNIT
    assert tx.events["Transfer"]["to"] == enterprise


def test_only_the_bank_mints(settlement_token, enterprise):
    role = settlement_token.MINTER_ROLE()
    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", enterprise, role)):
        settlement_token.mint(enterprise, UNIT, {"from": enterprise})
    assert settlement_token.totalSupply() == 0


def test_mint_refuses_non_participants_with_the_registry_reason(settlement_token, registry, regulator, bank, outsider, enterprise):
    with brownie.reverts(custom_error("ComplianceRefused", outsider, Reason.NOT_REGISTERED)):
        settlement_token.mint(outsider, UNIT, {"from": bank})
    registry.freeze(enterprise, b"\x00" * 32, {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", enterprise, Reason.FROZEN)):
        settlement_token.mint(enterprise, UNIT, {"from": bank})
    assert settlement_token.totalSupply() == 0


def test_mint_refuses_zero_and_pause(settlement_token, registry, regulator, bank, enterprise):
    with brownie.reverts(custom_error("ZeroAmount")):
        settlement_token.mint(enterprise, 0, {"from": bank})
    registry.pause({"from": regulator})
    with brownie.reverts(custom_error("NetworkPaused")):
        settlement_token.mint(enterprise, UNIT, {"from": bank})
    assert settlement_token.totalSupply() == 0


def test_holders_burn_to_redeem(settlement_token, bank, enterprise):
    settlement_token.mint(enterprise, 10 * UNIT, {"from": bank})
    settlement_token.burn(4 * UNIT, {"from": enterprise})
    assert settlement_token.balanceOf(enterprise) == 6 * UNIT
    assert settlement_token.totalSupply() == 6 * UNIT
