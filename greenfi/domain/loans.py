"""Green loans off chain: the plain-Python reference of a facility's arithmetic (docs/loans.md).

Pure, no I/O. The differential suite (test/foundry/differential/LoanSchedule.diff.t.sol, vectors from
tools/forge_vectors.py) checks contracts/loan/LoanMath.sol against these functions, the stateful money machine
(tests/loan/test_loan_stateful.py) predicts a facility with `Facility`, and the CLI sizes and displays loans
with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

DAY = 24 * 3600
YEAR = 365 * DAY  # Actual/365 Fixed, on seconds
BPS = 10_000
DENOMINATOR = BPS * YEAR  # interest numerator units per base unit
WH_PER_MWH = 10**6
DSCR_UNBOUNDED = 2**32 - 1
MAX_PERIODS = 120


class State(IntEnum):
    """IGreenLoan.State."""

    PROPOSED = 0
    APPROVED = 1
    ACTIVE = 2
    REPAID = 3
    IMPAIRED = 4
    DEFAULTED = 5
    WRITTEN_OFF = 6
    CANCELLED = 7


class Repayment(IntEnum):
    """IGreenLoan.Repayment."""

    AMORTISING = 0
    BULLET = 1


class KpiOutcome(IntEnum):
    """IGreenLoan.KpiOutcome."""

    NONE = 0
    MET = 1
    MISSED = 2
    MISSING = 3
    STALE = 4


# ---------------------------------------------------------------- LoanMath, one function each


def interest_numerator(principal: int, rate_bps: int, seconds: int) -> int:
    """principal × rate × seconds: divide by DENOMINATOR for base units."""
    return principal * rate_bps * seconds


def interest(principal: int, rate_bps: int, seconds: int) -> int:
    """Whole base units of interest (Actual/365F, floored)."""
    return interest_numerator(principal, rate_bps, seconds) // DENOMINATOR


def scheduled_principal(repayment: int, drawn: int, period: int, periods: int) -> int:
    """Cumulative principal due by the end of `period` (0 ≤ period ≤ periods)."""
    if period >= periods:
        return drawn
    if repayment == Repayment.BULLET:
        return 0
    return drawn * period // periods


def bucket_margin(limits: list[int], margins: list[int], score_bps: int) -> int | None:
    """The margin of the first bucket whose limit is ≥ score (None when the score is above every bucket)."""
    for k, limit in enumerate(limits):
        if limit == 0 and k != 0:
            break
        if score_bps <= limit:
            return margins[k]
    return None


def step_toward(current: int, target: int, max_step: int) -> int:
    """`current` moved toward `target` by at most `max_step`."""
    if target > current:
        return min(target, current + max_step)
    return max(target, current - max_step)


def clamp_ratchet(value: int, credit: int, floor: int, cap: int) -> int:
    """The ratchet clamped so that floor ≤ credit + ratchet ≤ cap."""
    return max(floor - credit, min(cap - credit, value))


def ratchet(current: int, met: bool, step: int, credit: int, floor: int, cap: int) -> int:
    """The ratchet after one KPI observation."""
    return clamp_ratchet(current - step if met else current + step, credit, floor, cap)


def net_cash(output_wh: int, tariff_per_mwh: int, opex: int) -> int:
    """A period's net operating cash: output × tariff − opex, at least 0."""
    return max(output_wh * tariff_per_mwh // WH_PER_MWH - opex, 0)


def dscr_bps(net: int, service: int) -> int:
    """DSCR in basis points, capped at 2^32 − 1 (also when no debt service is scheduled)."""
    if service == 0:
        return DSCR_UNBOUNDED
    return min(net * BPS // service, DSCR_UNBOUNDED)


def debt_service(repayment: int, drawn: int, period: int, periods: int, principal: int, rate_bps: int,
                 period_length: int) -> int:
    """The period's principal instalment plus one period's interest on `principal`."""
    instalment = (scheduled_principal(repayment, drawn, period, periods)
                  - scheduled_principal(repayment, drawn, period - 1, periods))
    return instalment + interest(principal, rate_bps, period_length)


def kpi_outcome(output_wh: int, target_wh: int, late: bool) -> KpiOutcome:
    """The KPI outcome of one observation."""
    if target_wh == 0:
        return KpiOutcome.NONE
    if late:
        return KpiOutcome.STALE
    if output_wh == 0:
        return KpiOutcome.MISSING
    return KpiOutcome.MET if output_wh >= target_wh else KpiOutcome.MISSED


def waterfall(amount: int, fees: int, interest_owed: int, principal: int) -> tuple[int, int, int]:
    """A repayment split fees → interest → principal (amount ≤ the sum)."""
    to_fees = min(amount, fees)
    to_interest = min(amount - to_fees, interest_owed)
    return to_fees, to_interest, amount - to_fees - to_interest


def schedule(repayment: int, principal: int, rate_bps: int, period_length: int, periods: int) -> list[dict]:
    """The repayment schedule of `principal` drawn at the start and repaid as scheduled: per period, the
    principal instalment, the interest and the balance after (the CLI's `loan show` table)."""
    rows, balance = [], principal
    for i in range(1, periods + 1):
        due = (scheduled_principal(repayment, principal, i, periods)
               - scheduled_principal(repayment, principal, i - 1, periods))
        owed = interest(balance, rate_bps, period_length)
        balance -= due
        rows.append({"period": i, "principal": due, "interest": owed, "balance": balance})
    return rows


# ---------------------------------------------------------------- a whole facility's accrual


@dataclass
class Facility:
    """The accrual and repayment state of one facility, as GreenLoan keeps it (for the stateful test)."""

    start_date: int
    period_length: int
    periods: int
    repayment: int
    late_bps: int
    rate_bps: int = 0
    cursor: int = 0
    boundaries: int = 0
    principal: int = 0
    fees: int = 0
    num: int = 0
    due: int = 0  # fees + interest that fell due and are unpaid
    drawn: int = 0
    principal_paid: int = 0
    swept: int = 0
    defaulted: bool = False
    paid: dict = field(default_factory=lambda: {"fees": 0, "interest": 0, "principal": 0})

    def period_end(self, period: int) -> int:
        return self.start_date + period * self.period_length

    def shortfall(self, boundaries: int) -> int:
        """Principal due and unpaid after `boundaries` period ends."""
        if self.defaulted:
            return self.principal
        scheduled = 0 if boundaries == 0 else scheduled_principal(self.repayment, self.drawn, boundaries, self.periods)
        required = scheduled + self.swept
        return min(required - self.principal_paid, self.principal) if required > self.principal_paid else 0

    def _span(self, overdue: int, seconds: int) -> int:
        return interest_numerator(self.principal, self.rate_bps, seconds) + interest_numerator(
            overdue, self.late_bps, seconds)

    def accrue(self, now: int) -> None:
        """Bring interest and dues up to `now`."""
        if self.cursor == 0:
            return
        t = self.cursor
        while self.boundaries < self.periods:
            end = self.period_end(self.boundaries + 1)
            if end > now:
                break
            if end > t:
                self.num += self._span(self.due + self.shortfall(self.boundaries), end - t)
                t = end
            self.boundaries += 1
            self.due = self.fees + self.num // DENOMINATOR
        self.num += self._span(self.due + self.shortfall(self.boundaries), now - t)
        self.cursor = now

    @property
    def interest(self) -> int:
        return self.num // DENOMINATOR

    @property
    def total(self) -> int:
        return self.fees + self.interest + self.principal

    @property
    def overdue(self) -> int:
        return self.due + self.shortfall(self.boundaries)

    def draw(self, now: int, amount: int, fee: int = 0) -> None:
        self.accrue(now)
        if self.drawn == 0:
            self.fees = fee
        self.principal += amount
        self.drawn += amount

    def repay(self, now: int, amount: int) -> tuple[int, int, int]:
        """Apply a repayment (amount ≤ total); returns its split."""
        self.accrue(now)
        split = waterfall(amount, self.fees, self.interest, self.principal)
        to_fees, to_interest, to_principal = split
        self.fees -= to_fees
        self.num -= to_interest * DENOMINATOR
        self.principal -= to_principal
        self.principal_paid += to_principal
        self.due -= min(self.due, to_fees + to_interest)
        for key, value in zip(("fees", "interest", "principal"), split):
            self.paid[key] += value
        return split
