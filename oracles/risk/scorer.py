"""The daemon's narrow interface to the models: a scorer maps feature rows to on-chain scores.

A scorer is a callable `scorer(features: DataFrame) -> DataFrame`. Its input is the features CSV read
as text (empty cells are NaN) and includes the subject column; its output has one row per input row
with the columns of `SCORE_COLUMNS`:

    subject           the row's subject address (copied from the subject column)
    score_bps         integer 0..10000, probability of the adverse outcome in basis points
    input_hash        0x + 64 hex: hash of the canonical feature row the model scored
    explanation_hash  0x + 64 hex: hash of the reason codes (or of the explanation document)

and optionally
    status            `ok`, or `<reason>:<feature>` for a row the model cannot judge: such a row is
                      never posted (its score_bps and hashes may be empty), the daemon reports it
    explanation       the explanation document whose SHA-256 is explanation_hash; checked, and kept
                      in the outbox

A scorer may carry a `model_hash` attribute (0x + 64 hex, the model file's SHA-256): the daemon then
finds the model version in ModelRegistry (`versionOf`) without being told; and a `drift(features)`
method returning `models.drift.stability` figures: the daemon's drift gate.

`lightgbm_scorer(model_dir)` adapts `models.score` (the LightGBM pipeline): it loads the model with
`models.score.load_model`, scores with `models.score.score_table` (domain checks on), takes `status`,
`score_bps` and `input_hash` as they come, and writes each row's explanation document
(`oracles.risk.explanation`: reason codes and the batch's drift figures).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from eth_utils import is_address, to_checksum_address

from greenfi.errors import GreenfiError
from models.reasons import explanation_hash  # noqa: F401 (the encoding lives with the reason codes)
from oracles.risk.explanation import document_hash, drift_section, explanation_document

SCORE_COLUMNS = ("subject", "score_bps", "input_hash", "explanation_hash")
OK = "ok"
EXPLANATION_ENCODING = "greenfi-reasons-json-v1"
_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")

Scorer = Callable[[pd.DataFrame], pd.DataFrame]


class ScoringError(GreenfiError):
    """The features or a scorer's output are unusable; the message names the column or row."""


@dataclass(frozen=True)
class ScoredRow:
    subject: str  # checksum address
    score_bps: int
    input_hash: str  # 0x-prefixed lower-case hex
    explanation_hash: str


def read_features(path: Path, subject_column: str) -> pd.DataFrame:
    """The features CSV as text cells (only empty cells are missing), checked to have valid, unique subjects."""
    path = Path(path)
    if not path.is_file():
        raise ScoringError(f"features file {path} not found")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise ScoringError(f"features file {path} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ScoringError(f"features file {path} is not a readable CSV: {str(exc).strip().splitlines()[0]}") from None
    if subject_column not in table.columns:
        raise ScoringError(f"features file {path} has no subject column {subject_column!r}")
    if table.empty:
        raise ScoringError(f"features file {path} has no data rows")
    seen: dict[str, int] = {}
    for position, value in enumerate(table[subject_column]):
        line = position + 2  # line 1 is the header
        if not isinstance(value, str) or not is_address(value):
            raise ScoringError(f"features file {path} line {line}: {subject_column} {value!r} is not an address")
        key = value.lower()
        if key in seen:
            raise ScoringError(f"features file {path} line {line}: subject {value} repeats line {seen[key]}")
        seen[key] = line
    return table


@dataclass(frozen=True)
class Unscorable:
    """A row the model refused to judge: the daemon reports it and posts nothing for it."""

    subject: str
    feature: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"subject": self.subject, "feature": self.feature, "reason": self.reason}


@dataclass(frozen=True)
class ScoredBatch:
    rows: list[ScoredRow]  # the scorable rows, in input order
    unscorable: list[Unscorable]
    explanations: dict[str, str]  # explanation_hash -> document, for scorers that write documents


def check_scores(scored: pd.DataFrame, expected_rows: int) -> list[ScoredRow]:
    """The scorable rows of a scorer's output (see `checked_scores`)."""
    return checked_scores(scored, expected_rows).rows


def checked_scores(scored: pd.DataFrame, expected_rows: int) -> ScoredBatch:
    """A scorer's output as typed rows, unscorable rows apart; ScoringError names the column or row
    that breaks the contract."""
    missing = [c for c in SCORE_COLUMNS if c not in scored.columns]
    if missing:
        raise ScoringError(f"scorer output lacks column {missing[0]!r}")
    if len(scored) != expected_rows:
        raise ScoringError(f"scorer returned {len(scored)} rows for {expected_rows} feature rows")
    statuses = scored["status"].tolist() if "status" in scored.columns else [OK] * len(scored)
    documents = scored["explanation"].tolist() if "explanation" in scored.columns else [None] * len(scored)
    rows, unscorable, explanations = [], [], {}
    for position, (subject, score, input_hash, explanation_hash) in enumerate(
        zip(*(scored[c].tolist() for c in SCORE_COLUMNS))
    ):
        if not isinstance(subject, str) or not is_address(subject):
            raise ScoringError(f"scorer row {position}: subject {subject!r} is not an address")
        status = statuses[position]
        if status != OK:
            reason, _, feature = str(status).partition(":")
            unscorable.append(Unscorable(to_checksum_address(subject), feature, reason))
            continue
        if isinstance(score, bool) or not float(score).is_integer() or not 0 <= int(score) <= 10_000:
            raise ScoringError(f"scorer row {position}: score_bps {score!r} is not an integer in 0..10000")
        for name, value in (("input_hash", input_hash), ("explanation_hash", explanation_hash)):
            if not isinstance(value, str) or not _HASH.match(value):
                raise ScoringError(f"scorer row {position}: {name} {value!r} is not 0x + 64 hex digits")
        document = documents[position]
        if document is not None:
            if document_hash(document) != explanation_hash.lower():
                raise ScoringError(f"scorer row {position}: explanation_hash is not the SHA-256 of its explanation")
            explanations[explanation_hash.lower()] = document
        rows.append(ScoredRow(to_checksum_address(subject), int(score), input_hash.lower(), explanation_hash.lower()))
    return ScoredBatch(rows, unscorable, explanations)


def lightgbm_scorer(model_dir: Path, subject_column: str = "subject", top_k: int = 3) -> Scorer:
    """The adapter for `models.score` (imported lazily: the daemon runs without the models package
    until a LightGBM model is actually used)."""
    try:
        from models.artifacts import sha256_file
        from models.drift import stability
        from models.errors import ModelError
        from models.score import load_model, score_table
        from models.train import MODEL_FILE
    except ImportError as exc:
        raise ScoringError(f"the models package is not available ({exc}); install greenfi with its models") from None

    try:
        model = load_model(Path(model_dir))
    except (ModelError, OSError) as exc:
        raise ScoringError(f"cannot load the model in {model_dir}: {' '.join(str(exc).split())}") from None

    def drift(features: pd.DataFrame) -> dict:
        try:
            return stability(model.card["drift"], model.schema.parse(features))
        except ModelError as exc:
            raise ScoringError(f"cannot measure drift: {' '.join(str(exc).split())}") from None

    def score(features: pd.DataFrame) -> pd.DataFrame:
        try:
            scored = score_table(model, features, top_k=top_k, id_column=subject_column)
        except ModelError as exc:  # e.g. a feature column missing: one line, not a traceback
            raise ScoringError(f"cannot score the features: {' '.join(str(exc).split())}") from None
        section = drift_section(drift(features))
        ranks = sorted({int(c.split("_")[1]) for c in scored.columns if c.startswith("reason_")})
        reasons = zip(*([zip(scored[f"reason_{r}_feature"], scored[f"reason_{r}_contribution"]) for r in ranks]))
        documents = [explanation_document(list(row), section) if status == OK else None
                     for status, row in zip(scored["status"], reasons)]
        return pd.DataFrame({
            "subject": features[subject_column].to_numpy(),
            "status": scored["status"].to_numpy(),
            "score_bps": scored["score_bps"].to_numpy(dtype=object, na_value=None),
            "input_hash": scored["input_hash"].to_numpy(),
            "explanation_hash": [None if d is None else document_hash(d) for d in documents],
            "explanation": documents,
        })

    score.drift = drift
    score.model_hash = "0x" + sha256_file(Path(model_dir) / MODEL_FILE).removeprefix("0x")
    return score
