"""A stratified hold-out split of a CSV table: training rows and validation rows the model never sees,
so `greenfi model validate` has data to judge the model on.

Each class is shuffled with the seed and its first round(share x class size) rows go to validation;
the rows keep their file order in both outputs, which are written only if both can be.
"""

from pathlib import Path
from typing import Any

import numpy as np

from models.artifacts import staged_file
from models.errors import ModelInputError
from models.schema import infer_schema
from models.table import read_table


def split(data_csv: Path, target: str, train_out: Path, validation_out: Path, share: float = 0.2,
          seed: int = 42) -> dict[str, Any]:
    if not 0 < share < 1:
        raise ModelInputError(f"validation share must lie strictly between 0 and 1, got {share}")
    table = read_table(data_csv)
    labels = infer_schema(table, target).labels(table)
    rng = np.random.default_rng(seed)
    held = np.zeros(len(table), dtype=bool)
    for value in (0, 1):
        rows = rng.permutation(np.flatnonzero(labels == value))
        held[rows[:round(share * rows.size)]] = True
    if held.all() or not held.any():
        raise ModelInputError(f"a share of {share} leaves one side of the split empty")
    with staged_file(train_out) as train_scratch, staged_file(validation_out) as validation_scratch:
        table[~held].to_csv(train_scratch, index=False, lineterminator="\n")
        table[held].to_csv(validation_scratch, index=False, lineterminator="\n")
    return {"train_rows": int((~held).sum()), "validation_rows": int(held.sum()),
            "train": str(train_out), "validation": str(validation_out)}
