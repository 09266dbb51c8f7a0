"""A model of MRVAnchor for the daemon's pure-Python tests: anchoring (with the header checks of
anchorBatch), challenges that reject a batch, challenge windows, nonces, and injected crashes.

It duck-types oracles.sensor.anchor.AnchorClient (what anchor_batches and watch_batches call)."""

from __future__ import annotations

from dataclasses import dataclass, field

from oracles.codec import SignedReading
from oracles.sensor.anchor import (BATCH_STATUS_ANCHORED, BATCH_STATUS_NONE, BATCH_STATUS_REJECTED, ChainBatch,
                                   OperatorRefused)
from oracles.sensor.batcher import MAX_BATCH_ENERGY_WH, MAX_BATCH_READINGS
from oracles.sensor.store import Store, StoredBatch

CHALLENGE_WINDOW_S = 3_600
MAX_PROJECT_ID = (1 << 48) - 1


class Crash(Exception):
    """Stands for kill -9: raised by the fake at an injected moment; the test then reopens the store."""


@dataclass
class ChainRecord:
    project_id: int
    leaves: list[SignedReading]
    energy_wh: int
    count: int
    challenge_end: int
    status: int = BATCH_STATUS_ANCHORED


@dataclass
class FakeChain:
    store: Store
    now: int = 1_800_000_000
    nonce: int = 0
    batches: dict[bytes, ChainRecord] = field(default_factory=dict)
    rejections: dict[bytes, tuple[str, SignedReading | None]] = field(default_factory=dict)
    refused_projects: set[int] = field(default_factory=set)  # anchorBatch reverts for these (poison)
    operator_refused: bool = False
    crash_after_calls: int | None = None  # raise Crash once this many more calls have been made
    confirmations: int = 1

    # ------------------------------------------------------------------ crash injection

    def _call(self) -> None:
        if self.crash_after_calls is not None:
            if self.crash_after_calls <= 0:
                self.crash_after_calls = None
                raise Crash()
            self.crash_after_calls -= 1

    # ------------------------------------------------------------------ AnchorClient

    def on_chain(self, root: bytes, confirmed: bool = True) -> ChainBatch:
        self._call()
        record = self.batches.get(root)
        return ChainBatch(record.status, record.challenge_end) if record else ChainBatch(BATCH_STATUS_NONE, 0)

    def is_anchored(self, root: bytes, confirmed: bool = True) -> bool:
        return self.on_chain(root, confirmed).status != BATCH_STATUS_NONE

    def mined_nonce(self) -> int:
        self._call()
        return self.nonce

    def chain_time(self) -> int:
        self._call()
        return self.now

    def refusal(self, batch: StoredBatch, cosignatures=(), awaiting_cosigners: bool = False) -> str | None:
        self._call()
        if self.operator_refused:
            raise OperatorRefused("anchorBatch refused: NotOperator(0x…)")
        if batch.project_id in self.refused_projects or batch.project_id > MAX_PROJECT_ID:
            return f"ProjectIdTooLarge({batch.project_id})"
        if batch.total_wh > MAX_BATCH_ENERGY_WH:
            return f"EnergyTooLarge({batch.total_wh})"
        if not 1 <= batch.reading_count <= MAX_BATCH_READINGS:
            return f"InvalidReadingCount({batch.reading_count})"
        if batch.root in self.batches:
            return "BatchExists"
        return None

    def send(self, batch: StoredBatch, nonce: int, bump_pct: int = 0, attempts: int = 1, cosignatures=()) -> bytes:
        """Mined at once; a crash may follow (the daemon then never records the hash)."""
        self._call()
        if nonce != self.nonce:
            raise ValueError("nonce too low" if nonce < self.nonce else "nonce gap")
        self.nonce += 1
        if batch.root not in self.batches and self.refusal_free(batch):
            leaves = self.store.batch_readings(batch.id)
            assert len(leaves) == batch.reading_count and sum(s.reading.energy_wh for s in leaves) == batch.total_wh
            self.batches[batch.root] = ChainRecord(batch.project_id, leaves, batch.total_wh, batch.reading_count,
                                                   self.now + CHALLENGE_WINDOW_S)
        self._call()
        return nonce.to_bytes(32, "big")

    def refusal_free(self, batch: StoredBatch) -> bool:
        saved, self.crash_after_calls = self.crash_after_calls, None
        try:
            return self.refusal(batch) is None
        finally:
            self.crash_after_calls = saved

    def rejection(self, root: bytes) -> tuple[str, SignedReading | None]:
        self._call()
        return self.rejections.get(root, ("Unknown", None))

    # ------------------------------------------------------------------ what a challenger does

    def challenge(self, root: bytes, fault: str, reading: SignedReading | None) -> bool:
        record = self.batches[root]
        if record.status != BATCH_STATUS_ANCHORED or self.now >= record.challenge_end:
            return False
        record.status = BATCH_STATUS_REJECTED
        self.rejections[root] = (fault, reading)
        return True

    def live_roots_of(self, leaf: bytes) -> int:
        """In how many anchored, unrejected batches a leaf is counted."""
        return sum(1 for r in self.batches.values() if r.status != BATCH_STATUS_REJECTED
                   and any(s.leaf() == leaf for s in r.leaves))
