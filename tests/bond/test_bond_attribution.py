"""A series counts only the output verified after it financed a project (ImpactAttribution): milestone thresholds,
the KPI and impactOf never read a project's lifetime totals, two series financing one plant share its new output,
and a series' claims end when redemption opens."""

import brownie
from tests.bond.support import (DENOMINATION, MET, MINIMUM_CLAIM, MISSING, TONNE, as_tuple, b32, default_terms,
                          fund_every_coupon, now, past)
from brownie import GreenBond, GreenBondFactory
from tests.support.chain import custom_error, event

MWH = 10**6  # Wh


def issue(bond, issuer, holders):
    for who, n in holders:
        bond.subscribe(n, {"from": who})
    past(bond.terms()[5])
    bond.settle({"from": issuer})
    return bond


def test_a_milestone_threshold_needs_output_verified_after_its_allocation(bond, reports, issuer, investor, outsider):
    issue(bond, issuer, [(investor, 300)])
    reports.setTotals(2, 1_000 * MWH, 500 * TONNE)  # someone else's plant with a verified history
    bond.allocate(2, 100 * DENOMINATION, 500 * MWH, bond.terms()[6], {"from": issuer})
    with brownie.reverts(custom_error("MilestoneConditionNotMet", 0)):
        bond.releaseMilestone(0, {"from": outsider})  # 1,000 MWh of history, none of it financed by the series
    reports.setTotals(2, 1_499 * MWH, 500 * TONNE)
    with brownie.reverts(custom_error("MilestoneConditionNotMet", 0)):
        bond.releaseMilestone(0, {"from": outsider})
    reports.setTotals(2, 1_500 * MWH, 500 * TONNE)
    assert event(bond.releaseMilestone(0, {"from": outsider}), "ProceedsReleased")["amount"] == 100 * DENOMINATION


def test_the_kpi_reads_the_attributed_reductions_never_the_lifetime_totals(bond, reports, issuer, investor, outsider):
    issue(bond, issuer, [(investor, 300)])
    reports.setTotals(1, 0, 600 * TONNE)  # six targets' worth, all verified before the financing
    bond.allocate(1, 100 * DENOMINATION, 0, bond.terms()[6], {"from": issuer})
    bond.fundCoupon(1, {"from": issuer})
    past(bond.paymentDate(1))
    tx = bond.observeKpi(1, {"from": outsider})
    assert event(tx, "KpiObserved")["outcome"] == MISSING and event(tx, "KpiObserved")["kpiGrams"] == 0
    bond.fundCoupon(2, {"from": issuer})
    reports.setTotals(1, 0, 800 * TONNE)  # 200 t new since the allocation: the series' alone
    past(bond.paymentDate(2))
    tx = bond.observeKpi(2, {"from": outsider})
    assert event(tx, "KpiObserved")["outcome"] == MET and event(tx, "KpiObserved")["kpiGrams"] == 200 * TONNE


def test_two_series_share_one_plant_and_never_count_a_unit_twice(make_bond, attribution, reports, issuer, investor,
                                                                investor2):
    a = issue(make_bond(), issuer, [(investor, 300)])
    b = make_bond(isin=b32("XS0000GREEN2"))  # created after `a` was issued: its window opens now
    issue(b, issuer, [(investor2, 300)])
    reports.setTotals(1, 1_000 * MWH, 400 * TONNE)  # history
    a.allocate(1, 150 * DENOMINATION, 0, a.terms()[6], {"from": issuer})
    reports.setTotals(1, 1_100 * MWH, 440 * TONNE)  # 100 MWh while only `a` finances the plant
    b.allocate(1, 50 * DENOMINATION, 0, b.terms()[6], {"from": issuer})
    reports.setTotals(1, 1_300 * MWH, 520 * TONNE)  # 200 MWh split 150 : 50
    assert tuple(attribution.attributed(a, 1)) == (250 * MWH, 100 * TONNE)
    assert tuple(attribution.attributed(b, 1)) == (50 * MWH, 20 * TONNE)
    holders_a, holders_b = a.impactOf(investor), b.impactOf(investor2)  # each series held by one investor
    assert holders_a[0] + holders_b[0] == 300 * MWH  # = verified since the first allocation, never more


def test_redemption_ends_the_series_claims(bond, attribution, reports, issuer, investor, renew_kyc):
    short = issue(bond, issuer, [(investor, 300)])
    short.allocate(1, 100 * DENOMINATION, 0, short.terms()[6], {"from": issuer})
    assert attribution.claimOf(short, 1) == 100 * DENOMINATION
    fund_every_coupon(short, issuer, renew_kyc)
    reports.setTotals(1, 10 * MWH, 0)
    tx = short.depositPrincipal({"from": issuer})
    assert event(tx, "ClaimReleased")["claimAfter"] == 0 and attribution.claimOf(short, 1) == 0
    reports.setTotals(1, 50 * MWH, 0)  # verified after the series ended: not its impact
    assert attribution.attributed(short, 1)[0] == 10 * MWH


def test_only_series_of_a_registered_factory_may_claim(bond_registry, settlement_token, projects, attribution, risk,
                                                      admin, issuer):
    impl = GreenBond.deploy(bond_registry, settlement_token, projects, attribution, risk, {"from": admin})
    rogue = GreenBondFactory.deploy(bond_registry, impl, {"from": admin})  # never granted REGISTRAR_ROLE
    with brownie.reverts(revert_pattern=r"AccessControlUnauthorizedAccount: .*"):
        rogue.createBond(as_tuple(default_terms(now())), "n", "s", {"from": issuer})
    assert rogue.bondCount() == 0


def test_dust_allocation_buys_no_share(bond, reports, issuer, investor):
    issue(bond, issuer, [(investor, 300)])
    free = bond.unallocated()
    with brownie.reverts(custom_error("ImpactAttributionClaimBelowMinimum", MINIMUM_CLAIM - 1, MINIMUM_CLAIM)):
        bond.allocate(1, MINIMUM_CLAIM - 1, 0, bond.terms()[6], {"from": issuer})
    assert bond.unallocated() == free and bond.milestoneCount() == 0
