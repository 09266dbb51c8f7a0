"""Feature schema of a tabular model: inferred from the training table, recorded in the model card, and
used to parse and encode any later table the same way.

Numeric columns become float64; categorical columns become pandas `category` columns with the category
list recorded at training (sorted), which LightGBM treats as categorical features. A category not seen in
training is encoded as missing; `models.domain` decides whether such a row is scored at all.
"""

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from models.errors import ModelInputError
from models.table import is_numeric_column, line_number, parse_numeric

Kind = Literal["numeric", "categorical"]


@dataclass(frozen=True)
class Feature:
    name: str
    kind: Kind
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Schema:
    features: tuple[Feature, ...]
    target: str
    positive: str
    negative: str
    id_column: str | None = None

    @property
    def names(self) -> list[str]:
        return [feature.name for feature in self.features]

    def parse(self, table: pd.DataFrame) -> pd.DataFrame:
        """Feature columns of `table`: numeric ones as float64, categorical ones as their strings."""
        missing = [name for name in self.names if name not in table.columns]
        if missing:
            plural = "s" if len(missing) > 1 else ""
            raise ModelInputError(f"feature column{plural} missing: {', '.join(missing)}")
        return pd.DataFrame(
            {
                f.name: parse_numeric(table[f.name], f.name) if f.kind == "numeric" else table[f.name]
                for f in self.features
            },
            index=table.index,
        )

    def encode(self, parsed: pd.DataFrame) -> pd.DataFrame:
        """The model's input frame: categorical columns as `category` with the recorded categories."""
        return pd.DataFrame(
            {
                f.name: pd.Categorical(parsed[f.name], categories=f.categories) if f.kind == "categorical"
                else parsed[f.name]
                for f in self.features
            },
            index=parsed.index,
        )

    def labels(self, table: pd.DataFrame) -> np.ndarray:
        """1 where the target is the positive value, 0 where it is the negative one."""
        return (table[self.target] == self.positive).to_numpy(dtype=np.int8)

    def check_scoring_columns(self, columns: pd.Index, id_column: str | None = None) -> None:
        """Scoring input may hold the features, the id column (the card's or `id_column`) and the target;
        anything else is an error."""
        ids = {name for name in (self.id_column, id_column) if name}
        known = {*self.names, self.target, *ids}
        unknown = [name for name in columns if name not in known]
        if unknown:
            plural = "s" if len(unknown) > 1 else ""
            raise ModelInputError(f"unknown column{plural}: {', '.join(unknown)}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "positive": self.positive,
            "negative": self.negative,
            "id_column": self.id_column,
            "features": [
                {"name": f.name, "dtype": "float64" if f.kind == "numeric" else "category",
                 "categories": list(f.categories)}
                for f in self.features
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Schema":
        return cls(
            features=tuple(
                Feature(f["name"], "categorical" if f["dtype"] == "category" else "numeric", tuple(f["categories"]))
                for f in data["features"]
            ),
            target=data["target"],
            positive=data["positive"],
            negative=data["negative"],
            id_column=data["id_column"],
        )


def infer_schema(
    table: pd.DataFrame, target: str, positive: str | None = None, id_column: str | None = None
) -> Schema:
    """Schema of a training table; every column except the target and the id column is a feature.

    `positive` defaults to the minority class (the later one in sorted order on a tie).
    """
    if target not in table.columns:
        raise ModelInputError(f"target column {target!r} not in data (columns: {', '.join(table.columns)})")
    if id_column is not None and id_column not in table.columns:
        raise ModelInputError(f"id column {id_column!r} not in data (columns: {', '.join(table.columns)})")
    if id_column == target:
        raise ModelInputError(f"column {target!r} cannot be both the target and the id")
    positive, negative = _classes(table[target], target, positive)
    names = [name for name in table.columns if name not in (target, id_column)]
    if not names:
        raise ModelInputError("no feature columns besides the target and id")
    features = tuple(
        Feature(name, "numeric") if is_numeric_column(table[name], name)
        else Feature(name, "categorical", tuple(sorted(table[name].dropna().unique())))
        for name in names
    )
    return Schema(features, target, positive, negative, id_column)


def _classes(values: pd.Series, target: str, positive: str | None) -> tuple[str, str]:
    """(positive, negative) class values of the target column."""
    empty = np.flatnonzero(values.isna().to_numpy())
    if empty.size:
        raise ModelInputError(f"target column {target!r} is empty on line {line_number(int(empty[0]))}")
    counts = values.value_counts()
    if len(counts) != 2:
        shown = ", ".join(sorted(counts.index)[:5]) + (", ..." if len(counts) > 5 else "")
        raise ModelInputError(
            f"target column {target!r} has {len(counts)} distinct values ({shown}); expected exactly 2"
        )
    classes = sorted(counts.index)
    if positive is None:
        positive = min(reversed(classes), key=lambda value: counts[value])
    elif str(positive) not in classes:
        raise ModelInputError(
            f"positive value {positive!r} not in target column {target!r} (values: {', '.join(classes)})"
        )
    positive = str(positive)
    return positive, next(value for value in classes if value != positive)
