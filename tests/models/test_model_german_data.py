"""The shipped German Credit CSV is exactly what the loader makes of the shipped german.data."""

import pytest

from models import german_credit
from models.datasets import GERMAN_CREDIT_CSV, GERMAN_DATA
from models.errors import ModelInputError
from models.schema import infer_schema
from models.table import read_table


def test_shipped_csv_is_generated_from_german_data(tmp_path):
    generated = tmp_path / "german_credit.csv"
    german_credit.write_german_credit_csv(GERMAN_DATA, generated)
    assert generated.read_bytes() == GERMAN_CREDIT_CSV.read_bytes()


def test_csv_has_named_columns_and_good_bad_target():
    frame = german_credit.german_credit_frame()
    lines = GERMAN_DATA.read_text().splitlines()
    assert list(frame.columns) == [*german_credit.ATTRIBUTES, german_credit.TARGET]
    assert len(frame) == len(lines)
    assert set(frame[german_credit.TARGET]) == {"good", "bad"}
    assert (frame[german_credit.TARGET] == "bad").sum() == sum(line.split()[-1] == "2" for line in lines)


def test_inferred_schema_matches_the_codebook():
    # german.doc: 20 attributes, 7 numerical and 13 qualitative.
    schema = infer_schema(read_table(GERMAN_CREDIT_CSV), german_credit.TARGET, german_credit.POSITIVE)
    kinds = [feature.kind for feature in schema.features]
    assert kinds.count("numeric") == 7 and kinds.count("categorical") == 13
    assert schema.positive == "bad" and schema.negative == "good"


def test_malformed_line_is_named(tmp_path):
    broken = tmp_path / "german.data"
    lines = GERMAN_DATA.read_text().splitlines()
    lines[4] = lines[4].rsplit(" ", 1)[0]  # drop the class
    broken.write_text("\n".join(lines) + "\n")
    with pytest.raises(ModelInputError, match="line 5: 20 fields"):
        german_credit.german_credit_frame(broken)
