"""The validation report a reviewer reads before approving a model: how it does on data it did not
train on, whether that data is stable against the training sample, and whether the declared
monotone features behave.

Report format `greenfi-validation-report/1` (JSON, sorted keys; its SHA-256 is what ModelRegistry's
`approve` records):

    model        model_sha256 (of model.txt: the registered modelHash), card_sha256
    data         file, sha256, rows, scored_rows, unscorable {status: rows}
    metrics      auc, ks, brier, positive_rate, mean_probability (scorable rows only)
    calibration  CALIBRATION_BINS bins of equal row counts by predicted probability: rows,
                 mean_probability, observed_rate, min/max probability
    stability    `models.drift.stability` of the validation rows against the card's training bins
    monotonicity per declared monotone feature: direction, rows, grid (training quantiles),
                 violations (rows whose probability moves against the direction along the grid)
    checks       the verdicts: monotone (no violations), stable (no feature over the threshold)

Refused (ModelInputError, nothing written): a data file with columns other than the features, the
target and the id; the training file itself; fewer than two classes among the scorable rows.
"""

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.artifacts import sha256_file, staged_file, write_json
from models.domain import OK
from models.drift import stability
from models.errors import ModelInputError
from models.metrics import auc, brier, ks
from models.score import ScoringModel, load_model, score_table
from models.table import line_number, read_table
from models.train import CARD_FILE, MODEL_FILE

REPORT_FORMAT = "greenfi-validation-report/1"
CALIBRATION_BINS = 10
MONOTONE_GRID = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)  # training quantiles each row is moved through
TOLERANCE = 1e-12  # probabilities equal within float noise are not a violation


def validate(model_dir: Path, data_csv: Path, out_json: Path) -> dict[str, Any]:
    """Write the validation report of `model_dir` on `data_csv` to `out_json`; return it with its sha256."""
    model_dir, data_csv = Path(model_dir), Path(data_csv)
    model = load_model(model_dir)
    schema = model.schema
    data_hash = sha256_file(data_csv) if data_csv.is_file() else None
    if data_hash == model.card["data"]["sha256"]:
        raise ModelInputError(f"{data_csv} is the model's training data: validate on rows it did not train on")
    numeric = [f.name for f in schema.features if f.kind == "numeric"]
    table = read_table(data_csv, numeric)
    _check_columns(table.columns, model)
    _check_labels(table, model)
    scored = score_table(model, table, top_k=0)
    ok = (scored["status"] == OK).to_numpy()
    labels = schema.labels(table)[ok]
    if labels.min(initial=1) == labels.max(initial=0):
        raise ModelInputError(f"{data_csv}: the scorable rows hold only one class of {schema.target!r}; need both")
    probabilities = scored["probability"].to_numpy(dtype=np.float64)[ok]
    parsed = schema.parse(table)
    report = {
        "format": REPORT_FORMAT,
        "model": {"model_sha256": "0x" + sha256_file(model_dir / MODEL_FILE),
                  "card_sha256": "0x" + sha256_file(model_dir / CARD_FILE)},
        "data": {"file": data_csv.name, "sha256": data_hash, "rows": len(table), "scored_rows": int(ok.sum()),
                 "unscorable": {str(k): int(v) for k, v in scored["status"][~ok].value_counts().sort_index().items()}},
        "metrics": {"auc": round(auc(labels, probabilities), 6), "ks": round(ks(labels, probabilities), 6),
                    "brier": round(brier(labels, probabilities), 6), "positive_rate": round(float(labels.mean()), 6),
                    "mean_probability": round(float(probabilities.mean()), 6)},
        "calibration": calibration_table(labels, probabilities),
        "stability": stability(model.card["drift"], parsed),
        "monotonicity": monotonicity(model, table[ok]),
    }
    report["checks"] = {
        "monotone": all(m["violations"] == 0 for m in report["monotonicity"].values()),
        "stable": not report["stability"]["over"],
    }
    with staged_file(out_json) as scratch:
        write_json(scratch, report)
    return report | {"report_sha256": "0x" + sha256_file(out_json)}


def _check_columns(columns: pd.Index, model: ScoringModel) -> None:
    schema = model.schema
    if schema.target not in columns:
        raise ModelInputError(f"validation data needs the target column {schema.target!r}")
    schema.check_scoring_columns(columns)


def _check_labels(table: pd.DataFrame, model: ScoringModel) -> None:
    schema = model.schema
    values = table[schema.target]
    wrong = np.flatnonzero(~values.isin([schema.positive, schema.negative]).to_numpy())
    if wrong.size:
        raise ModelInputError(
            f"target column {schema.target!r} line {line_number(int(wrong[0]))}: {values.iloc[wrong[0]]!r} is neither"
            f" {schema.positive!r} nor {schema.negative!r}"
        )


def calibration_table(labels: np.ndarray, probabilities: np.ndarray) -> list[dict[str, Any]]:
    """CALIBRATION_BINS bins of (nearly) equal row counts, by increasing predicted probability."""
    order = np.argsort(probabilities, kind="stable")
    rows = []
    for part in np.array_split(order, min(CALIBRATION_BINS, len(order))):
        p, y = probabilities[part], labels[part]
        rows.append({"rows": int(part.size), "min_probability": round(float(p.min()), 6),
                     "max_probability": round(float(p.max()), 6), "mean_probability": round(float(p.mean()), 6),
                     "observed_rate": round(float(y.mean()), 6)})
    return rows


def monotonicity(model: ScoringModel, table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """For each declared monotone feature: move every row through the training quantiles of that feature
    (other features fixed) and count rows whose probability ever moves against the declared direction."""
    results = {}
    for name, learned in model.card["domain"]["features"].items():
        direction = learned.get("declared", {}).get("monotone")
        if direction is None:
            continue
        grid = sorted({learned["quantiles"][f"{q:g}"] for q in MONOTONE_GRID})
        paths = np.column_stack([_probabilities_with(model, table, name, value) for value in grid])
        steps = np.diff(paths, axis=1) * (1 if direction == "increasing" else -1)
        violations = int((steps < -TOLERANCE).any(axis=1).sum())
        results[name] = {"direction": direction, "rows": len(table), "grid": grid, "violations": violations}
    return results


def _probabilities_with(model: ScoringModel, table: pd.DataFrame, name: str, value: float) -> np.ndarray:
    moved = table.assign(**{name: value})
    return score_table(model, moved, top_k=0, check_domain=False)["probability"].to_numpy(dtype=np.float64)
