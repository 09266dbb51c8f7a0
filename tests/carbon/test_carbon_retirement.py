"""Transfers under compliance, retirement with certificates, cancellation and reversal; every refusal."""

import brownie
from tests.carbon.support import b32, claim, h, supply
from tests.support.chain import custom_error, event

from greenfi.domain.participants import Reason


def test_transfer_checks_both_sides(credits, batch, registry, developer, enterprise, outsider, regulator):
    with brownie.reverts(custom_error("ComplianceRefused", outsider, Reason.NOT_REGISTERED)):
        credits.safeTransferFrom(developer, outsider, batch, 1, b"", {"from": developer})
    registry.freeze(enterprise, h("order"), {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", enterprise, Reason.FROZEN)):
        credits.safeTransferFrom(developer, enterprise, batch, 1, b"", {"from": developer})
    registry.unfreeze(enterprise, {"from": regulator})
    credits.safeTransferFrom(developer, enterprise, batch, 5, b"", {"from": developer})
    registry.freeze(enterprise, h("order"), {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", enterprise, Reason.FROZEN)):
        credits.safeTransferFrom(enterprise, developer, batch, 1, b"", {"from": enterprise})
    assert credits.balanceOf(enterprise, batch) == 5 and credits.balanceOf(developer, batch) == 895


def test_retire_records_certificate(credits, batch, developer, enterprise):
    tx = credits.retire(batch, 40, claim(enterprise, reason=2, code=b"DE"), {"from": developer})
    cert_id = tx.return_value
    assert cert_id == 1 and credits.certificateCount() == 1
    batch_id, retiree, amount, retired_at, c = credits.certificate(cert_id)
    assert (batch_id, retiree, amount) == (batch, developer, 40) and retired_at > 0
    assert c[0] == enterprise and b32(c[1]) == bytes(h("ACME Ltd")) and c[2] == 2 and bytes(c[3]) == b"DE"
    assert event(tx, "Retired")["amount"] == 40
    assert supply(credits, batch)["retired"] == 40 and credits.balanceOf(developer, batch) == 860


def test_certificate_cannot_be_looked_up_when_unknown(credits):
    with brownie.reverts(custom_error("UnknownCertificate", 3)):
        credits.certificate(3)


def test_retire_refusals_change_nothing(credits, batch, registry, developer, enterprise, regulator):
    before = (supply(credits, batch), credits.balanceOf(developer, batch), credits.certificateCount())
    with brownie.reverts(custom_error("InsufficientTradable", developer, batch, 900, 901)):
        credits.retire(batch, 901, claim(enterprise), {"from": developer})
    with brownie.reverts(custom_error("ZeroAmount")):
        credits.retire(batch, 0, claim(enterprise), {"from": developer})
    with brownie.reverts(custom_error("UnknownBatch", 7)):
        credits.retire(7, 1, claim(enterprise), {"from": developer})
    with brownie.reverts(custom_error("InvalidClaimPeriod", 10, 10)):
        credits.retire(batch, 1, claim(enterprise, start=10, end=10), {"from": developer})
    with brownie.reverts(custom_error("InsufficientTradable", enterprise, batch, 0, 1)):
        credits.retire(batch, 1, claim(enterprise), {"from": enterprise})
    registry.freeze(developer, h("order"), {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", developer, Reason.FROZEN)):
        credits.retire(batch, 1, claim(enterprise), {"from": developer})
    assert (supply(credits, batch), credits.balanceOf(developer, batch), credits.certificateCount()) == before


def test_retire_from_needs_approval(credits, batch, developer, enterprise):
    with brownie.reverts(custom_error("ERC1155MissingApprovalForAll", enterprise, developer)):
        credits.retireFrom(developer, batch, 1, claim(enterprise), {"from": enterprise})
    assert credits.certificateCount() == 0
    credits.setApprovalForAll(enterprise, True, {"from": developer})
    cert = credits.retireFrom(developer, batch, 3, claim(enterprise), {"from": enterprise}).return_value
    assert credits.certificate(cert)[1] == developer  # the owner is the retiree of record


def test_retire_from_escrow_is_market_only(credits, batch, developer, market):
    with brownie.reverts(custom_error("NotMarket", developer)):
        credits.retireFromEscrow(developer, batch, 1, claim(developer), {"from": developer})


def test_cancel_by_regulator_even_when_frozen(credits, batch, registry, developer, regulator):
    registry.freeze(developer, h("fraud"), {"from": regulator})
    tx = credits.cancel(developer, batch, 25, h("fraud"), {"from": regulator})
    assert event(tx, "Cancelled")["amount"] == 25
    assert supply(credits, batch)["cancelled"] == 25 and credits.balanceOf(developer, batch) == 875


def test_cancel_refusals(credits, batch, developer, enterprise, regulator, market):
    before = (supply(credits, batch), credits.balanceOf(developer, batch))
    role = credits.REGULATOR_ROLE()
    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", developer, role)):
        credits.cancel(developer, batch, 1, h("x"), {"from": developer})
    with brownie.reverts(custom_error("ZeroAmount")):
        credits.cancel(developer, batch, 0, h("x"), {"from": regulator})
    with brownie.reverts(custom_error("InsufficientTradable", developer, batch, 900, 901)):
        credits.cancel(developer, batch, 901, h("x"), {"from": regulator})
    with brownie.reverts(custom_error("EscrowedUnits", market)):
        credits.cancel(market, batch, 1, h("x"), {"from": regulator})
    with brownie.reverts(custom_error("UnknownBatch", 9)):
        credits.cancel(developer, 9, 1, h("x"), {"from": regulator})
    assert (supply(credits, batch), credits.balanceOf(developer, batch)) == before


def test_reversal_draws_buffer_first(credits, batch, developer, regulator):
    tx = credits.reverse(batch, 60, developer, h("fire"), {"from": regulator})
    assert event(tx, "Reversed")["fromBuffer"] == 60 and event(tx, "Reversed")["fromHolder"] == 0
    assert supply(credits, batch)["buffered"] == 40 and credits.balanceOf(developer, batch) == 900
    tx = credits.reverse(batch, 100, developer, h("fire 2"), {"from": regulator})
    assert event(tx, "Reversed")["fromBuffer"] == 40 and event(tx, "Reversed")["fromHolder"] == 60
    s = supply(credits, batch)
    assert s["buffered"] == 0 and s["cancelled"] == 160 and credits.balanceOf(developer, batch) == 840


def test_reversal_refusals(credits, batch, developer, enterprise, regulator):
    before = (supply(credits, batch), credits.balanceOf(developer, batch))
    with brownie.reverts(custom_error("InsufficientTradable", enterprise, batch, 0, 1)):
        credits.reverse(batch, 101, enterprise, h("x"), {"from": regulator})
    with brownie.reverts(custom_error("ZeroAmount")):
        credits.reverse(batch, 0, developer, h("x"), {"from": regulator})
    role = credits.REGULATOR_ROLE()
    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", developer, role)):
        credits.reverse(batch, 1, developer, h("x"), {"from": developer})
    assert (supply(credits, batch), credits.balanceOf(developer, batch)) == before


def test_market_role_has_one_holder(credits, market, admin, enterprise):
    assert credits.market() == market
    role = credits.MARKET_ROLE()
    with brownie.reverts(custom_error("MarketAlreadySet", market)):
        credits.grantRole(role, enterprise, {"from": admin})
    credits.revokeRole(role, market, {"from": admin})
    assert credits.market() == brownie.ZERO_ADDRESS
    credits.grantRole(role, enterprise, {"from": admin})
    assert credits.market() == enterprise


def test_batch_transfers_are_checked_too(credits, project, issue, batch, developer, enterprise, outsider):
    second = issue(project, tonnes=10)
    with brownie.reverts(custom_error("ComplianceRefused", outsider, Reason.NOT_REGISTERED)):
        credits.safeBatchTransferFrom(developer, outsider, [batch, second], [1, 1], b"", {"from": developer})
    credits.safeBatchTransferFrom(developer, enterprise, [batch, second], [2, 3], b"", {"from": developer})
    assert [int(v) for v in credits.balanceOfBatch([enterprise, enterprise], [batch, second])] == [2, 3]


def test_reversal_cannot_take_escrowed_units(credits, market, batch, developer, regulator):
    credits.reverse(batch, 100, developer, h("drain the buffer"), {"from": regulator})
    with brownie.reverts(custom_error("EscrowedUnits", market)):
        credits.reverse(batch, 1, market, h("x"), {"from": regulator})
    assert supply(credits, batch)["cancelled"] == 100


def test_decode_cai_returns_every_field(credits, projects, batch, project, reports):
    cai = credits.caiOf(batch)
    chain_id, registry_, batch_id, project_id, code, credit_class, v_start, v_end, s_start, s_end, report_hash = (
        credits.decodeCai(cai))
    info = credits.batch(batch)
    assert (batch_id, project_id, bytes(code), credit_class) == (batch, project, b"CN", 0)
    assert registry_ == credits.address and chain_id == brownie.chain.id
    assert (v_start, v_end, s_start, s_end) == (info[1], info[2], info[3], info[4])
    assert b32(report_hash) == b32(info[5])
