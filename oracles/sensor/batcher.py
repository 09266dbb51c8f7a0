"""Cut accepted readings into per-project batches: a batch closes when it is full or its oldest
reading has waited a whole window. Building a batch and assigning its readings is one transaction,
so a reading is in exactly one batch even across crashes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from oracles.codec import batch_content_hash, batch_tree
from oracles.sensor.store import Store


@dataclass(frozen=True, slots=True)
class BatchPolicy:
    max_readings: int = 1024
    window_s: float = 300.0


def cut_batches(store: Store, policy: BatchPolicy = BatchPolicy(), clock: Callable[[], float] = time.time) -> list[int]:
    """Close every batch that is due; return the new batch ids."""
    now = clock()
    created = []
    while (project_id := _next_due(store, policy, now)) is not None:
        with store.transaction() as db:
            readings = Store.unbatched(db, project_id, policy.max_readings)
            tree = batch_tree(readings)
            created.append(Store.insert_batch(db, project_id, readings, tree.root, batch_content_hash(readings), now))
    return created


def _next_due(store: Store, policy: BatchPolicy, now: float) -> int | None:
    for project_id, count, oldest in store.pending_projects():
        if count >= policy.max_readings or now - oldest >= policy.window_s:
            return project_id
    return None
