"""A green bond's whole life: subscription, issue with the risk gate, proceeds released against
verified impact, KPI-linked coupons, impact per holder, transfers, redemption; and the early call."""

import pytest
from tests.bond.support import (
    ACTUAL_365, DAY, DENOMINATION, FAILED, ISSUED, ISSUER_SCORE, LEDGER_FIELDS, MET, MISSED, MISSING, MODEL_VERSION,
    REDEEMABLE, STALE, THIRTY_360, TONNE, YEAR, b32, ledger, past, reach_the_call_date, reference_coupon
)
from tests.support.chain import UNIT, event

MWH = 10**6  # Wh


@pytest.fixture
def issued(bond, issuer, investor, investor2, investor3):
    """A bond sold 300 / 200 / 100 and settled."""
    for who, n in ((investor, 300), (investor2, 200), (investor3, 100)):
        bond.subscribe(n, {"from": who})
    past(bond.terms()[5])
    bond.settle({"from": issuer})
    return bond


def test_factory_indexes_series_and_terms_are_readable(factory, bond, issuer):
    assert factory.bondCount() == 1 and factory.bondAt(0) == bond
    assert factory.bondOf(issuer, b32("XS0000GREEN1")) == bond
    assert factory.isinCount(b32("XS0000GREEN1")) == 1 and factory.isinAt(b32("XS0000GREEN1"), 0) == bond
    assert bond.issuer() == issuer and bond.decimals() == 0
    assert bond.name() == "Green Bond 2029" and bond.symbol() == "GB29"
    assert bond.periodCount() == 6
    t = bond.terms()
    assert bond.paymentDate(1) == t[5] + YEAR // 2 and bond.paymentDate(6) == t[6]


@pytest.mark.parametrize("frequency, periods", [(1, 3), (4, 12), (12, 36)], ids=["annual", "quarterly", "monthly"])
def test_every_allowed_coupon_frequency_divides_the_tenor_into_periods(make_bond, frequency, periods):
    bond = make_bond(couponFrequency=frequency)
    t = bond.terms()
    assert bond.periodCount() == periods
    assert bond.paymentDate(1) == t[5] + YEAR // frequency and bond.paymentDate(periods) == t[6]


def test_documents_store_hashes_and_put_uris_in_events(bond, issuer):
    tx = bond.addDocument(1, b32("spo"), "ipfs://spo", {"from": issuer})
    assert event(tx, "DocumentAdded") == {"documentId": 1, "kind": 1, "documentHash": b32("spo"), "uri": "ipfs://spo"}
    assert bond.documentHash(1) == b32("spo")


def test_subscription_mints_and_settlement_records_the_risk_score(bond, settlement_token, issuer, investor):
    before = settlement_token.balanceOf(investor)
    tx = bond.subscribe(150, {"from": investor})
    assert event(tx, "Subscribed") == {"investor": str(investor), "bonds": 150, "paid": 150 * DENOMINATION}
    assert bond.balanceOf(investor) == 150 and settlement_token.balanceOf(investor) == before - 150 * DENOMINATION
    past(bond.terms()[5])
    tx = bond.settle({"from": issuer})
    assert event(tx, "BondIssued") == {"bonds": 150, "raised": 150 * DENOMINATION, "riskScoreBps": ISSUER_SCORE,
                                       "riskModelVersion": MODEL_VERSION}
    assert bond.status() == ISSUED and tuple(bond.riskScoreUsed()) == (ISSUER_SCORE, MODEL_VERSION)
    assert bond.unallocated() == 150 * DENOMINATION


def test_under_subscription_refunds_everyone(bond, settlement_token, issuer, investor, investor2):
    start = {a: settlement_token.balanceOf(a) for a in (investor, investor2)}
    bond.subscribe(50, {"from": investor})
    bond.subscribe(30, {"from": investor2})
    past(bond.terms()[5])
    tx = bond.settle({"from": issuer})
    assert event(tx, "IssueFailed") == {"bonds": 80, "subscribed": 80 * DENOMINATION}
    assert bond.status() == FAILED
    for who, n in ((investor, 50), (investor2, 30)):
        tx = bond.refund({"from": who})
        assert event(tx, "Refunded") == {"investor": str(who), "bonds": n, "amount": n * DENOMINATION}
        assert settlement_token.balanceOf(who) == start[who]
    assert bond.totalSupply() == 0 and settlement_token.balanceOf(bond) == 0


def test_an_unsettled_issue_can_be_abandoned_after_the_grace(bond, investor, outsider):
    bond.subscribe(200, {"from": investor})
    past(bond.terms()[5] + 7 * DAY)
    bond.abandon({"from": outsider})
    assert bond.status() == FAILED
    bond.refund({"from": investor})


def test_proceeds_are_released_on_attestation_and_on_verified_output(issued, projects, reports, settlement_token,
                                                                    issuer, verifier, developer, outsider):
    tx = issued.allocate(1, 200_000 * UNIT, 0, issued.terms()[6], {"from": issuer})
    assert event(tx, "ProceedsAllocated") == {"milestoneId": 0, "projectId": 1, "amount": 200_000 * UNIT,
                                              "thresholdWh": 0}
    issued.allocate(2, 150_000 * UNIT, 500 * MWH, issued.terms()[6], {"from": issuer})
    assert issued.unallocated() == 250_000 * UNIT
    assert list(issued.financedProjects()) == [1, 2]

    tx = issued.attestMilestone(0, b32("site visit"), {"from": verifier})
    assert event(tx, "MilestoneAttested") == {"milestoneId": 0, "verifier": str(verifier), "evidenceHash": b32("site visit")}
    tx = issued.releaseMilestone(0, {"from": outsider})
    assert event(tx, "ProceedsReleased") == {"milestoneId": 0, "projectId": 1, "developer": str(developer),
                                             "amount": 200_000 * UNIT}
    reports.setTotals(2, 500 * MWH, 300 * TONNE)
    issued.releaseMilestone(1, {"from": outsider})
    assert issued.withdrawable(developer) == 350_000 * UNIT

    before = settlement_token.balanceOf(developer)
    tx = issued.withdrawProceeds({"from": developer})
    assert event(tx, "ProceedsWithdrawn") == {"developer": str(developer), "amount": 350_000 * UNIT}
    assert settlement_token.balanceOf(developer) == before + 350_000 * UNIT
    assert issued.milestone(0)[4] and issued.milestone(1)[4]


def test_a_failed_projects_allocation_is_reallocated(issued, projects, reports, issuer, regulator, investor):
    issued.allocate(1, 100_000 * UNIT, 0, issued.terms()[6], {"from": issuer})
    projects.suspend(1, b32("fraud"), {"from": regulator})
    tx = issued.reallocate(0, b32("suspended"), {"from": issuer})
    assert event(tx, "ProceedsReallocated") == {"milestoneId": 0, "projectId": 1, "amount": 100_000 * UNIT,
                                                "reasonHash": b32("suspended")}
    assert issued.unallocated() == 600 * DENOMINATION
    issued.allocate(2, 600 * DENOMINATION, 0, issued.terms()[6], {"from": issuer})
    assert issued.unallocated() == 0
    reports.setTotals(1, 1_000 * MWH, 500 * TONNE)  # the failed project's output is not the bond's impact
    assert tuple(issued.impactOf(investor)) == (0, 0)


def test_coupons_are_exact_and_sum_to_deposits(issued, reports, settlement_token, issuer, investor, investor2,
                                               investor3):
    issued.allocate(1, 100_000 * UNIT, 0, issued.terms()[6], {"from": issuer})
    coupon = reference_coupon(DENOMINATION, 500, 2, THIRTY_360, issued.terms()[5], 1)
    assert coupon == 25 * UNIT and issued.couponPerBond(1) == coupon
    tx = issued.fundCoupon(1, {"from": issuer})
    assert event(tx, "CouponFunded") == {"period": 1, "rateBps": 500, "couponPerBond": coupon, "amount": 600 * coupon}
    assert issued.claimableCoupons(investor) == 0  # funded early: still paid to the holders at the record date
    issued.transfer(investor3, 100, {"from": investor})  # before the record date: the coupon moves with the bonds
    past(issued.recordDate(1))
    issued.transfer(investor3, 100, {"from": investor})  # after it: the coupon stays with the record-date holder
    assert issued.claimableCoupons(investor) == 200 * coupon
    for who, n in ((investor, 200), (investor2, 200), (investor3, 200)):
        before = settlement_token.balanceOf(who)
        tx = issued.claimCoupons({"from": who})
        assert event(tx, "CouponClaimed")["amount"] == n * coupon
        assert settlement_token.balanceOf(who) == before + n * coupon
    led = ledger(issued)
    assert led["couponsClaimed"] == led["couponsDeposited"] == 600 * coupon


def test_kpi_step_rule_misses_step_up_meeting_does_not(issued, reports, issuer, outsider, renew_kyc):
    issued.allocate(1, 100_000 * UNIT, 0, issued.terms()[6], {"from": issuer})
    issued.allocate(2, 100_000 * UNIT, 0, issued.terms()[6], {"from": issuer})
    issued.fundCoupon(1, {"from": issuer})
    past(issued.paymentDate(1))
    reports.setTotals(1, 0, 60 * TONNE)
    reports.setTotals(2, 0, 50 * TONNE)  # 110 t ≥ 100 t: met
    tx = issued.observeKpi(1, {"from": outsider})
    assert event(tx, "KpiObserved") == {"observationIndex": 1, "outcome": MET, "kpiGrams": 110 * TONNE,
                                        "targetGrams": 100 * TONNE, "stepsAfter": 0}
    assert issued.couponRate(2) == 500
    issued.observeKpi(1, {"from": outsider})  # idempotent
    assert issued.stepCount() == 0

    issued.fundCoupon(2, {"from": issuer})
    past(issued.paymentDate(2))
    renew_kyc()  # the issuer pays in only while the registry lets it hold assets
    reports.setTotals(1, 0, 80 * TONNE)  # 130 t < 200 t: missed
    tx = issued.observeKpi(2, {"from": outsider})
    assert event(tx, "KpiObserved")["outcome"] == MISSED and issued.couponRate(3) == 525
    assert issued.couponPerBond(3) == DENOMINATION * 525 * 180 // 3_600_000
    issued.fundCoupon(3, {"from": issuer})

    past(issued.paymentDate(3))  # nothing new verified: stale
    assert event(issued.observeKpi(3, {"from": outsider}), "KpiObserved")["outcome"] == STALE
    assert issued.couponRate(4) == 550 and issued.couponRate(3) == 525
    issued.fundCoupon(4, {"from": issuer})

    past(issued.paymentDate(4))
    renew_kyc()
    reports.setBroken(2, True)  # unreadable data: missing
    assert event(issued.observeKpi(4, {"from": outsider}), "KpiObserved")["outcome"] == MISSING
    assert issued.couponRate(5) == 575
    issued.fundCoupon(5, {"from": issuer})

    past(issued.paymentDate(5))
    reports.setBroken(2, False)
    reports.setTotals(2, 0, 500 * TONNE)  # 580 t ≥ 500 t: met — no step, and never back down
    assert event(issued.observeKpi(5, {"from": outsider}), "KpiObserved")["outcome"] == MET
    assert issued.couponRate(6) == 575


def test_no_financed_project_is_missing_data(issued, issuer, outsider):
    issued.fundCoupon(1, {"from": issuer})
    past(issued.paymentDate(1))
    assert event(issued.observeKpi(1, {"from": outsider}), "KpiObserved")["outcome"] == MISSING
    assert issued.couponRate(2) == 525


def test_financed_projects_without_verified_reductions_are_missing_data(issued, issuer, outsider):
    issued.allocate(1, 100_000 * UNIT, 0, issued.terms()[6], {"from": issuer})
    issued.fundCoupon(1, {"from": issuer})
    past(issued.paymentDate(1))
    tx = issued.observeKpi(1, {"from": outsider})
    assert event(tx, "KpiObserved")["outcome"] == MISSING and event(tx, "KpiObserved")["kpiGrams"] == 0
    assert issued.couponRate(2) == 525


def test_actual_365_counts_whole_days(make_bond, issuer, investor):
    bond = make_bond(dayCount=ACTUAL_365, kpiTargetGramsPerPeriod=0)
    issue = bond.terms()[5]
    for p in range(1, 7):
        assert bond.couponPerBond(p) == reference_coupon(DENOMINATION, 500, 2, ACTUAL_365, issue, p)
    days = {(bond.paymentDate(p) // DAY - bond.paymentDate(p - 1) // DAY) for p in range(1, 7)}
    assert days <= {182, 183}


def test_missed_funding_is_a_declared_default(issued, issuer, outsider):
    past(issued.paymentDate(1))
    tx = issued.declareDefault(1, {"from": outsider})
    assert event(tx, "CouponDefaultDeclared") == {"period": 1, "paymentDate": issued.paymentDate(1),
                                                  "amountDue": 600 * 25 * UNIT}
    assert issued.isDefaulted(1)
    issued.fundCoupon(1, {"from": issuer})  # a late payment cures the coupon, the default stays on record
    assert issued.isDefaulted(1)


def test_no_impact_before_anyone_holds_a_bond(bond, reports, investor):
    reports.setTotals(1, 1_200 * MWH, 600 * TONNE)
    assert bond.totalSupply() == 0 and tuple(bond.impactOf(investor)) == (0, 0)


def test_impact_per_holder_is_pro_rata_of_the_output_attributed_to_the_series(issued, reports, issuer, investor,
                                                                              investor3, outsider):
    reports.setTotals(1, 5_000 * MWH, 2_500 * TONNE)  # the plant's history before the series financed it
    issued.allocate(1, 200_000 * UNIT, 0, issued.terms()[6], {"from": issuer})
    assert tuple(issued.impactOf(investor)) == (0, 0)  # lifetime totals are never the series' impact
    reports.setTotals(1, 6_200 * MWH, 3_100 * TONNE)
    # 1,200 MWh and 600 t verified since the allocation, all the series' (its only financier); investor holds 300/600
    assert tuple(issued.impactOf(investor)) == (600 * MWH, 300 * TONNE)
    assert tuple(issued.impactOf(investor3)) == (200 * MWH, 100 * TONNE)
    assert tuple(issued.impactOf(outsider)) == (0, 0)  # holds no bond


def test_ledger_fields_are_named_for_readers(bond):
    """The dashboard reads ledger() by field name, not by position."""
    assert tuple(bond.ledger().dict()) == LEDGER_FIELDS
    assert ledger(bond) == dict.fromkeys(LEDGER_FIELDS, 0)


def test_whole_life_to_redemption_at_maturity(issued, reports, settlement_token, issuer, verifier, developer,
                                              investor, investor2, investor3, outsider, renew_kyc):
    issued.allocate(1, 600 * DENOMINATION, 0, issued.terms()[6], {"from": issuer})
    issued.attestMilestone(0, b32("commissioned"), {"from": verifier})
    issued.releaseMilestone(0, {"from": outsider})
    issued.withdrawProceeds({"from": developer})
    for p in range(1, 7):
        if p > 1:
            past(issued.paymentDate(p - 1))
            reports.setTotals(1, 0, p * 100 * TONNE)
            issued.observeKpi(p - 1, {"from": outsider})
        renew_kyc()  # the issuer pays in only while the registry lets it hold assets
        issued.fundCoupon(p, {"from": issuer})
    issued.depositPrincipal({"from": issuer})
    assert issued.status() == REDEEMABLE
    past(issued.terms()[6])
    renew_kyc()
    for who, n in ((investor, 300), (investor2, 200), (investor3, 100)):
        issued.claimCoupons({"from": who})
        tx = issued.redeem(n, {"from": who})
        assert event(tx, "Redeemed") == {"holder": str(who), "bonds": n, "amount": n * DENOMINATION}
    led = ledger(issued)
    assert issued.totalSupply() == 0 and settlement_token.balanceOf(issued) == 0
    assert led["couponsClaimed"] == led["couponsDeposited"] == 600 * 6 * 25 * UNIT
    assert led["redeemed"] == led["principalDeposited"] == 600 * DENOMINATION
    assert led["withdrawn"] == led["subscribed"]


def test_early_call_at_the_call_price(issued, issuer, investor, investor2, settlement_token, renew_kyc):
    reach_the_call_date(issued, issuer, renew_kyc)
    tx = issued.callBonds({"from": issuer})
    # nothing was released: the whole raise is netted and the issuer deposits only the call premium
    assert event(tx, "ProceedsNetted") == {"amount": 600 * DENOMINATION}
    assert event(tx, "PrincipalDeposited") == {"pricePerBond": 1_010 * UNIT, "amount": 600 * 10 * UNIT, "called": True}
    issued.transfer(investor2, 100, {"from": investor})  # a called bond still trades until redeemed
    assert issued.balanceOf(investor) == 200 and issued.balanceOf(investor2) == 300
    before = settlement_token.balanceOf(investor)
    issued.redeem(200, {"from": investor})
    assert settlement_token.balanceOf(investor) == before + 200 * 1_010 * UNIT


def test_each_series_is_its_own_clone(make_bond, factory):
    a = make_bond()
    b = make_bond(isin=b32("XS0000GREEN2"), couponRateBps=450)
    assert a != b and factory.bondCount() == 2
    assert b.couponRate(1) == 450
