"""Probability calibration of LightGBM margins (raw log-odds scores).

Two methods: Platt scaling (a logistic curve in the margin, with Platt's smoothed targets so it cannot
diverge) and isotonic regression (pool-adjacent-violators, linear between fitted points). Both are fitted
on out-of-fold margins; `cross_fitted_probabilities` calibrates each fold with a map fitted on the other
folds, so metrics computed from its output are not flattered by fitting the map on the rows it scores.
"""

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Method = Literal["platt", "isotonic"]
METHODS: tuple[Method, ...] = ("platt", "isotonic")


def sigmoid(z: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -z))  # overflow-free 1 / (1 + exp(-z))


@dataclass(frozen=True)
class PlattCalibrator:
    slope: float
    intercept: float

    def __call__(self, margins: np.ndarray) -> np.ndarray:
        return sigmoid(self.slope * np.asarray(margins, dtype=np.float64) + self.intercept)

    def to_dict(self) -> dict[str, Any]:
        return {"method": "platt", "slope": self.slope, "intercept": self.intercept}


@dataclass(frozen=True)
class IsotonicCalibrator:
    margins: tuple[float, ...]  # increasing
    probabilities: tuple[float, ...]  # non-decreasing

    def __call__(self, margins: np.ndarray) -> np.ndarray:
        return np.interp(np.asarray(margins, dtype=np.float64), self.margins, self.probabilities)

    def to_dict(self) -> dict[str, Any]:
        return {"method": "isotonic", "margins": list(self.margins), "probabilities": list(self.probabilities)}


Calibrator = PlattCalibrator | IsotonicCalibrator


def fit_calibrator(method: Method, margins: np.ndarray, labels: np.ndarray) -> Calibrator:
    margins = np.asarray(margins, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.float64)
    if method == "platt":
        return _fit_platt(margins, labels)
    if method == "isotonic":
        return _fit_isotonic(margins, labels)
    raise ValueError(f"unknown calibration method {method!r}")


def calibrator_from_dict(data: dict[str, Any]) -> Calibrator:
    if data["method"] == "platt":
        return PlattCalibrator(data["slope"], data["intercept"])
    return IsotonicCalibrator(tuple(data["margins"]), tuple(data["probabilities"]))


def cross_fitted_probabilities(
    method: Method, margins: np.ndarray, labels: np.ndarray, fold_ids: np.ndarray
) -> np.ndarray:
    """Calibrated probabilities where each fold's rows go through a map fitted on the other folds only."""
    probabilities = np.empty(len(margins), dtype=np.float64)
    for fold in np.unique(fold_ids):
        held_out = fold_ids == fold
        calibrator = fit_calibrator(method, margins[~held_out], labels[~held_out])
        probabilities[held_out] = calibrator(margins[held_out])
    return probabilities


def _fit_platt(margins: np.ndarray, labels: np.ndarray, iterations: int = 100) -> PlattCalibrator:
    """Newton's method with step halving on the log-loss of sigmoid(slope * margin + intercept)."""
    positives = labels.sum()
    negatives = labels.size - positives
    targets = np.where(labels > 0, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    design = np.column_stack([margins, np.ones_like(margins)])

    def loss(params: np.ndarray) -> float:
        z = design @ params
        return float(np.sum(np.logaddexp(0.0, z) - targets * z))

    params = np.array([1.0, 0.0])  # LightGBM margins are already log-odds
    current = loss(params)
    for _ in range(iterations):
        p = sigmoid(design @ params)
        gradient = design.T @ (p - targets)
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + 1e-12 * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        scale = 1.0
        while loss(params - scale * step) > current and scale > 1e-8:
            scale /= 2
        params = params - scale * step
        previous, current = current, loss(params)
        if previous - current <= 1e-12 * max(1.0, abs(current)):
            break
    return PlattCalibrator(float(params[0]), float(params[1]))


def _fit_isotonic(margins: np.ndarray, labels: np.ndarray) -> IsotonicCalibrator:
    """Pool adjacent violators over the distinct margins, weighted by how often each occurs."""
    distinct, inverse = np.unique(margins, return_inverse=True)
    weights = np.bincount(inverse).astype(np.float64)
    means = np.bincount(inverse, weights=labels) / weights
    values: list[float] = []
    block_weights: list[float] = []
    sizes: list[int] = []
    for mean, weight in zip(means, weights):
        values.append(mean)
        block_weights.append(weight)
        sizes.append(1)
        while len(values) > 1 and values[-2] >= values[-1]:  # merge the last block into its predecessor
            value, weight, size = values.pop(), block_weights.pop(), sizes.pop()
            merged = block_weights[-1] + weight
            values[-1] = (values[-1] * block_weights[-1] + value * weight) / merged
            block_weights[-1] = merged
            sizes[-1] += size
    # Each block's first and last margin suffice: flat inside a block, linear between blocks.
    ends = np.cumsum(sizes) - 1
    keep = np.unique(np.concatenate([ends - np.asarray(sizes) + 1, ends]))
    fitted = np.repeat(values, sizes)
    return IsotonicCalibrator(tuple(distinct[keep].tolist()), tuple(fitted[keep].tolist()))
