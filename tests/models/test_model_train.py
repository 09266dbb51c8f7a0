"""Training on the shipped German Credit data: metric bounds, artefacts, determinism, costs, calibration."""

import numpy as np
import pandas as pd
import pytest

from models import german_credit
from models.artifacts import MANIFEST, read_json, sha256_file, verify_manifest
from models.booster import CLASSIFIER, MAX_ROUNDS, PATIENCE, seeded
from models.calibration import cross_fitted_probabilities
from models.cv import cross_validate, stratified_folds
from models.datasets import GERMAN_CREDIT_CSV
from models.input_hash import ENCODING
from models.schema import infer_schema
from models.table import read_table
from models.train import train

ARTEFACTS = {"model.txt", "calibration.json", "model_card.json", "metrics.json", MANIFEST}


def test_out_of_fold_metrics_are_in_the_expected_range(german_metrics):
    m = german_metrics
    assert 0.78 <= m["auc"] < 0.85  # above 0.85 would suggest leakage on this data set
    assert m["rows"] == 1000
    assert m["baseline_accuracy"] == pytest.approx(max(m["positive_rate"], 1 - m["positive_rate"]))
    assert m["accuracy"] > m["baseline_accuracy"]
    assert 0.3 < m["ks"] < 0.7
    # better than always predicting the base rate, whose Brier score is p(1 - p)
    assert m["brier"] < m["positive_rate"] * (1 - m["positive_rate"])
    assert m["threshold"] == 0.5 and m["num_boost_round"] >= 1


def test_model_directory_holds_the_artefacts_with_hashes(german_model_dir):
    assert {p.name for p in german_model_dir.iterdir()} == ARTEFACTS
    verify_manifest(german_model_dir)
    listed = {line.split("  ")[1] for line in (german_model_dir / MANIFEST).read_text().splitlines()}
    assert listed == ARTEFACTS - {MANIFEST}


def test_model_card_describes_data_schema_and_versions(german_model_dir, german_metrics):
    card = read_json(german_model_dir / "model_card.json")
    assert card["data"]["sha256"] == sha256_file(GERMAN_CREDIT_CSV)
    assert card["schema"]["target"] == german_credit.TARGET and card["schema"]["positive"] == "bad"
    assert [f["name"] for f in card["schema"]["features"]] == list(german_credit.ATTRIBUTES)
    purpose = next(f for f in card["schema"]["features"] if f["name"] == "purpose")
    assert purpose["dtype"] == "category" and "A43" in purpose["categories"]
    assert set(card["versions"]) == {"python", "lightgbm", "numpy", "pandas"}
    assert card["input_hash_encoding"] == ENCODING
    assert card["training"]["seed"] == 42 and card["metrics"] == german_metrics


def test_same_data_and_seed_give_identical_bytes(german_model_dir, tmp_path):
    train(GERMAN_CREDIT_CSV, german_credit.TARGET, tmp_path / "again", positive=german_credit.POSITIVE)
    for name in ARTEFACTS:
        assert (tmp_path / "again" / name).read_bytes() == (german_model_dir / name).read_bytes(), name


def test_another_seed_gives_another_model(tmp_path):
    quick = {"positive": german_credit.POSITIVE, "folds": 2, "repeats": 1}
    for seed in (1, 2):
        train(GERMAN_CREDIT_CSV, german_credit.TARGET, tmp_path / str(seed), seed=seed, **quick)
    assert (tmp_path / "1" / "model.txt").read_bytes() != (tmp_path / "2" / "model.txt").read_bytes()


def test_codebook_costs_lower_the_threshold_and_beat_constant_decisions(german_costed_dir, german_metrics):
    metrics = read_json(german_costed_dir / "metrics.json")
    assert metrics["threshold"] == pytest.approx(1 / 6, abs=1e-6)
    assert metrics["expected_cost"] < metrics["baseline_cost"]
    # the same ranking, decided at a lower threshold: more rows classed bad, so fewer correct
    assert metrics["auc"] == german_metrics["auc"]
    assert metrics["accuracy"] < german_metrics["accuracy"]


@pytest.fixture(scope="module")
def out_of_fold_margins():
    table = read_table(GERMAN_CREDIT_CSV)
    schema = infer_schema(table, german_credit.TARGET, german_credit.POSITIVE)
    labels = schema.labels(table)
    cv = cross_validate(schema.encode(schema.parse(table)), labels, seeded(CLASSIFIER, 42), 5, 1,
                        np.random.default_rng(42))
    return labels, cv.margins[0], cv.fold_ids[0]


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_calibration_is_reliable_out_of_fold(out_of_fold_margins, method):
    labels, margins, fold_ids = out_of_fold_margins
    probabilities = cross_fitted_probabilities(method, margins, labels, fold_ids)
    assert probabilities.mean() == pytest.approx(labels.mean(), abs=0.02)
    for rows in np.array_split(np.argsort(probabilities), 5):
        predicted = probabilities[rows].mean()
        standard_error = np.sqrt(predicted * (1 - predicted) / rows.size)
        assert abs(labels[rows].mean() - predicted) < 3 * standard_error


def test_any_two_class_csv_trains_without_code_changes(tmp_path):
    # Numeric target values, blanks in both kinds of column, a signal in one numeric and one categorical column.
    rng = np.random.default_rng(0)
    rows = 600
    income = rng.normal(50, 15, rows)
    region = rng.choice(["north", "south", "east"], rows)
    risk = income / 15 - (region == "south") + rng.normal(0, 1, rows)
    frame = pd.DataFrame({
        "customer": [f"c{i}" for i in range(rows)],
        "income": np.where(rng.random(rows) < 0.05, np.nan, income.round(1)),
        "region": np.where(rng.random(rows) < 0.05, None, region),
        "noise": rng.normal(size=rows),
        "churned": (risk < np.quantile(risk, 0.25)).astype(int),
    })
    frame.to_csv(tmp_path / "churn.csv", index=False)
    metrics = train(tmp_path / "churn.csv", "churned", tmp_path / "model", id_column="customer", folds=3, repeats=1)
    card = read_json(tmp_path / "model" / "model_card.json")
    assert card["schema"]["positive"] == "1"  # the minority class by default
    assert [(f["name"], f["dtype"]) for f in card["schema"]["features"]] == [
        ("income", "float64"), ("region", "category"), ("noise", "float64")
    ]
    assert metrics["auc"] > 0.75 and metrics["accuracy"] > metrics["baseline_accuracy"]


def test_early_stopping_picks_the_rounds_in_every_fold(german_model_dir):
    training = read_json(german_model_dir / "model_card.json")["training"]
    rounds = training["fold_rounds"]
    assert len(rounds) == training["folds"] * training["repeats"] == 15
    # stopped well before the cap, and not one fixed number: each fold found its own
    assert max(rounds) < MAX_ROUNDS - PATIENCE and len(set(rounds)) > 1
    assert training["num_boost_round"] == round(np.mean(rounds))
    assert training["lightgbm_params"]["seed"] == 42 and training["lightgbm_params"]["deterministic"] is True


def test_cross_validation_does_not_leak_labels(tmp_path):
    # The same features with the labels shuffled: any AUC above chance would come from the pipeline
    # seeing held-out labels (in early stopping, calibration or the folds), not from the data.
    frame = pd.read_csv(GERMAN_CREDIT_CSV, dtype=str)
    frame[german_credit.TARGET] = np.random.default_rng(7).permutation(frame[german_credit.TARGET].to_numpy())
    frame.to_csv(tmp_path / "shuffled.csv", index=False)
    metrics = train(tmp_path / "shuffled.csv", german_credit.TARGET, tmp_path / "model",
                    positive=german_credit.POSITIVE, folds=5, repeats=1)
    assert abs(metrics["auc"] - 0.5) < 0.06
    assert metrics["accuracy"] <= metrics["baseline_accuracy"] + 0.01


def test_stratified_folds_keep_the_class_balance_of_german_credit():
    table = read_table(GERMAN_CREDIT_CSV)
    labels = infer_schema(table, german_credit.TARGET, german_credit.POSITIVE).labels(table)
    fold_ids = stratified_folds(labels, 5, np.random.default_rng(42))
    assert [int(labels[fold_ids == f].sum()) for f in range(5)] == [60] * 5  # 300 bad rows, 60 per fold
    assert np.bincount(fold_ids).tolist() == [200] * 5
