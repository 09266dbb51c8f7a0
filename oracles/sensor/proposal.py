"""What the anchoring operator sends a co-signer: a proposed batch, on the wire and parsed.

    {"header":   {"merkleRoot": "0x…", "projectId": N, "windowStart": N, "windowEnd": N,
                  "energyWh": N, "readingCount": N, "contentHash": "0x…"},
     "readings": [the batch document's items: canonical signed readings, each with
                  "verifierDecision": "0x…" when a verifier released it],
     "digest":   "0x…"}   the EIP-712 BatchAttestation digest the operator asks to be signed

Both sides build and read it here, so the daemon (oracles.sensor.cosigners) and the co-signer
(oracles.sensor.cosign) cannot drift apart. docs/mrv.md "Co-signing" documents it.
"""

from __future__ import annotations

from dataclasses import dataclass

from oracles.attestation import BatchHeader, hex32
from oracles.codec import SignedReading, from_json
from oracles.readings import ReadingFormatError

DECISION_KEY = "verifierDecision"
_KEYS = frozenset(("header", "readings", "digest"))


@dataclass(frozen=True, slots=True)
class Proposal:
    header: BatchHeader
    members: list[tuple[SignedReading, bytes | None]]  # each reading and its verifier decision hash, if any
    digest: bytes


class MalformedProposal(ReadingFormatError):
    """A body that is no proposal; `index` names the offending reading, if one is."""

    def __init__(self, message: str, index: int | None = None):
        super().__init__(message)
        self.index = index


def to_json_obj(header: BatchHeader, document_items: list[dict], digest: bytes) -> dict:
    """The request body for a batch whose document (parsed JSON array) is `document_items`."""
    return {"header": header.to_json_obj(), "readings": document_items, "digest": "0x" + digest.hex()}


def parse(body: object, max_readings: int) -> Proposal:
    """The proposal in a decoded JSON body. Raises MalformedProposal, or TooManyReadings past `max_readings`."""
    if not isinstance(body, dict) or set(body) != _KEYS:
        raise MalformedProposal("the body must be an object with exactly the keys digest, header, readings")
    try:
        header = BatchHeader.from_json_obj(body["header"])
    except ReadingFormatError as exc:
        raise MalformedProposal(f"header: {exc}") from None
    try:
        digest = hex32(body["digest"], "digest")
    except ReadingFormatError as exc:
        raise MalformedProposal(str(exc)) from None
    items = body["readings"]
    if not isinstance(items, list) or not items:
        raise MalformedProposal("readings must be a non-empty array")
    if len(items) > max_readings:
        raise TooManyReadings(f"{len(items)} readings, more than the {max_readings} this co-signer takes")
    return Proposal(header, [_member(item, i) for i, item in enumerate(items)], digest)


class TooManyReadings(ValueError):
    """More readings than the co-signer's limit."""


def _member(item: object, index: int) -> tuple[SignedReading, bytes | None]:
    if not isinstance(item, dict):
        raise MalformedProposal(f"readings[{index}] is not an object", index)
    fields = dict(item)
    decision = fields.pop(DECISION_KEY, None)
    try:
        signed = from_json(fields)
        return signed, None if decision is None else hex32(decision, DECISION_KEY)
    except ReadingFormatError as exc:
        raise MalformedProposal(f"readings[{index}]: {exc}", index) from None
