"""Reason codes: the features that moved a row's score most, from LightGBM's per-feature contributions
(`predict(..., pred_contrib=True)`, TreeSHAP values in log-odds whose sum plus the base value is the margin),
and `explanation_hash`, the hash of a row's reason codes that the risk oracle posts."""

import hashlib
import json
from collections.abc import Sequence

import numpy as np


def top_contributions(contributions: np.ndarray, top_k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the indices and signed values of the `top_k` largest contributions by absolute value,
    largest first (ties keep feature order). `contributions` excludes the base-value column."""
    top_k = min(top_k, contributions.shape[1])
    # k passes of argmax (which returns the first of equal maxima) instead of sorting every row: O(k) not
    # O(log features) passes, and the tie order is exactly that of a stable sort.
    magnitude = np.abs(contributions)
    rows = np.arange(magnitude.shape[0])
    order = np.empty((magnitude.shape[0], top_k), dtype=np.intp)
    for rank in range(top_k):
        order[:, rank] = best = magnitude.argmax(axis=1)
        magnitude[rows, best] = -1.0  # below every absolute value
    return order, np.take_along_axis(contributions, order, axis=1)


def reason_columns(contributions: np.ndarray, feature_names: list[str], top_k: int) -> dict[str, np.ndarray]:
    """Columns reason_<i>_feature and reason_<i>_contribution for i = 1..top_k."""
    order, values = top_contributions(contributions, top_k)
    names = np.asarray(feature_names, dtype=object)
    columns = {}
    for rank in range(order.shape[1]):
        columns[f"reason_{rank + 1}_feature"] = names[order[:, rank]]
        columns[f"reason_{rank + 1}_contribution"] = values[:, rank]
    return columns


def explanation_hash(reasons: Sequence[tuple[str, float]]) -> str:
    """Hash of a row's reason codes, encoding `greenfi-reasons-json-v1`: the SHA-256 of the JSON
    array `[["feature", "contribution"], ...]` in rank order, contributions as fixed 6-decimal strings,
    no whitespace. Example: [("duration", 0.4213)] hashes `[["duration","0.421300"]]`."""
    body = json.dumps([[str(f), f"{float(c):.6f}"] for f, c in reasons], separators=(",", ":"), ensure_ascii=False)
    return "0x" + hashlib.sha256(body.encode()).hexdigest()
