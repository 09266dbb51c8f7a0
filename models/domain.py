"""The input domain of a model: what each feature looked like at training, and the check that keeps
scoring inside it.

Learned at training and recorded in the model card (`domain`):
- a categorical feature: the categories seen, each with its count, and the count of empty cells;
- a numeric feature: min, max, the quantiles in `QUANTILES`, the count of empty cells, and the
  declared hard bounds and monotonicity (`models.declarations`).

A row is scorable only if every feature is inside the domain. The first feature (in schema order)
that is not gives the row's status `<reason>:<feature>`:

    unseen_category    a category the training data never held (unless the model was trained with
                       unseen categories mapped to missing: `unseen_categories` = "missing")
    outside_bounds     a numeric value below the declared min or above the declared max
    far_outside_range  a numeric value more than RANGE_MARGIN x (max - min) below the training min
                       or above the training max: trees are flat out there, so the score would be a
                       guess the training data cannot back

Empty cells are not refused: LightGBM scores missing values with what it learned for them.
"""

from typing import Any

import numpy as np
import pandas as pd

from models.declarations import Declarations
from models.schema import Schema

OK = "ok"
UNSEEN_CATEGORY = "unseen_category"
OUTSIDE_BOUNDS = "outside_bounds"
FAR_OUTSIDE_RANGE = "far_outside_range"
REASONS = (UNSEEN_CATEGORY, OUTSIDE_BOUNDS, FAR_OUTSIDE_RANGE)

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
RANGE_MARGIN = 0.5
REFUSE, AS_MISSING = "refuse", "missing"


def learn_domain(parsed: pd.DataFrame, schema: Schema, declarations: Declarations,
                 unseen_as_missing: bool) -> dict[str, Any]:
    """The card's `domain` section for the training rows `parsed` (`Schema.parse` output)."""
    features = {}
    for feature in schema.features:
        values = parsed[feature.name]
        missing = int(values.isna().sum())
        if feature.kind == "categorical":
            counts = values.value_counts()
            features[feature.name] = {
                "kind": "categorical", "missing": missing,
                "categories": {str(k): int(counts[k]) for k in sorted(counts.index)},
            }
            continue
        numbers = values.dropna().to_numpy(dtype=np.float64)
        declared = declarations.of(feature.name)
        features[feature.name] = {
            "kind": "numeric", "missing": missing,
            "min": float(numbers.min()) if numbers.size else None,
            "max": float(numbers.max()) if numbers.size else None,
            "quantiles": {f"{q:g}": float(np.quantile(numbers, q)) for q in QUANTILES} if numbers.size else {},
            "declared": declared.to_dict(),
        }
    return {
        "range_margin": RANGE_MARGIN,
        "unseen_categories": AS_MISSING if unseen_as_missing else REFUSE,
        "features": features,
    }


class DomainCheck:
    """The vectorised check of a card's domain, prepared once per loaded model."""

    def __init__(self, domain: dict[str, Any], schema: Schema):
        self._refuse_unseen = domain["unseen_categories"] == REFUSE
        self._limits: list[tuple[str, str, float, float]] = []  # (feature, reason, low, high)
        margin = domain["range_margin"]
        for feature in schema.features:
            learned = domain["features"][feature.name]
            if feature.kind != "numeric":
                continue
            declared = learned["declared"]
            low, high = declared["min"], declared["max"]
            self._limits.append((feature.name, OUTSIDE_BOUNDS, -np.inf if low is None else low,
                                 np.inf if high is None else high))
            if learned["min"] is not None:
                span = (learned["max"] - learned["min"]) * margin
                self._limits.append((feature.name, FAR_OUTSIDE_RANGE, learned["min"] - span, learned["max"] + span))
        self._order = {name: position for position, name in enumerate(schema.names)}
        self._categorical = [f.name for f in schema.features if f.kind == "categorical"]

    def statuses(self, parsed: pd.DataFrame, encoded: pd.DataFrame) -> np.ndarray:
        """Per row `ok` or `<reason>:<feature>` for the first feature (schema order) outside the domain."""
        failures: list[tuple[int, int, str, np.ndarray]] = []  # (feature position, rank, status, failed)
        if self._refuse_unseen:
            for name in self._categorical:
                # Encoding maps a category outside the recorded list to code -1, like an empty cell.
                unseen = (encoded[name].cat.codes.to_numpy() == -1) & parsed[name].notna().to_numpy()
                failures.append((self._order[name], 0, f"{UNSEEN_CATEGORY}:{name}", unseen))
        for name, reason, low, high in self._limits:
            values = parsed[name].to_numpy(dtype=np.float64)
            failures.append((self._order[name], REASONS.index(reason), f"{reason}:{name}",
                             (values < low) | (values > high)))
        status = np.full(len(parsed), OK, dtype=object)
        # Later assignments win: assign from the last feature to the first, and within a feature the
        # range before the bounds, so the first feature and its more serious reason show.
        for _, _, text, failed in sorted(failures, key=lambda f: f[:2], reverse=True):
            if failed.any():
                status[failed] = text
        return status
