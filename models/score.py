"""Batch scoring with a model directory written by `models.train.train`.

Per row: the calibrated probability of the positive class, the same as an integer score in basis points
(0-10000), the cost-minimising decision, the top-k reason codes (feature and signed log-odds contribution)
and the canonical `input_hash` of the row's features. All steps are vectorised over the batch.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from models.artifacts import read_json, read_verified_card, staged_file
from models.calibration import Calibrator, calibrator_from_dict
from models.csv_writer import write_csv
from models.errors import ModelInputError
from models.input_hash import input_hashes
from models.reasons import reason_columns
from models.schema import Schema
from models.table import read_table
from models.train import CALIBRATION_FILE, CARD_FILE, CARD_FORMAT, MODEL_FILE
from models.treeshap import TabulatedContributions

BASIS_POINTS = 10_000
PREDICT_THREADS = 0  # LightGBM's default: all cores; each row's prediction does not depend on it


@dataclass(frozen=True)
class ScoringModel:
    booster: lgb.Booster
    schema: Schema
    calibrator: Calibrator
    threshold: float
    card: dict[str, Any]
    tabulated: TabulatedContributions | None = None  # fast reason codes; None: LightGBM's pred_contrib

    def contributions(self, features: pd.DataFrame) -> np.ndarray:
        """LightGBM's per-feature contributions with the base value last (tabulated when the trees are small)."""
        if self.tabulated is not None:
            return self.tabulated.contributions(features)
        return self.booster.predict(features, pred_contrib=True, num_threads=PREDICT_THREADS)


def load_model(model_dir: Path) -> ScoringModel:
    """Load a model directory after checking every file against SHA256SUMS."""
    model_dir = Path(model_dir)
    card = read_verified_card(model_dir, CARD_FILE, CARD_FORMAT)
    booster = lgb.Booster(model_file=str(model_dir / MODEL_FILE))
    return ScoringModel(
        booster=booster,
        schema=Schema.from_dict(card["schema"]),
        calibrator=calibrator_from_dict(read_json(model_dir / CALIBRATION_FILE)),
        threshold=card["decision"]["threshold"],
        card=card,
        tabulated=TabulatedContributions.of(booster),
    )


def score_table(model: ScoringModel, table: pd.DataFrame, top_k: int = 3) -> pd.DataFrame:
    """Score a frame of cells (text, or numbers in numeric columns); columns: [id], probability, score_bps,
    decision, reason_<i>_feature and reason_<i>_contribution for i = 1..top_k, input_hash.

    `top_k=0` skips the reason codes, whose TreeSHAP computation dominates the scoring time.
    """
    if top_k < 0:
        raise ModelInputError(f"top-k must not be negative (got {top_k})")
    schema = model.schema
    schema.check_scoring_columns(table.columns)
    parsed = schema.parse(table)
    features = schema.encode(parsed)
    if top_k:
        # Contributions plus the base value (last column) sum to the raw margin: one pass gives both.
        contributions = model.contributions(features)
        margins = contributions.sum(axis=1)
    else:
        margins = model.booster.predict(features, raw_score=True, num_threads=PREDICT_THREADS)
    probabilities = model.calibrator(margins)
    columns: dict[str, Any] = {}
    if schema.id_column is not None and schema.id_column in table.columns:
        columns[schema.id_column] = table[schema.id_column].to_numpy()
    columns["probability"] = probabilities
    columns["score_bps"] = np.rint(probabilities * BASIS_POINTS).astype(np.int64)
    columns["decision"] = np.where(probabilities >= model.threshold, schema.positive, schema.negative)
    if top_k:
        columns |= reason_columns(contributions[:, :-1], schema.names, top_k)
    columns["input_hash"] = input_hashes(parsed, schema)
    return pd.DataFrame(columns, index=table.index)


def score(model_dir: Path, data_csv: Path, out_csv: Path, top_k: int = 3) -> int:
    """Score `data_csv` into `out_csv` (written only if scoring succeeds); returns the number of rows."""
    model = load_model(model_dir)
    numeric = [f.name for f in model.schema.features if f.kind == "numeric"]
    scored = score_table(model, read_table(data_csv, numeric), top_k)
    with staged_file(out_csv) as scratch:
        write_csv(scored, scratch)
    return len(scored)
