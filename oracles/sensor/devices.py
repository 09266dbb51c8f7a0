"""What the daemon needs to know about a device, and where it learns it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from greenfi.errors import GreenfiError


class Unavailable(GreenfiError):
    """A dependency of the intake (the chain's device registry, the SQLite store) cannot answer
    right now: nothing was decided or stored, the client should retry later (HTTP 503)."""


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    device_id: bytes
    signer: str  # checksummed address of the device key
    project_id: int
    capacity_w: int  # rated capacity: the physical ceiling of mean power
    active: bool
    revoked_at: int | None = None  # readings ending after this time are invalid
    # First activation (0: never); readings starting before it are invalid. Left out (a static
    # directory), an active device counts as activated since the epoch and an inactive one as never.
    activated_at: int | None = None
    # Every suspension as (suspendedAt, resumedAt), resumedAt 0 while it lasts; a reading meeting one is invalid.
    suspensions: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        if self.activated_at is None:
            object.__setattr__(self, "activated_at", 1 if self.active else 0)


class DeviceDirectory(Protocol):
    def get(self, device_id: bytes) -> DeviceInfo | None:
        """The device's current record, or None if it is unknown."""


class StaticDirectory:
    """A fixed set of devices: for simulations and tests, and as a cache's backing map."""

    def __init__(self, devices: list[DeviceInfo]):
        self._devices = {d.device_id: d for d in devices}

    def get(self, device_id: bytes) -> DeviceInfo | None:
        return self._devices.get(device_id)
