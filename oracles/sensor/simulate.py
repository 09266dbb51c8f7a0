"""Simulated devices: replay the shipped real PV series (models/data/pv) as N signed devices.

Device i of a fleet tagged T has the key keccak256("greenfi-sim-key/T/i") and the id
keccak256("greenfi-sim-device/T/i"), so a fleet is reproducible from its tag (and must never be
used with real value: anyone can derive the keys). Each device replays the series with its own
scale (0.6 to 1.4 times the fleet's plant size: a larger or smaller roof) and day offset (another
day's weather: 0 to 59 days earlier, 0 for device 0), both drawn from the fleet's seed (the tag
unless given apart, so that new devices can replay the same plants), as five-minute readings whose
sequence numbers and periods only move forward. Energy is rounded to the nearest Wh.

This is the one PV device simulator: `greenfi oracle simulate-devices` and the demo (greenfi.demo.mrv,
and its loan step's daily output, `daily_energy_wh`) both replay through it.

Time: the series' clock is local standard time UTC-8 (models.pv.SERIES_TZ). The replay keeps the
time of day and the day of the year and moves whole years forward, to the latest year whose replayed
span has ended by `now`; so replayed readings are in the past (the daemon refuses future periods)
and the anomaly screen sees the time of day the data was measured at. Night rows are absent in
the series, so a device sends nothing at night. With `after` (a unix time) the replay moves whole
days instead, to the first day whose replayed span starts at or after it: readings that begin after
the devices were activated on a chain whose clock is not today's (a rehearsal replaying past days).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from eth_account import Account

from greenfi.errors import GreenfiError
from models.datasets import PV_CSV
from models.pv import SECONDS_PER_HOUR, SERIES_TZ, STEP, WH_PER_KWH, read_power_series, unix_seconds
from oracles.codec import SignedReading
from oracles.keccak import keccak256
from oracles.readings import Domain, Reading
from oracles.sensor.devices import DeviceInfo
from oracles.sensor.screen import REFERENCE_CAPACITY_W
from oracles.signing import sign_reading

STEP_S = int(STEP.total_seconds())
SECONDS_PER_DAY = 86_400
DEVICE_NONE, DEVICE_REGISTERED = 0, 1  # IDeviceRegistry.DeviceStatus.None, .Registered


@dataclass(frozen=True)
class SimulatedDevice:
    index: int
    key: bytes
    device_id: bytes
    scale: float
    day_offset: int

    @property
    def address(self) -> str:
        return Account.from_key(self.key).address

    @property
    def capacity_w(self) -> int:
        """The measured plant's rating scaled: the anomaly screen normalises by it."""
        return int(REFERENCE_CAPACITY_W * self.scale)

    def info(self, project_id: int) -> DeviceInfo:
        return DeviceInfo(self.device_id, self.address, project_id, self.capacity_w, True)


MAX_DAY_OFFSET = 59  # a device replays at most this many days earlier than device 0


def fleet(seed: str, count: int, plant_size: float = 1.0, tag: str | None = None) -> list[SimulatedDevice]:
    """`count` devices: plants (scale × `plant_size`, day offset) drawn from `seed`, keys and ids
    derived from `tag` (default `seed`; see the module docstring)."""
    rng = random.Random(f"greenfi-sim/{seed}")
    tag = seed if tag is None else tag
    return [
        SimulatedDevice(i, keccak256(f"greenfi-sim-key/{tag}/{i}".encode()),
                        keccak256(f"greenfi-sim-device/{tag}/{i}".encode()),
                        round(rng.uniform(0.6, 1.4) * plant_size, 3), rng.randrange(0, MAX_DAY_OFFSET + 1) if i else 0)
        for i in range(count)
    ]


def years_forward(series: pd.Series, now: float) -> int:
    """Whole years added to the series' timestamps so that the whole series has ended by `now`."""
    last = pd.Timestamp(int(unix_seconds(pd.DatetimeIndex([series.index[-1] + STEP]))[0]), unit="s")
    years = pd.Timestamp(int(now), unit="s").year - last.year
    while unix_seconds(pd.DatetimeIndex([series.index[-1] + STEP + pd.DateOffset(years=years)]))[0] > now:
        years -= 1
    return years


@dataclass(frozen=True)
class DaySpan:
    """Whole days of the series, by their (local) dates, and where a replay at `now` puts them."""

    dates: tuple[str, ...]
    first_row: int
    rows: int
    start: int  # unix seconds of the first day's local midnight, moved forward like the readings
    end: int  # the same of the midnight after the last day


def day_span(series: pd.Series, first_day: int, days: int, now: float) -> DaySpan:
    """Days `first_day .. first_day + days - 1` of the series (day 0 is its first date)."""
    dates = series.index.normalize()
    unique = dates.unique()
    if first_day < 0 or days < 1 or first_day + days > len(unique):
        raise GreenfiError(f"the PV series has {len(unique)} days; cannot replay days {first_day}..{first_day + days - 1}")
    chosen = unique[first_day:first_day + days]
    in_span = np.flatnonzero((dates >= chosen[0]) & (dates <= chosen[-1]))
    shift = pd.DateOffset(years=years_forward(series, now))
    start, end = unix_seconds(pd.DatetimeIndex([chosen[0] + shift, chosen[-1] + pd.Timedelta(days=1) + shift]))
    return DaySpan(tuple(f"{d:%Y-%m-%d}" for d in chosen), int(in_span[0]), len(in_span), int(start), int(end))


class Replay:
    """Signed readings of a fleet, step by step over the series' five-minute grid."""

    def __init__(self, devices: list[SimulatedDevice], domain: Domain, now: float | None = None,
                 series: pd.Series | None = None, first_sequence: int = 1, after: int | None = None):
        self.devices = devices
        self.after = after
        self.domain = domain
        self.series = read_power_series(PV_CSV) if series is None else series
        self.now = time.time() if now is None else now
        self.first_sequence = first_sequence

    @cached_property
    def years_forward(self) -> int:
        """Whole years added to the series' timestamps so that the replay has ended by `now`."""
        return years_forward(self.series, self.now)

    def _shift(self, first: pd.Timestamp) -> pd.DateOffset:
        """How far the replay moves the series: whole years (to end by `now`), or whole days (to
        start at or after `after`), keeping the time of day."""
        if self.after is None:
            return pd.DateOffset(years=self.years_forward)
        first_s = int(unix_seconds(pd.DatetimeIndex([first]))[0])
        return pd.DateOffset(days=-((first_s - self.after) // SECONDS_PER_DAY))

    def step_count(self, limit: int | None = None, start_row: int = 0) -> int:
        """How many steps `steps(limit, start_row)` yields."""
        left = max(len(self.series.index) - start_row, 0)
        return left if limit is None else min(limit, left)

    def steps(self, limit: int | None = None, start_row: int = 0) -> Iterator[list[SignedReading]]:
        """Per five-minute step of the series (from row `start_row`), every device's reading."""
        sequence = {d.device_id: self.first_sequence for d in self.devices}
        index = self.series.index
        shift = self._shift(index[start_row]) if start_row < len(index) else pd.DateOffset()
        for n, local in enumerate(index[start_row:]):
            if limit is not None and n >= limit:
                return
            start = int(unix_seconds(pd.DatetimeIndex([local + shift]))[0])
            step = []
            for device in self.devices:
                kw = self.series.get(local - pd.Timedelta(days=device.day_offset))
                if kw is None or not np.isfinite(kw):
                    continue  # that day's series has no reading here: the device stays silent
                energy = int(round(max(float(kw), 0.0) * device.scale * WH_PER_KWH * STEP_S / SECONDS_PER_HOUR))
                reading = Reading(device.device_id, sequence[device.device_id], start, start + STEP_S, energy)
                sequence[device.device_id] += 1
                step.append(SignedReading(reading, sign_reading(device.key, reading, self.domain)))
            yield step

    def days(self, span: DaySpan) -> Iterator[tuple[str, list[SignedReading]]]:
        """Per day of `span` (its date), every device's readings of that day."""
        local_dates = self.series.index[span.first_row:span.first_row + span.rows].strftime("%Y-%m-%d")
        readings: dict[str, list[SignedReading]] = {date: [] for date in span.dates}
        for date, step in zip(local_dates, self.steps(span.rows, span.first_row)):
            readings[date] += step
        yield from readings.items()


def daily_energy_wh(devices: list[SimulatedDevice], series: pd.Series | None = None) -> list[list[int]]:
    """Per device, its energy (Wh) on each day of the series: that day's energy of the measured plant
    (the day `day_offset` earlier, wrapping round to the series' end) at the device's scale, rounded."""
    series = read_power_series(PV_CSV) if series is None else series
    wh = series.clip(lower=0).groupby(series.index.normalize()).sum().to_numpy() * WH_PER_KWH * STEP_S / SECONDS_PER_HOUR
    return [[int(round(wh[(k - d.day_offset) % len(wh)] * d.scale)) for k in range(len(wh))] for d in devices]


@dataclass
class Tally:
    sent: int = 0
    accepted: int = 0
    rejected: dict[str, int] | None = None

    def add(self, outcomes: list[dict]) -> None:
        self.rejected = self.rejected or {}
        for outcome in outcomes:
            self.sent += 1
            if outcome.get("accepted"):
                self.accepted += 1
            else:
                reason = str(outcome.get("reason") or outcome.get("error"))
                self.rejected[reason] = self.rejected.get(reason, 0) + 1


def run(replay: Replay, send: Callable[[list[SignedReading]], list[dict]], steps: int | None, speedup: float,
        sleep: Callable[[float], None] = time.sleep, start_row: int = 0,
        on_step: Callable[[Tally, int], None] = lambda tally, row: None) -> Tally:
    """Send each step's readings with `send`; between steps wait 300 s / speedup (0: no waiting).
    `on_step(tally, next_row)` follows every step (progress, and where an interrupted replay resumes)."""
    tally = Tally()
    for row, step in enumerate(replay.steps(steps, start_row), start=start_row + 1):
        if step:
            tally.add(send(step))
        on_step(tally, row)
        if speedup > 0:
            sleep(STEP_S / speedup)
    return tally


def http_sender(url: str, timeout: float = 30) -> Callable[[list[SignedReading]], list[dict]]:
    """POST each step as one JSON array to `url`/readings; returns the per-reading results."""
    import requests

    session = requests.Session()
    endpoint = url.rstrip("/") + "/readings"

    def send(step: list[SignedReading]) -> list[dict]:
        response = session.post(endpoint, json=[s.to_json_obj() for s in step], timeout=timeout)
        body = response.json()
        if "results" in body:
            return body["results"]
        return [{"accepted": False, "error": body.get("error")}] * len(step)

    return send


def mqtt_sender(url: str, topic_prefix: str = "greenfi/readings") -> tuple[Callable, Callable[[], None]]:
    """Publish each reading (QoS 1) to `topic_prefix`/<deviceId>; MQTT has no per-message answer,
    so results count as sent (rejections show in the daemon's metrics and reply topic)."""
    import paho.mqtt.client as mqtt

    from oracles.sensor.mqtt import broker_address

    host, port, user, password = broker_address(url)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    if user is not None:
        client.username_pw_set(user, password)
    client.connect(host, port)
    client.loop_start()

    def send(step: list[SignedReading]) -> list[dict]:
        infos = [client.publish(f"{topic_prefix}/0x{s.reading.device_id.hex()}", json.dumps(s.to_json_obj()), qos=1)
                 for s in step]
        for info in infos:
            info.wait_for_publish(30)
        return [{"accepted": True}] * len(step)

    def close() -> None:
        client.disconnect()
        client.loop_stop()

    return send, close


def register(w3, registry_address: str, devices: list[SimulatedDevice], project_id: int, developer,
             commissioned_at: int) -> int:
    """Register every device not yet registered in `project_id`, signed by `developer` (the project's
    developer; a greenfi.chain.signers signer); returns how many were registered."""
    from greenfi.chain import contracts
    from greenfi.chain.transactions import transact

    registry = contracts.at(w3, "DeviceRegistry", registry_address)
    pv_inverter = contracts.BuildEnum("IDeviceRegistry.DeviceKind").index("PvInverter")
    new = [d for d in devices if contracts.fields(registry.functions.device(d.device_id))["status"] == DEVICE_NONE]
    for device in new:
        transact(w3, developer, registry.functions.registerDevice(
            device.device_id, project_id, device.address, pv_inverter, device.capacity_w, commissioned_at))
    return len(new)


def activate(w3, registry_address: str, devices: list[SimulatedDevice], verifier) -> int:
    """Activate every device that is registered and not yet active, signed by `verifier`; returns how many."""
    from greenfi.chain import contracts
    from greenfi.chain.transactions import transact

    registry = contracts.at(w3, "DeviceRegistry", registry_address)
    waiting = [d for d in devices
               if contracts.fields(registry.functions.device(d.device_id))["status"] == DEVICE_REGISTERED]
    for device in waiting:
        transact(w3, verifier, registry.functions.activate(device.device_id))
    return len(waiting)


__all__ = ["SERIES_TZ", "DaySpan", "Replay", "SimulatedDevice", "Tally", "daily_energy_wh", "day_span", "fleet", "http_sender", "mqtt_sender", "activate", "register", "run"]
