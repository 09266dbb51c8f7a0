"""Trade documents are bound to the obligor and the supplier (nobody else's issue can use them up),
the regulator can release them, the invoice hash survives re-encodings (greenfi.domain.invoices), and a
settlement token that does not deliver the exact amount is refused by repay and by financing."""

import json

import brownie
import pytest
from brownie import CreditVoucher, FeeOnTransferToken, web3
from eth_abi import encode
from tests.support.chain import UNIT, custom_error, event
from tests.voucher.support import DAY, now, state_of

from greenfi.domain.invoices import invoice_file_hash, invoice_hash

FACE = 1_000 * UNIT
INVOICE = {"number": "INV-2025-0042", "seller": "91310000MA1K4AB12X", "buyer": "91110000100000000Y",
           "issue_date": "2025-03-01", "currency": "CNY", "total": "1250.50"}


def test_a_front_running_issue_cannot_burn_the_pairs_documents(voucher, docs, enterprise, supplier, tier2, tier3):
    order, delivery, invoice = docs()
    # tier2 copies the hashes from the mempool and issues first, to the same supplier and to another one
    voucher.issue(supplier, FACE, now() + 30 * DAY, order, delivery, invoice, 0, {"from": tier2})
    voucher.issue(tier3, FACE, now() + 30 * DAY, order, delivery, invoice, 0, {"from": tier2})
    rid = voucher.issue(supplier, FACE, now() + 30 * DAY, order, delivery, invoice, 0, {"from": enterprise}).return_value
    assert rid == 3
    assert [voucher.documentVoucher(o, s, invoice) for o, s in ((tier2, supplier), (tier2, tier3), (enterprise, supplier))] == [1, 2, 3]


def test_document_key_is_the_hash_of_obligor_supplier_and_document(voucher, enterprise, supplier):
    doc = b"\x07" * 32
    expected = web3.keccak(encode(["address", "address", "bytes32"], [enterprise.address, supplier.address, doc]))
    assert bytes(voucher.documentKey(enterprise, supplier, doc)) == bytes(expected)
    assert voucher.documentKey(supplier, enterprise, doc) != voucher.documentKey(enterprise, supplier, doc)


def test_the_regulator_releases_a_document_for_a_new_voucher(voucher, registry, docs, enterprise, supplier,
                                                             regulator):
    order, delivery, invoice = docs()
    voucher.issue(supplier, FACE, now() + 30 * DAY, order, delivery, invoice, 0, {"from": enterprise})
    registry.pause({"from": regulator})  # the release path works during the pause too
    tx = voucher.releaseDocument(enterprise, supplier, invoice, b"\x09" * 32, {"from": regulator})
    registry.unpause({"from": regulator})
    assert event(tx, "TradeDocumentReleased") == {
        "key": str(voucher.documentKey(enterprise, supplier, invoice)), "rootId": 1, "obligor": enterprise.address,
        "supplier": supplier.address, "documentHash": "0x" + invoice.hex(), "reasonHash": "0x" + "09" * 32}
    assert voucher.documentVoucher(enterprise, supplier, invoice) == 0
    fresh_order, fresh_delivery, _ = docs()
    rid = voucher.issue(supplier, FACE, now() + 30 * DAY, fresh_order, fresh_delivery, invoice, 0,
                        {"from": enterprise}).return_value
    assert voucher.documentVoucher(enterprise, supplier, invoice) == rid == 2


def test_release_refusals_change_nothing(voucher, docs, enterprise, supplier, regulator):
    order, delivery, invoice = docs()
    voucher.issue(supplier, FACE, now() + 30 * DAY, order, delivery, invoice, 0, {"from": enterprise})
    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", enterprise, voucher.REGULATOR_ROLE())):
        voucher.releaseDocument(enterprise, supplier, invoice, b"\x01" * 32, {"from": enterprise})
    with brownie.reverts(custom_error("TradeDocumentNotUsed", supplier, enterprise, "0x" + invoice.hex())):
        voucher.releaseDocument(supplier, enterprise, invoice, b"\x01" * 32, {"from": regulator})
    assert voucher.documentVoucher(enterprise, supplier, invoice) == 1


def test_a_reencoded_invoice_is_the_same_document(voucher, docs, enterprise, supplier, tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps(INVOICE))
    second.write_bytes(("\ufeff" + json.dumps({
        "Issue-Date": "2025年3月1日", " NUMBER ": "inv-2025-0042 ", "Seller": "9131 0000-MA1K4AB12X",
        "buyer": "91110000100000000y", "Currency": "cny", "Total": 1_250.5, "notes": "scan of the paper copy",
    }, indent=2)).replace("\n", "\r\n").encode())
    assert invoice_file_hash(first) == invoice_file_hash(second) == invoice_hash(INVOICE)
    order, delivery, _ = docs()
    voucher.issue(supplier, FACE, now() + 30 * DAY, order, delivery, invoice_file_hash(first), 0, {"from": enterprise})
    other_order, other_delivery, _ = docs()
    with brownie.reverts(custom_error("TradeDocumentUsed", "0x" + invoice_file_hash(second).hex(), 1)):
        voucher.issue(supplier, FACE, now() + 30 * DAY, other_order, other_delivery, invoice_file_hash(second), 0,
                      {"from": enterprise})


@pytest.fixture
def odd_voucher(chain_registry, risk_oracle, projects, admin, regulator, enterprise, bank):
    """A CreditVoucher settling in a 1 %-fee token; the obligor and the bank funded and approved."""
    token = FeeOnTransferToken.deploy(100, {"from": admin})
    contract = CreditVoucher.deploy(chain_registry, token, risk_oracle, projects, admin, regulator, {"from": admin})
    for payer in (enterprise, bank):
        token.mint(payer, 10_000_000 * UNIT, {"from": admin})
        token.approve(contract, 2**256 - 1, {"from": payer})
    return contract, token


def test_a_fee_on_transfer_token_is_refused_by_repay_and_financing(odd_voucher, docs, cast, enterprise, supplier,
                                                                   bank):
    contract, token = odd_voucher
    rid = contract.issue(supplier, FACE, now() + 30 * DAY, *docs(), 0, {"from": enterprise}).return_value
    contract.offer(rid, bank, 0, {"from": supplier})
    people = [a for a, _, _ in cast]
    before = state_of(contract, token, [rid], people)
    short = FACE - FACE // 100
    with brownie.reverts(custom_error("ExactTransfersAmountMismatch", token, FACE, short)):
        contract.repay(rid, FACE, {"from": enterprise})
    with brownie.reverts(custom_error("ExactTransfersAmountMismatch", token, FACE, short)):
        contract.acceptOffer(rid, 0, {"from": bank})  # at 0 % the price is the face value
    assert state_of(contract, token, [rid], people) == before
    token.setFee(0, {"from": bank})  # the same token without its fee settles exactly
    contract.acceptOffer(rid, 0, {"from": bank})
    contract.repay(rid, FACE, {"from": enterprise})
    assert token.balanceOf(contract) == FACE
