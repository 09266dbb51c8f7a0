"""Paths of the data sets shipped inside the package (nothing is read from outside it)."""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

GERMAN_CREDIT_DIR = DATA_DIR / "german_credit"
GERMAN_DATA = GERMAN_CREDIT_DIR / "german.data"
GERMAN_CREDIT_CSV = GERMAN_CREDIT_DIR / "german_credit.csv"
GERMAN_CREDIT_DECLARATIONS = GERMAN_CREDIT_DIR / "declarations.json"
APPLICANTS_EXAMPLE_CSV = GERMAN_CREDIT_DIR / "applicants-example.csv"  # works for `model score` and `oracle risk`

PV_CSV = DATA_DIR / "pv" / "pv_ac_power_5min_2015-04_08.csv"

ESG_METHODOLOGY_V1 = DATA_DIR / "esg" / "methodology-v1.json"
