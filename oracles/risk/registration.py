"""A model directory (as `greenfi model train` writes it) turned into a ModelRegistry registration.

    modelHash          SHA-256 of model.txt, as listed in SHA256SUMS
    trainingDataHash   the card's data.sha256 (SHA-256 of the training CSV)
    featureSchemaHash  SHA-256 of the card's `schema`, canonical JSON (sorted keys, no whitespace)
    parametersHash     SHA-256 of the card's `training` (parameters, seed, folds), canonical JSON
    cardHash           SHA-256 of model_card.json, as listed in SHA256SUMS
    metrics            the card's auc, ks, brier, accuracy in basis points (rounded)

Reads files only (no LightGBM), so it also runs where the models package is not installed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from greenfi.errors import GreenfiError

MODEL_FILE = "model.txt"
CARD_FILE = "model_card.json"
MANIFEST = "SHA256SUMS"
METRIC_KEYS = ("auc", "ks", "brier", "accuracy")


class ModelDirError(GreenfiError):
    """A model directory lacks a file or a card field the registration needs."""


@dataclass(frozen=True)
class ModelSpec:
    model_hash: str
    training_data_hash: str
    feature_schema_hash: str
    parameters_hash: str
    card_hash: str
    metrics_bps: tuple[int, int, int, int]  # AUC, KS, Brier, accuracy

    def as_args(self) -> tuple:
        """The ModelSpec tuple ModelRegistry.registerModel takes."""
        hashes = (self.model_hash, self.training_data_hash, self.feature_schema_hash, self.parameters_hash,
                  self.card_hash)
        return (*(bytes.fromhex(h[2:]) for h in hashes), self.metrics_bps)


def canonical_hash(value) -> str:
    body = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "0x" + hashlib.sha256(body.encode()).hexdigest()


def model_spec(model_dir: Path) -> ModelSpec:
    model_dir = Path(model_dir)
    sums = _manifest(model_dir)
    card_path = model_dir / CARD_FILE
    try:
        card = json.loads(card_path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelDirError(f"cannot read {card_path}: {exc}") from None
    for name in (MODEL_FILE, CARD_FILE):
        if name not in sums:
            raise ModelDirError(f"{model_dir / MANIFEST} does not list {name}")
    actual = hashlib.sha256(card_path.read_bytes()).hexdigest()
    if actual != sums[CARD_FILE]:
        raise ModelDirError(f"{card_path} does not match its SHA256SUMS entry")
    try:
        data_hash = card["data"]["sha256"]
        schema, training, metrics = card["schema"], card["training"], card["metrics"]
        metrics_bps = tuple(round(float(metrics[k]) * 10_000) for k in METRIC_KEYS)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelDirError(f"{card_path} lacks {exc}: is it a greenfi model card?") from None
    for key, value in zip(METRIC_KEYS, metrics_bps):
        if not 0 <= value <= 10_000:
            raise ModelDirError(f"{card_path}: metric {key} is not a share in [0, 1]")
    return ModelSpec("0x" + sums[MODEL_FILE], "0x" + data_hash.removeprefix("0x"), canonical_hash(schema),
                     canonical_hash(training), "0x" + sums[CARD_FILE], metrics_bps)


def _manifest(model_dir: Path) -> dict[str, str]:
    path = model_dir / MANIFEST
    try:
        lines = path.read_text().splitlines()
    except OSError:
        raise ModelDirError(f"{path} not found: is {model_dir} a model directory?") from None
    sums = {}
    for line in lines:
        digest, _, name = line.partition("  ")
        if digest and name:
            sums[name.strip()] = digest.strip().lower()
    return sums
