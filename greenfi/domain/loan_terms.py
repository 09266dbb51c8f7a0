"""Green loan facilities off chain: the IGreenLoan.Terms a proposal sends, and the text the CLI prints for
states, rates, DSCRs and energies (docs/loans.md, "CLI"). Enum names come from the build."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from greenfi.chain.contracts import BuildEnum, kebab
from greenfi.domain.units import format_amount
from greenfi.errors import ConfigError

STATES = BuildEnum("IGreenLoan.State", kebab)  # proposed, approved, active, repaid, impaired, ...
REPAYMENTS = BuildEnum("IGreenLoan.Repayment", kebab)  # amortising, bullet
KPI_OUTCOMES = BuildEnum("IGreenLoan.KpiOutcome", kebab)  # none, met, missed, missing, stale
SLOTS = 4  # buckets and tranches in the terms
DAY = 86_400
WH_PER_MWH = 10**6
BPS = 10_000
NO_DEBT_SERVICE = 2**32 - 1  # dscrBps when nothing is scheduled


def parse_pairs(values: tuple[str, ...], label: str, left, right) -> list[tuple[int, int]]:
    """`A:B` pairs (at most four) parsed by `left` and `right`."""
    if len(values) > SLOTS:
        raise ConfigError(f"at most {SLOTS} {label} values, got {len(values)}")
    pairs = []
    for text in values:
        a, sep, b = text.partition(":")
        if not sep:
            raise ConfigError(f"{label} takes A:B, got {text!r}")
        pairs.append((left(a), right(b)))
    return pairs


def parse_bps(text: str) -> int:
    if not text.strip().isdigit():
        raise ConfigError(f"basis points are a whole number, got {text!r}")
    return int(text)


def parse_ratio_bps(text: str, label: str) -> int:
    """A ratio such as `1.30` (or `1.30x`) in basis points (13000)."""
    try:
        value = Decimal(text.strip().removesuffix("x"))
    except InvalidOperation:
        raise ConfigError(f"{label} must be a ratio such as 1.30, got {text!r}") from None
    bps = value * BPS
    if value < 0 or bps != bps.to_integral_value() or bps >= 2**32:
        raise ConfigError(f"{label} must be a non-negative ratio with at most 4 decimals, got {text!r}")
    return int(bps)


def parse_mwh(text: str) -> int:
    """MWh (decimals allowed down to 1 Wh) in Wh."""
    try:
        wh = Decimal(text.strip().replace(",", "")) * WH_PER_MWH
    except InvalidOperation:
        raise ConfigError(f"not an energy in MWh: {text!r}") from None
    if wh < 0 or wh != wh.to_integral_value():
        raise ConfigError(f"an energy in MWh must be non-negative with at most 6 decimals, got {text!r}")
    return int(wh)


def padded(values: list[int]) -> list[int]:
    return values + [0] * (SLOTS - len(values))


def build_terms(*, project_id: int, commitment: int, start: int, period_days: int, periods: int,
                availability_end: int, repayment: str, base_rate_bps: int, buckets: list[tuple[int, int]],
                margin_floor_bps: int, margin_cap_bps: int, max_step_bps: int, min_repricing_days: int,
                ratchet_step_bps: int, kpi_target_wh: int, observation_grace_hours: int, tariff_per_mwh: int,
                opex_per_period: int, lockup_dscr_bps: int, default_dscr_bps: int, default_periods: int,
                late_interest_bps: int, fee_bps: int, tranches: list[tuple[int, int]]) -> dict:
    """IGreenLoan.Terms by field name. The contract checks every bound (LoanInvalidTerms names the field);
    here only what the shape of the options decides: at least one bucket, tranches summing to the commitment
    (one tranche of the whole commitment at 0 Wh when none is given)."""
    if not buckets:
        raise ConfigError("give at least one --bucket PD_BPS:MARGIN_BPS")
    tranches = tranches or [(commitment, 0)]
    if sum(amount for amount, _ in tranches) != commitment:
        raise ConfigError(f"the tranches sum to {format_amount(sum(a for a, _ in tranches))}, "
                          f"not the commitment {format_amount(commitment)}")
    return {
        "projectId": project_id, "commitment": commitment, "startDate": start, "periodLength": period_days * DAY,
        "periods": periods, "availabilityEnd": availability_end, "repayment": REPAYMENTS.index(repayment),
        "baseRateBps": base_rate_bps, "pdLimitsBps": padded([pd for pd, _ in buckets]),
        "marginsBps": padded([m for _, m in buckets]), "marginFloorBps": margin_floor_bps,
        "marginCapBps": margin_cap_bps, "maxRepricingStepBps": max_step_bps,
        "minRepricingInterval": min_repricing_days * DAY, "ratchetStepBps": ratchet_step_bps,
        "kpiTargetWh": kpi_target_wh, "observationGrace": observation_grace_hours * 3600,
        "tariffPerMWh": tariff_per_mwh, "opexPerPeriod": opex_per_period, "lockupDscrBps": lockup_dscr_bps,
        "defaultDscrBps": default_dscr_bps, "defaultPeriods": default_periods, "lateInterestBps": late_interest_bps,
        "arrangementFeeBps": fee_bps, "trancheAmounts": padded([a for a, _ in tranches]),
        "trancheThresholdsWh": padded([wh for _, wh in tranches]),
    }


def as_tuple(components: list[dict], values: dict) -> tuple:
    """A struct by field name as the tuple its ABI `components` order (the inverse of contracts.fields)."""
    missing = [c["name"] for c in components if c["name"] not in values]
    if missing:
        raise ConfigError(f"terms lack {', '.join(missing)}: is the build older than IGreenLoan?")
    return tuple(values[c["name"]] for c in components)


# ---------------------------------------------------------------- text


def pct(bps: int) -> str:
    """Basis points as a percentage: 650 -> `6.50 %`."""
    return f"{Decimal(int(bps)) / 100:.2f} %"


def ratio(bps: int) -> str:
    """A DSCR in basis points as `1.30x` (`-` when no debt service is scheduled)."""
    return "-" if int(bps) >= NO_DEBT_SERVICE else f"{Decimal(int(bps)) / BPS:.2f}x"


def mwh(wh: int) -> str:
    return f"{Decimal(int(wh)) / WH_PER_MWH:,.3f} MWh"


def observation_line(period: int, obs: dict, breaches: int | None = None) -> str:
    """One observation: `period 2: KPI met, output 1.234 MWh, DSCR 1.45x, margin ..., lock-up no`."""
    line = (f"period {period}: KPI {KPI_OUTCOMES.name(obs['outcome'])}, output {mwh(obs['outputWh'])}, "
            f"DSCR {ratio(obs['dscrBps'])}, ratchet {int(obs['ratchetBps']):+d} bp, "
            f"lock-up {'yes' if obs['lockedUp'] else 'no'}")
    return line + (f", breaches {breaches}" if breaches is not None else "")
