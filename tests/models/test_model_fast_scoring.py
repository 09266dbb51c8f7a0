"""The fast scoring path: tabulated TreeSHAP equals LightGBM's pred_contrib, the CSV writer equals pandas."""

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from models.booster import CLASSIFIER, seeded
from models.csv_writer import write_csv
from models.score import load_model, score_table
from models.treeshap import TabulatedContributions


@pytest.fixture(scope="module")
def scoring_model(german_model_dir):
    return load_model(german_model_dir)


def _with_gaps(table, seed=0):
    rng = np.random.default_rng(seed)
    table = table.sample(n=3000, replace=True, random_state=seed, ignore_index=True)
    for column in table.columns:
        table.loc[rng.random(len(table)) < 0.05, column] = None
    table.loc[rng.random(len(table)) < 0.03, "purpose"] = "A47"  # a category unseen in training
    return table


def test_tabulated_contributions_equal_lightgbm_on_german_credit(scoring_model, german_table):
    assert scoring_model.tabulated is not None
    schema = scoring_model.schema
    features = schema.encode(schema.parse(_with_gaps(german_table.drop(columns="credit_risk"))))
    expected = scoring_model.booster.predict(features, pred_contrib=True)
    assert np.allclose(scoring_model.tabulated.contributions(features), expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize("zero_as_missing", [False, True])
def test_tabulated_contributions_follow_lightgbms_missing_value_rules(zero_as_missing):
    rng = np.random.default_rng(1)
    rows = 2000
    x = pd.DataFrame({
        "a": np.where(rng.random(rows) < 0.2, np.nan, rng.normal(size=rows).round(1)),
        "b": np.where(rng.random(rows) < 0.3, 0.0, rng.normal(size=rows)),
        "c": pd.Categorical(rng.choice(["p", "q", "r", None], rows), categories=["p", "q", "r"]),
    })
    y = ((np.nan_to_num(x["a"].to_numpy()) + x["b"] + (x["c"] == "q") + rng.normal(size=rows)) > 0.5).astype(int)
    params = seeded(CLASSIFIER, 3) | {"zero_as_missing": zero_as_missing, "max_depth": 3, "num_leaves": 8,
                                      "min_data_per_group": 5, "cat_smooth": 1.0}
    booster = lgb.train(params, lgb.Dataset(x, y), 10)
    tables = TabulatedContributions.of(booster)
    probe = x.sample(n=500, random_state=2, ignore_index=True)
    probe.loc[:5, "a"] = [np.nan, 0.0, -0.0, 1e-40, -3.0, 99.0]
    assert np.allclose(tables.contributions(probe), booster.predict(probe, pred_contrib=True), rtol=0, atol=1e-9)


def test_many_depth_3_trees_fall_back_to_lightgbm_as_tabulating_would_be_slow():
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.normal(size=(2000, 8)), columns=list("abcdefgh"))
    y = (x["a"] + x["b"] * x["c"] - x["d"] > 0).astype(int)
    booster = lgb.train(seeded(CLASSIFIER, 1) | {"max_depth": 3, "num_leaves": 8, "feature_fraction": 1.0},
                        lgb.Dataset(x, y), 200)
    assert TabulatedContributions.of(booster) is None


def test_large_trees_fall_back_to_lightgbm():
    rng = np.random.default_rng(2)
    x = pd.DataFrame(rng.normal(size=(500, 4)), columns=list("abcd"))
    booster = lgb.train(seeded(CLASSIFIER, 1) | {"num_leaves": 31, "max_depth": -1, "min_data_in_leaf": 5},
                        lgb.Dataset(x, (x["a"] + x["b"] * x["c"] > 0).astype(int)), 5)
    assert TabulatedContributions.of(booster) is None


def test_csv_writer_writes_the_bytes_pandas_writes(scoring_model, german_table, tmp_path):
    scored = score_table(scoring_model, _with_gaps(german_table.drop(columns="credit_risk")), 3)
    odd = pd.DataFrame({
        "id": pd.Series(["a,b", 'say "hi"', "line\nbreak", None, "plain", ""], dtype=object),
        "text": pd.Series(["x", None, "y", "z", "x", "w"], dtype="str"),
        "number": [np.nan, 1e-7, 1e16, -0.0, 0.1, 123456789.123],
        "count": np.arange(6, dtype=np.int64),
    })
    for frame in (scored, odd):
        write_csv(frame, tmp_path / "fast.csv")
        frame.to_csv(tmp_path / "pandas.csv", index=False, lineterminator="\n")
        assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
