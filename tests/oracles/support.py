"""Simulated devices for sensor-daemon tests: keys, registry entries and signed readings."""

from __future__ import annotations

import http.client
import json
from contextlib import contextmanager
from dataclasses import dataclass

from eth_account import Account

from oracles.codec import SignedReading
from oracles.readings import Domain, Reading
from oracles.sensor.devices import DeviceInfo, StaticDirectory
from oracles.signing import sign_reading

DOMAIN = Domain(31337, "0x" + "a1" * 20)
T0 = 1_700_000_000
STEP = 300  # five-minute readings


@dataclass
class SimDevice:
    key: bytes
    info: DeviceInfo

    def reading(self, sequence: int, energy_wh: int = 400, start: int | None = None, length: int = STEP,
                key: bytes | None = None) -> dict:
        start = T0 + sequence * STEP if start is None else start
        reading = Reading(self.info.device_id, sequence, start, start + length, energy_wh)
        return SignedReading(reading, sign_reading(key or self.key, reading, DOMAIN)).to_json_obj()


def make_devices(count: int, project_id: int = 1, capacity_w: int = 7_100, **overrides) -> list[SimDevice]:
    devices = []
    for i in range(count):
        account = Account.from_key((i + 1).to_bytes(32, "big"))
        info = DeviceInfo(device_id=(1000 + i).to_bytes(32, "big"), signer=account.address, project_id=project_id,
                          capacity_w=capacity_w, active=True, **overrides)
        devices.append(SimDevice(bytes(account.key), info))
    return devices


def directory(devices: list[SimDevice]) -> StaticDirectory:
    return StaticDirectory([d.info for d in devices])


def as_json(obj) -> bytes:
    return json.dumps(obj).encode()


def http_request(port: int, method: str, path: str, body=None, headers=None) -> tuple[int, bytes, dict[str, str]]:
    """One request to a local daemon: (status, raw body, headers); `body` bytes as is, else JSON-encoded."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    payload = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    conn.request(method, path, payload, {"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data, dict(response.getheaders())


@contextmanager
def serving(daemon):
    """The daemon's HTTP server running for the block; its store closed after."""
    daemon.server.start()
    try:
        yield daemon
    finally:
        daemon.server.stop()
        daemon.store.close()
