"""The co-signer's judgement of a proposed batch: it signs only what it has re-verified itself.

A second operator runs the co-signer (`greenfi oracle cosigner`) so that MRVAnchor's k-of-n rule
means k independent checks, not k copies of one daemon's word. `review` refuses a proposal with the
first failing check, in this order, and otherwise returns the digest to sign:

    malformed / too_large      the body's shape (oracles.sensor.proposal), the readings-count limit
    digest_mismatch            the digest asked for is not the BatchAttestation digest of the header
    bad_header                 a header MRVAnchor refuses: windowStart >= windowEnd, windowEnd after the
                               chain's latest block, projectId or energyWh >= 2**48
    wrong_root                 the header's root is not the canonical Merkle-sum tree's over the readings
    wrong_totals               energyWh / readingCount are not the tree's sums
    wrong_content_hash         contentHash is not the hash of the batch document the readings make
    conflicting_readings       two readings of one device with one sequence, or periods out of order
    already_anchored           the root is anchored already (or was, and was rejected)
    bad_reading                a reading fails the daemon's own checks (oracles.sensor.intake.check_signed:
                               the device's standing on chain now, bounds, capacity, the device's signature)
                               or would be at fault in this batch (oracles.sensor.standing.reading_fault)
    not_operator               this co-signer's account is not an operator of the anchor (its signature would not count)

Chain reads go through a ChainView; one that cannot answer raises oracles.sensor.devices.Unavailable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from http import HTTPStatus
from typing import Any, Protocol

from oracles.attestation import BatchHeader, attestation_digest
from oracles.codec import SignedReading, batch_tree
from oracles.readings import Domain
from oracles.sensor.devices import DeviceInfo
from oracles.sensor.document import batch_document_hash
from oracles.sensor.intake import IntakePolicy, check_signed
from oracles.sensor.proposal import Proposal
from oracles.sensor.standing import BatchRules, Fault, reading_fault

MAX_PROPOSAL_READINGS = 1 << 20  # MRVAnchor.MAX_READINGS: no anchorable batch holds more
HEADER_LIMIT = 1 << 48  # MRVAnchor refuses a projectId or energyWh at or above it


class Refusal(StrEnum):
    """The co-signer's reason codes; stable API (docs/mrv.md, "Co-signing")."""

    MALFORMED = "malformed"
    TOO_LARGE = "too_large"
    DIGEST_MISMATCH = "digest_mismatch"
    BAD_HEADER = "bad_header"
    WRONG_ROOT = "wrong_root"
    WRONG_TOTALS = "wrong_totals"
    WRONG_CONTENT_HASH = "wrong_content_hash"
    CONFLICTING_READINGS = "conflicting_readings"
    ALREADY_ANCHORED = "already_anchored"
    BAD_READING = "bad_reading"
    NOT_OPERATOR = "not_operator"
    CONFLICTING_BATCH = "conflicting_batch"
    UNAVAILABLE = "unavailable"


STATUS = {Refusal.MALFORMED: HTTPStatus.BAD_REQUEST, Refusal.TOO_LARGE: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
          Refusal.ALREADY_ANCHORED: HTTPStatus.CONFLICT, Refusal.CONFLICTING_BATCH: HTTPStatus.CONFLICT,
          Refusal.NOT_OPERATOR: HTTPStatus.SERVICE_UNAVAILABLE, Refusal.UNAVAILABLE: HTTPStatus.SERVICE_UNAVAILABLE}


class CosignRefused(Exception):
    """A refusal: its code, a human detail, and for a reading its index and the reason it failed."""

    def __init__(self, code: Refusal, detail: str, **extra: Any):
        super().__init__(f"{code}: {detail}")
        self.code, self.detail, self.extra = code, detail, extra

    @property
    def status(self) -> HTTPStatus:
        return STATUS.get(self.code, HTTPStatus.UNPROCESSABLE_ENTITY)

    def to_json(self) -> dict[str, Any]:
        return {"error": str(self.code), "detail": self.detail, **self.extra}


class ChainView(Protocol):
    """What the co-signer reads from the chain, fresh on every request."""

    def device(self, device_id: bytes) -> DeviceInfo | None: ...
    def tolerance_bps(self) -> int: ...
    def chain_time(self) -> int: ...
    def is_anchored(self, root: bytes) -> bool: ...
    def is_operator(self, account: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class CosignPolicy:
    max_readings: int = 1 << 16  # the sensor daemon's largest --batch-size
    max_body_bytes: int = 32 << 20  # ~250 bytes a reading: room for max_readings of them
    max_future_skew_s: int = 300  # as the daemon's intake: a period may end this far past the co-signer's clock

    def __post_init__(self) -> None:
        if not 1 <= self.max_readings <= MAX_PROPOSAL_READINGS:
            raise ValueError(f"max_readings must lie in 1..{MAX_PROPOSAL_READINGS}")
        if self.max_body_bytes < 1024:
            raise ValueError("max_body_bytes must be at least 1024")


def review(proposal: Proposal, chain: ChainView, domain: Domain, signer: str, policy: CosignPolicy,
           now: float) -> bytes:
    """The attestation digest to sign for `proposal`, or CosignRefused with the first failing check."""
    header = proposal.header
    digest = attestation_digest(header, domain)
    if digest != proposal.digest:
        raise CosignRefused(Refusal.DIGEST_MISMATCH, f"the header's attestation digest in this co-signer's domain "
                            f"(chain {domain.chain_id}, MRVAnchor {domain.verifying_contract}) is 0x{digest.hex()}")
    _check_header(header, chain.chain_time())
    _check_tree(proposal)
    readings = [signed for signed, _ in proposal.members]
    _check_order(readings)
    if chain.is_anchored(header.merkle_root):
        raise CosignRefused(Refusal.ALREADY_ANCHORED, f"batch 0x{header.merkle_root.hex()} is on chain already")
    _check_readings(readings, header, chain, domain, policy, now)
    if not chain.is_operator(signer):
        raise CosignRefused(Refusal.NOT_OPERATOR, f"{signer} is not an operator of MRVAnchor: its signature would not count")
    return digest


def _check_header(header: BatchHeader, chain_now: int) -> None:
    """MRVAnchor.anchorBatch's range checks (the reading count is checked against the tree)."""
    if header.window_start >= header.window_end or header.window_end > chain_now:
        raise CosignRefused(Refusal.BAD_HEADER, f"window [{header.window_start}, {header.window_end}) must be non-empty "
                            f"and end by the chain's latest block ({chain_now})")
    if header.project_id >= HEADER_LIMIT or header.energy_wh >= HEADER_LIMIT:
        raise CosignRefused(Refusal.BAD_HEADER, "projectId and energyWh must be below 2**48")


def _check_tree(proposal: Proposal) -> None:
    header = proposal.header
    tree = batch_tree(signed for signed, _ in proposal.members)
    if tree.root != header.merkle_root:
        raise CosignRefused(Refusal.WRONG_ROOT, f"the readings' Merkle-sum root is 0x{tree.root.hex()}")
    if (tree.energy_wh, tree.count) != (header.energy_wh, header.reading_count):
        raise CosignRefused(Refusal.WRONG_TOTALS, f"the readings sum to {tree.energy_wh} Wh in {tree.count} readings")
    content_hash = batch_document_hash(proposal.members)
    if content_hash != header.content_hash:
        raise CosignRefused(Refusal.WRONG_CONTENT_HASH, f"the batch document's hash is 0x{content_hash.hex()}")


def _check_order(readings: list[SignedReading]) -> None:
    """What challengeConflict would prove inside the batch: per device, distinct sequences whose
    periods follow the sequence order without overlapping."""
    by_device: dict[bytes, list[SignedReading]] = {}
    for signed in readings:
        by_device.setdefault(signed.reading.device_id, []).append(signed)
    for device_id, own in by_device.items():
        own.sort(key=lambda s: s.reading.sequence)
        for lo, hi in zip(own, own[1:]):
            if lo.reading.sequence == hi.reading.sequence or lo.reading.period_end > hi.reading.period_start:
                raise CosignRefused(Refusal.CONFLICTING_READINGS,
                                    f"device 0x{device_id.hex()}: sequences {lo.reading.sequence} and "
                                    f"{hi.reading.sequence} repeat or overlap")


def _check_readings(readings: list[SignedReading], header: BatchHeader, chain: ChainView, domain: Domain,
                    policy: CosignPolicy, now: float) -> None:
    tolerance = chain.tolerance_bps()
    intake = IntakePolicy(tolerance_bps=tolerance, max_future_skew_s=policy.max_future_skew_s)
    rules = BatchRules(header.project_id, header.window_start, header.window_end, tolerance)
    device = _memo(chain.device)
    for index, signed in enumerate(readings):
        record = device(signed.reading.device_id)
        refused = check_signed(signed, record, domain, intake, now)
        if refused is not None:
            raise CosignRefused(Refusal.BAD_READING, f"readings[{index}]: {refused.detail}", index=index,
                                reason=str(refused.reason))
        # check_signed verified the device's signature, so the signer is the device's key.
        fault = reading_fault(signed.reading, record.signer, record, rules)
        if fault is not Fault.NONE:
            raise CosignRefused(Refusal.BAD_READING, f"readings[{index}]: a challenge would find {fault.contract_name}",
                                index=index, reason=fault.contract_name)


def _memo(fetch: Callable[[bytes], DeviceInfo | None]) -> Callable[[bytes], DeviceInfo | None]:
    """`fetch` asked once per device within one review."""
    seen: dict[bytes, DeviceInfo | None] = {}

    def get(device_id: bytes) -> DeviceInfo | None:
        if device_id not in seen:
            seen[device_id] = fetch(device_id)
        return seen[device_id]

    return get
