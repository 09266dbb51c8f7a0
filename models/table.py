"""Reading a CSV and parsing numeric columns, with errors that name the file line at fault.

Cells are read as strings and only empty cells count as missing: tokens such as "NA" or "null" stay
values, because in a categorical column they can be legitimate categories. Columns known to be numeric
can be parsed by the CSV reader directly (fast); if one holds junk, the file is re-read as text so the
error can name the line.
"""

import csv
from collections import defaultdict
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd

from models.errors import ModelInputError

# A column whose non-empty cells are at least this share numbers is numeric with a few junk cells
# (an error), not categorical.
MOSTLY_NUMERIC = 0.9


def read_table(path: Path, numeric_columns: Collection[str] = ()) -> pd.DataFrame:
    """The CSV at `path` as a frame with a 0-based RangeIndex and NaN for empty cells: strings, except
    `numeric_columns` as float64 when they parse cleanly."""
    path = Path(path)
    if not path.is_file():
        raise ModelInputError(f"data file {path} not found")
    options = {"keep_default_na": False, "na_values": [""]}
    try:
        header = _header(path)
        try:
            dtypes = defaultdict(lambda: str, {name: np.float64 for name in numeric_columns})
            table = pd.read_csv(path, dtype=dtypes, **options)
        except ValueError:  # junk in a numeric column: read as text, parse_numeric will name the line
            table = pd.read_csv(path, dtype=str, **options)
    except pd.errors.EmptyDataError:
        raise ModelInputError(f"data file {path} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        reason = str(exc).strip().splitlines()[0]
        raise ModelInputError(f"data file {path} is not a readable CSV: {reason}") from None
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise ModelInputError(f"data file {path} repeats column {duplicates[0]!r}")
    if table.empty:
        raise ModelInputError(f"data file {path} has no data rows")
    return table


def line_number(position: int) -> int:
    """File line of the data row at 0-based `position` (line 1 is the header)."""
    return position + 2


def parse_numeric(values: pd.Series, column: str) -> np.ndarray:
    """Float64 values of a numeric column (numbers or numeric text); a cell that is not a finite number
    raises, naming its line."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.flatnonzero(values.notna().to_numpy() & ~np.isfinite(numbers))
    if bad.size:
        position = int(bad[0])
        cell = values.iloc[position]  # text, or a float the CSV reader already parsed (inf)
        shown = cell if isinstance(cell, str) else str(float(cell))
        raise ModelInputError(
            f"column {column!r} line {line_number(position)}: {shown!r} is not a finite number"
            f" ({bad.size} such cell{'s' if bad.size > 1 else ''} in this numeric column)"
        )
    return numbers


def is_numeric_column(values: pd.Series, column: str) -> bool:
    """Whether a column is numeric; raises (naming the line) if it is numeric apart from a few junk cells."""
    present = values.dropna()
    numeric_share = pd.to_numeric(present, errors="coerce").notna().mean() if len(present) else 1.0
    if numeric_share == 1.0:
        return True
    if numeric_share >= MOSTLY_NUMERIC:
        parse_numeric(values, column)  # raises with the first junk cell
    return False


def _header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle), [])
