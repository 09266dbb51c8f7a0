"""The published batch document and the verifier's decision documents, byte for byte.

A batch document is the JSON array of its readings' canonical objects in leaf-hash order
(docs/oracle-readings.md §5); a reading that the anomaly screen flagged and the project's verifier
released carries one more key, `verifierDecision`, the keccak256 of the decision document. A batch
without such readings is exactly `oracles.codec.canonical_batch_bytes`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from oracles.codec import SignedReading
from oracles.keccak import keccak256


def canonical(obj: object) -> bytes:
    """Keys sorted, no whitespace, ASCII: the text every hash here is taken over."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode("ascii")


def batch_document(members: Iterable[tuple[SignedReading, bytes | None]]) -> bytes:
    """The document of a batch of (reading, decision hash or None)."""
    keyed = sorted(((signed.leaf(), signed, decision) for signed, decision in members), key=lambda item: item[0])
    if not keyed:
        raise ValueError("a batch holds at least one reading")
    items = []
    for _, signed, decision in keyed:
        item = signed.to_json_obj()
        if decision is not None:
            item["verifierDecision"] = "0x" + decision.hex()
        items.append(item)
    return canonical(items)


def batch_document_hash(members: Iterable[tuple[SignedReading, bytes | None]]) -> bytes:
    return keccak256(batch_document(members))


def decision_document(signed: SignedReading, flag: str, accepted: bool, verifier: str, note: str,
                      decided_at: int) -> bytes:
    """What a verifier decided on a flagged reading; its keccak256 goes into the batch document."""
    reading = signed.reading
    return canonical({"decision": "accept" if accepted else "reject", "decidedAt": decided_at,
                      "deviceId": "0x" + reading.device_id.hex(), "flag": flag, "leaf": "0x" + signed.leaf().hex(),
                      "note": note, "sequence": reading.sequence, "verifier": verifier})
