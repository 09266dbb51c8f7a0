"""The validation pipeline: raw JSON in, accepted (and durably stored) or rejected with a reason out.

Checks run cheapest first; a reading is acknowledged only after it is committed to the store.
The anomaly screen flags and never drops: a flagged reading is accepted and stored held for the
project's verifier (oracles.sensor.review), who releases it into a later batch or rejects it.
Stateless checks and signature recovery run outside the store lock; ordering checks (sequence and
period move forward per device) and the write run under it, so concurrent requests stay consistent.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from oracles.codec import SignedReading, from_json
from oracles.readings import Domain, Reading, ReadingFormatError, ReadingLimits, check_reading
from oracles.sensor.devices import DeviceDirectory, DeviceInfo, Unavailable
from oracles.sensor.standing import Standing, standing, within_capacity
from oracles.sensor.store import Head, Store
from oracles.signing import verify_reading

# Flags readings the anomaly model finds implausible: returns a reason per reading, or None.
# A flagged reading is stored, held out of batches until the project's verifier decides.
Screen = Callable[[Sequence[tuple[Reading, DeviceInfo]]], list[str | None]]


class Rejection(StrEnum):
    """Reasons beyond the format and signature reasons of oracles.readings.Reason; stable API."""

    MALFORMED = "malformed"
    UNKNOWN_DEVICE = "unknown_device"
    INACTIVE_DEVICE = "inactive_device"
    REVOKED_DEVICE = "revoked_device"
    FUTURE_PERIOD = "future_period"
    OVER_CAPACITY = "over_capacity"
    REPLAYED = "replayed"
    OUT_OF_ORDER = "out_of_order"


@dataclass(frozen=True, slots=True)
class Outcome:
    accepted: bool
    reason: str | None = None
    detail: str | None = None
    device_id: bytes | None = None
    sequence: int | None = None
    flag: str | None = None  # accepted but held for the verifier: the anomaly screen's reason

    def to_json(self) -> dict:
        body: dict = {"accepted": self.accepted}
        if self.device_id is not None:
            body |= {"deviceId": "0x" + self.device_id.hex(), "sequence": self.sequence}
        if not self.accepted:
            body |= {"reason": self.reason, "detail": self.detail}
        elif self.flag is not None:
            body |= {"flagged": True, "flag": self.flag}
        return body


@dataclass(frozen=True, slots=True)
class IntakePolicy:
    tolerance_bps: int = 500  # energy may exceed rated capacity × duration by this much (meter error)
    max_future_skew_s: int = 300  # a period may end at most this far past the daemon's clock
    limits: ReadingLimits = ReadingLimits()


class Intake:
    def __init__(self, store: Store, directory: DeviceDirectory, domain: Domain, policy: IntakePolicy = IntakePolicy(),
                 screen: Screen | None = None, clock: Callable[[], float] = time.time,
                 on_outcome: Callable[[Outcome], None] = lambda outcome: None):
        self.store = store
        self.directory = directory
        self.domain = domain
        self.policy = policy
        self.screen = screen
        self.clock = clock
        self.on_outcome = on_outcome

    def submit(self, items: Sequence[object]) -> list[Outcome]:
        """Validate and store `items` (JSON text or decoded objects); one outcome per item, in order.

        Raises Unavailable, with nothing stored, when the device directory or the store cannot answer
        (an RPC outage, the database locked by another connection past its busy timeout)."""
        now = self.clock()
        outcomes: list[Outcome | None] = [None] * len(items)
        candidates: list[tuple[int, SignedReading, DeviceInfo]] = []
        for i, item in enumerate(items):
            result = self._stateless(item, now)
            if isinstance(result, Outcome):
                outcomes[i] = result
            else:
                candidates.append((i, *result))
        try:
            with self.store.lock:
                self._ordered_and_stored(candidates, outcomes, now)
        except sqlite3.OperationalError as exc:  # locked or unwritable: the transaction rolled back
            raise Unavailable(f"store: {exc}") from exc
        for outcome in outcomes:
            self.on_outcome(outcome)
        return outcomes  # type: ignore[return-value]

    # ------------------------------------------------------------------ stages

    def _stateless(self, item: object, now: float) -> Outcome | tuple[SignedReading, DeviceInfo]:
        try:
            signed = from_json(item)
        except ReadingFormatError as exc:
            return Outcome(False, Rejection.MALFORMED, str(exc))
        device = self.directory.get(signed.reading.device_id)
        refused = check_signed(signed, device, self.domain, self.policy, now)
        return refused if refused is not None else (signed, device)

    def _ordered_and_stored(self, candidates: list[tuple[int, SignedReading, DeviceInfo]],
                            outcomes: list[Outcome | None], now: float) -> None:
        heads = self.store.heads(signed.reading.device_id for _, signed, _ in candidates)
        in_order: list[tuple[int, SignedReading, DeviceInfo]] = []
        for i, signed, device in candidates:
            reading = signed.reading
            head = heads.get(reading.device_id)
            if head is not None and reading.sequence <= head.sequence:
                outcomes[i] = _rejecter(reading)(Rejection.REPLAYED, f"sequence {reading.sequence} ≤ last accepted {head.sequence}")
            elif head is not None and reading.period_start < head.period_end:
                outcomes[i] = _rejecter(reading)(Rejection.OUT_OF_ORDER, f"period starts before {head.period_end}, the end of the last accepted")
            else:
                heads[reading.device_id] = Head(reading.sequence, reading.period_end)
                in_order.append((i, signed, device))
        flags = self.screen([(s.reading, d) for _, s, d in in_order]) if self.screen and in_order else [None] * len(in_order)
        accepted = [(signed, device.project_id) for _, signed, device in in_order]
        for (i, signed, _), flag in zip(in_order, flags):
            outcomes[i] = Outcome(True, device_id=signed.reading.device_id, sequence=signed.reading.sequence, flag=flag)
        rejected = [(o.device_id, o.sequence, str(o.reason), o.detail, False)
                    for o in outcomes if o is not None and not o.accepted]
        with self.store.transaction() as db:
            if accepted:
                Store.insert_accepted(db, accepted, now, flags)
            if rejected:
                Store.insert_rejections(db, rejected, now)


def check_signed(signed: SignedReading, device: DeviceInfo | None, domain: Domain, policy: IntakePolicy,
                 now: float) -> Outcome | None:
    """The checks one reading passes on its own, cheapest first (the device's standing over the
    whole period, period and energy bounds, no future period, capacity, the device's signature on the
    fast coincurve path): None if it passes, else the rejection. The intake and the co-signer
    (oracles.sensor.cosign) both judge readings with it."""
    reading, signature = signed
    reject = _rejecter(reading)
    # Standing over the reading's whole period, exactly as MRVAnchor.readingFault judges it.
    status = standing(device, reading.period_start, reading.period_end)
    if status is Standing.UNKNOWN:
        return reject(Rejection.UNKNOWN_DEVICE, "device is not registered")
    if status is Standing.REVOKED:
        return reject(Rejection.REVOKED_DEVICE, f"device key revoked at {device.revoked_at}")
    if status is Standing.INACTIVE:
        return reject(Rejection.INACTIVE_DEVICE, "device was not active over the whole period")
    if (reason := check_reading(reading, policy.limits)) is not None:
        return reject(reason, "period must be non-empty and energy within physical bounds")
    if reading.period_end > now + policy.max_future_skew_s:
        return reject(Rejection.FUTURE_PERIOD, f"period ends {reading.period_end - int(now)} s in the future")
    if not within_capacity(reading, device.capacity_w, policy.tolerance_bps):
        return reject(Rejection.OVER_CAPACITY,
                      f"{reading.energy_wh} Wh exceeds {device.capacity_w} W over {reading.period_end - reading.period_start} s")
    verdict = verify_reading(reading, signature, domain, device.signer, policy.limits)
    if not verdict.ok:
        return reject(verdict.reason, "signature does not verify against the device key")
    return None


def _rejecter(reading: Reading) -> Callable[[str, str], Outcome]:
    return lambda reason, detail: Outcome(False, str(reason), detail, reading.device_id, reading.sequence)
