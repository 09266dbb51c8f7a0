"""Plausibility screen for PV power readings: a LightGBM forecast of the next 5-minute reading from time of
day and recent history, and a residual threshold taken from held-out data.

The model learns the correction to persistence: its target is the reading minus the latest reading of
the last 30 minutes (0 kW when there is none, i.e. at dawn), and the forecast adds that baseline back.

Training splits the series by time: the earlier part trains (its latest fifth first picks the number of
rounds by early stopping), the later part evaluates. On the evaluation rows that have a previous reading the
model is compared with persistence (next reading = last reading), and the residual threshold is a high
quantile of the model's absolute residuals on the evaluation part, so screening flags about 1 - quantile of
normal readings. The saved model is the one trained on the earlier part, so its metrics and threshold are
out-of-sample for exactly that model.

Timestamps are naive wall-clock time in the zone recorded in the card (`timezone`; the shipped series'
clock is UTC-8, see models.pv), like the training series: the time-of-day features depend on it. Callers
holding unix UTC seconds (sensor readings) convert with `models.pv.local_times(seconds, model.timezone)`.

`cross_validate` compares the model with persistence over the whole series (contiguous time folds), on
every row with a reading 5 minutes earlier and on the rows where the system produces (both readings at
least `producing_kw`): the figures the data's README quotes are of that kind (see docs/mrv.md).
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from models.artifacts import library_versions, read_verified_card, sha256_file, staged_dir, write_json
from models.booster import early_stopped_rounds, fit, seeded
from models.datasets import PV_CSV
from models.errors import ModelInputError
from models.pv import FEATURES, LAGS, SERIES_TZ, STEP, features, read_power_series

MODEL_FILE = "model.txt"
CARD_FILE = "model_card.json"
METRICS_FILE = "metrics.json"
CARD_FORMAT = "greenfi-pv-anomaly/1"

REGRESSOR = {
    "objective": "l1",  # the forecast is judged by MAE; L1 also shrugs off cloud spikes in training
    "metric": "l1",
    "learning_rate": 0.1,
    "num_leaves": 15,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
}
EVAL_SHARE = 0.25  # latest quarter of the readings
VALIDATION_SHARE = 0.2  # latest fifth of the training part, for early stopping
QUANTILE = 0.999


@dataclass(frozen=True)
class AnomalyModel:
    booster: lgb.Booster
    threshold_kw: float
    card: dict[str, Any]

    @property
    def metrics(self) -> dict[str, Any]:
        return self.card["metrics"]

    @property
    def timezone(self) -> str:
        """Zone of the wall clock the features use (cards from before it was recorded: the series' UTC-8)."""
        return self.card.get("timezone", SERIES_TZ)

    @classmethod
    def fit(
        cls, readings: pd.Series, *, seed: int = 42, eval_share: float = EVAL_SHARE, quantile: float = QUANTILE,
        timezone: str = SERIES_TZ,
    ) -> "AnomalyModel":
        """Train on the earlier `1 - eval_share` of `readings` (kW by naive wall-clock time in `timezone`)
        and evaluate on the rest."""
        readings = _checked_series(readings)
        if not 0 < eval_share < 1 or not 0 < quantile < 1:
            raise ModelInputError("eval_share and quantile must lie strictly between 0 and 1")
        x = features(readings, readings.index)
        y = readings.to_numpy()
        correction = y - _baseline(x)
        cutoff = readings.index[int(len(readings) * (1 - eval_share))]
        training = np.flatnonzero(readings.index < cutoff)
        evaluation = np.flatnonzero(readings.index >= cutoff)
        fitting, validation = np.split(training, [int(len(training) * (1 - VALIDATION_SHARE))])
        params = seeded(REGRESSOR, seed)
        rounds = early_stopped_rounds(
            params, x.iloc[fitting], correction[fitting], x.iloc[validation], correction[validation]
        )
        booster = fit(params, x.iloc[training], correction[training], rounds)

        residual = y[evaluation] - _forecast(booster, x.iloc[evaluation])
        persistence = x["lag_1"].to_numpy()[evaluation]
        comparable = ~np.isnan(persistence)  # persistence needs a reading 5 minutes earlier
        threshold = float(np.quantile(np.abs(residual), quantile))
        metrics = {
            "model_mae_kw": round(float(np.mean(np.abs(residual[comparable]))), 6),
            "persistence_mae_kw": round(float(np.mean(np.abs(y[evaluation] - persistence)[comparable])), 6),
            "eval_rows": int(comparable.sum()),
            "train_rows": int(training.size),
            "threshold_kw": round(threshold, 6),
        }
        card = {
            "format": CARD_FORMAT,
            "data": {
                "series_sha256": series_sha256(readings),
                "rows": len(readings),
                "start": readings.index[0].isoformat(),
                "end": readings.index[-1].isoformat(),
            },
            "features": list(FEATURES),
            "timezone": timezone,
            "step_seconds": int(STEP.total_seconds()),
            "training": {
                "seed": seed,
                "eval_from": cutoff.isoformat(),
                "eval_share": eval_share,
                "validation_share": VALIDATION_SHARE,
                "num_boost_round": rounds,
                "lightgbm_params": params,
            },
            "screen": {"quantile": quantile, "threshold_kw": threshold},
            "metrics": metrics,
            "versions": library_versions(),
        }
        return cls(booster, threshold, card)

    def expected(self, history: pd.Series, timestamps: pd.DatetimeIndex | pd.Timestamp) -> np.ndarray:
        """Forecast kW at each of `timestamps` from the readings in `history` before it."""
        index = pd.DatetimeIndex(np.atleast_1d(timestamps))
        return _forecast(self.booster, features(_checked_series(history), index))

    def screen(self, readings: pd.Series, history: pd.Series | None = None) -> pd.DataFrame:
        """Check a batch of readings (kW by timestamp). Each reading is forecast from the earlier readings
        of `history` and of the batch itself; columns: expected_kw, residual_kw, flagged, reason.

        A flagged reading still counts as history for later readings of the same batch.
        """
        readings = _checked_series(readings, allow_missing=True)
        known = readings if history is None else pd.concat([_checked_series(history), readings])
        known = known[~known.index.duplicated(keep="last")].sort_index()
        return self.judge(features(known, readings.index), readings.to_numpy(dtype=np.float64))

    def judge(self, x: pd.DataFrame, actual: np.ndarray) -> pd.DataFrame:
        """`screen` on a ready feature table (see models.pv.feature_frame) and the readings' kW, row by row."""
        expected = _forecast(self.booster, x)
        residual = actual - expected
        reasons = np.full(len(actual), "", dtype=object)
        implausible = np.abs(residual) > self.threshold_kw
        reasons[implausible] = [
            f"residual {r:+.2f} kW exceeds {self.threshold_kw:.2f} kW" for r in residual[implausible]
        ]
        negative = actual < 0
        reasons[negative] = [f"reading {a:.2f} kW is negative" for a in actual[negative]]
        reasons[~np.isfinite(actual)] = "reading is not a finite number"
        return pd.DataFrame(
            {"expected_kw": expected, "residual_kw": residual, "flagged": reasons != "", "reason": reasons},
            index=x.index,
        )

    def save(self, out_dir: Path) -> None:
        """Write model.txt, model_card.json, metrics.json and SHA256SUMS into a new directory."""
        with staged_dir(out_dir) as stage:
            self.booster.save_model(stage / MODEL_FILE)
            write_json(stage / CARD_FILE, self.card)
            write_json(stage / METRICS_FILE, self.metrics)

    @classmethod
    def load(cls, model_dir: Path) -> "AnomalyModel":
        model_dir = Path(model_dir)
        card = read_verified_card(model_dir, CARD_FILE, CARD_FORMAT)
        return cls(lgb.Booster(model_file=str(model_dir / MODEL_FILE)), card["screen"]["threshold_kw"], card)


def cross_validate(readings: pd.Series, *, folds: int = 5, seed: int = 42, producing_kw: float = 1.0) -> dict[str, Any]:
    """Model against persistence over the whole series: `folds` contiguous time folds, each forecast by a
    model trained on the other folds (rounds by early stopping on the last fifth of those). Rows: every
    reading with one 5 minutes earlier (`all`), and those where both are at least `producing_kw` (`producing`)."""
    readings = _checked_series(readings)
    x = features(readings, readings.index)
    y = readings.to_numpy()
    correction = y - _baseline(x)
    forecast = np.full(len(y), np.nan)
    params = seeded(REGRESSOR, seed)
    for test in np.array_split(np.arange(len(y)), folds):
        train = np.setdiff1d(np.arange(len(y)), test)
        fitting, validation = np.split(train, [int(len(train) * (1 - VALIDATION_SHARE))])
        rounds = early_stopped_rounds(params, x.iloc[fitting], correction[fitting], x.iloc[validation],
                                      correction[validation])
        forecast[test] = _forecast(fit(params, x.iloc[train], correction[train], rounds), x.iloc[test])
    previous = x["lag_1"].to_numpy()
    comparable = ~np.isnan(previous)
    producing = comparable & (y >= producing_kw) & (np.nan_to_num(previous) >= producing_kw)
    result: dict[str, Any] = {"folds": folds, "producing_kw": producing_kw}
    for name, rows in (("all", comparable), ("producing", producing)):
        result[name] = {
            "rows": int(rows.sum()),
            "model_mae_kw": round(float(np.mean(np.abs(y - forecast)[rows])), 6),
            "persistence_mae_kw": round(float(np.mean(np.abs(y - previous)[rows])), 6),
        }
    return result


def train_anomaly(out_dir: Path, data_csv: Path = PV_CSV, seed: int = 42) -> dict[str, Any]:
    """Train on a PV CSV (default: the shipped series), save to `out_dir`, return the metrics."""
    model = AnomalyModel.fit(read_power_series(data_csv), seed=seed)
    model.card["data"] |= {"file": Path(data_csv).name, "file_sha256": sha256_file(data_csv)}
    model.save(out_dir)
    return model.metrics


def series_sha256(readings: pd.Series) -> str:
    """SHA-256 of a series: int64 nanosecond timestamps, then float64 kW values, both little-endian."""
    stamps = readings.index.as_unit("ns").asi8.astype("<i8").tobytes()
    return hashlib.sha256(stamps + readings.to_numpy().astype("<f8").tobytes()).hexdigest()


def _baseline(x: pd.DataFrame) -> np.ndarray:
    """Latest reading of the last 30 minutes, or 0 kW when there is none."""
    lags = x[[f"lag_{k}" for k in range(1, LAGS + 1)]]
    return lags.bfill(axis=1).iloc[:, 0].fillna(0.0).to_numpy()


def _forecast(booster: lgb.Booster, x: pd.DataFrame) -> np.ndarray:
    # All cores (num_threads=0): rows are predicted independently, so results do not depend on it.
    correction = booster.predict(x, num_threads=0)
    return np.maximum(_baseline(x) + correction, 0.0)  # PV output is never negative


def _checked_series(readings: pd.Series, allow_missing: bool = False) -> pd.Series:
    if not isinstance(readings, pd.Series) or not isinstance(readings.index, pd.DatetimeIndex):
        raise ModelInputError("readings must be a pandas Series of kW indexed by timestamp")
    if readings.index.has_duplicates:
        raise ModelInputError(f"readings repeat timestamp {readings.index[readings.index.duplicated()][0]}")
    values = pd.to_numeric(readings, errors="coerce").astype(np.float64)
    return values if allow_missing else values.dropna().sort_index()
