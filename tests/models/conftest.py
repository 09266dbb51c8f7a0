"""Fixtures shared by the models tests: each model is trained once per session.

Run with `pytest -p no:pytest-brownie --confcutdir tests/models tests/models` (no chain needed).
"""

from pathlib import Path

import pandas as pd
import pytest

from models import german_credit
from models.anomaly import AnomalyModel
from models.artifacts import read_json
from models.datasets import GERMAN_CREDIT_CSV, GERMAN_CREDIT_DECLARATIONS, PV_CSV
from models.pv import read_power_series
from models.train import train


@pytest.fixture(scope="session")
def german_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """German Credit, "bad" as the positive class, equal misclassification costs."""
    out = tmp_path_factory.mktemp("german") / "model"
    train(GERMAN_CREDIT_CSV, german_credit.TARGET, out, positive=german_credit.POSITIVE)
    return out


@pytest.fixture(scope="session")
def german_metrics(german_model_dir: Path) -> dict:
    return read_json(german_model_dir / "metrics.json")


@pytest.fixture(scope="session")
def german_costed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """German Credit with the codebook's cost matrix (a bad applicant classed good costs 5, the reverse 1)."""
    out = tmp_path_factory.mktemp("german-costed") / "model"
    train(
        GERMAN_CREDIT_CSV, german_credit.TARGET, out, positive=german_credit.POSITIVE,
        cost_fp=german_credit.COST_FALSE_POSITIVE, cost_fn=german_credit.COST_FALSE_NEGATIVE,
    )
    return out


@pytest.fixture(scope="session")
def german_declared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `greenfi model example` trains: the codebook's costs and the shipped feature declarations
    (hard bounds; duration, amount and instalment rate monotone increasing)."""
    out = tmp_path_factory.mktemp("german-declared") / "model"
    train(
        GERMAN_CREDIT_CSV, german_credit.TARGET, out, positive=german_credit.POSITIVE,
        cost_fp=german_credit.COST_FALSE_POSITIVE, cost_fn=german_credit.COST_FALSE_NEGATIVE,
        declarations=GERMAN_CREDIT_DECLARATIONS,
    )
    return out


@pytest.fixture(scope="session")
def german_table() -> pd.DataFrame:
    return pd.read_csv(GERMAN_CREDIT_CSV, dtype=str)


@pytest.fixture(scope="session")
def pv_series() -> pd.Series:
    return read_power_series(PV_CSV)


@pytest.fixture(scope="session")
def pv_model(pv_series: pd.Series) -> AnomalyModel:
    return AnomalyModel.fit(pv_series)
