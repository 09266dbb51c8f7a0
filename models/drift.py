"""Population stability: how far a batch of rows has drifted from the training sample, per feature.

At training each feature's distribution is binned and the training shares are recorded in the model
card (`drift.features`):
- numeric: the interior deciles of the training values are the bin edges (duplicates merged), bins
  are (-inf, e1], (e1, e2], ..., (ek, +inf), plus one bin for empty cells;
- categorical: one bin per training category, one for empty cells, one for categories never seen.

The population stability index of a batch against those shares is

    PSI = sum over bins of (a - e) * ln(a / e)

with `a` the batch's share and `e` the training share, each floored at SHARE_FLOOR so an empty bin
counts as a large but finite difference. Scorecard practice reads PSI < 0.1 as stable, 0.1..0.25 as
worth a review and > 0.25 as a shift that needs action; the card's `drift.threshold` (default 0.25,
allowed THRESHOLD_RANGE) is where the risk daemon refuses a batch. PSI on few rows is noise: below
`drift.min_rows` rows a batch is not measured (and says so).
"""

from typing import Any

import numpy as np
import pandas as pd

from models.errors import ModelInputError
from models.schema import Schema

DEFAULT_THRESHOLD = 0.25
REVIEW_LEVEL = 0.1
THRESHOLD_RANGE = (0.01, 2.0)
MIN_ROWS = 100
SHARE_FLOOR = 1e-4
DECILES = tuple(q / 10 for q in range(1, 10))


def check_threshold(threshold: float) -> float:
    low, high = THRESHOLD_RANGE
    if not low <= threshold <= high:
        raise ModelInputError(f"drift threshold must lie in [{low}, {high}] (PSI; 0.25 is the usual action level), got {threshold}")
    return float(threshold)


def learn_bins(parsed: pd.DataFrame, schema: Schema, threshold: float) -> dict[str, Any]:
    """The card's `drift` section: bins and training shares per feature, the threshold and MIN_ROWS."""
    features = {}
    for feature in schema.features:
        values = parsed[feature.name]
        if feature.kind == "numeric":
            present = values.dropna().to_numpy(dtype=np.float64)
            edges = sorted(set(np.quantile(present, DECILES).tolist())) if present.size else []
            features[feature.name] = {"edges": edges, "shares": _numeric_shares(values, edges).tolist()}
        else:
            categories = sorted(values.dropna().unique().tolist())
            features[feature.name] = {"categories": categories,
                                       "shares": _categorical_shares(values, categories).tolist()}
    return {"threshold": check_threshold(threshold), "review_level": REVIEW_LEVEL, "min_rows": MIN_ROWS,
            "share_floor": SHARE_FLOOR, "features": features}


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    e = np.maximum(np.asarray(expected, dtype=np.float64), SHARE_FLOOR)
    a = np.maximum(np.asarray(actual, dtype=np.float64), SHARE_FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def stability(drift: dict[str, Any], parsed: pd.DataFrame) -> dict[str, Any]:
    """PSI per feature of the rows `parsed` against the card's `drift` section, and the verdict:

    {"rows", "measured", "threshold", "psi": {feature: value}, "max_psi", "over": [features above]}
    (`measured` is false, and `psi` empty, below `min_rows` rows)."""
    rows = len(parsed)
    result: dict[str, Any] = {"rows": rows, "threshold": drift["threshold"], "min_rows": drift["min_rows"]}
    if rows < drift["min_rows"]:
        return result | {"measured": False, "psi": {}, "max_psi": None, "over": []}
    figures = {}
    for name, bins in drift["features"].items():
        values = parsed[name]
        actual = (_numeric_shares(values, bins["edges"]) if "edges" in bins
                  else _categorical_shares(values, bins["categories"]))
        figures[name] = round(psi(bins["shares"], actual), 6)
    over = [name for name, value in figures.items() if value > drift["threshold"]]
    return result | {"measured": True, "psi": figures, "max_psi": max(figures.values()), "over": over}


def _numeric_shares(values: pd.Series, edges: list[float]) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    missing = np.isnan(numbers)
    bins = np.searchsorted(np.asarray(edges, dtype=np.float64), numbers[~missing], side="left")
    counts = np.append(np.bincount(bins, minlength=len(edges) + 1), missing.sum())
    return counts / len(numbers)


def _categorical_shares(values: pd.Series, categories: list[str]) -> np.ndarray:
    codes = pd.Categorical(values, categories=categories).codes
    missing = values.isna().to_numpy()
    unseen = (codes == -1) & ~missing
    counts = np.append(np.bincount(codes[codes >= 0], minlength=len(categories)), [missing.sum(), unseen.sum()])
    return counts / len(values)
