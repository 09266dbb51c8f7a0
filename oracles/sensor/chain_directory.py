"""The device directory read from the DeviceRegistry contract, cached for a few seconds.

The cache bounds RPC load at thousands of readings per second; its time-to-live bounds how long a
revoked or suspended device's readings can still be accepted here; before anchoring, the daemon
judges every reading of a batch again on `fresh` records (oracles.sensor.standing), so none slips
into a batch. While the node cannot be reached, a device seen before keeps its
last known record; an unseen one raises Unavailable (HTTP 503, retry later) rather than a rejection.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from web3 import Web3

from greenfi.chain import contracts
from oracles.sensor.devices import DeviceInfo, Unavailable

STATUS_ACTIVE = 2


class ChainDirectory:
    def __init__(self, w3: Web3, device_registry: str, ttl_s: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self._registry = contracts.at(w3, "DeviceRegistry", device_registry)
        self._ttl_s = ttl_s
        self._clock = clock
        self._cache: dict[bytes, tuple[float, DeviceInfo | None]] = {}
        self._lock = threading.Lock()

    def get(self, device_id: bytes) -> DeviceInfo | None:
        now = self._clock()
        with self._lock:
            cached = self._cache.get(device_id)
        if cached is not None and now - cached[0] < self._ttl_s:
            return cached[1]
        try:
            info = self.fresh(device_id)
        except Exception as exc:  # the node is down or failing: serve what we knew, else ask to retry
            if cached is not None:
                return cached[1]
            raise Unavailable(f"device registry: {type(exc).__name__}: {exc}") from exc
        with self._lock:
            self._cache[device_id] = (now, info)
        return info

    def fresh(self, device_id: bytes) -> DeviceInfo | None:
        """The device's record and history as the chain holds them now, bypassing the cache."""
        signer, _kind, status, _commissioned, project_id, capacity_w, activated_at, revoked_at = (
            self._registry.functions.device(device_id).call()
        )
        if status == 0:
            return None
        suspensions = tuple((int(s), int(r)) for s, r in self._registry.functions.suspensions(device_id).call())
        return DeviceInfo(device_id, Web3.to_checksum_address(signer), project_id, capacity_w,
                          active=status == STATUS_ACTIVE, revoked_at=revoked_at or None, activated_at=activated_at,
                          suspensions=suspensions)

