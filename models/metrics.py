"""Binary classification metrics, implemented on numpy arrays (labels are 0/1)."""

import numpy as np


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve: the probability that a random positive outscores a random negative
    (ties count one half), via the Mann-Whitney rank sum with average ranks."""
    labels = np.asarray(labels, dtype=bool)
    positives, negatives = labels.sum(), (~labels).sum()
    if positives == 0 or negatives == 0:
        raise ValueError("AUC needs both classes")
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2.0
    rank_sum = average_rank[inverse][labels].sum()
    return float((rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives))


def ks(labels: np.ndarray, scores: np.ndarray) -> float:
    """Kolmogorov-Smirnov statistic: the largest gap between the score distributions of the classes."""
    labels = np.asarray(labels, dtype=bool)
    values, inverse = np.unique(scores, return_inverse=True)
    positive_cdf = np.cumsum(np.bincount(inverse[labels], minlength=values.size)) / labels.sum()
    negative_cdf = np.cumsum(np.bincount(inverse[~labels], minlength=values.size)) / (~labels).sum()
    return float(np.max(np.abs(positive_cdf - negative_cdf)))


def brier(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean squared error of predicted probabilities."""
    return float(np.mean((np.asarray(probabilities) - np.asarray(labels)) ** 2))


def accuracy(labels: np.ndarray, decisions: np.ndarray) -> float:
    return float(np.mean(np.asarray(decisions, dtype=bool) == np.asarray(labels, dtype=bool)))


def majority_accuracy(labels: np.ndarray) -> float:
    """Accuracy of always predicting the more frequent class."""
    positive_rate = float(np.mean(labels))
    return max(positive_rate, 1.0 - positive_rate)
