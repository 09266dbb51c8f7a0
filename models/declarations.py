"""The feature declarations file a trainer takes (`--schema FILE`): what the data supplier and the
modeller know about each feature that the data alone cannot show.

Format `greenfi-feature-declarations/1`, a JSON object:

    {"format": "greenfi-feature-declarations/1",
     "features": {
        "duration_months": {"min": 1, "max": 600, "monotone": "increasing",
                            "why": "a longer loan is a longer exposure to default"},
        ...}}

Per feature (every key optional, no other key allowed):
- `min`, `max`: hard bounds of a numeric feature (inclusive); a value outside them is impossible,
  so scoring refuses it;
- `monotone`: `"increasing"` or `"decreasing"`: a larger value never lowers (resp. raises) the
  predicted probability; training enforces it with LightGBM's monotone constraints;
- `why`: the reason for the declaration, copied into the model card.

A declaration that contradicts the training data is an error naming the feature (and line): a
feature that is not a column, a bound or monotonicity on a categorical feature, min > max, a training
value outside the declared bounds.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.errors import ModelInputError
from models.schema import Schema
from models.table import line_number

FORMAT = "greenfi-feature-declarations/1"
DIRECTIONS = {"increasing": 1, "decreasing": -1}
_KEYS = {"min", "max", "monotone", "why"}


@dataclass(frozen=True)
class Declaration:
    minimum: float | None = None
    maximum: float | None = None
    monotone: str | None = None  # "increasing", "decreasing" or None
    why: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"min": self.minimum, "max": self.maximum, "monotone": self.monotone, "why": self.why}


@dataclass(frozen=True)
class Declarations:
    features: dict[str, Declaration]

    def of(self, name: str) -> Declaration:
        return self.features.get(name, Declaration())

    def monotone_constraints(self, schema: Schema) -> list[int]:
        """LightGBM's `monotone_constraints`: +1, -1 or 0 per feature in schema order."""
        return [DIRECTIONS.get(self.of(name).monotone, 0) for name in schema.names]


NONE = Declarations({})


def read_declarations(path: Path) -> Declarations:
    """Parse a declarations file; ModelInputError names the file and what is wrong."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelInputError(f"schema file {path} not found") from None
    except (OSError, ValueError) as exc:
        raise ModelInputError(f"schema file {path} is not readable JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelInputError(f"schema file {path}: expected an object with \"format\": \"{FORMAT}\"")
    if set(data) - {"format", "features"}:
        raise ModelInputError(f"schema file {path}: unknown key(s) {', '.join(sorted(set(data) - {'format', 'features'}))}")
    features = data.get("features")
    if not isinstance(features, dict):
        raise ModelInputError(f"schema file {path}: \"features\" must be an object of feature name -> declaration")
    return Declarations({name: _declaration(path, name, entry) for name, entry in features.items()})


def _declaration(path: Path, name: str, entry: Any) -> Declaration:
    where = f"schema file {path}: feature {name!r}"
    if not isinstance(entry, dict):
        raise ModelInputError(f"{where}: the declaration must be an object")
    unknown = set(entry) - _KEYS
    if unknown:
        raise ModelInputError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(_KEYS))})")
    bounds = []
    for key in ("min", "max"):
        value = entry.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)):
            raise ModelInputError(f"{where}: {key} must be a finite number, got {value!r}")
        bounds.append(None if value is None else float(value))
    if None not in bounds and bounds[0] > bounds[1]:
        raise ModelInputError(f"{where}: min {bounds[0]:g} is above max {bounds[1]:g}")
    monotone = entry.get("monotone")
    if monotone is not None and monotone not in DIRECTIONS:
        raise ModelInputError(f"{where}: monotone must be \"increasing\" or \"decreasing\", got {monotone!r}")
    why = entry.get("why", "")
    if not isinstance(why, str):
        raise ModelInputError(f"{where}: why must be text")
    return Declaration(bounds[0], bounds[1], monotone, why)


def check_against_data(declarations: Declarations, schema: Schema, parsed: pd.DataFrame) -> None:
    """Refuse declarations that contradict the training data (`parsed`: `Schema.parse` output)."""
    kinds = {f.name: f.kind for f in schema.features}
    for name, declared in declarations.features.items():
        if name not in kinds:
            raise ModelInputError(f"schema file declares {name!r}, which is not a feature column of the data")
        if kinds[name] == "categorical":
            if declared.minimum is not None or declared.maximum is not None or declared.monotone:
                raise ModelInputError(
                    f"schema file declares bounds or monotonicity for {name!r}, but the data makes it categorical"
                )
            continue
        values = parsed[name].to_numpy(dtype=np.float64)
        for bound, outside in ((declared.minimum, values < (declared.minimum or 0)),
                               (declared.maximum, values > (declared.maximum or 0))):
            if bound is None:
                continue
            bad = np.flatnonzero(outside)
            if bad.size:
                raise ModelInputError(
                    f"schema file bounds {name!r} to [{_shown(declared.minimum, '-inf')}, {_shown(declared.maximum, 'inf')}], but line "
                    f"{line_number(int(bad[0]))} of the data holds {values[bad[0]]:g} ({bad.size} such rows)"
                )


def _shown(bound: float | None, unbounded: str) -> str:
    return unbounded if bound is None else f"{bound:g}"
