"""`greenfi model validate`: the report a reviewer approves with, on rows the model did not train on,
and the drift (population stability) figures behind it and behind the risk oracle's gate."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from models import german_credit
from models.artifacts import read_json, sha256_file
from greenfi.cli.model import model as model_cli
from models.datasets import GERMAN_CREDIT_CSV, GERMAN_CREDIT_DECLARATIONS
from models.drift import psi, stability
from models.errors import ModelInputError
from models.metrics import auc
from models.score import load_model, score_table
from models.split import split
from models.table import read_table
from models.train import train
from models.validate import CALIBRATION_BINS, REPORT_FORMAT, monotonicity, validate

TARGET = german_credit.TARGET


@pytest.fixture(scope="module")
def held_out(tmp_path_factory):
    """German Credit split 80/20, a declared model trained on the 80 %."""
    work = tmp_path_factory.mktemp("held-out")
    split(GERMAN_CREDIT_CSV, TARGET, work / "train.csv", work / "validation.csv", share=0.2, seed=7)
    train(work / "train.csv", TARGET, work / "model", positive="bad", repeats=1, declarations=GERMAN_CREDIT_DECLARATIONS)
    return work


@pytest.fixture(scope="module")
def report(held_out):
    return validate(held_out / "model", held_out / "validation.csv", held_out / "report.json")


def test_split_is_stratified_and_disjoint(held_out):
    train_rows, validation_rows = pd.read_csv(held_out / "train.csv"), pd.read_csv(held_out / "validation.csv")
    assert (len(train_rows), len(validation_rows)) == (800, 200)
    assert validation_rows[TARGET].value_counts().to_dict() == {"good": 140, "bad": 60}
    whole = pd.read_csv(GERMAN_CREDIT_CSV)
    both = pd.concat([train_rows, validation_rows]).sort_values(list(whole.columns)).reset_index(drop=True)
    assert both.equals(whole.sort_values(list(whole.columns)).reset_index(drop=True))


def test_report_holds_the_metrics_of_the_held_out_rows(held_out, report):
    assert report["format"] == REPORT_FORMAT
    assert report["model"]["model_sha256"] == "0x" + sha256_file(held_out / "model" / "model.txt")
    assert report["data"]["rows"] == report["data"]["scored_rows"] == 200 and report["data"]["unscorable"] == {}
    table = read_table(held_out / "validation.csv")
    model = load_model(held_out / "model")
    probabilities = score_table(model, table, top_k=0)["probability"].to_numpy()
    labels = (table[TARGET] == "bad").to_numpy()
    assert report["metrics"]["auc"] == round(auc(labels, probabilities), 6)
    assert report["metrics"]["brier"] == round(float(np.mean((probabilities - labels) ** 2)), 6)
    assert 0.65 < report["metrics"]["auc"] < 0.9 and 0.2 < report["metrics"]["ks"] < 0.7


def test_calibration_table_covers_every_row_in_probability_order(report):
    bins = report["calibration"]
    assert len(bins) == CALIBRATION_BINS and sum(b["rows"] for b in bins) == 200
    assert all(a["max_probability"] <= b["min_probability"] for a, b in zip(bins, bins[1:]))
    assert all(b["min_probability"] <= b["mean_probability"] <= b["max_probability"] for b in bins)


def test_report_checks_stability_and_monotonicity(report):
    assert report["stability"]["measured"] and report["stability"]["max_psi"] < 0.25
    assert set(report["stability"]["psi"]) == set(german_credit.ATTRIBUTES)
    assert set(report["monotonicity"]) == {"duration_months", "credit_amount", "installment_rate_pct"}
    assert all(m["violations"] == 0 and m["rows"] == 200 for m in report["monotonicity"].values())
    assert report["checks"] == {"monotone": True, "stable": True}


def test_report_file_is_the_hashed_json(held_out, report):
    written = read_json(held_out / "report.json")
    assert written == {k: v for k, v in report.items() if k != "report_sha256"}
    assert report["report_sha256"] == "0x" + sha256_file(held_out / "report.json")


def test_the_monotonicity_check_finds_a_violation_when_the_model_has_one(german_model_dir, german_table):
    model = load_model(german_model_dir)  # trained without constraints
    model.card["domain"]["features"]["credit_amount"]["declared"]["monotone"] = "increasing"
    found = monotonicity(model, german_table.head(200))
    assert found["credit_amount"]["violations"] > 0


@pytest.mark.parametrize("change, message", [
    (lambda t: t.assign(branch="x"), "unknown column: branch"),
    (lambda t: t.drop(columns=TARGET), "needs the target column 'credit_risk'"),
    (lambda t: t.drop(columns="purpose"), "feature column missing: purpose"),
    (lambda t: t.assign(credit_risk="maybe"), "'maybe' is neither 'bad' nor 'good'"),
    (lambda t: t.assign(credit_risk="good"), "only one class"),
])
def test_bad_validation_data_is_refused_and_nothing_written(held_out, tmp_path, change, message):
    data = tmp_path / "data.csv"
    change(pd.read_csv(held_out / "validation.csv", dtype=str)).to_csv(data, index=False)
    with pytest.raises(ModelInputError, match=message):
        validate(held_out / "model", data, tmp_path / "report.json")
    assert [p.name for p in tmp_path.iterdir()] == ["data.csv"]


def test_the_training_file_is_refused(held_out, tmp_path):
    with pytest.raises(ModelInputError, match="is the model's training data"):
        validate(held_out / "model", held_out / "train.csv", tmp_path / "report.json")
    assert not (tmp_path / "report.json").exists()


def test_validate_cli_prints_the_summary_and_hash(held_out, tmp_path):
    out = tmp_path / "report.json"
    result = CliRunner().invoke(model_cli, ["validate", "--model", str(held_out / "model"), "--data",
                                            str(held_out / "validation.csv"), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["report_sha256"] == "0x" + sha256_file(out) and printed["checks"]["monotone"]


# ---------------------------------------------------------------- population stability


def test_the_training_sample_has_no_drift_against_itself(held_out):
    model = load_model(held_out / "model")
    table = read_table(held_out / "train.csv")
    figures = stability(model.card["drift"], model.schema.parse(table))
    assert figures["measured"] and figures["max_psi"] < 1e-9 and figures["over"] == []


def test_a_shifted_population_is_over_the_threshold(held_out):
    model = load_model(held_out / "model")
    table = read_table(held_out / "validation.csv").assign(checking_account_status="A14")
    figures = stability(model.card["drift"], model.schema.parse(table))
    assert figures["over"] == ["checking_account_status"]
    assert figures["psi"]["checking_account_status"] > model.card["drift"]["threshold"]


def test_few_rows_are_not_measured(held_out):
    model = load_model(held_out / "model")
    table = read_table(held_out / "validation.csv").head(model.card["drift"]["min_rows"] - 1)
    figures = stability(model.card["drift"], model.schema.parse(table))
    assert not figures["measured"] and figures["over"] == [] and figures["psi"] == {}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=12), st.lists(st.floats(0, 1), min_size=2, max_size=12))
def test_psi_is_never_negative_and_zero_only_for_equal_shares(expected, actual):
    size = min(len(expected), len(actual))
    e, a = np.asarray(expected[:size]), np.asarray(actual[:size])
    if e.sum() == 0 or a.sum() == 0:
        return
    e, a = e / e.sum(), a / a.sum()
    assert psi(e, a) >= -1e-12
    assert psi(e, e) == 0


def test_stability_agrees_with_a_plain_psi_per_feature(held_out):
    """Differential: the card's bins counted one value at a time, the PSI summed one bin at a time."""
    import math

    model = load_model(held_out / "model")
    table = read_table(held_out / "validation.csv")
    drift = model.card["drift"]
    figures = stability(drift, model.schema.parse(table))
    for name in ("duration_months", "purpose", "age_years"):
        bins = drift["features"][name]
        counts = [0] * len(bins["shares"])
        for value in table[name]:
            if pd.isna(value):
                counts[-1 if "edges" in bins else -2] += 1
            elif "edges" in bins:
                counts[sum(1 for edge in bins["edges"] if float(value) > edge)] += 1
            else:
                counts[bins["categories"].index(value) if value in bins["categories"] else -1] += 1
        plain = 0.0
        for count, expected in zip(counts, bins["shares"]):
            a, e = max(count / len(table), drift["share_floor"]), max(expected, drift["share_floor"])
            plain += (a - e) * math.log(a / e)
        assert figures["psi"][name] == pytest.approx(plain, abs=1e-6)
