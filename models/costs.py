"""Misclassification costs and the decision threshold that minimises expected cost.

With calibrated probabilities p, predicting positive costs (1 - p) * cost_fp in expectation and
predicting negative costs p * cost_fn, so the positive decision is cheaper exactly when
p >= cost_fp / (cost_fp + cost_fn). The threshold follows from the costs alone and is not fitted to data.
"""

import math
from dataclasses import dataclass

import numpy as np

from models.errors import ModelInputError


@dataclass(frozen=True)
class Costs:
    false_positive: float = 1.0  # a negative row classed positive
    false_negative: float = 1.0  # a positive row classed negative

    def __post_init__(self) -> None:
        fp, fn = self.false_positive, self.false_negative
        if not (math.isfinite(fp) and math.isfinite(fn) and fp >= 0 and fn >= 0 and fp + fn > 0):
            raise ModelInputError(f"costs must be finite, non-negative and not both zero (got fp={fp}, fn={fn})")

    @property
    def threshold(self) -> float:
        return self.false_positive / (self.false_positive + self.false_negative)

    def mean_cost(self, labels: np.ndarray, decisions: np.ndarray) -> float:
        """Average cost per row of `decisions` (True = positive) against `labels` (1 = positive)."""
        labels = np.asarray(labels, dtype=bool)
        decisions = np.asarray(decisions, dtype=bool)
        false_positives = np.sum(decisions & ~labels)
        false_negatives = np.sum(~decisions & labels)
        return float((self.false_positive * false_positives + self.false_negative * false_negatives) / labels.size)

    def constant_cost(self, labels: np.ndarray) -> float:
        """Average cost of the cheaper constant decision (always positive or always negative)."""
        positive_rate = float(np.mean(labels))
        return min(self.false_positive * (1.0 - positive_rate), self.false_negative * positive_rate)
