"""Statlog German Credit: turn the original space-separated `german.data` into a CSV with named columns.

Column names follow the attribute descriptions of the codebook `german.doc`; categorical values keep the
codebook's symbols (A11, A12, ...), which the codebook shipped next to the CSV explains. The class (1 = good,
2 = bad) becomes `credit_risk` with the values `good` and `bad`.
"""

from pathlib import Path

import pandas as pd

from models.datasets import GERMAN_CREDIT_CSV, GERMAN_DATA
from models.errors import ModelInputError

# Attributes 1-20 of german.doc, in file order.
ATTRIBUTES = (
    "checking_account_status",
    "duration_months",
    "credit_history",
    "purpose",
    "credit_amount",
    "savings_account",
    "employment_since",
    "installment_rate_pct",
    "personal_status_sex",
    "other_debtors",
    "residence_since",
    "property",
    "age_years",
    "other_installment_plans",
    "housing",
    "existing_credits",
    "job",
    "people_liable",
    "telephone",
    "foreign_worker",
)
TARGET = "credit_risk"
CLASS_LABELS = {"1": "good", "2": "bad"}

# The codebook's cost matrix with "bad" as the positive class: a bad applicant classed good is a false
# negative (cost 5), a good applicant classed bad a false positive (cost 1).
POSITIVE = "bad"
COST_FALSE_POSITIVE = 1.0
COST_FALSE_NEGATIVE = 5.0


def german_credit_frame(data_path: Path = GERMAN_DATA) -> pd.DataFrame:
    """Parse `german.data` into a frame with the codebook's column names and `credit_risk` = good/bad."""
    rows = []
    for line_number, line in enumerate(Path(data_path).read_text(encoding="ascii").splitlines(), start=1):
        fields = line.split()
        if len(fields) != len(ATTRIBUTES) + 1:
            raise ModelInputError(
                f"{data_path} line {line_number}: {len(fields)} fields, expected {len(ATTRIBUTES) + 1}"
            )
        if fields[-1] not in CLASS_LABELS:
            raise ModelInputError(f"{data_path} line {line_number}: class {fields[-1]!r} is neither 1 nor 2")
        rows.append(fields[:-1] + [CLASS_LABELS[fields[-1]]])
    return pd.DataFrame(rows, columns=[*ATTRIBUTES, TARGET])


def write_german_credit_csv(data_path: Path = GERMAN_DATA, csv_path: Path = GERMAN_CREDIT_CSV) -> None:
    """Write the named-column CSV (the shipped `german_credit.csv` is this function's output)."""
    german_credit_frame(data_path).to_csv(csv_path, index=False, lineterminator="\n")
