"""LightGBM's per-feature contributions (`predict(..., pred_contrib=True)`) for small trees, by table look-up.

LightGBM computes path-dependent TreeSHAP row by row. For a tree with few split nodes the contributions
of a row depend only on which way the row goes at each split node, so they can be tabulated: for every
pattern of split directions, the exact Shapley values of the tree's features under LightGBM's value function
(a feature in the coalition follows the row's direction; any other split is averaged by the training
counts of its children). Scoring then only evaluates each split once per row (vectorised), forms the
pattern index and gathers the tabulated contributions: no per-row work in Python and no TreeSHAP recursion.

The decisions follow LightGBM's `NumericalDecision`/`CategoricalDecision` (missing types, default
directions, categories by their codes). Models with a tree of more than MAX_SPLITS split nodes, or whose
tables would take more than MAX_WORK evaluations to build, fall back to LightGBM's own `pred_contrib`.
Results agree with LightGBM to floating-point rounding (tested).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from math import factorial

import lightgbm as lgb
import numpy as np
import pandas as pd

MAX_SPLITS = 7  # depth-3 trees: 128 direction patterns per tree at most
# Tabulating costs (direction patterns x coalitions) value evaluations per tree; above this total, loading
# would take more than about a second, so LightGBM's pred_contrib is used. German Credit's 169 depth-2 trees
# need about 11,000.
MAX_WORK = 2**18
_ZERO = 1e-35  # LightGBM's kZeroThreshold


@dataclass(frozen=True)
class _Split:
    feature: int
    numeric: bool
    threshold: float  # numeric splits
    categories: frozenset[int]  # categorical splits: the codes that go left
    default_left: bool
    missing: str  # "None", "Zero" or "NaN"


@dataclass(frozen=True)
class _Table:
    splits: tuple[_Split, ...]
    features: np.ndarray  # the tree's distinct split features
    values: np.ndarray  # (2**len(splits), len(features)) contributions per direction pattern


class TabulatedContributions:
    """`contributions(frame)` equal to `booster.predict(frame, pred_contrib=True)` for models of small trees."""

    def __init__(self, tables: list[_Table], expected_value: float, n_features: int):
        self.tables = tables
        self.expected_value = expected_value
        self.n_features = n_features

    @classmethod
    def of(cls, booster: lgb.Booster) -> TabulatedContributions | None:
        """The tables of `booster`, or None if a tree is too large to tabulate (use LightGBM then)."""
        dump = booster.dump_model()
        if dump.get("num_class", 1) != 1:
            return None
        trees = []
        for tree in dump["tree_info"]:
            splits: list[dict] = []
            _collect_splits(tree["tree_structure"], splits)
            trees.append((tree["tree_structure"], splits))
        work = sum(2 ** (len(splits) + len({node["split_feature"] for node in splits})) for _, splits in trees)
        if any(len(splits) > MAX_SPLITS for _, splits in trees) or work > MAX_WORK:
            return None
        tables, expected = [], 0.0
        for root, splits in trees:
            table, tree_expected = _tabulate(root, splits)
            expected += tree_expected
            if table is not None:
                tables.append(table)
        return cls(_merged(tables), expected, len(dump["feature_names"]))

    def contributions(self, features: pd.DataFrame) -> np.ndarray:
        """(rows, features + 1): per-feature contributions and the expected value in the last column."""
        columns = [_column(features.iloc[:, i]) for i in range(features.shape[1])]
        # Feature-major: each feature's contributions are one contiguous row, added to with 1-D gathers.
        out = np.zeros((self.n_features + 1, len(features)), dtype=np.float64)
        out[-1] = self.expected_value
        decided: dict[_Split, np.ndarray] = {}
        for table in self.tables:
            pattern = np.zeros(len(features), dtype=np.intp)
            for bit, split in enumerate(table.splits):
                left = decided.get(split)
                if left is None:
                    left = decided[split] = _goes_left(columns[split.feature], split).astype(np.intp)
                pattern |= left << bit
            for feature, values in zip(table.features, table.values.T):
                out[feature] += values.take(pattern)
        return out.T


def _merged(tables: list[_Table]) -> list[_Table]:
    """Trees with the same splits in the same order look up the same pattern: add their tables."""
    merged: dict[tuple[_Split, ...], _Table] = {}
    for table in tables:
        seen = merged.get(table.splits)
        if seen is not None:
            table = _Table(table.splits, table.features, seen.values + table.values)
        merged[table.splits] = table
    return [_Table(t.splits, t.features, np.ascontiguousarray(t.values)) for t in merged.values()]


def _column(values: pd.Series) -> np.ndarray:
    """Float64 values as LightGBM sees them: category codes (NaN for missing/unseen) or the numbers."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy().astype(np.float64)
        codes[codes < 0] = np.nan
        return codes
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def _goes_left(x: np.ndarray, split: _Split) -> np.ndarray:
    nan = np.isnan(x)
    if not split.numeric:  # NaN and negative codes go right; a code goes left if listed
        listed = np.zeros(max(split.categories, default=-1) + 2, dtype=bool)  # the last slot: not listed
        listed[list(split.categories)] = True
        codes = np.where(nan | (x < 0) | (x >= listed.size - 1), -1, x).astype(np.intp)
        return listed[codes]
    if split.missing != "NaN":
        x = np.where(nan, 0.0, x)  # LightGBM reads NaN as 0 unless NaN is the missing value
    if split.missing == "Zero":
        missing = np.abs(x) <= _ZERO
    elif split.missing == "NaN":
        missing = nan
    else:
        return x <= split.threshold
    with np.errstate(invalid="ignore"):
        return np.where(missing, split.default_left, x <= split.threshold)


def _collect_splits(node: dict, splits: list[dict]) -> None:
    if "split_index" in node:
        node["_bit"] = len(splits)
        splits.append(node)
        _collect_splits(node["left_child"], splits)
        _collect_splits(node["right_child"], splits)


def _split_of(node: dict) -> _Split:
    numeric = node["decision_type"] == "<="
    categories = frozenset() if numeric else frozenset(int(c) for c in str(node["threshold"]).split("||"))
    return _Split(int(node["split_feature"]), numeric, float(node["threshold"]) if numeric else 0.0, categories,
                  bool(node["default_left"]), str(node["missing_type"]))


def _count(node: dict) -> float:
    return float(node["internal_count"] if "split_index" in node else node["leaf_count"])


def _value(node: dict, known: frozenset[int], pattern: int) -> float:
    """LightGBM's path-dependent value of coalition `known` for a row with direction bits `pattern`."""
    if "split_index" not in node:
        return float(node["leaf_value"])
    if node["split_feature"] in known:
        child = node["left_child"] if pattern >> node["_bit"] & 1 else node["right_child"]
        return _value(child, known, pattern)
    left, right = node["left_child"], node["right_child"]
    total = _count(node)
    return (_count(left) * _value(left, known, pattern) + _count(right) * _value(right, known, pattern)) / total


def _tabulate(root: dict, splits: list[dict]) -> tuple[_Table | None, float]:
    """The tree's table and its expected value (the empty coalition's value)."""
    expected = _value(root, frozenset(), 0)
    if not splits:
        return None, expected
    features = sorted({int(node["split_feature"]) for node in splits})
    k = len(features)
    weights = [factorial(size) * factorial(k - size - 1) / factorial(k) for size in range(k)]
    values = np.zeros((2 ** len(splits), k), dtype=np.float64)
    for pattern in range(2 ** len(splits)):
        v = {
            coalition: _value(root, coalition, pattern)
            for size in range(k + 1) for coalition in map(frozenset, itertools.combinations(features, size))
        }
        for i, feature in enumerate(features):
            values[pattern, i] = sum(
                weights[len(coalition)] * (v[coalition | {feature}] - v[coalition])
                for coalition in v if feature not in coalition
            )
    return _Table(tuple(_split_of(node) for node in splits), np.asarray(features, dtype=np.intp), values), expected
