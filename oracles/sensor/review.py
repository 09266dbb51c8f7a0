"""The project verifier's review of flagged readings: list them, accept or reject each once.

A reading the anomaly screen flags is stored held (`flagged`); it is never dropped. The verifier
decides it exactly once: accepted, it joins the next batch of its project and its item in the batch
document carries `verifierDecision` = keccak256 of the decision document; rejected, it stays held
(`verifier_rejected`) and is never anchored. The decision document (oracles.sensor.document) is
stored and served, so anyone can recompute the hash.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from greenfi.errors import GreenfiError
from oracles.keccak import keccak256
from oracles.sensor.document import decision_document
from oracles.sensor.store import HOLD_FLAGGED, HeldReading, Store

MAX_NOTE_CHARS = 1_000
MAX_VERIFIER_CHARS = 200


class ReviewError(GreenfiError):
    """A decision that cannot be recorded (unknown reading, not flagged, already decided, bad input)."""


@dataclass(frozen=True, slots=True)
class Decision:
    accepted: bool
    verifier: str
    document: bytes
    hash: bytes
    decided_at: float


def flagged(store: Store, project_id: int | None = None, after: tuple[float, bytes, int] | None = None,
            limit: int = 100) -> list[HeldReading]:
    """Flagged readings awaiting a decision, oldest first (see Store.held for paging)."""
    return store.held(HOLD_FLAGGED, project_id, after, limit)


def decide(store: Store, device_id: bytes, sequence: int, accept: bool, verifier: str, note: str = "",
           clock: Callable[[], float] = time.time) -> Decision:
    """Record the verifier's decision on one flagged reading. Raises ReviewError, changing nothing,
    when the reading is unknown, not flagged, or already decided."""
    if not verifier or len(verifier) > MAX_VERIFIER_CHARS:
        raise ReviewError(f"verifier must be 1..{MAX_VERIFIER_CHARS} characters")
    if len(note) > MAX_NOTE_CHARS:
        raise ReviewError(f"note must be at most {MAX_NOTE_CHARS} characters")
    held = store.held_reading(device_id, sequence)
    if held is None or held.hold != HOLD_FLAGGED:
        earlier = store.decision(device_id, sequence)
        state = "already decided" if earlier else ("not flagged" if held is None else f"held as {held.hold}")
        raise ReviewError(f"reading 0x{device_id.hex()}/{sequence} is {state}: nothing to decide")
    now = clock()
    document = decision_document(held.signed, held.detail or "", accept, verifier, note, int(now))
    decision_hash = keccak256(document)
    if not store.record_decision(device_id, sequence, accept, verifier, document, decision_hash, now):
        raise ReviewError(f"reading 0x{device_id.hex()}/{sequence} was decided meanwhile")
    return Decision(accept, verifier, document, decision_hash, now)
