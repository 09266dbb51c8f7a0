"""Machine-learning models of greenfi, independent of the chain tooling.

- `train` / `score` / `load_model`: a calibrated LightGBM classifier for any two-class CSV, with
  cost-based decisions, reason codes and canonical input hashes (credit risk is the worked example);
- `AnomalyModel`: a plausibility screen for PV power readings;
- the `greenfi model` click group lives in greenfi.cli.model.
"""

import importlib

from models.errors import ModelError, ModelInputError

# pandas and LightGBM load only when one of these is first used (`import models.datasets` stays light).
_LAZY = {"AnomalyModel": "models.anomaly", "train_anomaly": "models.anomaly", "load_model": "models.score",
         "score": "models.score", "score_table": "models.score", "train": "models.train"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'models' has no attribute {name!r}")

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
