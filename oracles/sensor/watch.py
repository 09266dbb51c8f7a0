"""Watching anchored batches on chain until they are final, and recovering from a rejection.

An anchored batch is watched every round until its challenge window has passed (or it is
finalized): then it is `final` locally and no longer read. When a challenge rejects it:
  * the challenged reading (the `signed` argument of the challenge transaction) is quarantined
    with the fault of the BatchRejected event; so is every reading a local judge (if given, e.g.
    the standing judge that mirrors MRVAnchor.readingFault) finds at fault;
  * every other reading returns to the pending pool and the batcher anchors it again in a new
    batch (whose root differs: see oracles.sensor.batcher);
  * the batch keeps its document (GET /batches/{root} serves it as it was).
All of it is one store transaction, after every chain read: a crash before it redoes the whole
recovery next round, a crash after it finds the batch already rejected. So an accepted honest
reading is never lost: it is in exactly one live batch, or pending.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from oracles.codec import SignedReading
from oracles.sensor.anchor import (BATCH_STATUS_ANCHORED, BATCH_STATUS_FINALIZED, BATCH_STATUS_REJECTED, ChainBatch,
                                   Judge)
from oracles.sensor.document import batch_document
from oracles.sensor.store import Store

class ChainView(Protocol):
    def on_chain(self, root: bytes, confirmed: bool = True) -> ChainBatch: ...

    def rejection(self, root: bytes) -> tuple[str, SignedReading | None]: ...

    def chain_time(self) -> int: ...


def watch_batches(store: Store, client: ChainView, judge: Judge | None = None,
                  on_rejected: Callable[[int, str, int], None] = lambda batch_id, fault, quarantined: None,
                  ) -> list[int]:
    """One round over the anchored batches; returns the ids found rejected (and recovered) this round."""
    chain_now = client.chain_time()
    rejected = []
    for batch in store.batches("anchored"):
        record = client.on_chain(batch.root)
        if record.status == BATCH_STATUS_REJECTED:
            fault, count = recover_rejected(store, client, batch.id, batch.root, judge)
            rejected.append(batch.id)
            on_rejected(batch.id, fault, count)
        elif record.status == BATCH_STATUS_FINALIZED or (
                record.status == BATCH_STATUS_ANCHORED and chain_now >= record.challenge_end):
            store.mark_final(batch.id)
    return rejected


def recover_rejected(store: Store, client: ChainView, batch_id: int, root: bytes,
                     judge: Judge | None = None) -> tuple[str, int]:
    """Quarantine the rejected batch's faulty readings and free the others; (fault, quarantined count)."""
    fault, challenged = client.rejection(root)
    members = store.batch_members(batch_id)
    readings = [signed for signed, _ in members]
    quarantined: dict[tuple[bytes, int], str] = {}
    if challenged is not None:
        leaf = challenged.leaf()
        quarantined |= {_key(s): f"{fault}: challenged on chain" for s in readings if s.leaf() == leaf}
    if judge is not None:
        quarantined |= {_key(s): f"{found}: found by the local judge after a {fault} rejection"
                        for s, found in zip(readings, judge(readings)) if found is not None and _key(s) not in quarantined}
    if not quarantined and len(readings) == 1:
        quarantined[_key(readings[0])] = f"{fault}: the only reading of its rejected batch"
    store.reject_batch(batch_id, fault, batch_document(members) if members else b"", quarantined)
    return fault, len(quarantined)


def _key(signed: SignedReading) -> tuple[bytes, int]:
    return signed.reading.device_id, signed.reading.sequence
