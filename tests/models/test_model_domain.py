"""The input domain: learned into the card at training, checked at scoring. A row with an unseen
category, a value outside the declared bounds or far outside the training range gets no score and a
status naming the feature and the reason; every other row scores exactly as without the checks."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import german_credit
from models.artifacts import read_json
from greenfi.cli.model import model as model_cli
from models.datasets import APPLICANTS_EXAMPLE_CSV, GERMAN_CREDIT_CSV, GERMAN_CREDIT_DECLARATIONS
from models.domain import RANGE_MARGIN
from models.errors import ModelInputError
from models.score import load_model, score, score_table
from models.train import train

QUICK = {"positive": german_credit.POSITIVE, "folds": 2, "repeats": 1}
CATEGORICAL = ["checking_account_status", "credit_history", "purpose", "savings_account", "housing"]


@pytest.fixture(scope="module")
def declared(german_declared_dir):
    return load_model(german_declared_dir)


@pytest.fixture(scope="module")
def applicants(german_table):
    return german_table.drop(columns=german_credit.TARGET)


# ---------------------------------------------------------------- the card


def test_card_records_each_features_domain(declared, german_table):
    domain = declared.card["domain"]
    assert domain["unseen_categories"] == "refuse" and domain["range_margin"] == RANGE_MARGIN
    purpose = domain["features"]["purpose"]
    assert purpose["kind"] == "categorical"
    assert purpose["categories"] == german_table["purpose"].value_counts().sort_index().to_dict()
    duration = domain["features"]["duration_months"]
    values = german_table["duration_months"].astype(float)
    assert (duration["min"], duration["max"]) == (values.min(), values.max())
    assert duration["quantiles"]["0.5"] == values.median()
    assert list(duration["quantiles"].values()) == sorted(duration["quantiles"].values())
    assert duration["declared"]["min"] == 1 and duration["declared"]["max"] == 480
    assert duration["declared"]["monotone"] == "increasing" and duration["declared"]["why"]
    assert declared.card["declarations"]["file"] == GERMAN_CREDIT_DECLARATIONS.name


def test_every_training_row_is_inside_the_domain(declared, applicants):
    assert (score_table(declared, applicants)["status"] == "ok").all()


# ---------------------------------------------------------------- the refusals


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=st.integers(0, 999), feature=st.sampled_from(CATEGORICAL), text=st.text(min_size=1, max_size=6))
def test_an_unseen_category_is_refused_naming_the_feature(declared, applicants, row, feature, text):
    if text in declared.card["domain"]["features"][feature]["categories"]:
        return
    rows = applicants.iloc[[row]].reset_index(drop=True).assign(**{feature: text})
    result = score_table(declared, rows).iloc[0]
    assert result["status"] == f"unseen_category:{feature}"
    assert np.isnan(result["probability"]) and pd.isna(result["score_bps"]) and result["decision"] is None
    assert result["reason_1_feature"] is None and np.isnan(result["reason_1_contribution"])


@pytest.mark.parametrize("feature, value, status", [
    ("duration_months", "10000", "outside_bounds:duration_months"),  # 10,000 months: above the declared 480
    ("duration_months", "0", "outside_bounds:duration_months"),
    ("credit_amount", "-1", "outside_bounds:credit_amount"),  # amounts are never negative
    ("age_years", "17", "outside_bounds:age_years"),
    ("duration_months", "200", "far_outside_range:duration_months"),  # possible, but far beyond 4..72
    ("credit_amount", "40000", "far_outside_range:credit_amount"),
])
def test_impossible_and_far_out_values_are_refused(declared, applicants, feature, value, status):
    rows = applicants.iloc[[0, 1]].reset_index(drop=True)
    rows.loc[0, feature] = value
    result = score_table(declared, rows)
    assert result["status"].tolist() == [status, "ok"]
    assert result["score_bps"].isna().tolist() == [True, False]


def test_the_range_margin_is_the_limit(declared, applicants):
    learned = declared.card["domain"]["features"]["duration_months"]
    limit = learned["max"] + RANGE_MARGIN * (learned["max"] - learned["min"])
    rows = applicants.iloc[[0, 0]].reset_index(drop=True)
    rows["duration_months"] = [str(limit), str(limit + 1)]
    assert score_table(declared, rows)["status"].tolist() == ["ok", "far_outside_range:duration_months"]


def test_the_first_feature_outside_the_domain_is_named(declared, applicants):
    rows = applicants.iloc[[0]].reset_index(drop=True).assign(purpose="A47", duration_months="-3", credit_amount="-1")
    # schema order: checking_account_status, duration_months, credit_history, purpose, credit_amount, ...
    assert score_table(declared, rows)["status"].iloc[0] == "outside_bounds:duration_months"


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_checks_change_nothing_for_rows_inside_the_domain(declared, applicants, seed):
    rng = np.random.default_rng(seed)
    rows = applicants.sample(n=50, random_state=seed, ignore_index=True)
    bad = rng.random(50) < 0.3
    rows.loc[bad, "purpose"] = "A47"
    checked, unchecked = score_table(declared, rows), score_table(declared, rows, check_domain=False)
    ok = (checked["status"] == "ok").to_numpy()
    assert np.array_equal(ok, ~bad)
    assert np.array_equal(checked["probability"][ok], unchecked["probability"][ok])
    assert checked["input_hash"].tolist() == unchecked["input_hash"].tolist()


def test_unseen_as_missing_is_an_explicit_training_option_recorded_in_the_card(tmp_path, applicants):
    out = tmp_path / "lenient"
    train(GERMAN_CREDIT_CSV, german_credit.TARGET, out, unseen_as_missing=True, **QUICK)
    lenient = load_model(out)
    assert lenient.card["domain"]["unseen_categories"] == "missing"
    rows = applicants.iloc[[0, 0]].reset_index(drop=True)
    rows.loc[0, "purpose"], rows.loc[1, "purpose"] = "A47", None
    result = score_table(lenient, rows)
    assert result["status"].tolist() == ["ok", "ok"]
    assert result["probability"].iloc[0] == result["probability"].iloc[1]


# ---------------------------------------------------------------- the CLI and the shared CSV format


def invoke(*args):
    return CliRunner().invoke(model_cli, [str(a) for a in args])


def test_score_cli_writes_the_status_column_and_exits_0_when_some_rows_score(german_declared_dir, tmp_path):
    out = tmp_path / "scored.csv"
    result = invoke("score", "--model", german_declared_dir, "--data", APPLICANTS_EXAMPLE_CSV, "--out", out)
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed | {"out": None} == {"rows": 6, "scored": 5, "unscorable": 1, "out": None,
                                       "statuses": {"outside_bounds:duration_months": 1}}
    scored = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(scored.columns[:3]) == ["subject", "status", "probability"]
    example = pd.read_csv(APPLICANTS_EXAMPLE_CSV, dtype=str)
    assert scored["subject"].tolist() == example["subject"].tolist()  # passed through unchanged
    assert scored["score_bps"].tolist()[-1] == "" and scored["status"].tolist()[-1] == "outside_bounds:duration_months"


def test_score_cli_exits_1_with_one_line_when_no_row_scores(german_declared_dir, tmp_path):
    data, out = tmp_path / "bad.csv", tmp_path / "scored.csv"
    pd.read_csv(APPLICANTS_EXAMPLE_CSV, dtype=str).assign(purpose="A47").to_csv(data, index=False)
    result = invoke("score", "--model", german_declared_dir, "--data", data, "--out", out)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("error: no row of") and result.stderr.endswith(
        "is scorable: unseen_category:purpose (5 rows), outside_bounds:duration_months (1 row)\n")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_the_example_file_is_what_the_risk_oracle_reads(german_declared_dir):
    from oracles.risk.scorer import checked_scores, lightgbm_scorer, read_features

    features = read_features(APPLICANTS_EXAMPLE_CSV, "subject")
    batch = checked_scores(lightgbm_scorer(german_declared_dir)(features), len(features))
    direct = score_table(load_model(german_declared_dir), features, id_column="subject")
    assert [r.score_bps for r in batch.rows] == direct["score_bps"].dropna().astype(int).tolist()
    assert [(u.feature, u.reason) for u in batch.unscorable] == [("duration_months", "outside_bounds")]


# ---------------------------------------------------------------- monotone constraints


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=st.integers(0, 999), feature=st.sampled_from(["duration_months", "credit_amount", "installment_rate_pct"]),
       a=st.floats(0, 1), b=st.floats(0, 1))
def test_declared_monotone_features_never_lower_the_probability(declared, applicants, row, feature, a, b):
    learned = declared.card["domain"]["features"][feature]
    low, high = sorted((a, b))
    span = learned["max"] - learned["min"]
    pair = applicants.iloc[[row, row]].reset_index(drop=True)
    pair[feature] = [learned["min"] + low * span, learned["min"] + high * span]
    probabilities = score_table(declared, pair, top_k=0)["probability"].to_numpy()
    assert probabilities[0] <= probabilities[1] + 1e-12


def test_training_passes_the_constraints_to_lightgbm(declared):
    params = declared.card["training"]["lightgbm_params"]
    names = [f["name"] for f in declared.card["schema"]["features"]]
    constrained = {name for name, c in zip(names, params["monotone_constraints"]) if c}
    assert constrained == {"duration_months", "credit_amount", "installment_rate_pct"}
    assert set(params["monotone_constraints"]) == {0, 1}


# ---------------------------------------------------------------- declarations that contradict the data


def _declarations(tmp_path, features, **extra):
    path = tmp_path / "declarations.json"
    path.write_text(json.dumps({"format": "greenfi-feature-declarations/1", "features": features, **extra}))
    return path


@pytest.mark.parametrize("features, extra, message", [
    ({"duration_months": {"max": 60}}, {}, r"bounds 'duration_months' to \[-inf, 60\], but line \d+ of the data holds 72"),
    ({"credit_amount": {"min": 500}}, {}, "bounds 'credit_amount' to \\[500, inf\\], but line"),
    ({"branch": {"min": 0}}, {}, "declares 'branch', which is not a feature column"),
    ({"purpose": {"monotone": "increasing"}}, {}, "for 'purpose', but the data makes it categorical"),
    ({"age_years": {"min": 60, "max": 18}}, {}, "min 60 is above max 18"),
    ({"age_years": {"monotone": "up"}}, {}, "monotone must be \"increasing\" or \"decreasing\""),
    ({"age_years": {"minimum": 18}}, {}, "unknown key\\(s\\) minimum"),
    ({"age_years": {"min": "18"}}, {}, "min must be a finite number"),
    ({}, {"threshold": 1}, "unknown key\\(s\\) threshold"),
])
def test_declarations_that_contradict_the_data_are_refused(tmp_path, features, extra, message):
    out = tmp_path / "model"
    with pytest.raises(ModelInputError, match=message):
        train(GERMAN_CREDIT_CSV, german_credit.TARGET, out, declarations=_declarations(tmp_path, features, **extra), **QUICK)
    assert not out.exists()


def test_a_declarations_file_of_another_format_is_refused(tmp_path):
    path = tmp_path / "declarations.json"
    path.write_text(json.dumps({"features": {}}))
    with pytest.raises(ModelInputError, match="greenfi-feature-declarations/1"):
        train(GERMAN_CREDIT_CSV, german_credit.TARGET, tmp_path / "model", declarations=path, **QUICK)
    assert not (tmp_path / "model").exists()


@pytest.mark.parametrize("threshold", [0, -0.1, 0.001, 2.5, float("nan")])
def test_a_drift_threshold_out_of_range_is_refused(tmp_path, threshold):
    with pytest.raises(ModelInputError, match="drift threshold must lie in"):
        train(GERMAN_CREDIT_CSV, german_credit.TARGET, tmp_path / "model", drift_threshold=threshold, **QUICK)
    assert not (tmp_path / "model").exists()


def test_train_cli_refuses_a_bad_threshold_in_one_line(tmp_path):
    result = invoke("train", "--data", GERMAN_CREDIT_CSV, "--target", "credit_risk", "--out", tmp_path / "m",
                    "--drift-threshold", "3")
    assert result.exit_code == 1 and result.stderr.startswith("error: drift threshold must lie in")
    assert not (tmp_path / "m").exists()


def test_card_records_the_drift_threshold(tmp_path):
    train(GERMAN_CREDIT_CSV, german_credit.TARGET, tmp_path / "m", drift_threshold=0.1, **QUICK)
    assert read_json(tmp_path / "m" / "model_card.json")["drift"]["threshold"] == 0.1


# ---------------------------------------------------------------- differential: a row-by-row reference


def reference_status(card, schema_names, row):
    """The domain rule written plainly, one row at a time, from the card alone."""
    domain = card["domain"]
    for name in schema_names:
        learned, value = domain["features"][name], row[name]
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        if learned["kind"] == "categorical":
            if domain["unseen_categories"] == "refuse" and value not in learned["categories"]:
                return f"unseen_category:{name}"
            continue
        number, declared = float(value), learned["declared"]
        if (declared["min"] is not None and number < declared["min"]) or \
                (declared["max"] is not None and number > declared["max"]):
            return f"outside_bounds:{name}"
        span = domain["range_margin"] * (learned["max"] - learned["min"])
        if not learned["min"] - span <= number <= learned["max"] + span:
            return f"far_outside_range:{name}"
    return "ok"


CORRUPTIONS = [
    ("purpose", "A47"), ("checking_account_status", "A15"), ("duration_months", "0"),
    ("duration_months", "107"), ("duration_months", "106"), ("credit_amount", "-0.5"), ("credit_amount", "27511"),
    ("age_years", "121"), ("age_years", "18"), ("installment_rate_pct", "101"), ("job", None), ("age_years", None),
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), picks=st.lists(st.tuples(st.integers(0, 29), st.sampled_from(CORRUPTIONS)),
                                                     max_size=25))
def test_vectorised_check_agrees_with_the_row_by_row_reference(declared, applicants, seed, picks):
    rows = applicants.sample(n=30, random_state=seed, ignore_index=True)
    for position, (feature, value) in picks:
        rows.loc[position, feature] = value
    statuses = score_table(declared, rows, top_k=0)["status"].tolist()
    names = [f.name for f in declared.schema.features]
    expected = [reference_status(declared.card, names, row) for row in rows.to_dict("records")]
    assert statuses == expected
