"""Green-bond terms off chain: the ISIN-like id and the IGreenBond.Terms tuple, checked before sending."""

from __future__ import annotations

from datetime import UTC, datetime

from greenfi.domain.units import format_amount, parse_scaled
from greenfi.errors import InvalidValue

YEAR = 365 * 24 * 3600
DAY_COUNTS = {"30/360": 0, "act/365": 1}
FREQUENCIES = (1, 2, 4, 12)


# ---------------------------------------------------------------- pure parts


def parse_isin(text: str) -> bytes:
    """An ISIN-like id (1–12 ASCII letters/digits) as the bytes32 the contract keys series by."""
    text = text.strip().upper()
    if not 1 <= len(text) <= 12 or not text.isascii() or not text.isalnum():
        raise InvalidValue(f"an ISIN-like id is 1-12 ASCII letters and digits: {text!r}")
    return text.encode().ljust(32, b"\0")


def build_terms(*, isin: str, denomination: int, issue_size: int, minimum_raise: int, start: int, issue: int,
                periods: int, coupon_bps: int, frequency: int, day_count: str, kpi_step_bps: int = 0,
                kpi_target_grams: int = 0, risk_limit_bps: int = 10_000, call_date: int = 0,
                call_price: int = 0) -> tuple:
    """The IGreenBond.Terms tuple; maturity is `periods` coupon periods (365 days / frequency) after issue."""
    if frequency not in FREQUENCIES:
        raise InvalidValue(f"coupon frequency must be one of {FREQUENCIES}, got {frequency}")
    if day_count not in DAY_COUNTS:
        raise InvalidValue(f"day count must be one of {', '.join(DAY_COUNTS)}, got {day_count!r}")
    if not 1 <= periods <= 120:
        raise InvalidValue(f"1 to 120 coupon periods, got {periods}")
    if not start < issue:
        raise InvalidValue("the subscription must start before the issue date")
    if not 0 < minimum_raise <= issue_size:
        raise InvalidValue("the minimum raise must be between 1 and the issue size")
    maturity = issue + periods * (YEAR // frequency)
    return (parse_isin(isin), denomination, issue_size, minimum_raise, start, issue, maturity, coupon_bps, frequency,
            DAY_COUNTS[day_count], kpi_step_bps, kpi_target_grams, risk_limit_bps, call_date, call_price)


# ---------------------------------------------------------------- human units in the bond commands' lines

SETTLEMENT_SYMBOL = "tdCNY"
GRAMS_PER_TONNE = 10**6
WH_PER_MWH = 10**6


def tdcny(base_units: int) -> str:
    """An amount of the settlement token in tdCNY, e.g. `1,000.000000 tdCNY`."""
    return f"{format_amount(base_units)} {SETTLEMENT_SYMBOL}"


def tonnes(grams: int) -> str:
    return f"{grams / GRAMS_PER_TONNE:,.3f} tCO2e"


def mwh(wh: int) -> str:
    return f"{wh / WH_PER_MWH:,.3f} MWh"


def percent(bps: int) -> str:
    """Basis points as a percentage, e.g. `5.00 %`."""
    return f"{bps / 100:.2f} %"


def when(seconds: int) -> str:
    """A chain time as a UTC date (and time when not midnight)."""
    moment = datetime.fromtimestamp(int(seconds), UTC)
    return f"{moment:%Y-%m-%d}" if moment.time() == datetime.min.time() else f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def parse_energy_mwh(text: str) -> int:
    """`12.5` MWh → Wh, refusing negative amounts and fractions of a Wh."""
    return parse_scaled(text, WH_PER_MWH, "MWh must be 0 or more, to the Wh", zero_allowed=True)


def next_observation(outcomes: list[int]) -> int | None:
    """The first KPI observation index still unrecorded (outcome None = 0), given the outcomes of
    indexes 1..n; None when all are recorded."""
    for index, outcome in enumerate(outcomes, start=1):
        if outcome == 0:
            return index
    return None
