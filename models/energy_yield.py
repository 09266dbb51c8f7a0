"""Annual energy of a PV project at P50 and P90 from its verified generation history, and the debt that
energy carries at a target DSCR (docs/loans.md, "Sizing from generation").

The yield model has two parts:

- **Seasonal shape**: the daily extraterrestrial insolation on a horizontal plane, H0(day of year), at the
  model's latitude (Duffie & Beckman, eq. 1.10.3). The project's verified energy over its reported periods,
  divided by H0 summed over the same days, scales a whole year of H0: P50 = verified Wh × ΣH0(year) / ΣH0(history).
- **Weather variability**, learned from the shipped PV series (models.pv, the measured system the demo
  replays): the daily "clearness" r = E(day) / H0(day) of the reference system has a coefficient of
  variation `cv` and a lag-1 autocorrelation `rho`. A history of n days estimates the plant's scale with a
  relative error of cv × sqrt((1 + rho) / (1 - rho) / n) (AR(1) variance inflation); the year-to-year
  variability of the resource adds `INTERANNUAL_CV`. P90 = P50 × max(0, 1 - z90 × sigma), z90 the normal
  0.9 quantile.

Properties (tests/loan/test_loan_size.py): P90 ≤ P50; both scale exactly with the verified energy and never
fall when a report's energy rises; P90 / P50 never falls as the history grows longer; the sized debt meets the
target DSCR at P90 in every period, rises with P90, the tariff and the tenor, and falls with opex, rate and
the target.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from statistics import NormalDist

import numpy as np

from models.datasets import PV_CSV
from models.errors import ModelInputError

MODEL_FORMAT = "greenfi-yield-model/1"
INPUT_ENCODING = "greenfi-yield-input-v1"
ESTIMATE_ENCODING = "greenfi-yield-estimate-v1"
LATITUDE_DEG = 37.4  # the reference system's site: US Pacific coast (models/pv.py: solar noon near 120 deg W)
INTERANNUAL_CV = 0.05  # year-to-year variability of the solar resource (typical for PV yield assessments)
Z90 = NormalDist().inv_cdf(0.9)  # 1.2816: P90 lies this many standard deviations below P50
YEAR_DAYS = 365
DAY_S = 86_400
SOLAR_CONSTANT_W_M2 = 1367.0
RHO_MAX = 0.95  # an autocorrelation closer to 1 would make one day of history worth nothing
WH_PER_MWH = 10**6
BPS = 10_000


@dataclass(frozen=True)
class Period:
    """A verified period [start, end) in unix seconds with its net generation in Wh (an approved report)."""

    start: int
    end: int
    energy_wh: int


@dataclass(frozen=True)
class Reference:
    """What the yield model learned from the reference series."""

    sha256: str  # of the series file
    days: int
    cv: float  # of the daily clearness
    rho: float  # lag-1 autocorrelation of the daily clearness, over consecutive days, clipped to [0, RHO_MAX]


@dataclass(frozen=True)
class YieldEstimate:
    verified_wh: int
    history_days: float
    p50_wh: int  # per year, rounded down
    p90_wh: int
    sigma_history: float
    sigma_total: float

    @property
    def haircut_bps(self) -> int:
        """1 - P90/P50 in basis points: the relative shortfall of the bad year (higher is riskier)."""
        return 0 if self.p50_wh == 0 else BPS - (self.p90_wh * BPS) // self.p50_wh


# ---------------------------------------------------------------- seasonal shape


def extraterrestrial_wh_m2(day_of_year: np.ndarray, latitude_deg: float = LATITUDE_DEG) -> np.ndarray:
    """Daily extraterrestrial insolation on a horizontal plane, Wh/m² (Duffie & Beckman 1.10.3)."""
    n = np.asarray(day_of_year, dtype=np.float64)
    phi = math.radians(latitude_deg)
    delta = np.radians(23.45) * np.sin(2 * np.pi * (284 + n) / 365)
    omega = np.arccos(np.clip(-math.tan(phi) * np.tan(delta), -1.0, 1.0))
    eccentricity = 1 + 0.033 * np.cos(2 * np.pi * n / 365)
    shape = math.cos(phi) * np.cos(delta) * np.sin(omega) + omega * math.sin(phi) * np.sin(delta)
    return 24 / np.pi * SOLAR_CONSTANT_W_M2 * eccentricity * shape


@lru_cache(maxsize=1)
def _year_h0() -> float:
    return float(extraterrestrial_wh_m2(np.arange(1, YEAR_DAYS + 1)).sum())


def history_h0(periods: list[Period]) -> float:
    """H0 summed over the days the periods cover, each day weighted by the share of it covered."""
    total = 0.0
    for period in periods:
        first, last = period.start // DAY_S, (period.end - 1) // DAY_S
        days = np.arange(first, last + 1)
        covered = np.minimum(period.end, (days + 1) * DAY_S) - np.maximum(period.start, days * DAY_S)
        total += float((covered / DAY_S * extraterrestrial_wh_m2(_day_of_year(days))).sum())
    return total


def _day_of_year(unix_days: np.ndarray) -> np.ndarray:
    dates = np.asarray(unix_days, dtype="datetime64[D]")
    return (dates - dates.astype("datetime64[Y]")).astype(np.int64) + 1


# ---------------------------------------------------------------- reference variability


@lru_cache(maxsize=2)
def reference(path: Path = PV_CSV) -> Reference:
    """The daily clearness statistics of the shipped PV series (read once per process)."""
    from models.pv import read_power_series

    series = read_power_series(path).clip(lower=0)
    daily_kwh = series.groupby(series.index.normalize()).sum() * (5 / 60)  # 5-minute average kW -> kWh
    days = daily_kwh.index
    clearness = daily_kwh.to_numpy() / extraterrestrial_wh_m2(days.dayofyear.to_numpy())
    consecutive = np.flatnonzero(np.diff(days.to_numpy()) == np.timedelta64(1, "D"))
    rho = float(np.corrcoef(clearness[consecutive], clearness[consecutive + 1])[0, 1])
    return Reference(sha256=hashlib.sha256(Path(path).read_bytes()).hexdigest(), days=len(days),
                     cv=float(clearness.std(ddof=1) / clearness.mean()), rho=min(max(rho, 0.0), RHO_MAX))


# ---------------------------------------------------------------- the estimate


def check_history(periods: list[Period]) -> None:
    if not periods:
        raise ModelInputError("no verified generation: the project has no approved monitoring report")
    for p in periods:
        if p.end <= p.start or p.energy_wh < 0:
            raise ModelInputError(f"period [{p.start}, {p.end}) with {p.energy_wh} Wh is not a verified period")


def estimate(periods: list[Period], ref: Reference) -> YieldEstimate:
    """P50 and P90 annual energy (Wh) of a plant whose verified history is `periods`."""
    check_history(periods)
    verified = sum(p.energy_wh for p in periods)
    history_days = sum(p.end - p.start for p in periods) / DAY_S
    p50 = Fraction(verified) * Fraction(_year_h0()) / Fraction(history_h0(periods))
    sigma_history = ref.cv * math.sqrt((1 + ref.rho) / (1 - ref.rho) / history_days)
    sigma = math.hypot(INTERANNUAL_CV, sigma_history)
    ratio = Fraction(max(0.0, 1 - Z90 * sigma))
    return YieldEstimate(verified, history_days, math.floor(p50), math.floor(p50 * ratio), sigma_history, sigma)


# ---------------------------------------------------------------- sizing


@dataclass(frozen=True)
class DebtTerms:
    """What the debt is sized on; amounts in settlement base units."""

    tariff_per_mwh: int
    opex_per_year: int
    periods: int
    period_days: int
    rate_bps: int  # all-in rate per year (base + margin), Actual/365
    dscr_bps: int  # target DSCR at P90, 10000 = 1.00x
    bullet: bool = False

    def __post_init__(self):
        if self.periods < 1 or not 1 <= self.period_days <= 366 or self.dscr_bps < 1 or self.rate_bps < 0 \
                or self.tariff_per_mwh < 0 or self.opex_per_year < 0:
            raise ModelInputError(f"debt terms out of range: {self}")


def period_cash(annual_wh: int, terms: DebtTerms) -> Fraction:
    """Cash available for debt service per period: energy × tariff − opex, pro rata to the period's days."""
    share = Fraction(terms.period_days, YEAR_DAYS)
    return share * (Fraction(annual_wh * terms.tariff_per_mwh, WH_PER_MWH) - terms.opex_per_year)


def peak_service_factor(terms: DebtTerms) -> Fraction:
    """The largest period's debt service per unit of debt: amortising (equal principal) peaks in the first
    period, 1/N + r; a bullet in the last, 1 + r (r the period's Actual/365 rate)."""
    rate = Fraction(terms.rate_bps * terms.period_days, BPS * YEAR_DAYS)
    return 1 + rate if terms.bullet else Fraction(1, terms.periods) + rate


def size_debt(p90_wh: int, terms: DebtTerms) -> int:
    """The largest debt (base units) whose every period's debt service is covered `dscr` times by P90 cash."""
    cash = period_cash(p90_wh, terms)
    if cash <= 0:
        return 0
    return math.floor(cash * BPS / (terms.dscr_bps * peak_service_factor(terms)))


def min_dscr_bps(annual_wh: int, debt: int, terms: DebtTerms) -> int | None:
    """The lowest period DSCR (bps, rounded down) of `debt` at `annual_wh`; None without debt."""
    if debt == 0:
        return None
    return math.floor(period_cash(annual_wh, terms) * BPS / (debt * peak_service_factor(terms)))


# ---------------------------------------------------------------- ledger documents


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data: bytes) -> str:
    return "0x" + hashlib.sha256(data).hexdigest()


def input_document(project_id: int, reports: list[tuple[int, Period]]) -> dict:
    """What the model read: the project and its approved reports (id, period, Wh), in report order."""
    return {"encoding": INPUT_ENCODING, "project": project_id,
            "reports": [[rid, p.start, p.end, p.energy_wh] for rid, p in sorted(reports, key=lambda r: r[0])]}


def estimate_document(result: YieldEstimate, terms: DebtTerms, debt: int, input_hash: str) -> dict:
    """What the model concluded (its hash is the ledger entry's explanationHash)."""
    return {"encoding": ESTIMATE_ENCODING, "input_hash": input_hash,
            "estimate": {"p50_wh": result.p50_wh, "p90_wh": result.p90_wh, "verified_wh": result.verified_wh,
                         "history_days": f"{result.history_days:.6f}", "sigma": f"{result.sigma_total:.6f}",
                         "sigma_history": f"{result.sigma_history:.6f}", "haircut_bps": result.haircut_bps},
            "terms": asdict(terms), "debt": debt, "min_dscr_bps_p50": min_dscr_bps(result.p50_wh, debt, terms)}


def model_definition(ref: Reference) -> dict:
    """The model file: method, parameters and what it learned from the reference (its SHA-256 is the model hash)."""
    return {"format": MODEL_FORMAT, "seasonal_shape": "extraterrestrial horizontal insolation (Duffie-Beckman 1.10.3)",
            "parameters": {"latitude_deg": LATITUDE_DEG, "interannual_cv": INTERANNUAL_CV, "z90": f"{Z90:.12f}",
                           "year_days": YEAR_DAYS, "rho_max": RHO_MAX},
            "reference": {"file": PV_CSV.name, "sha256": ref.sha256, "days": ref.days, "cv": f"{ref.cv:.12f}",
                          "rho": f"{ref.rho:.12f}"}}


def model_file(ref: Reference) -> bytes:
    return canonical(model_definition(ref)) + b"\n"


def model_hash(ref: Reference) -> str:
    """SHA-256 of model.txt: the modelHash the yield model is registered under."""
    return sha256_hex(model_file(ref))


def write_model_dir(out: Path, ref: Reference) -> str:
    """A model directory `greenfi oracle register-model` registers (model.txt, model_card.json, SHA256SUMS);
    returns the model hash. Refuses a non-empty directory."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ModelInputError(f"{out} is not empty")
    card = {"format": MODEL_FORMAT, "data": {"file": PV_CSV.name, "sha256": ref.sha256, "rows": ref.days},
            "schema": {"encoding": INPUT_ENCODING, "estimate": ESTIMATE_ENCODING},
            "training": model_definition(ref)["parameters"],
            # a yield model has no classification metrics: registered as 0 (ModelRegistry requires the field)
            "metrics": {"auc": 0, "ks": 0, "brier": 0, "accuracy": 0}}
    files = {"model.txt": model_file(ref), "model_card.json": canonical(card) + b"\n"}
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, body in files.items():
            (out / name).write_bytes(body)
        (out / "SHA256SUMS").write_text("".join(f"{hashlib.sha256(b).hexdigest()}  {n}\n" for n, b in files.items()))
    except OSError as exc:
        raise ModelInputError(f"cannot write {out}: {exc}") from None
    return sha256_hex(files["model.txt"])
