"""Machine-learning models of greenfi, independent of the chain tooling.

- `train` / `score` / `load_model`: a calibrated LightGBM classifier for any two-class CSV, with
  cost-based decisions, reason codes and canonical input hashes (credit risk is the worked example);
- `AnomalyModel`: a plausibility screen for PV power readings;
- `models.cli.model`: the `model` click command group.
"""

from models.anomaly import AnomalyModel, train_anomaly
from models.errors import ModelError, ModelInputError
from models.score import load_model, score, score_table
from models.train import train

__all__ = [
    "AnomalyModel",
    "ModelError",
    "ModelInputError",
    "load_model",
    "score",
    "score_table",
    "train",
    "train_anomaly",
]
