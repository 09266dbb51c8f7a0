"""Readers and clock helpers shared by the bond tests."""

from tests.support.chain import UNIT, b32, past
from tests.support.chain import mined_now as now

DAY = 24 * 3600
YEAR = 365 * DAY
SUBSCRIPTION, ISSUED, FAILED, REDEEMABLE = 0, 1, 2, 3
THIRTY_360, ACTUAL_365 = 0, 1
NONE, MET, MISSED, MISSING, STALE = 0, 1, 2, 3, 4
TONNE = 10**6  # grams
ISSUER_SCORE = 300  # bps
MODEL_VERSION = 2
DENOMINATION = 1_000 * UNIT
MINIMUM_CLAIM = 1_000 * UNIT  # ImpactAttribution's smallest claim in the tests, as deployed


def fund_every_coupon(bond, issuer, renew_kyc):
    """Fund every period in order, observing each KPI at its payment date first (KYC renewed as time passes)."""
    for p in range(1, int(bond.periodCount()) + 1):
        if p > 1:
            past(bond.paymentDate(p - 1))
            renew_kyc()
            bond.observeKpi(p - 1, {"from": issuer})
        bond.fundCoupon(p, {"from": issuer})


def reach_the_call_date(bond, issuer, renew_kyc):
    """Fund coupons 1 and 2 (observing the KPI between them), then move past the call date with KYC renewed."""
    bond.fundCoupon(1, {"from": issuer})
    past(bond.paymentDate(1))
    bond.observeKpi(1, {"from": issuer})
    bond.fundCoupon(2, {"from": issuer})
    past(bond.terms()[13])
    renew_kyc()


LEDGER_FIELDS = ("subscribed", "refunded", "allocatedNet", "released", "withdrawn", "couponsDeposited",
                 "couponsClaimed", "principalDeposited", "redeemed", "proceedsNetted")


def ledger(bond):
    """GreenBond.ledger() (an IGreenBond.Ledger) by field name, as the dashboard reads it."""
    return {name: int(value) for name, value in bond.ledger().dict().items()}


def snapshot(bond, token, people):
    """Everything a refused call must leave unchanged."""
    return (
        int(bond.status()), int(bond.totalSupply()), int(bond.nextPeriod()), int(bond.milestoneCount()),
        int(bond.stepCount()), int(bond.unallocated()), ledger(bond),
        {str(p): (int(bond.balanceOf(p)), int(bond.claimableCoupons(p)), int(bond.withdrawable(p)),
                  int(token.balanceOf(p))) for p in people},
        int(token.balanceOf(bond)),
    )


def reference_coupon(denomination, rate_bps, frequency, day_count, issue_date, period):
    """The coupon per bond, from docs/bonds.md, in plain Python."""
    if day_count == THIRTY_360:
        return denomination * rate_bps * (360 // frequency) // 3_600_000
    length = YEAR // frequency
    start, end = issue_date + (period - 1) * length, issue_date + period * length
    return denomination * rate_bps * (end // DAY - start // DAY) // 3_650_000


def default_terms(start, **overrides):
    """Terms as a dict: 3 years, semi-annual 5 % 30/360, KPI 100 t per period, callable after a year."""
    issue = start + 10 * DAY
    tenor = overrides.pop("tenor", 3 * YEAR)
    t = dict(
        isin=b32("XS0000GREEN1"), denomination=DENOMINATION, issueSize=1_000, minimumRaise=100,
        subscriptionStart=start, issueDate=issue, maturityDate=issue + tenor, couponRateBps=500,
        couponFrequency=2, dayCount=THIRTY_360, kpiStepBps=25, kpiTargetGramsPerPeriod=100 * TONNE,
        riskLimitBps=500, callDate=issue + YEAR, callPrice=1_010 * UNIT,
    )
    t.update(overrides)
    return t


def as_tuple(t):
    order = ("isin", "denomination", "issueSize", "minimumRaise", "subscriptionStart", "issueDate", "maturityDate",
             "couponRateBps", "couponFrequency", "dayCount", "kpiStepBps", "kpiTargetGramsPerPeriod", "riskLimitBps",
             "callDate", "callPrice")
    return tuple(t[k] for k in order)
