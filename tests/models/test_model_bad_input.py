"""Unusable input raises ModelInputError naming the column or line at fault, and writes nothing."""

import pandas as pd
import pytest
from click.testing import CliRunner

from models import german_credit
from greenfi.cli.model import model
from models.datasets import GERMAN_CREDIT_CSV
from models.errors import ModelError, ModelInputError
from models.train import train

TARGET = german_credit.TARGET


@pytest.fixture
def german(german_table):
    return german_table.copy()


def _fails(tmp_path, frame_or_text, match, **options):
    data = tmp_path / "data.csv"
    if isinstance(frame_or_text, str):
        data.write_text(frame_or_text)
    else:
        frame_or_text.to_csv(data, index=False)
    out = tmp_path / "out"
    with pytest.raises(ModelInputError, match=match) as raised:
        train(data, options.pop("target", TARGET), out, **options)
    assert "\n" not in str(raised.value)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["data.csv"]  # no scratch directory left behind


def test_missing_target_column(tmp_path, german):
    _fails(tmp_path, german, "target column 'default' not in data", target="default")


def test_target_with_three_classes(tmp_path, german):
    german.loc[3, TARGET] = "unknown"
    _fails(tmp_path, german, "'credit_risk' has 3 distinct values .*expected exactly 2")


def test_target_with_one_class(tmp_path, german):
    german[TARGET] = "good"
    _fails(tmp_path, german, "'credit_risk' has 1 distinct values")


def test_empty_target_cell_names_the_line(tmp_path, german):
    german.loc[9, TARGET] = None
    _fails(tmp_path, german, "target column 'credit_risk' is empty on line 11")


def test_positive_value_not_present(tmp_path, german):
    _fails(tmp_path, german, "positive value 'risky' not in target column 'credit_risk'", positive="risky")


def test_unknown_id_column(tmp_path, german):
    _fails(tmp_path, german, "id column 'applicant' not in data", id_column="applicant")


def test_empty_file(tmp_path):
    _fails(tmp_path, "", "is empty")


def test_header_without_rows(tmp_path):
    _fails(tmp_path, "a,b,credit_risk\n", "has no data rows")


def test_junk_in_a_numeric_column_names_column_and_line(tmp_path, german):
    german.loc[17, "age_years"] = "n/a"
    german.loc[40, "age_years"] = "??"
    _fails(tmp_path, german, r"column 'age_years' line 19: 'n/a' is not a finite number \(2 such cells")


def test_infinite_number_is_junk(tmp_path, german):
    german.loc[0, "credit_amount"] = "inf"
    _fails(tmp_path, german, "column 'credit_amount' line 2: 'inf' is not a finite number")


def test_repeated_column_name(tmp_path):
    _fails(tmp_path, "a,a,credit_risk\n1,2,good\n", "repeats column 'a'")


def test_too_few_rows_of_a_class_for_the_folds(tmp_path, german):
    keep = pd.concat([german[german[TARGET] == "good"], german[german[TARGET] == "bad"].head(3)])
    _fails(tmp_path, keep, "class 'bad' has 3 rows, 5-fold cross-validation needs at least 5")


def test_missing_data_file(tmp_path):
    with pytest.raises(ModelInputError, match="not found"):
        train(tmp_path / "absent.csv", TARGET, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_existing_output_is_not_overwritten(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(ModelError, match="already exists"):
        train(GERMAN_CREDIT_CSV, TARGET, out)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_cli_reports_one_error_line_and_writes_nothing(tmp_path, german):
    german.loc[17, "age_years"] = "n/a"
    data = tmp_path / "data.csv"
    german.to_csv(data, index=False)
    arguments = ["train", "--data", str(data), "--target", TARGET, "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(model, arguments)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: column 'age_years' line 19") and result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


# Scoring-time bad input: the same one-line errors, exit status 1 from the CLI, no output file.

SCORE_CASES = {
    "unknown column": (lambda g: g.assign(branch="x").to_csv(index=False), "unknown column: branch"),
    "missing feature": (lambda g: g.drop(columns="job").to_csv(index=False), "feature column missing: job"),
    "empty file": (lambda g: "", "is empty"),
    "header only": (lambda g: ",".join(g.columns) + "\n", "has no data rows"),
    "junk in a numeric column": (
        lambda g: g.assign(duration_months=g["duration_months"].where(g.index != 4, "twelve")).to_csv(index=False),
        "column 'duration_months' line 6: 'twelve' is not a finite number",
    ),
    "infinite number": (
        lambda g: g.assign(credit_amount=g["credit_amount"].where(g.index != 0, "-inf")).to_csv(index=False),
        "column 'credit_amount' line 2: '-inf' is not a finite number",
    ),
    "not a CSV": (lambda g: 'a,b\n"1,2\n', "not a readable CSV"),
}


@pytest.mark.parametrize("case", SCORE_CASES)
def test_score_cli_bad_input_is_one_line_exit_1_nothing_written(case, german, german_model_dir, tmp_path):
    make, message = SCORE_CASES[case]
    data = tmp_path / "in.csv"
    data.write_text(make(german.drop(columns=TARGET).head(20)))
    out = tmp_path / "scored.csv"
    result = CliRunner().invoke(model, ["score", "--model", str(german_model_dir), "--data", str(data),
                                        "--out", str(out)])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert message in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["in.csv"]


TRAIN_CASES = {
    "missing target": ("--target", "default", "target column 'default' not in data"),
    "unknown positive": ("--positive", "risky", "positive value 'risky' not in target column"),
    "unknown id": ("--id", "applicant", "id column 'applicant' not in data"),
}


@pytest.mark.parametrize("case", TRAIN_CASES)
def test_train_cli_bad_arguments_are_one_line_exit_1_nothing_written(case, tmp_path):
    option, value, message = TRAIN_CASES[case]
    arguments = {"--data": str(GERMAN_CREDIT_CSV), "--target": TARGET, "--out": str(tmp_path / "out")}
    arguments[option] = value
    result = CliRunner().invoke(model, ["train", *(part for pair in arguments.items() for part in pair)])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1 and message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_train_cli_on_an_empty_file_exits_1(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    result = CliRunner().invoke(model, ["train", "--data", str(tmp_path / "empty.csv"), "--target", TARGET,
                                        "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and result.stderr == f"error: data file {tmp_path / 'empty.csv'} is empty\n"
    assert [p.name for p in tmp_path.iterdir()] == ["empty.csv"]
