"""Batch scoring: probabilities, scores, decisions, reason codes, column checks and input hashes."""

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import german_credit
from models.errors import ModelError, ModelInputError
from models.input_hash import canonical_number, canonical_rows, input_hashes
from models.schema import Feature, Schema
from models.score import load_model, score, score_table
from models.train import train

TOP_K = 3


@pytest.fixture(scope="module")
def scoring_model(german_model_dir):
    return load_model(german_model_dir)


@pytest.fixture(scope="module")
def scored(scoring_model, german_table):
    return score_table(scoring_model, german_table, TOP_K)


def test_output_columns(scored):
    reasons = [f"reason_{i}_{part}" for i in range(1, TOP_K + 1) for part in ("feature", "contribution")]
    assert list(scored.columns) == ["status", "probability", "score_bps", "decision", *reasons, "input_hash"]


def test_scores_are_basis_points_of_the_probability(scored):
    assert scored["probability"].between(0, 1).all()
    assert scored["score_bps"].dtype == np.int64 and scored["score_bps"].between(0, 10_000).all()
    assert np.array_equal(scored["score_bps"], np.rint(scored["probability"] * 10_000))


def test_decision_follows_the_threshold(scoring_model, scored):
    positive = scored["probability"] >= scoring_model.threshold
    assert (scored["decision"] == np.where(positive, "bad", "good")).all()
    assert 0 < positive.mean() < 1


def test_probability_is_the_calibrated_raw_margin(scoring_model, scored, german_table):
    schema = scoring_model.schema
    margins = scoring_model.booster.predict(schema.encode(schema.parse(german_table)), raw_score=True)
    assert np.allclose(scored["probability"], scoring_model.calibrator(margins))


def test_contributions_and_base_value_add_up_to_the_margin(scoring_model, german_table):
    schema = scoring_model.schema
    features = schema.encode(schema.parse(german_table))
    contributions = scoring_model.booster.predict(features, pred_contrib=True)
    assert contributions.shape == (len(german_table), len(schema.names) + 1)
    assert np.allclose(contributions.sum(axis=1), scoring_model.booster.predict(features, raw_score=True))


def test_reason_codes_are_the_largest_contributions_in_order(scoring_model, scored, german_table):
    schema = scoring_model.schema
    contributions = scoring_model.booster.predict(schema.encode(schema.parse(german_table)), pred_contrib=True)
    names = schema.names
    for row, (_, result) in zip(contributions[:50, :-1], scored.head(50).iterrows()):
        kept = [result[f"reason_{i}_contribution"] for i in range(1, TOP_K + 1)]
        # the scorer tabulates TreeSHAP (models.treeshap): equal to LightGBM's up to floating-point rounding
        assert [row[names.index(result[f"reason_{i}_feature"])] for i in range(1, TOP_K + 1)] == pytest.approx(
            kept, rel=0, abs=1e-12)
        assert np.all(np.diff(np.abs(kept)) <= 0)
        assert np.sort(np.abs(row))[-TOP_K] == pytest.approx(abs(kept[-1]))


def test_without_reason_codes_the_scores_are_unchanged(scoring_model, scored, german_table):
    plain = score_table(scoring_model, german_table, top_k=0)
    assert list(plain.columns) == ["status", "probability", "score_bps", "decision", "input_hash"]
    assert np.allclose(plain["probability"], scored["probability"])


def test_unseen_category_is_refused_by_default(scoring_model, german_table):
    rows = german_table.iloc[[0, 0]].reset_index(drop=True)
    rows.loc[0, "purpose"] = "A47"  # in the codebook, absent from the data
    rows.loc[1, "purpose"] = None  # missing is not refused: LightGBM learned what to do with it
    result = score_table(scoring_model, rows)
    assert result["status"].tolist() == ["unseen_category:purpose", "ok"]
    assert np.isnan(result["probability"].iloc[0]) and result["score_bps"].isna().tolist() == [True, False]
    assert result["input_hash"].iloc[0] != result["input_hash"].iloc[1]  # the hash keeps the raw value


def test_unknown_columns_are_rejected(scoring_model, german_table):
    with pytest.raises(ModelInputError, match="unknown columns: branch, region"):
        score_table(scoring_model, german_table.assign(branch="x", region="y"))


def test_missing_feature_columns_are_rejected(scoring_model, german_table):
    with pytest.raises(ModelInputError, match="feature columns missing: age_years, job"):
        score_table(scoring_model, german_table.drop(columns=["job", "age_years"]))


def test_score_writes_nothing_on_error(german_model_dir, german_table, tmp_path):
    data = tmp_path / "in.csv"
    german_table.drop(columns="job").to_csv(data, index=False)
    with pytest.raises(ModelInputError, match="job"):
        score(german_model_dir, data, tmp_path / "out.csv")
    assert [p.name for p in tmp_path.iterdir()] == ["in.csv"]


def test_score_file_round_trip(german_model_dir, german_table, tmp_path, scored):
    data, out = tmp_path / "in.csv", tmp_path / "scored.csv"
    german_table.to_csv(data, index=False)
    assert score(german_model_dir, data, out)["scored"] == len(german_table)
    written = pd.read_csv(out)
    assert written["input_hash"].tolist() == scored["input_hash"].tolist()
    assert np.allclose(written["probability"], scored["probability"])


def test_tampered_model_is_refused(german_model_dir, tmp_path):
    copy = tmp_path / "model"
    copy.mkdir()
    for path in german_model_dir.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    calibration = json.loads((copy / "calibration.json").read_text())
    calibration["intercept"] += 1
    (copy / "calibration.json").write_text(json.dumps(calibration))
    with pytest.raises(ModelError, match="calibration.json does not match its hash"):
        load_model(copy)


@pytest.fixture(scope="module")
def id_model(german_table, tmp_path_factory):
    directory = tmp_path_factory.mktemp("with-id")
    table = german_table.assign(applicant_id=[f"APP-{i:04d}" for i in range(len(german_table))])
    table.to_csv(directory / "data.csv", index=False)
    train(directory / "data.csv", german_credit.TARGET, directory / "model",
          positive="bad", id_column="applicant_id", repeats=1)
    return load_model(directory / "model"), table


def test_id_column_is_excluded_from_features_and_passed_through(id_model):
    model, table = id_model
    assert "applicant_id" not in model.schema.names and model.schema.id_column == "applicant_id"
    result = score_table(model, table.drop(columns=german_credit.TARGET))
    assert result.columns[0] == "applicant_id"
    assert result["applicant_id"].tolist() == table["applicant_id"].tolist()


def test_input_hash_ignores_id_target_and_column_order(id_model, scored):
    model, table = id_model
    shuffled = table[table.columns[::-1]].assign(applicant_id="other")
    assert score_table(model, shuffled)["input_hash"].tolist() == scored["input_hash"].tolist()


# Canonical encoding: a small schema makes the documented format visible.
SCHEMA = Schema((Feature("purpose", "categorical", ("A43",)), Feature("age", "numeric")), "y", "1", "0")


def _parsed(rows):
    return SCHEMA.parse(pd.DataFrame(rows, columns=["purpose", "age"], dtype=str))


def test_canonical_encoding_is_the_documented_json():
    rows = canonical_rows(_parsed([["A43", "67"], [None, "0.1"], ["Zürich \"x\"", None]]), SCHEMA)
    assert rows == [
        b'{"age":67,"purpose":"A43"}',
        b'{"age":0.1,"purpose":null}',
        '{"age":null,"purpose":"Zürich \\"x\\""}'.encode(),
    ]
    assert input_hashes(_parsed([["A43", "67"]]), SCHEMA) == ["0x" + hashlib.sha256(rows[0]).hexdigest()]


def test_equal_numbers_hash_alike_and_different_values_differently():
    rows = [["A43", "67"], ["A43", "67.0"], ["A43", "6.7e1"], ["A43", "68"], ["A44", "67"]]
    hashes = input_hashes(_parsed(rows), SCHEMA)
    assert hashes[0] == hashes[1] == hashes[2]
    assert len(set(hashes[2:])) == 3


@settings(deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_canonical_number_round_trips(value):
    text = canonical_number(value)
    assert float(text) == value
    assert canonical_number(float(text)) == text
