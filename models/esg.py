"""ESG / green-credit score: a transparent composite of environmental, social and governance sub-scores.

The methodology is data, not code: `models/data/esg/methodology-v1.json` lists every indicator (input
column, unit, transform, weight) and the pillar weights; its SHA-256 is the score's version
(`methodology_version`), recorded next to every score. Arithmetic is exact (rationals, rounded half to even
once per indicator, per pillar and for the composite), so the same inputs give the same integers anywhere.

Per entity (an address):

- each indicator maps its value to 0..10000 bps by its transform (`saturating`, `linear` or `flag`); an
  empty cell scores 0 (no credit for undisclosed data);
- a pillar's sub-score is the weighted mean of its indicators (weights in bps summing to 10000);
- the composite `esg_bps` is the weighted mean of the three sub-scores; `risk_bps = 10000 - esg_bps` is the
  same score in the RiskOracle's direction (higher is riskier), which `esg_scorer` posts.

The environmental inputs are verified on-chain figures (`greenfi.domain.esg_chain` reads them with web3) or, without
a chain, the same figures as columns of the entities CSV.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from eth_utils import is_address, to_checksum_address

from models.artifacts import sha256_file, staged_file
from models.datasets import ESG_METHODOLOGY_V1
from models.errors import ModelError, ModelInputError
from models.input_hash import canonical_number
from models.reasons import explanation_hash
from models.table import line_number, parse_numeric, read_table

METHODOLOGY_V1 = ESG_METHODOLOGY_V1
PILLARS = ("environmental", "social", "governance")
BPS = 10_000
ENVIRONMENTAL_COLUMNS = ("verified_generation_wh", "credits_issued", "credits_retired")
SCORE_COLUMNS = ("environmental_bps", "social_bps", "governance_bps", "esg_bps", "risk_bps")
INPUT_ENCODING = "greenfi-esg-inputs-json-v1"
TRANSFORMS = {"saturating": ("half",), "linear": ("worst", "best"), "flag": ()}


@dataclass(frozen=True)
class Indicator:
    column: str
    weight_bps: int
    transform: str
    params: tuple[tuple[str, Fraction], ...] = ()

    def score(self, value: float) -> int:
        """The indicator's score in bps for a finite value already checked by `check`; NaN (empty) scores 0."""
        if np.isnan(value):
            return 0
        x, p = Fraction(value), dict(self.params)
        if self.transform == "saturating":
            share = x / (x + p["half"])
        elif self.transform == "linear":
            share = min(max((x - p["worst"]) / (p["best"] - p["worst"]), Fraction(0)), Fraction(1))
        else:
            share = x
        return round(share * BPS)

    def check(self, values: np.ndarray) -> None:
        """Raise naming the line of the first value outside the indicator's domain."""
        present = ~np.isnan(values)
        if self.transform == "saturating":
            bad, wanted = present & (values < 0), "a number >= 0"
        elif self.transform == "flag":
            bad, wanted = present & (values != 0) & (values != 1), "0 or 1"
        else:
            return
        if bad.any():
            position = int(np.flatnonzero(bad)[0])
            raise ModelInputError(
                f"column {self.column!r} line {line_number(position)}: {values[position]:g} is not {wanted}"
            )


@dataclass(frozen=True)
class Methodology:
    version: str  # 0x + SHA-256 of the methodology file
    weights_bps: dict[str, int]
    pillars: dict[str, tuple[Indicator, ...]]
    document: dict[str, Any]

    @property
    def columns(self) -> list[str]:
        return [i.column for pillar in PILLARS for i in self.pillars[pillar]]

    @classmethod
    def load(cls, path: Path = METHODOLOGY_V1) -> Methodology:
        """Read and validate a methodology file; ModelError names what is wrong."""
        path = Path(path)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            weights = {pillar: int(document["weights_bps"][pillar]) for pillar in PILLARS}
            pillars = {pillar: tuple(_indicator(item) for item in document["pillars"][pillar]) for pillar in PILLARS}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"methodology {path} is unusable: {type(exc).__name__} {exc}") from None
        _check_weights("pillar weights", weights.values())
        for pillar, indicators in pillars.items():
            _check_weights(f"{pillar} indicator weights", (i.weight_bps for i in indicators))
        columns = [i.column for indicators in pillars.values() for i in indicators]
        if len(set(columns)) != len(columns):
            raise ModelError(f"methodology {path}: an indicator column is used twice")
        if [i.column for i in pillars["environmental"]] != list(ENVIRONMENTAL_COLUMNS):
            raise ModelError(f"methodology {path}: environmental indicators must be {', '.join(ENVIRONMENTAL_COLUMNS)}")
        return cls("0x" + sha256_file(path), weights, pillars, document)

    def score_row(self, values: dict[str, float]) -> dict[str, int]:
        """Sub-scores, composite and risk of one entity (values by column, NaN for empty)."""
        subs = {
            pillar: _weighted(((i.weight_bps, i.score(values[i.column])) for i in self.pillars[pillar]))
            for pillar in PILLARS
        }
        composite = _weighted((self.weights_bps[pillar], subs[pillar]) for pillar in PILLARS)
        scores = {f"{pillar}_bps": subs[pillar] for pillar in PILLARS}
        return scores | {"esg_bps": composite, "risk_bps": BPS - composite}


def _indicator(item: dict[str, Any]) -> Indicator:
    transform = item["transform"]
    if transform not in TRANSFORMS:
        raise ValueError(f"indicator {item['column']!r}: unknown transform {transform!r}")
    params = tuple((name, Fraction(str(item[name]))) for name in TRANSFORMS[transform])
    values = dict(params)
    if transform == "saturating" and values["half"] <= 0:
        raise ValueError(f"indicator {item['column']!r}: half must be > 0")
    if transform == "linear" and values["best"] == values["worst"]:
        raise ValueError(f"indicator {item['column']!r}: best and worst must differ")
    return Indicator(str(item["column"]), int(item["weight_bps"]), transform, params)


def _check_weights(what: str, weights) -> None:
    weights = list(weights)
    if any(w < 0 for w in weights) or sum(weights) != BPS:
        raise ModelError(f"methodology {what} must be >= 0 and sum to {BPS} bps (got {weights})")


def _weighted(pairs) -> int:
    return round(sum((Fraction(w) * s for w, s in pairs), Fraction(0)) / BPS)


# ---------------------------------------------------------------- tables


def read_entities(path: Path, methodology: Methodology, entity_column: str = "entity",
                  with_environmental: bool = True) -> pd.DataFrame:
    """The entities CSV checked against the methodology: the entity column (addresses, unique), every
    indicator column (the environmental ones only if `with_environmental`), nothing else."""
    expected = methodology.columns if with_environmental else [
        c for c in methodology.columns if c not in ENVIRONMENTAL_COLUMNS
    ]
    table = read_table(path, expected)
    return check_entities(table, methodology, entity_column, expected)


def check_entities(table: pd.DataFrame, methodology: Methodology, entity_column: str,
                   expected: list[str]) -> pd.DataFrame:
    """Entity addresses (checksummed) and float64 indicator columns; ModelInputError names the column/line."""
    if entity_column not in table.columns:
        raise ModelInputError(f"entity column {entity_column!r} not in data")
    unknown = [c for c in table.columns if c not in (entity_column, *expected)]
    if unknown:
        hint = " (with --network the environmental figures come from the chain)" if set(unknown) & {
            *ENVIRONMENTAL_COLUMNS} else ""
        raise ModelInputError(f"unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}{hint}")
    missing = [c for c in expected if c not in table.columns]
    if missing:
        raise ModelInputError(f"indicator column{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)}")
    entities, seen = [], {}
    for position, value in enumerate(table[entity_column]):
        line = line_number(position)
        if not isinstance(value, str) or not is_address(value):
            raise ModelInputError(f"column {entity_column!r} line {line}: {value!r} is not an address")
        address = to_checksum_address(value)
        if address in seen:
            raise ModelInputError(
                f"column {entity_column!r} line {line}: entity {address} repeats line {seen[address]}"
            )
        seen[address] = line
        entities.append(address)
    indicators = {i.column: i for pillar in PILLARS for i in methodology.pillars[pillar]}
    columns: dict[str, Any] = {entity_column: entities}
    for column in expected:
        values = parse_numeric(table[column], column)
        indicators[column].check(values)
        columns[column] = values
    return pd.DataFrame(columns, index=table.index)


def score_entities(entities: pd.DataFrame, methodology: Methodology, entity_column: str = "entity") -> pd.DataFrame:
    """Scores of checked entities (every indicator column present): the entity, the inputs, the
    sub-scores, composite and risk in bps, the methodology version and the canonical input hash."""
    rows = []
    for record in entities[[entity_column, *methodology.columns]].to_dict("records"):
        values = {c: float(record[c]) for c in methodology.columns}
        rows.append({entity_column: record[entity_column], **values, **methodology.score_row(values),
                     "methodology_version": methodology.version,
                     "input_hash": input_hash(record[entity_column], values, methodology.version)})
    return pd.DataFrame(rows, columns=[entity_column, *methodology.columns, *SCORE_COLUMNS, "methodology_version",
                                       "input_hash"])


def input_hash(entity: str, values: dict[str, float], version: str) -> str:
    """`0x` + SHA-256 of the JSON (no whitespace, sorted keys) {"entity": address, "methodology": version,
    "values": {column: number or null}}, numbers written as in `models.input_hash.canonical_number`."""
    rendered = ",".join(
        f"{json.dumps(column)}:{'null' if np.isnan(value) else canonical_number(value)}"
        for column, value in sorted(values.items())
    )
    body = f'{{"entity":{json.dumps(entity)},"methodology":{json.dumps(version)},"values":{{{rendered}}}}}'
    return "0x" + hashlib.sha256(body.encode()).hexdigest()


def score_csv(entities_csv: Path, out_csv: Path, *, methodology_path: Path = METHODOLOGY_V1,
              figures: Callable[[list[str]], pd.DataFrame] | None = None, entity_column: str = "entity") -> int:
    """Score `entities_csv` into `out_csv` (written only on success); returns the number of entities.

    Without `figures` the environmental figures are columns of the CSV; with it, `figures(addresses)`
    returns them (a frame indexed by address with the ENVIRONMENTAL_COLUMNS), e.g. from the chain.
    """
    methodology = Methodology.load(methodology_path)
    entities = read_entities(entities_csv, methodology, entity_column, with_environmental=figures is None)
    if figures is not None:
        found = figures(entities[entity_column].tolist())
        for column in ENVIRONMENTAL_COLUMNS:
            entities[column] = found.loc[entities[entity_column], column].to_numpy(dtype=np.float64)
    scored = score_entities(entities, methodology, entity_column)
    for column in methodology.columns:  # inputs as written in the input hash: 2000000000, not 2000000000.0
        scored[column] = [canonical_number(v) if not np.isnan(v) else "" for v in scored[column].tolist()]
    with staged_file(out_csv) as scratch:
        scored.to_csv(scratch, index=False, lineterminator="\n")
    return len(scored)


# ---------------------------------------------------------------- the risk oracle's scorer


def esg_scorer(model_dir: Path | None = None, subject_column: str = "subject"):
    """A scorer for the risk daemon (`--scorer models.esg:esg_scorer`): `model_dir` is the methodology
    file (default v1); the features CSV holds the subject column and every indicator column. Posts
    `risk_bps` (10000 - composite: higher is riskier, as RiskOracle scores are), the ESG input hash and an
    explanation hash of the three sub-scores; `model_hash` is the methodology's SHA-256, under which the
    methodology is registered in ModelRegistry."""
    methodology = Methodology.load(Path(model_dir) if model_dir else METHODOLOGY_V1)

    def score(features: pd.DataFrame) -> pd.DataFrame:
        checked = check_entities(features.reset_index(drop=True), methodology, subject_column, methodology.columns)
        scored = score_entities(checked, methodology, subject_column)
        return pd.DataFrame({
            "subject": scored[subject_column].to_numpy(),
            "score_bps": scored["risk_bps"].to_numpy(),
            "input_hash": scored["input_hash"].to_numpy(),
            "explanation_hash": [
                explanation_hash([(pillar, row[f"{pillar}_bps"]) for pillar in PILLARS])
                for row in scored.to_dict("records")
            ],
        })

    score.model_hash = methodology.version
    return score
