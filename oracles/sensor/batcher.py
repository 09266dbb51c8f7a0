"""Cut pending readings into per-project batches: a batch closes when it is full (by reading count
or by energy) or its oldest reading has waited a whole window. Building a batch and assigning its
readings is one transaction, so a reading is in exactly one batch even across crashes.

A batch never exceeds what MRVAnchor.anchorBatch accepts: at most MAX_BATCH_READINGS leaves and
MAX_BATCH_ENERGY_WH in total (the header's uint24 count and uint48 energy). A single reading whose
energy alone is over the limit can never be anchored: it becomes a one-reading batch set aside
with that reason. A cut never repeats the root of an earlier batch (a rejected batch's root is
spent on chain): it leaves the last reading for the next batch instead.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

from oracles.codec import SignedReading, batch_tree
from oracles.sensor.document import batch_document_hash
from oracles.sensor.store import HOLD_QUARANTINED, Store

MAX_BATCH_READINGS = 1 << 20  # MRVAnchor.MAX_READINGS (a Merkle-sum totals proof covers 2**20 leaves; was 2**24-1)
MAX_BATCH_ENERGY_WH = (1 << 48) - 1  # IMRVAnchor.BatchHeader.energyWh < 2**48 (EnergyTooLarge above)


@dataclass(frozen=True, slots=True)
class BatchPolicy:
    max_readings: int = 1024
    window_s: float = 300.0
    max_energy_wh: int = MAX_BATCH_ENERGY_WH

    def __post_init__(self) -> None:
        if not 1 <= self.max_readings <= MAX_BATCH_READINGS:
            raise ValueError(f"max_readings must lie in 1..{MAX_BATCH_READINGS}")
        if not 1 <= self.max_energy_wh <= MAX_BATCH_ENERGY_WH:
            raise ValueError(f"max_energy_wh must lie in 1..{MAX_BATCH_ENERGY_WH}")


def cut_batches(store: Store, policy: BatchPolicy = BatchPolicy(), clock: Callable[[], float] = time.time) -> list[int]:
    """Close every batch that is due; return the new batch ids (set-aside ones included)."""
    now = clock()
    created = []
    while (project_id := _next_due(store, policy, now)) is not None:
        with store.transaction() as db:
            batch_id = _cut_one(db, project_id, policy, now)
        if batch_id is not None:
            created.append(batch_id)
    return created


Member = tuple[SignedReading, bytes | None]  # a reading and the hash of the verifier's release, if any


def energy_prefix(readings: list[Member], max_energy_wh: int) -> list[Member]:
    """The longest prefix whose energy sum stays within `max_energy_wh` (at least one reading)."""
    total = 0
    for count, (signed, _) in enumerate(readings):
        total += signed.reading.energy_wh
        if total > max_energy_wh:
            return readings[:max(count, 1)]
    return readings


def _cut_one(db: sqlite3.Connection, project_id: int, policy: BatchPolicy, now: float) -> int | None:
    members = energy_prefix(Store.unbatched(db, project_id, policy.max_readings), policy.max_energy_wh)
    first = members[0][0].reading.energy_wh
    if first > policy.max_energy_wh:
        return _insert(db, project_id, members, now,
                       f"energy_too_large: {first} Wh in one reading, over the batch limit {policy.max_energy_wh} Wh")
    for count in range(len(members), 0, -1):
        if not Store.root_exists(db, batch_tree(s for s, _ in members[:count]).root):
            return _insert(db, project_id, members[:count], now)
        # this exact set was a batch before (rejected on chain): cut one reading fewer
    # Only a one-reading batch rejected with no fault found in it leads here: that reading was the fault.
    Store.hold_readings(db, [members[0][0]], HOLD_QUARANTINED, "rejected on chain alone in its batch")
    return None


def _insert(db: sqlite3.Connection, project_id: int, members: list[Member], now: float,
            set_aside: str | None = None) -> int:
    readings = [signed for signed, _ in members]
    return Store.insert_batch(db, project_id, readings, batch_tree(readings).root, batch_document_hash(members), now,
                              set_aside)


def _next_due(store: Store, policy: BatchPolicy, now: float) -> int | None:
    for project_id, count, oldest, energy in store.pending_projects():
        if count >= policy.max_readings or energy >= policy.max_energy_wh or now - oldest >= policy.window_s:
            return project_id
    return None
