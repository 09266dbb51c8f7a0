"""Every way CreditVoucher refuses bad input: a named custom error, and nothing changes."""

import brownie
import pytest
from tests.support.chain import UNIT, custom_error
from tests.voucher.support import ACTIVE, DAY, OFFERED, PENDING, node, now, past, root, state_of

from greenfi.domain.participants import Reason
from greenfi.domain.vouchers import child_id

FACE = 1_000_000 * UNIT
ZERO32 = "0x" + "00" * 32


def b32(text):
    return "0x" + text.encode().ljust(32, b"\0").hex()


@pytest.fixture
def tree(voucher, issue, supplier, tier2):
    """Root 1 (supplier) split into 1.1 = 600k accepted by tier2 and 1.2 = 400k kept by the supplier."""
    rid = issue()
    voucher.split(rid, [600_000 * UNIT, 400_000 * UNIT], [tier2, supplier], {"from": supplier})
    a, b = child_id(rid, 0), child_id(rid, 1)
    voucher.accept(a, {"from": tier2})
    return rid, a, b


@pytest.fixture
def unchanged(voucher, settlement_token, cast, tier2, tier3, tier3b, bank2):
    """unchanged(ids) → a checker that asserts the state of `ids`, their roots and all balances is as before."""
    people = [a for a, _, _ in cast] + [tier2, tier3, tier3b, bank2]

    def capture(ids):
        before = state_of(voucher, settlement_token, ids, people)
        count = voucher.rootCount()
        return lambda: state_of(voucher, settlement_token, ids, people) == before and voucher.rootCount() == count

    return capture


def reverts_named(name):
    """For errors whose arguments depend on the mined block's time: match the error's name only."""
    return brownie.reverts(revert_pattern=rf"{name}: .*")


# ---------------------------------------------------------------- issue


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(obligor="bank"), ("ComplianceRefused", "bank", Reason.WRONG_KIND)),
        (dict(holder="outsider"), ("ComplianceRefused", "outsider", Reason.NOT_REGISTERED)),
        (dict(holder="enterprise"), ("SelfIssue", "enterprise")),
        (dict(amount=0), ("ZeroAmount",)),
        (dict(amount=2**64), ("AmountTooLarge", 2**64)),
        (dict(project=7), ("ProjectNotActive", 7)),
    ],
    ids=["obligor-not-enterprise", "holder-unregistered", "self-issue", "zero", "too-large", "project-inactive"],
)
def test_issue_rejects_bad_parties_and_amounts(voucher, docs, enterprise, supplier, bank, outsider, unchanged, kwargs, error):
    who = {"bank": bank, "outsider": outsider, "enterprise": enterprise}
    obligor = who.get(kwargs.get("obligor"), enterprise)
    holder = who.get(kwargs.get("holder"), supplier)
    check = unchanged([])
    args = [who.get(a, a) for a in error[1:]]
    with brownie.reverts(custom_error(error[0], *args)):
        voucher.issue(holder, kwargs.get("amount", FACE), now() + 30 * DAY, *docs(), kwargs.get("project", 0),
                      {"from": obligor})
    assert check()


def test_issue_rejects_past_maturity_and_tenor_over_the_maximum(voucher, docs, enterprise, supplier, regulator, unchanged):
    check = unchanged([])
    t = now()
    with brownie.reverts(custom_error("MaturityNotInFuture", t - 1)):
        voucher.issue(supplier, FACE, t - 1, *docs(), 0, {"from": enterprise})
    with reverts_named("TenorTooLong"):
        voucher.issue(supplier, FACE, t + 181 * DAY, *docs(), 0, {"from": enterprise})
    voucher.setRules(365 * DAY, 100 * UNIT, 6, 7 * DAY, {"from": regulator})  # the hard cap is one year
    with reverts_named("TenorTooLong"):
        voucher.issue(supplier, FACE, t + 367 * DAY, *docs(), 0, {"from": enterprise})
    assert check()


def test_issue_rejects_trade_documents_reused_by_the_same_obligor_and_supplier(voucher, docs, enterprise, supplier,
                                                                                unchanged):
    # Changed on purpose (issue 15): documents are single-use per (obligor, supplier), not globally,
    # so another obligor's issue cannot burn them (test_voucher_documents.py).
    order, delivery, invoice = docs()
    voucher.issue(supplier, FACE, now() + 30 * DAY, order, delivery, invoice, 0, {"from": enterprise})
    check = unchanged([1])
    fresh = docs()
    for reused, position in ((order, 0), (delivery, 1), (invoice, 2)):
        hashes = list(fresh)
        hashes[position] = reused
        with brownie.reverts(custom_error("TradeDocumentUsed", "0x" + reused.hex(), 1)):
            voucher.issue(supplier, FACE, now() + 30 * DAY, *hashes, 0, {"from": enterprise})
    assert check()
    assert voucher.documentVoucher(enterprise, supplier, fresh[0]) == 0


@pytest.mark.parametrize("hashes, bad", [
    ((ZERO32, "0x" + "02" * 32, "0x" + "03" * 32), ZERO32),
    (("0x" + "01" * 32, "0x" + "01" * 32, "0x" + "03" * 32), "0x" + "01" * 32),
    (("0x" + "01" * 32, "0x" + "02" * 32, "0x" + "02" * 32), "0x" + "02" * 32),
    (("0x" + "01" * 32, ZERO32, "0x" + "03" * 32), ZERO32),
    (("0x" + "01" * 32, "0x" + "02" * 32, ZERO32), ZERO32),
    (("0x" + "01" * 32, "0x" + "02" * 32, "0x" + "01" * 32), "0x" + "01" * 32),
], ids=["zero", "order-as-delivery", "delivery-as-invoice", "zero-delivery", "zero-invoice", "order-as-invoice"])
def test_issue_rejects_missing_or_repeated_documents(voucher, enterprise, supplier, unchanged, hashes, bad):
    check = unchanged([])
    with brownie.reverts(custom_error("InvalidTradeDocument", bad)):
        voucher.issue(supplier, FACE, now() + 30 * DAY, *hashes, 0, {"from": enterprise})
    assert check()


# ---------------------------------------------------------------- split


def test_split_rejects_more_than_held_less_than_held_and_small_parts(voucher, tree, supplier, tier3, unchanged):
    rid, a, b = tree
    check = unchanged([rid, a, b])
    held = 400_000 * UNIT
    with brownie.reverts(custom_error("SplitExceedsHeld", b, held + 1, held)):
        voucher.split(b, [300_000 * UNIT, 100_000 * UNIT + 1], [tier3, supplier], {"from": supplier})
    with brownie.reverts(custom_error("SplitBelowHeld", b, held - 1, held)):
        voucher.split(b, [300_000 * UNIT, 100_000 * UNIT - 1], [tier3, supplier], {"from": supplier})
    with brownie.reverts(custom_error("PartBelowMinimum", 1, 100 * UNIT - 1, 100 * UNIT)):
        voucher.split(b, [held - 100 * UNIT + 1, 100 * UNIT - 1], [tier3, supplier], {"from": supplier})
    assert check()


@pytest.mark.parametrize("parts", [1, 9], ids=["one", "nine"])
def test_split_rejects_part_counts_outside_two_to_eight(voucher, tree, supplier, unchanged, parts):
    rid, a, b = tree
    check = unchanged([b])
    amounts = [400_000 * UNIT // parts] * parts
    amounts[0] += 400_000 * UNIT - sum(amounts)
    with brownie.reverts(custom_error("InvalidPartCount", parts, parts)):
        voucher.split(b, amounts, [supplier] * parts, {"from": supplier})
    with brownie.reverts(custom_error("InvalidPartCount", 2, 3)):
        voucher.split(b, [200_000 * UNIT] * 2, [supplier] * 3, {"from": supplier})
    assert check()


def test_split_rejects_depth_over_the_limit(voucher, tree, regulator, tier2, tier3, unchanged):
    rid, a, b = tree
    voucher.setRules(180 * DAY, 100 * UNIT, 1, 7 * DAY, {"from": regulator})
    check = unchanged([a])
    with brownie.reverts(custom_error("DepthExceeded", 2, 1)):
        voucher.split(a, [300_000 * UNIT] * 2, [tier3, tier2], {"from": tier2})
    assert check()


def test_split_and_transfer_refuse_non_holders_wrong_states_and_unknown_ids(voucher, issue, supplier, tier2, tier3,
                                                                           unchanged):
    rid = issue()
    voucher.transfer(rid, tier2, {"from": supplier})  # pending at tier2
    check = unchanged([rid])
    with brownie.reverts(custom_error("NotHolder", rid, supplier)):
        voucher.split(rid, [500_000 * UNIT] * 2, [tier3, supplier], {"from": supplier})
    with brownie.reverts(custom_error("WrongState", rid, PENDING, ACTIVE)):
        voucher.split(rid, [500_000 * UNIT] * 2, [tier3, tier2], {"from": tier2})
    with brownie.reverts(custom_error("WrongState", rid, PENDING, ACTIVE)):
        voucher.transfer(rid, tier3, {"from": tier2})
    with brownie.reverts(custom_error("UnknownVoucher", 99)):
        voucher.transfer(99, tier3, {"from": tier2})
    assert check()


def test_unknown_ids_are_refused_by_name(voucher, issue, supplier, tier2, bank, unchanged):
    rid = issue()
    check = unchanged([rid])
    unknown = rid + 1
    with brownie.reverts(custom_error("UnknownVoucher", unknown)):
        voucher.reclaim(unknown, {"from": tier2})
    with brownie.reverts(custom_error("UnknownVoucher", unknown)):
        voucher.acceptOffer(unknown, 500, {"from": bank})
    with brownie.reverts(custom_error("UnknownVoucher", unknown)):
        voucher.claim(unknown, {"from": supplier})
    with brownie.reverts(custom_error("UnknownVoucher", unknown)):
        voucher.quoteRate(unknown)
    with brownie.reverts(custom_error("UnknownVoucher", unknown)):
        voucher.childId(unknown, 0)
    with brownie.reverts(custom_error("InvalidPartCount", 9, 9)):
        voucher.childId(rid, 8)  # parts are numbered 0..7
    assert check()


def test_split_and_transfer_refuse_unregistered_or_non_enterprise_recipients(voucher, tree, supplier, outsider, bank,
                                                                            tier3, unchanged):
    rid, a, b = tree
    check = unchanged([b])
    with brownie.reverts(custom_error("ComplianceRefused", outsider, Reason.NOT_REGISTERED)):
        voucher.split(b, [200_000 * UNIT] * 2, [outsider, supplier], {"from": supplier})
    with brownie.reverts(custom_error("ComplianceRefused", bank, Reason.WRONG_KIND)):
        voucher.transfer(b, bank, {"from": supplier})
    with brownie.reverts(custom_error("SelfTransfer", b)):
        voucher.transfer(b, supplier, {"from": supplier})
    assert check()


def test_matured_vouchers_can_only_be_claimed(voucher, tree, supplier, tier3, bank, unchanged):
    rid, a, b = tree
    maturity = root(voucher, rid)["maturity"]
    past(maturity)
    check = unchanged([b])
    with brownie.reverts(custom_error("VoucherMatured", b, maturity)):
        voucher.split(b, [200_000 * UNIT] * 2, [tier3, supplier], {"from": supplier})
    with brownie.reverts(custom_error("VoucherMatured", b, maturity)):
        voucher.transfer(b, tier3, {"from": supplier})
    with brownie.reverts(custom_error("VoucherMatured", b, maturity)):
        voucher.offer(b, bank, 500, {"from": supplier})
    assert check()


# ---------------------------------------------------------------- acceptance


def test_acceptance_after_the_deadline_and_reclaim_before_it_are_refused(voucher, issue, supplier, tier2, tier3,
                                                                         unchanged):
    rid = issue()
    voucher.transfer(rid, tier2, {"from": supplier})
    deadline = node(voucher, rid)["deadline"]
    check = unchanged([rid])
    with brownie.reverts(custom_error("AcceptanceOpen", rid, deadline)):
        voucher.reclaim(rid, {"from": supplier})
    with brownie.reverts(custom_error("NotHolder", rid, tier3)):
        voucher.accept(rid, {"from": tier3})
    past(deadline)
    with brownie.reverts(custom_error("AcceptanceExpired", rid, deadline)):
        voucher.accept(rid, {"from": tier2})
    assert check()
    voucher.reclaim(rid, {"from": supplier})
    with brownie.reverts(custom_error("WrongState", rid, ACTIVE, PENDING)):
        voucher.reclaim(rid, {"from": supplier})


# ---------------------------------------------------------------- financing


def test_financing_by_a_non_bank_is_refused(voucher, tree, supplier, tier2, enterprise, bank, unchanged):
    rid, a, b = tree
    check = unchanged([b])
    with brownie.reverts(custom_error("ComplianceRefused", tier2, Reason.WRONG_KIND)):
        voucher.offer(b, tier2, 500, {"from": supplier})
    with brownie.reverts(custom_error("WrongState", b, ACTIVE, OFFERED)):
        voucher.acceptOffer(b, 400, {"from": bank})  # nothing offered yet
    with brownie.reverts(custom_error("ComplianceRefused", bank, Reason.WRONG_KIND)):
        voucher.offer(b, bank, 500, {"from": bank})  # a bank cannot offer on an enterprise's behalf
    assert check()


def test_accept_offer_refuses_other_callers_rates_and_missing_scores(voucher, tree, supplier, enterprise, bank, bank2,
                                                                    risk_oracle, admin, unchanged):
    rid, a, b = tree
    voucher.offer(b, bank, 500, {"from": supplier})
    check = unchanged([b])
    with brownie.reverts(custom_error("ComplianceRefused", enterprise, Reason.WRONG_KIND)):
        voucher.acceptOffer(b, 400, {"from": enterprise})
    with brownie.reverts(custom_error("NotOfferedTo", b, bank2)):
        voucher.acceptOffer(b, 400, {"from": bank2})
    with brownie.reverts(custom_error("RateAboveAsk", 501, 500)):
        voucher.acceptOffer(b, 501, {"from": bank})
    with brownie.reverts(custom_error("RateTooHigh", 10_001)):
        voucher.offer(a, bank, 10_001, {"from": voucher.voucher(a)[0]})
    risk_oracle.clearScore(enterprise, {"from": admin})
    with brownie.reverts(custom_error("RiskScoreUnavailable", enterprise)):
        voucher.acceptOffer(b, 400, {"from": bank})
    with brownie.reverts(custom_error("RiskScoreUnavailable", enterprise)):
        voucher.quoteRate(b)
    assert check()


def test_offered_voucher_is_locked_until_cancelled_or_financed(voucher, tree, supplier, tier3, bank, unchanged):
    rid, a, b = tree
    voucher.offer(b, bank, 500, {"from": supplier})
    check = unchanged([b])
    with brownie.reverts(custom_error("WrongState", b, OFFERED, ACTIVE)):
        voucher.transfer(b, tier3, {"from": supplier})
    with brownie.reverts(custom_error("NotHolder", b, tier3)):
        voucher.cancelOffer(b, {"from": tier3})
    past(root(voucher, rid)["maturity"])
    with brownie.reverts(custom_error("VoucherMatured", b, root(voucher, rid)["maturity"])):
        voucher.acceptOffer(b, 400, {"from": bank})
    with brownie.reverts(custom_error("WrongState", b, OFFERED, ACTIVE)):
        voucher.claim(b, {"from": supplier})
    assert check()


# ---------------------------------------------------------------- repayment and claims


def test_repay_refuses_non_obligors_excess_zero_and_non_roots(voucher, tree, enterprise, supplier, unchanged):
    rid, a, b = tree
    voucher.repay(rid, 100_000 * UNIT, {"from": enterprise})
    check = unchanged([rid, a, b])
    with brownie.reverts(custom_error("NotObligor", rid, supplier)):
        voucher.repay(rid, UNIT, {"from": supplier})
    with brownie.reverts(custom_error("RepaymentExceedsFace", rid, 900_000 * UNIT + 1, 900_000 * UNIT)):
        voucher.repay(rid, 900_000 * UNIT + 1, {"from": enterprise})
    with brownie.reverts(custom_error("ZeroAmount")):
        voucher.repay(rid, 0, {"from": enterprise})
    with brownie.reverts(custom_error("NotARoot", a)):
        voucher.repay(a, UNIT, {"from": enterprise})
    with brownie.reverts(custom_error("UnknownVoucher", 5)):
        voucher.repay(5, UNIT, {"from": enterprise})
    assert check()


def test_claims_before_maturity_before_the_deposit_and_twice_are_refused(voucher, tree, enterprise, supplier, tier2,
                                                                         unchanged):
    rid, a, b = tree
    maturity = root(voucher, rid)["maturity"]
    check = unchanged([rid, a, b])
    with brownie.reverts(custom_error("NotMatured", b, maturity)):
        voucher.claim(b, {"from": supplier})
    past(maturity)
    with brownie.reverts(custom_error("NothingToClaim", b)):
        voucher.claim(b, {"from": supplier})
    with brownie.reverts(custom_error("NotHolder", b, tier2)):
        voucher.claim(b, {"from": tier2})
    with brownie.reverts(custom_error("WrongState", rid, 4, ACTIVE)):
        voucher.claim(rid, {"from": supplier})
    assert check()
    voucher.repay(rid, FACE, {"from": enterprise})
    voucher.claim(b, {"from": supplier})
    check = unchanged([rid, a, b])
    with brownie.reverts(custom_error("AlreadyClaimed", b)):
        voucher.claim(b, {"from": supplier})
    assert check()


def test_partial_claim_cannot_be_repeated_without_a_new_deposit(voucher, tree, enterprise, tier2, unchanged):
    rid, a, b = tree
    voucher.repay(rid, 500_000 * UNIT, {"from": enterprise})
    past(root(voucher, rid)["maturity"])
    voucher.claim(a, {"from": tier2})
    check = unchanged([rid, a, b])
    with brownie.reverts(custom_error("NothingToClaim", a)):
        voucher.claim(a, {"from": tier2})
    assert check()


def test_mark_overdue_only_after_maturity_when_underfunded_and_once(voucher, tree, enterprise, outsider, unchanged):
    rid, a, b = tree
    maturity = root(voucher, rid)["maturity"]
    with brownie.reverts(custom_error("NotMatured", rid, maturity)):
        voucher.markOverdue(rid, {"from": outsider})
    with brownie.reverts(custom_error("NotARoot", a)):
        voucher.markOverdue(a, {"from": outsider})
    past(maturity)
    voucher.markOverdue(rid, {"from": outsider})
    check = unchanged([rid])
    with brownie.reverts(custom_error("AlreadyMarkedOverdue", rid)):
        voucher.markOverdue(rid, {"from": outsider})
    assert check()


def test_mark_overdue_refuses_a_fully_funded_root(voucher, issue, enterprise, outsider):
    rid = issue()
    voucher.repay(rid, FACE, {"from": enterprise})
    past(root(voucher, rid)["maturity"])
    with brownie.reverts(custom_error("FullyFunded", rid)):
        voucher.markOverdue(rid, {"from": outsider})
    assert not voucher.isOverdue(rid) and not root(voucher, rid)["overdue"]


# ---------------------------------------------------------------- freeze, pause, roles, parameters


def test_frozen_tree_refuses_every_action_of_its_nodes(voucher, tree, regulator, enterprise, supplier, tier2, tier3,
                                                       bank, issue, unchanged):
    rid, a, b = tree
    other = issue()
    voucher.transfer(a, tier3, {"from": tier2})
    voucher.offer(b, bank, 500, {"from": supplier})
    voucher.freezeTree(rid, b"\x01" * 32, {"from": regulator})
    check = unchanged([rid, a, b])
    frozen = custom_error("VoucherTreeFrozen", rid)
    for call in [
        lambda: voucher.accept(a, {"from": tier3}),
        lambda: voucher.cancelOffer(b, {"from": supplier}),
        lambda: voucher.acceptOffer(b, 400, {"from": bank}),
        lambda: voucher.repay(rid, UNIT, {"from": enterprise}),
    ]:
        with brownie.reverts(frozen):
            call()
    past(node(voucher, a)["deadline"])
    with brownie.reverts(frozen):
        voucher.reclaim(a, {"from": tier2})
    assert check()
    voucher.transfer(other, tier2, {"from": supplier})  # other trees are not affected
    with brownie.reverts(custom_error("FreezeUnchanged", rid, True)):
        voucher.freezeTree(rid, b"\x01" * 32, {"from": regulator})


def test_frozen_tree_refuses_split_and_claim(voucher, tree, regulator, enterprise, supplier, tier3, unchanged):
    rid, a, b = tree
    voucher.repay(rid, FACE, {"from": enterprise})
    voucher.freezeTree(rid, b"\x01" * 32, {"from": regulator})
    check = unchanged([rid, a, b])
    with brownie.reverts(custom_error("VoucherTreeFrozen", rid)):
        voucher.split(b, [200_000 * UNIT] * 2, [tier3, supplier], {"from": supplier})
    past(root(voucher, rid)["maturity"])
    with brownie.reverts(custom_error("VoucherTreeFrozen", rid)):
        voucher.claim(b, {"from": supplier})
    assert check()


def test_system_pause_stops_everything(voucher, tree, chain_registry, regulator, supplier, tier3, outsider, unchanged):
    rid, a, b = tree
    chain_registry.pause({"from": regulator})
    check = unchanged([rid, a, b])
    with brownie.reverts(custom_error("NetworkPaused")):
        voucher.split(b, [200_000 * UNIT] * 2, [tier3, supplier], {"from": supplier})
    with brownie.reverts(custom_error("NetworkPaused")):
        voucher.transfer(b, tier3, {"from": supplier})
    with brownie.reverts(custom_error("NetworkPaused")):
        voucher.markOverdue(rid, {"from": outsider})
    assert check()


def test_roles_and_parameter_bounds(voucher, issue, regulator, admin, outsider, unchanged):
    rid = issue()
    check = unchanged([rid])
    role = voucher.REGULATOR_ROLE()
    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", outsider, role)):
        voucher.freezeTree(rid, b"\x01" * 32, {"from": outsider})
    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", outsider, voucher.GOVERNOR_ROLE())):
        voucher.setRules(90 * DAY, UNIT, 3, DAY, {"from": outsider})
    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", regulator, voucher.PRICING_ROLE())):
        voucher.setPricing(100, 100, 0, {"from": regulator})
    with brownie.reverts(custom_error("FreezeUnchanged", rid, False)):
        voucher.unfreezeTree(rid, {"from": regulator})
    for args, name, value in [
        ((366 * DAY, UNIT, 6, DAY), "maxTenor", 366 * DAY),
        ((0, UNIT, 6, DAY), "maxTenor", 0),
        ((90 * DAY, 0, 6, DAY), "minPartAmount", 0),
        ((90 * DAY, UNIT, 49, DAY), "maxDepth", 49),
        ((90 * DAY, UNIT, 0, DAY), "maxDepth", 0),
        ((90 * DAY, UNIT, 6, 91 * DAY), "acceptWindow", 91 * DAY),
        ((90 * DAY, UNIT, 6, 0), "acceptWindow", 0),
    ]:
        with brownie.reverts(custom_error("InvalidParameter", b32(name), value)):
            voucher.setRules(*args, {"from": regulator})
    for args, name, value in [
        ((10_001, 0, 0), "baseRateBps", 10_001),
        ((100, 100_001, 0), "spreadFactorBps", 100_001),
        ((100, 100, 10_001), "greenDiscountBps", 10_001),
    ]:
        with brownie.reverts(custom_error("InvalidParameter", b32(name), value)):
            voucher.setPricing(*args, {"from": admin})
    assert check()
    assert tuple(map(int, voucher.rules())) == (180 * DAY, 100 * UNIT, 6, 7 * DAY)
