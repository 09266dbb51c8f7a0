"""Terms, clock and readers shared by the loan tests (docs/loans.md)."""

from tests.support.chain import UNIT, b32, past
from tests.support.chain import mined_now as now

from greenfi.domain.loans import DAY

MODEL = 1
SCORE = 250  # bps: bucket 1 (≤ 300 → 200 bps)
LIMITS = [300, 800, 1500, 0]
MARGINS = [200, 350, 500, 0]
COMMITMENT = 100_000 * UNIT
MINIMUM_CLAIM = 1_000 * UNIT
REPORT = "0x" + "4e70" * 16
MAX_AGE = 30 * DAY
PERIOD = 90 * DAY
TARGET_WH = 500_000_000  # 500 MWh a period
TARIFF = 300 * UNIT  # per MWh
OPEX = 40_000 * UNIT


def h32(n):
    return "0x" + int(n).to_bytes(32, "big").hex()


TERM_FIELDS = (
    "projectId", "commitment", "startDate", "periodLength", "periods", "availabilityEnd", "repayment",
    "baseRateBps", "pdLimitsBps", "marginsBps", "marginFloorBps", "marginCapBps", "maxRepricingStepBps",
    "minRepricingInterval", "ratchetStepBps", "kpiTargetWh", "observationGrace", "tariffPerMWh", "opexPerPeriod",
    "lockupDscrBps", "defaultDscrBps", "defaultPeriods", "lateInterestBps", "arrangementFeeBps", "trancheAmounts",
    "trancheThresholdsWh",
)


def default_terms(project_id, start, **overrides):
    """IGreenLoan.Terms as a dict: 8 quarterly periods from `start`, amortising, KPI-linked."""
    t = {
        "projectId": project_id, "commitment": COMMITMENT, "startDate": start, "periodLength": PERIOD,
        "periods": 8, "availabilityEnd": start + 2 * PERIOD, "repayment": 0, "baseRateBps": 300,
        "pdLimitsBps": LIMITS, "marginsBps": MARGINS, "marginFloorBps": 100, "marginCapBps": 800,
        "maxRepricingStepBps": 100, "minRepricingInterval": 30 * DAY, "ratchetStepBps": 25,
        "kpiTargetWh": TARGET_WH, "observationGrace": 14 * DAY, "tariffPerMWh": TARIFF, "opexPerPeriod": OPEX,
        "lockupDscrBps": 12_000, "defaultDscrBps": 10_000, "defaultPeriods": 2, "lateInterestBps": 200,
        "arrangementFeeBps": 50, "trancheAmounts": [COMMITMENT // 2, COMMITMENT // 2, 0, 0],
        "trancheThresholdsWh": [0, 0, 0, 0],
    }
    t.update(overrides)
    return t


def as_tuple(terms):
    return tuple(terms[name] for name in TERM_FIELDS)


def debt(loan):
    return {k: int(v) for k, v in loan.debt().dict().items()}


def ledger(loan):
    return {k: int(v) for k, v in loan.ledger().dict().items()}


def pricing(loan):
    return {k: int(v) for k, v in loan.pricing().dict().items()}


def snapshot(loan, token, people):
    """Everything a refused call must leave unchanged."""
    return (
        int(loan.state()), ledger(loan), pricing(loan), int(loan.nextObservation()), int(loan.breaches()),
        bool(loan.lockedUp()), int(token.balanceOf(loan)),
        {str(p): (int(loan.withdrawable(p)), int(token.balanceOf(p))) for p in people},
    )
