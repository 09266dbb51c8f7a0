"""CreditVoucher end to end: issue, three tiers of splits, a bank discount, deposit, every holder claims;
plus transfers, reclaims, green quotes, partial deposits and overdue marking."""

import pytest
from tests.support.chain import UNIT, event
from tests.voucher.support import ACTIVE, DAY, OFFERED, PENDING, REDEEMED, SPLIT, node, now, past, root

from greenfi.domain.vouchers import child_id, discounted_price, path_of, quote_rate

FACE = 1_000_000 * UNIT


def test_issue_records_root_and_trade_documents(voucher, enterprise, supplier, docs):
    order, delivery, invoice = docs()
    maturity = now() + 90 * DAY
    tx = voucher.issue(supplier, FACE, maturity, order, delivery, invoice, 0, {"from": enterprise})
    rid = tx.return_value
    assert rid == 1 and voucher.rootCount() == 1
    assert event(tx, "VoucherIssued") == {
        "id": 1, "obligor": enterprise, "holder": supplier, "amount": FACE, "maturity": maturity, "projectId": 0,
        "orderHash": "0x" + order.hex(), "deliveryHash": "0x" + delivery.hex(), "invoiceHash": "0x" + invoice.hex(),
    }
    assert node(voucher, rid) == {
        "holder": supplier, "amount": FACE, "state": ACTIVE, "depth": 0, "parent": 0, "root": rid, "deadline": 0,
        "pending_from": "0x" + "00" * 20, "claimed": 0, "obligor": enterprise, "maturity": maturity, "project": 0,
    }
    assert root(voucher, rid) == {"obligor": enterprise, "maturity": maturity, "frozen": False, "overdue": False,
                                  "face": FACE, "deposited": 0, "paid": 0, "project": 0}
    for h in (order, delivery, invoice):
        assert voucher.documentVoucher(enterprise, supplier, h) == rid


def test_three_tiers_of_splits_a_discount_and_every_holder_claims(
    voucher, settlement_token, enterprise, supplier, tier2, tier3, tier3b, bank
):
    rid = voucher.issue(supplier, FACE, now() + 120 * DAY, b"\x01" * 32, b"\x02" * 32, b"\x03" * 32, 0,
                        {"from": enterprise}).return_value
    maturity = node(voucher, rid)["maturity"]

    # tier 1 → tier 2 (keeps 400k)
    tx = voucher.split(rid, [600_000 * UNIT, 400_000 * UNIT], [tier2, supplier], {"from": supplier})
    t2, t1_rest = child_id(rid, 0), child_id(rid, 1)
    assert [voucher.childId(rid, 0), voucher.childId(rid, 1)] == [t2, t1_rest]
    assert path_of(t2) == "1.1" and path_of(t1_rest) == "1.2"
    split = event(tx, "VoucherSplit")
    assert split["recipients"] == [tier2, supplier] and split["amounts"] == [600_000 * UNIT, 400_000 * UNIT]
    assert node(voucher, rid)["state"] == SPLIT
    assert node(voucher, t2)["state"] == PENDING and node(voucher, t2)["pending_from"] == supplier
    assert node(voucher, t1_rest)["state"] == ACTIVE
    voucher.accept(t2, {"from": tier2})

    # tier 2 → tier 3 (keeps 250k)
    voucher.split(t2, [350_000 * UNIT, 250_000 * UNIT], [tier3, tier2], {"from": tier2})
    t3, t2_rest = child_id(t2, 0), child_id(t2, 1)
    voucher.accept(t3, {"from": tier3})

    # tier 3 → another tier-3 supplier (keeps 150k)
    voucher.split(t3, [200_000 * UNIT, 150_000 * UNIT], [tier3b, tier3], {"from": tier3})
    t3b, t3_rest = child_id(t3, 0), child_id(t3, 1)
    voucher.accept(t3b, {"from": tier3b})
    assert node(voucher, t3b)["depth"] == 3 and path_of(t3b) == "1.1.1.1"
    assert node(voucher, t3b)["parent"] == t3 and node(voucher, t3b)["root"] == rid
    assert node(voucher, t3b)["obligor"] == enterprise and node(voucher, t3b)["maturity"] == maturity

    # tier 2 discounts its remainder with the bank
    voucher.offer(t2_rest, bank, 800, {"from": tier2})
    assert node(voucher, t2_rest)["state"] == OFFERED
    quoted, score = voucher.quoteRate(t2_rest)
    assert (quoted, score) == (quote_rate(150, 300, 10_000, 50, False), 150) == (450, 150)
    before = settlement_token.balanceOf(tier2)
    tx = voucher.acceptOffer(t2_rest, 600, {"from": bank})
    remaining = maturity - tx.timestamp
    price = discounted_price(250_000 * UNIT, 600, remaining)
    assert tx.return_value == price and price < 250_000 * UNIT
    assert settlement_token.balanceOf(tier2) - before == price
    assert event(tx, "Financed") == {
        "id": t2_rest, "rootId": rid, "bank": bank, "seller": tier2, "face": 250_000 * UNIT, "price": price,
        "rateBps": 600, "quotedRateBps": 450, "scoreBps": 150, "modelVersion": 3,
    }
    assert tuple(voucher.financing(t2_rest)) == (bank, 800, 600, 450, 150, True)
    assert node(voucher, t2_rest)["holder"] == bank and node(voucher, t2_rest)["state"] == ACTIVE

    # the obligor deposits the total due; after maturity every holder claims its face value
    voucher.repay(rid, FACE, {"from": enterprise})
    assert settlement_token.balanceOf(voucher) == FACE
    past(maturity)
    holders = [(t1_rest, supplier, 400_000), (t2_rest, bank, 250_000), (t3_rest, tier3, 150_000), (t3b, tier3b, 200_000)]
    for vid, holder, amount in holders:
        before = settlement_token.balanceOf(holder)
        tx = voucher.claim(vid, {"from": holder})
        assert tx.return_value == amount * UNIT
        assert settlement_token.balanceOf(holder) - before == amount * UNIT
        assert event(tx, "Claimed") == {"id": vid, "rootId": rid, "holder": holder, "amount": amount * UNIT,
                                        "claimed": amount * UNIT}
        assert node(voucher, vid)["state"] == REDEEMED and node(voucher, vid)["claimed"] == amount * UNIT
        assert not voucher.isOverdue(vid)
    assert root(voucher, rid)["paid"] == root(voucher, rid)["deposited"] == FACE
    assert settlement_token.balanceOf(voucher) == 0


def test_whole_transfer_waits_for_acceptance(voucher, issue, supplier, tier2):
    rid = issue()
    tx = voucher.transfer(rid, tier2, {"from": supplier})
    deadline = event(tx, "TransferProposed")["acceptDeadline"]
    assert deadline == tx.timestamp + 7 * DAY
    assert (node(voucher, rid)["holder"], node(voucher, rid)["state"], node(voucher, rid)["pending_from"]) == (tier2, PENDING, supplier)
    tx = voucher.accept(rid, {"from": tier2})
    assert event(tx, "TransferAccepted") == {"id": rid, "rootId": rid, "holder": tier2}
    assert (node(voucher, rid)["holder"], node(voucher, rid)["state"], node(voucher, rid)["deadline"]) == (tier2, ACTIVE, 0)


@pytest.mark.parametrize("whole", [True, False], ids=["transfer", "split-part"])
def test_unaccepted_part_goes_back_to_its_sender_after_the_deadline(voucher, issue, supplier, tier2, tier3, whole):
    rid = issue()
    if whole:
        voucher.transfer(rid, tier2, {"from": supplier})
        vid, sender = rid, supplier
    else:
        voucher.split(rid, [600_000 * UNIT, 400_000 * UNIT], [tier2, tier3], {"from": supplier})
        vid, sender = child_id(rid, 1), supplier
    past(node(voucher, vid)["deadline"])
    tx = voucher.reclaim(vid, {"from": tier3})  # anyone may trigger it
    assert event(tx, "TransferReclaimed") == {"id": vid, "rootId": rid, "to": sender}
    assert (node(voucher, vid)["holder"], node(voucher, vid)["state"]) == (sender, ACTIVE)


def test_parts_kept_by_the_splitter_need_no_acceptance(voucher, issue, supplier, tier2):
    rid = issue()
    voucher.split(rid, [600_000 * UNIT, 400_000 * UNIT], [supplier, supplier], {"from": supplier})
    a, b = child_id(rid, 0), child_id(rid, 1)
    assert [(node(voucher, v)["holder"], node(voucher, v)["state"], node(voucher, v)["deadline"]) for v in (a, b)] == [
        (supplier, ACTIVE, 0), (supplier, ACTIVE, 0)]
    voucher.transfer(a, tier2, {"from": supplier})  # usable at once
    assert node(voucher, a)["state"] == PENDING


def test_views_of_unknown_ids_are_empty(voucher, issue, supplier, tier2):
    rid = issue()
    voucher.split(rid, [600_000 * UNIT, 400_000 * UNIT], [tier2, supplier], {"from": supplier})
    unknown = rid + 1
    assert node(voucher, unknown)["state"] == 0 and node(voucher, unknown)["amount"] == 0
    assert root(voucher, unknown)["face"] == 0 and root(voucher, unknown)["obligor"] == "0x" + "00" * 20
    assert root(voucher, child_id(rid, 0))["face"] == 0  # a part is not a root
    assert not voucher.isOverdue(unknown) and voucher.claimable(unknown) == 0


def test_cancelled_offer_returns_voucher_to_active(voucher, issue, supplier, bank):
    rid = issue()
    voucher.offer(rid, bank, 500, {"from": supplier})
    tx = voucher.cancelOffer(rid, {"from": supplier})
    assert event(tx, "OfferCancelled") == {"id": rid, "rootId": rid}
    assert node(voucher, rid)["state"] == ACTIVE and voucher.financing(rid)[0] == "0x" + "00" * 20


def test_green_tag_lowers_the_quote_while_the_project_is_active(voucher, issue, projects, admin):
    green, plain = issue(project=42), issue()
    assert node(voucher, green)["project"] == 42 and root(voucher, green)["project"] == 42
    assert voucher.quoteRate(plain)[0] == 450
    assert voucher.quoteRate(green)[0] == 400
    projects.setStatus(42, 4, {"from": admin})  # Suspended: no more green discount
    assert voucher.quoteRate(green)[0] == 450


def test_quote_follows_pricing_parameters(voucher, issue, admin):
    rid = issue()
    voucher.setPricing(200, 20_000, 0, {"from": admin})
    assert tuple(map(int, voucher.quoteRate(rid))) == (quote_rate(150, 200, 20_000, 0, False), 150) == (500, 150)


def test_quote_never_goes_below_zero_or_above_the_cap(voucher, issue, admin):
    green = issue(project=42)
    voucher.setPricing(100, 0, 300, {"from": admin})  # a green discount larger than the rate
    assert voucher.quoteRate(green)[0] == 0
    voucher.setPricing(10_000, 100_000, 0, {"from": admin})  # 10,000 + 150 × 10 bps: over the cap
    assert voucher.quoteRate(green)[0] == 10_000


def test_partial_deposit_pays_pro_rata_then_the_rest_and_marks_overdue(voucher, settlement_token, issue, enterprise,
                                                                       supplier, tier2, outsider):
    rid = issue()
    voucher.split(rid, [700_000 * UNIT, 300_000 * UNIT], [tier2, supplier], {"from": supplier})
    a, b = child_id(rid, 0), child_id(rid, 1)
    voucher.accept(a, {"from": tier2})
    voucher.repay(rid, 400_000 * UNIT, {"from": enterprise})
    assert voucher.claimable(a) == 0  # not matured yet
    past(root(voucher, rid)["maturity"])
    assert voucher.claimable(rid) == 0  # the root was split: its parts are claimed, not the root
    assert voucher.isOverdue(a) and voucher.isOverdue(b) and not voucher.isOverdue(rid)  # the root is Split
    tx = voucher.markOverdue(rid, {"from": outsider})
    assert event(tx, "MarkedOverdue") == {"rootId": rid, "face": FACE, "deposited": 400_000 * UNIT}
    assert root(voucher, rid)["overdue"]

    assert voucher.claimable(a) == 280_000 * UNIT
    assert voucher.claim(a, {"from": tier2}).return_value == 280_000 * UNIT  # 70 % of 400k
    assert node(voucher, a)["claimed"] == 280_000 * UNIT and node(voucher, a)["state"] == ACTIVE
    voucher.repay(rid, 200_000 * UNIT, {"from": enterprise})  # 600k of 1M deposited: a's share is 420k
    assert voucher.claimable(a) == 140_000 * UNIT
    assert voucher.claim(a, {"from": tier2}).return_value == 140_000 * UNIT
    assert node(voucher, a)["claimed"] == 420_000 * UNIT and node(voucher, a)["state"] == ACTIVE
    voucher.repay(rid, 400_000 * UNIT, {"from": enterprise})
    assert not voucher.isOverdue(a)
    assert voucher.claim(a, {"from": tier2}).return_value == 280_000 * UNIT
    assert voucher.claim(b, {"from": supplier}).return_value == 300_000 * UNIT
    assert node(voucher, a)["state"] == REDEEMED and node(voucher, a)["claimed"] == 700_000 * UNIT
    assert root(voucher, rid)["paid"] == FACE and settlement_token.balanceOf(voucher) == 0


def test_regulator_freezes_and_unfreezes_a_tree(voucher, issue, regulator, supplier, tier2):
    rid = issue()
    tx = voucher.freezeTree(rid, b"\x07" * 32, {"from": regulator})
    assert event(tx, "TreeFrozen") == {"rootId": rid, "reasonHash": "0x" + "07" * 32}
    assert root(voucher, rid)["frozen"]
    tx = voucher.unfreezeTree(rid, {"from": regulator})
    assert event(tx, "TreeUnfrozen") == {"rootId": rid}
    voucher.transfer(rid, tier2, {"from": supplier})


def test_rules_can_be_changed_within_the_caps(voucher, regulator):
    tx = voucher.setRules(365 * DAY, 1 * UNIT, 10, 3 * DAY, {"from": regulator})
    assert event(tx, "RulesUpdated") == {"maxTenor": 365 * DAY, "minPartAmount": UNIT, "maxDepth": 10, "acceptWindow": 3 * DAY}
    assert tuple(map(int, voucher.rules())) == (365 * DAY, UNIT, 10, 3 * DAY)


def test_discounted_price_matches_the_reference(voucher):
    for face, rate, remaining in [(1, 1, 1), (250_000 * UNIT, 600, 90 * DAY), (10**18, 9_999, 365 * DAY - 1),
                                  (123_456_789, 10_000, 365 * DAY), (7 * UNIT, 333, 12_345)]:
        assert voucher.discountedPrice(face, rate, remaining) == discounted_price(face, rate, remaining)
        assert discounted_price(face, rate, remaining) <= face
