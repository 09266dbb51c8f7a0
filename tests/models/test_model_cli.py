"""The `model` click group: one JSON object on stdout, files in the output directory."""

import json

import pandas as pd
from click.testing import CliRunner

from models.artifacts import read_json
from greenfi.cli.model import model
from models.datasets import GERMAN_CREDIT_CSV, PV_CSV

METRIC_KEYS = {"auc", "ks", "brier", "accuracy", "baseline_accuracy", "rows"}


def run(*args):
    result = CliRunner().invoke(model, [str(arg) for arg in args])
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1
    return json.loads(result.stdout)


def test_train_prints_the_metrics_it_writes(tmp_path):
    out = tmp_path / "model"
    printed = run("train", "--data", GERMAN_CREDIT_CSV, "--target", "credit_risk", "--positive", "bad",
                  "--out", out, "--folds", 4, "--repeats", 1, "--calibration", "isotonic")
    assert METRIC_KEYS <= printed.keys()
    assert printed == read_json(out / "metrics.json")
    card = read_json(out / "model_card.json")
    assert card["training"]["folds"] == 4 and card["calibration"] == "isotonic"


def test_example_trains_german_credit_with_the_codebook_costs_and_declarations(german_declared_dir, tmp_path):
    printed = run("example", "--out", tmp_path / "model")
    assert printed == read_json(german_declared_dir / "metrics.json")
    assert (tmp_path / "model" / "model.txt").read_bytes() == (german_declared_dir / "model.txt").read_bytes()


def test_score_writes_the_scored_csv(german_model_dir, tmp_path):
    out = tmp_path / "scored.csv"
    printed = run("score", "--model", german_model_dir, "--data", GERMAN_CREDIT_CSV, "--out", out, "--top-k", 2)
    assert printed == {"rows": 1000, "scored": 1000, "unscorable": 0, "statuses": {}, "out": str(out)}
    assert "reason_2_feature" in pd.read_csv(out, nrows=1).columns


def test_anomaly_train_on_a_csv(tmp_path):
    data = tmp_path / "pv.csv"
    pd.read_csv(PV_CSV).head(5000).to_csv(data, index=False)  # the first four weeks: quick to train
    printed = run("anomaly-train", "--data", data, "--out", tmp_path / "pv")
    assert printed["model_mae_kw"] < printed["persistence_mae_kw"]
    assert (tmp_path / "pv" / "SHA256SUMS").is_file()


def test_errors_are_one_line_on_stderr(tmp_path):
    result = CliRunner().invoke(model, ["score", "--model", str(tmp_path / "none"), "--data",
                                        str(GERMAN_CREDIT_CSV), "--out", str(tmp_path / "out.csv")])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == f"error: model directory {tmp_path / 'none'} not found\n"
    assert not (tmp_path / "out.csv").exists()
