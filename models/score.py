"""Batch scoring with a model directory written by `models.train.train`.

Per row: the domain status (`ok`, or `<reason>:<feature>` when the row is outside what the model can
judge, `models.domain`), and for scorable rows the calibrated probability of the positive class, the
same as an integer score in basis points (0-10000), the cost-minimising decision and the top-k reason
codes (feature and signed log-odds contribution); for every row the canonical `input_hash` of its
features. An unscorable row gets empty probability, score, decision and reasons. All steps are
vectorised over the batch.
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
from models.domain import OK, DomainCheck
from models.errors import ModelInputError
from models.input_hash import input_hashes
from models.reasons import reason_columns
from models.schema import Schema
from models.table import read_table
from models.train import CALIBRATION_FILE, CARD_FILE, CARD_FORMAT, MODEL_FILE
from models.treeshap import TabulatedContributions

BASIS_POINTS = 10_000
PREDICT_THREADS = 0  # LightGBM's default: all cores; each row's prediction does not depend on it
_SCORED_COLUMNS = ("probability", "score_bps", "decision")  # with the reasons: empty on refused rows


@dataclass(frozen=True)
class ScoringModel:
    booster: lgb.Booster
    schema: Schema
    calibrator: Calibrator
    threshold: float
    card: dict[str, Any]
    domain: DomainCheck
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
    schema = Schema.from_dict(card["schema"])
    return ScoringModel(
        booster=booster,
        schema=schema,
        calibrator=calibrator_from_dict(read_json(model_dir / CALIBRATION_FILE)),
        threshold=card["decision"]["threshold"],
        card=card,
        domain=DomainCheck(card["domain"], schema),
        tabulated=TabulatedContributions.of(booster),
    )


def score_table(model: ScoringModel, table: pd.DataFrame, top_k: int = 3, *, id_column: str | None = None,
                check_domain: bool = True) -> pd.DataFrame:
    """Score a frame of cells (text, or numbers in numeric columns); columns: [id], status, probability,
    score_bps, decision, reason_<i>_feature and reason_<i>_contribution for i = 1..top_k, input_hash.

    `id_column` (default: the card's id column) is passed through when the frame has it. `top_k=0`
    skips the reason codes, whose TreeSHAP computation dominates the scoring time. `check_domain=False`
    scores every row as if it were inside the domain: only the benchmark's baseline uses it.
    """
    if top_k < 0:
        raise ModelInputError(f"top-k must not be negative (got {top_k})")
    schema = model.schema
    id_column = id_column or schema.id_column
    schema.check_scoring_columns(table.columns, id_column)
    parsed = schema.parse(table)
    features = schema.encode(parsed)
    status = model.domain.statuses(parsed, features) if check_domain else np.full(len(table), OK, dtype=object)
    if top_k:
        # Contributions plus the base value (last column) sum to the raw margin: one pass gives both.
        contributions = model.contributions(features)
        margins = contributions.sum(axis=1)
    else:
        margins = model.booster.predict(features, raw_score=True, num_threads=PREDICT_THREADS)
    probabilities = model.calibrator(margins)
    columns: dict[str, Any] = {}
    if id_column is not None and id_column in table.columns:
        columns[id_column] = table[id_column].to_numpy()
    columns["status"] = status
    columns["probability"] = probabilities
    columns["score_bps"] = np.rint(probabilities * BASIS_POINTS).astype(np.int64)
    columns["decision"] = np.where(probabilities >= model.threshold, schema.positive, schema.negative)
    if top_k:
        columns |= reason_columns(contributions[:, :-1], schema.names, top_k)
    refused = status != OK
    if refused.any():
        _blank(columns, refused)
    columns["input_hash"] = input_hashes(parsed, schema)
    return pd.DataFrame(columns, index=table.index)


def _blank(columns: dict[str, Any], refused: np.ndarray) -> None:
    """Empty the probability, score, decision and reasons of the refused rows (in place)."""
    for name in [n for n in columns if n in _SCORED_COLUMNS or n.startswith("reason_")]:
        values = columns[name]
        if name == "score_bps":
            columns[name] = pd.array(values, dtype="Int64")
            columns[name][refused] = pd.NA
        elif values.dtype == np.float64:
            columns[name] = np.where(refused, np.nan, values)
        else:
            columns[name] = np.where(refused, None, values.astype(object))


def score(model_dir: Path, data_csv: Path, out_csv: Path, top_k: int = 3, id_column: str | None = None) -> dict[str, Any]:
    """Score `data_csv` into `out_csv`. Returns {"rows", "scored", "unscorable", "statuses": {status: rows}}.

    Written only if at least one row is scorable; with none, ModelInputError names the statuses.
    """
    model = load_model(model_dir)
    numeric = [f.name for f in model.schema.features if f.kind == "numeric"]
    scored = score_table(model, read_table(data_csv, numeric), top_k, id_column=id_column)
    statuses = {str(k): int(v) for k, v in scored["status"].value_counts().sort_index().items() if k != OK}
    unscorable = sum(statuses.values())
    if unscorable == len(scored):
        shown = ", ".join(f"{k} ({v} row{'s' if v > 1 else ''})" for k, v in sorted(statuses.items(), key=lambda kv: -kv[1])[:3])
        raise ModelInputError(f"no row of {data_csv} is scorable: {shown}")
    with staged_file(out_csv) as scratch:
        write_csv(scored, scratch)
    return {"rows": len(scored), "scored": len(scored) - unscorable, "unscorable": unscorable, "statuses": statuses}
