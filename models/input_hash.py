"""Canonical encoding and hash of a scored row's feature values (the `input_hash` posted on chain).

Encoding, version 1 (`ENCODING`): one row is the UTF-8 bytes of a JSON object with no whitespace whose keys
are the model's feature names sorted by Unicode code point, each mapped to:

- a numeric feature: `null` if the cell is empty; the integer digits if the value is integral and its
  magnitude is below 2**53 (`67`, `-3`, so "67", "67.0" and "6.7e1" encode alike); otherwise Python's
  shortest round-trip `repr` of the float64 (`0.1`, `1234.5678`, `1e-07`);
- a categorical feature: `null` if the cell is empty, else the cell text as a JSON string (`json.dumps`
  escaping with non-ASCII characters kept as UTF-8).

Columns outside the model's features (the id, the target) are not part of the encoding, and the column
order of the input file does not matter. `input_hash = "0x" + sha256(encoding).hexdigest()` (a bytes32).
Example: features {"age": 67, "purpose": "A43"} encode as `{"age":67,"purpose":"A43"}`.
"""

import hashlib
import json

import numpy as np
import pandas as pd

from models.schema import Schema

ENCODING = "greenfi-row-json-v1"
_EXACT_INTEGERS = 2.0**53


def canonical_number(value: float) -> str:
    if value.is_integer() and abs(value) < _EXACT_INTEGERS:
        return str(int(value))
    return repr(float(value))


def canonical_rows(parsed: pd.DataFrame, schema: Schema) -> list[bytes]:
    """Canonical encoding of every row of `parsed` (the output of `Schema.parse`)."""
    kinds = {feature.name: feature.kind for feature in schema.features}
    pieces = []
    for position, name in enumerate(sorted(kinds)):
        key = ("{" if position == 0 else ",") + json.dumps(name, ensure_ascii=False) + ":"
        pieces.append(_rendered_column(parsed[name], kinds[name] == "numeric", key.encode()))
    return [b"".join(row) + b"}" for row in zip(*pieces)]


def input_hashes(parsed: pd.DataFrame, schema: Schema) -> list[str]:
    """`0x`-prefixed SHA-256 of each row's canonical encoding."""
    sha256 = hashlib.sha256
    return ["0x" + sha256(row).hexdigest() for row in canonical_rows(parsed, schema)]


def _rendered_column(values: pd.Series, numeric: bool, key: bytes) -> np.ndarray:
    # Render each distinct value once and index the renderings: columns have few distinct values.
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    render = canonical_number if numeric else lambda text: json.dumps(str(text), ensure_ascii=False)
    rendered = [key + render(value).encode() for value in distinct] + [key + b"null"]
    return np.asarray(rendered, dtype=object)[codes]  # code -1 (missing) picks the trailing null
