"""Metrics, folds, calibrators, costs and reason-code ranking against brute-force definitions."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.calibration import calibrator_from_dict, fit_calibrator, sigmoid
from models.costs import Costs
from models.cv import stratified_folds
from models.errors import ModelInputError
from models.metrics import auc, ks
from models.reasons import top_contributions

# Scores from a small set of values, so ties are frequent.
labelled_scores = st.lists(st.tuples(st.integers(0, 1), st.integers(-5, 5)), min_size=2, max_size=40).filter(
    lambda rows: len({label for label, _ in rows}) == 2
)


def _split(rows):
    labels, scores = (np.array(column) for column in zip(*rows))
    return labels, scores.astype(float)


@settings(deadline=None)
@given(labelled_scores)
def test_auc_is_the_probability_a_positive_outscores_a_negative(rows):
    labels, scores = _split(rows)
    pairs = list(itertools.product(scores[labels == 1], scores[labels == 0]))
    expected = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs) / len(pairs)
    assert auc(labels, scores) == pytest.approx(expected)
    assert auc(labels, scores) + auc(labels, -scores) == pytest.approx(1.0)


@settings(deadline=None)
@given(labelled_scores)
def test_ks_is_the_largest_gap_between_class_distributions(rows):
    labels, scores = _split(rows)
    gaps = [abs(np.mean(scores[labels == 1] <= t) - np.mean(scores[labels == 0] <= t)) for t in scores]
    assert ks(labels, scores) == pytest.approx(max(gaps))


@settings(deadline=None)
@given(st.lists(st.integers(0, 2), min_size=10, max_size=200), st.integers(2, 6), st.integers(0, 2**32 - 1))
def test_stratified_folds_partition_every_class_evenly(labels, folds, seed):
    labels = np.array(labels)
    fold_ids = stratified_folds(labels, folds, np.random.default_rng(seed))
    assert set(fold_ids) <= set(range(folds))
    for value in np.unique(labels):
        counts = np.bincount(fold_ids[labels == value], minlength=folds)
        assert counts.max() - counts.min() <= 1
    assert np.array_equal(fold_ids, stratified_folds(labels, folds, np.random.default_rng(seed)))


def test_platt_recovers_a_known_logistic_curve():
    rng = np.random.default_rng(0)
    margins = rng.normal(size=20_000)
    labels = (rng.random(margins.size) < sigmoid(2.0 * margins - 0.5)).astype(float)
    calibrator = fit_calibrator("platt", margins, labels)
    assert calibrator.slope == pytest.approx(2.0, abs=0.1)
    assert calibrator.intercept == pytest.approx(-0.5, abs=0.05)


@settings(deadline=None)
@given(st.lists(st.tuples(st.floats(-3, 3, allow_nan=False), st.integers(0, 1)), min_size=2, max_size=60))
def test_isotonic_is_monotone_bounded_and_keeps_the_mean(rows):
    margins, labels = (np.array(column, dtype=float) for column in zip(*rows))
    calibrator = fit_calibrator("isotonic", margins, labels)
    grid = np.linspace(-4, 4, 101)
    fitted = calibrator(grid)
    assert np.all(np.diff(fitted) >= -1e-12) and fitted.min() >= 0 and fitted.max() <= 1
    assert calibrator(margins).mean() == pytest.approx(labels.mean())  # pooling preserves the mean
    assert calibrator_from_dict(calibrator.to_dict()) == calibrator


def test_isotonic_pools_adjacent_violators():
    calibrator = fit_calibrator("isotonic", np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 1.0, 0.0, 1.0]))
    assert calibrator(np.array([1.0, 2.0, 3.0, 4.0])).tolist() == [0.0, 0.5, 0.5, 1.0]


def test_cost_threshold_minimises_expected_cost():
    costs = Costs(false_positive=1.0, false_negative=5.0)
    for p in np.linspace(0.01, 0.99, 99):
        cheaper_positive = (1 - p) * costs.false_positive <= p * costs.false_negative
        assert cheaper_positive == (p >= costs.threshold)


def test_mean_and_constant_costs():
    costs = Costs(false_positive=1.0, false_negative=5.0)
    labels = np.array([1, 0, 0, 0])
    assert costs.mean_cost(labels, np.array([False, True, False, False])) == pytest.approx((5 + 1) / 4)
    assert costs.constant_cost(labels) == pytest.approx(min(0.75 * 1, 0.25 * 5))


@pytest.mark.parametrize("fp, fn", [(-1.0, 1.0), (0.0, 0.0), (float("nan"), 1.0)])
def test_invalid_costs_are_rejected(fp, fn):
    with pytest.raises(ModelInputError, match="costs"):
        Costs(fp, fn)


@settings(deadline=None)
@given(st.lists(st.lists(st.floats(-5, 5, allow_nan=False), min_size=4, max_size=4), min_size=1, max_size=20),
       st.integers(1, 6))
def test_top_contributions_are_ranked_by_absolute_value(rows, top_k):
    contributions = np.array(rows)
    order, values = top_contributions(contributions, top_k)
    assert order.shape == (len(rows), min(top_k, 4))
    assert np.array_equal(values, np.take_along_axis(contributions, order, axis=1))
    assert np.all(np.diff(np.abs(values), axis=1) <= 0)
    # nothing left out is larger than what was kept
    for row, kept in zip(contributions, order):
        left_out = np.delete(np.abs(row), kept)
        assert left_out.size == 0 or left_out.max() <= np.abs(row[kept]).min()
