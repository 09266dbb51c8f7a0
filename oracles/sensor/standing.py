"""The standing judge: MRVAnchor.readingFault in plain Python, so the daemon never accepts or
anchors a reading the contract would find at fault. Pure (no chain access): the caller passes the
device's history (oracles.sensor.devices.DeviceInfo, fetched by chain_directory) and the rules a
batch would be judged by (its project, window and the capacity tolerance in force at anchoring).

The order of the checks is the contract's (`_fault`), so the first fault found is the one a
challenge would report; tests/mrv/test_mrv_standing.py checks every verdict against the contract.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum

from oracles.codec import SignedReading
from oracles.readings import Domain, Reading, ReadingFormatError, digest
from oracles.sensor.devices import DeviceInfo
from oracles.signing import recover_signer

__all__ = ["BatchRules", "Fault", "Standing", "batch_judge", "reading_fault", "standing", "within_capacity"]

BPS = 10_000


class Standing(IntEnum):
    """IDeviceRegistry.Standing."""

    OK = 0
    UNKNOWN = 1
    INACTIVE = 2
    REVOKED = 3


class Fault(IntEnum):
    """IMRVAnchor.Fault (the values are the contract's)."""

    NONE = 0
    BAD_PERIOD = 1
    OUTSIDE_WINDOW = 2
    UNKNOWN_DEVICE = 3
    FOREIGN_DEVICE = 4
    DEVICE_INACTIVE = 5
    DEVICE_REVOKED = 6
    BAD_SIGNATURE = 7
    OVER_CAPACITY = 8
    DUPLICATE_SEQUENCE = 9
    OUT_OF_ORDER = 10
    WRONG_TOTALS = 11
    MALFORMED_TREE = 12

    @property
    def contract_name(self) -> str:
        """The Solidity name, e.g. `OverCapacity` (what BatchRejected events decode to)."""
        return "".join(word.capitalize() for word in self.name.split("_"))


@dataclass(frozen=True, slots=True)
class BatchRules:
    """What judges a reading in a batch: the batch's project and window, and the capacity tolerance
    in force when it is (or was) anchored."""

    project_id: int
    window_start: int
    window_end: int
    tolerance_bps: int


def standing(device: DeviceInfo | None, start: int, end: int) -> Standing:
    """IDeviceRegistry.standingDuring: could the device sign a reading over [start, end)? Revoked if
    the period ends after the revocation; inactive if it starts before the first activation or meets
    any suspension [suspendedAt, resumedAt) (resumedAt 0: still suspended)."""
    if device is None:
        return Standing.UNKNOWN
    if device.revoked_at and end > device.revoked_at:
        return Standing.REVOKED
    if not device.activated_at or start < device.activated_at:
        return Standing.INACTIVE
    if any(suspended < end and (not resumed or start < resumed) for suspended, resumed in device.suspensions):
        return Standing.INACTIVE
    return Standing.OK


def within_capacity(reading: Reading, capacity_w: int, tolerance_bps: int) -> bool:
    """energy·3600·10⁴ ≤ capacity·duration·(10⁴ + tolerance), in integers as on chain."""
    duration = reading.period_end - reading.period_start
    return reading.energy_wh * 3600 * BPS <= capacity_w * duration * (BPS + tolerance_bps)


def reading_fault(reading: Reading, signer: str | None, device: DeviceInfo | None, rules: BatchRules) -> Fault:
    """The first fault MRVAnchor finds in `reading` in a batch with `rules`; `signer` is the address
    its signature recovers to (None if the signature is unusable)."""
    if reading.period_end <= reading.period_start:
        return Fault.BAD_PERIOD
    if reading.period_start < rules.window_start or reading.period_end > rules.window_end:
        return Fault.OUTSIDE_WINDOW
    status = standing(device, reading.period_start, reading.period_end)
    if status is Standing.UNKNOWN:
        return Fault.UNKNOWN_DEVICE
    if device.project_id != rules.project_id:
        return Fault.FOREIGN_DEVICE
    if status is Standing.REVOKED:
        return Fault.DEVICE_REVOKED
    if status is Standing.INACTIVE:
        return Fault.DEVICE_INACTIVE
    if signer is None or signer.lower() != device.signer.lower():
        return Fault.BAD_SIGNATURE
    if not within_capacity(reading, device.capacity_w, rules.tolerance_bps):
        return Fault.OVER_CAPACITY
    return Fault.NONE


def batch_judge(fetch: Callable[[bytes], DeviceInfo | None], tolerance_bps: Callable[[], int],
                domain: Domain) -> Callable[[Sequence[SignedReading]], list[str | None]]:
    """A judge for oracles.sensor.anchor (`Judge`): each reading of a batch as readingFault would find
    it if the batch were anchored now — the device's fresh record (`fetch`, e.g. ChainDirectory.fresh,
    each device once), the tolerance in force (`tolerance_bps`, e.g. AnchorClient.tolerance_bps), the
    batch's window as the batcher cuts it (its readings' span) and the signature recovered in `domain`.
    Returns the fault's contract name (e.g. `OverCapacity`) or None per reading."""

    def judge(readings: Sequence[SignedReading]) -> list[str | None]:
        if not readings:
            return []
        window = (min(s.reading.period_start for s in readings), max(s.reading.period_end for s in readings))
        tolerance = tolerance_bps()
        records: dict[bytes, DeviceInfo | None] = {}
        verdicts: list[str | None] = []
        for signed in readings:
            device_id = signed.reading.device_id
            if device_id not in records:
                records[device_id] = fetch(device_id)
            device = records[device_id]
            rules = BatchRules(device.project_id if device else 0, *window, tolerance)
            fault = reading_fault(signed.reading, _signer(signed, domain), device, rules)
            verdicts.append(None if fault is Fault.NONE else fault.contract_name)
        return verdicts

    return judge


def _signer(signed: SignedReading, domain: Domain) -> str | None:
    try:
        return recover_signer(digest(signed.reading, domain), signed.signature)
    except ReadingFormatError:  # SignatureError: no key recovers, as ecrecover returning 0
        return None
