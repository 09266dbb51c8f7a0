"""Green-bond terms off chain: the ISIN-like id and the IGreenBond.Terms tuple, checked before sending."""

from __future__ import annotations

import click

YEAR = 365 * 24 * 3600
DAY_COUNTS = {"30/360": 0, "act/365": 1}
FREQUENCIES = (1, 2, 4, 12)


# ---------------------------------------------------------------- pure parts


def parse_isin(text: str) -> bytes:
    """An ISIN-like id (1–12 ASCII letters/digits) as the bytes32 the contract keys series by."""
    text = text.strip().upper()
    if not 1 <= len(text) <= 12 or not text.isascii() or not text.isalnum():
        raise click.BadParameter(f"an ISIN-like id is 1-12 ASCII letters and digits: {text!r}")
    return text.encode().ljust(32, b"\0")


def build_terms(*, isin: str, denomination: int, issue_size: int, minimum_raise: int, start: int, issue: int,
                periods: int, coupon_bps: int, frequency: int, day_count: str, kpi_step_bps: int = 0,
                kpi_target_grams: int = 0, risk_limit_bps: int = 10_000, call_date: int = 0,
                call_price: int = 0) -> tuple:
    """The IGreenBond.Terms tuple; maturity is `periods` coupon periods (365 days / frequency) after issue."""
    if frequency not in FREQUENCIES:
        raise click.BadParameter(f"coupon frequency must be one of {FREQUENCIES}, got {frequency}")
    if day_count not in DAY_COUNTS:
        raise click.BadParameter(f"day count must be one of {', '.join(DAY_COUNTS)}, got {day_count!r}")
    if not 1 <= periods <= 120:
        raise click.BadParameter(f"1 to 120 coupon periods, got {periods}")
    if not start < issue:
        raise click.BadParameter("the subscription must start before the issue date")
    if not 0 < minimum_raise <= issue_size:
        raise click.BadParameter("the minimum raise must be between 1 and the issue size")
    maturity = issue + periods * (YEAR // frequency)
    return (parse_isin(isin), denomination, issue_size, minimum_raise, start, issue, maturity, coupon_bps, frequency,
            DAY_COUNTS[day_count], kpi_step_bps, kpi_target_grams, risk_limit_bps, call_date, call_price)
