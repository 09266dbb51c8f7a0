"""Demo step 2: a PV project, its devices, and real PV data through the sensor oracle daemon.

The shipped series (models/data/pv, 5-minute AC power in kW of one PV system) is replayed as signed
device readings: day `start_day + d` of the series becomes day d of the replay, which ends at the
last UTC midnight before now; device i is the series scaled by `DEVICE_SCALES[i]` (a larger or
smaller plant with the same weather). The readings are POSTed to the sensor daemon, a separate
process on a real port that batches and anchors them; then the chain's clock passes the challenge
window, the batches are finalized and the developer's monitoring report is approved.

Device keys are derived from a seed and the run's tag (`device_key`), so each run registers its own
devices (an attached node keeps those of earlier runs); they are local to the demo and never printed.
"""

from __future__ import annotations

import json
import math
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from web3 import Web3

from greenfi.chain.contracts import fields
from greenfi.chain.node import free_port
from greenfi.demo.context import ONE_DAY, DemoContext
from greenfi.errors import GreenfiError
from greenfi.paths import REPO_ROOT
from models.datasets import PV_CSV
from oracles.codec import SignedReading
from oracles.keccak import keccak256
from oracles.readings import Domain, Reading
from oracles.signing import sign_reading

PV_SERIES = PV_CSV  # the shipped series (models.datasets)
SAMPLE_S = 300  # the series' 5-minute step
DEVICE_SCALES = (300, 240, 360, 270, 330, 210)  # plant size of device i, as a multiple of the measured system
CAPACITY_HEADROOM = 1.10  # rated capacity above the scaled series' peak
DEVICE_SEED = b"greenfi demo devices v1"
EMISSION_FACTOR = 581_000  # g CO2e per MWh: the Chinese grid's 0.581 tCO2/MWh
BATCH_SIZE = 1024  # the daemon's largest batch; one replayed day of all devices fits in one
SENSOR_COMMAND_ENV = "GREENFI_DEMO_SENSOR_COMMAND"  # override of `python -m greenfi.cli oracle sensor`


# ---------------------------------------------------------------------------------------- pure helpers

@dataclass(frozen=True)
class PvDay:
    """One day of the series: (seconds since the day's midnight, kW) per 5-minute sample."""

    date: str
    samples: list[tuple[int, float]]


def load_pv_days(path: Path = PV_SERIES, start_day: int = 1, days: int = 3) -> list[PvDay]:
    """Days `start_day .. start_day + days - 1` of the series, read by models.pv (blank and negative
    samples dropped)."""
    from models.pv import read_power_series

    series = read_power_series(path)
    per_day: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for stamp, kw in series.items():
        if math.isfinite(kw) and kw >= 0:
            per_day[f"{stamp:%Y-%m-%d}"].append((stamp.hour * 3600 + stamp.minute * 60 + stamp.second, float(kw)))
    dates = sorted(per_day)
    if start_day < 0 or start_day + days > len(dates):
        raise GreenfiError(f"the PV series has {len(dates)} days; cannot replay days {start_day}..{start_day + days - 1}")
    return [PvDay(d, sorted(per_day[d])) for d in dates[start_day:start_day + days]]


def energy_wh(kw: float, scale: int, seconds: int = SAMPLE_S) -> int:
    """Energy in Wh of `seconds` at mean power `kw` × `scale` (rounded down: never over-claim)."""
    return int(kw * scale * 1000 * seconds // 3600)


def capacity_w(days: list[PvDay], scale: int) -> int:
    """Rated capacity for a device replaying `days` at `scale`: the peak with headroom."""
    peak = max((kw for day in days for _, kw in day.samples), default=0.0)
    return max(1, math.ceil(peak * scale * 1000 * CAPACITY_HEADROOM))


def device_key(index: int, seed: bytes = DEVICE_SEED) -> bytes:
    """The private key of demo device `index`, derived deterministically from `seed`."""
    return keccak256(seed + index.to_bytes(4, "big"))


def run_seed(run_tag: str) -> bytes:
    return DEVICE_SEED + b" " + run_tag.encode()


def device_id(index: int, seed: bytes = DEVICE_SEED) -> bytes:
    return keccak256(b"device:" + seed + index.to_bytes(4, "big"))


def day_readings(day: PvDay, midnight: int, dev_id: bytes, scale: int, first_sequence: int) -> list[Reading]:
    """The readings of one device over one replayed day starting at unix time `midnight`."""
    return [Reading(dev_id, first_sequence + i, midnight + offset, midnight + offset + SAMPLE_S, energy_wh(kw, scale))
            for i, (offset, kw) in enumerate(day.samples)]


def replay_start(now: int, days: int) -> int:
    """Midnight (UTC) of the first replayed day: the replay ends at the last midnight before `now`."""
    return (now // ONE_DAY - days) * ONE_DAY


# ---------------------------------------------------------------------------------------- the step

@dataclass
class Device:
    index: int
    device_id: bytes
    key: bytes
    signer: str
    scale: int
    capacity_w: int
    next_sequence: int = 1


def run(ctx: DemoContext) -> None:
    opts = ctx.options
    days = load_pv_days(PV_SERIES, opts.start_day, opts.days)
    if opts.devices < 1 or opts.devices > len(DEVICE_SCALES):
        raise GreenfiError(f"the demo replays 1 to {len(DEVICE_SCALES)} devices, not {opts.devices}")
    project_id = register_project(ctx)
    devices = register_devices(ctx, project_id, days)
    set_emission_factor(ctx, project_id)
    base = ctx.report["replay_start"]
    # The devices were activated before the replayed period; now bring the chain up to the present.
    ctx.advance_to(int(time.time()))
    with SensorProcess(ctx) as daemon:
        replay(ctx, daemon, days, devices, base)
        batches = daemon.wait_anchored(len(days))
    roots = [bytes.fromhex(b["root"][2:]) for b in batches]
    finalize(ctx, roots)
    open_and_approve_report(ctx, project_id, roots, base, base + len(days) * ONE_DAY, batches)


def register_project(ctx: DemoContext) -> int:
    projects = ctx.c["ProjectRegistry"]
    ctx.send("pv_developer", projects.functions.submitProject(
        Web3.keccak(text="CDM ACM0002 grid-connected renewable electricity"), Web3.keccak(text="ACM0002 v22.0"),
        0, b"CN", Web3.keccak(text="Demo PV park, Qinghai, 36.62N 101.77E")))
    project_id = projects.functions.projectCount().call()
    ctx.send("verifier", projects.functions.validate(project_id, Web3.keccak(text="validation report: demo PV park")))
    ctx.send("regulator", projects.functions.activate(project_id, Web3.keccak(text="registration decision: demo PV park")))
    ctx.log(f"    project {project_id}: submitted by pv_developer, validated by verifier, activated by regulator")
    ctx.report["project_id"] = project_id
    return project_id


def register_devices(ctx: DemoContext, project_id: int, days: list[PvDay]) -> list[Device]:
    registry = ctx.c["DeviceRegistry"]
    devices = []
    seed = run_seed(ctx.run_tag)
    for i in range(ctx.options.devices):
        key = device_key(i, seed)
        d = Device(i, device_id(i, seed), key, Account.from_key(key).address, DEVICE_SCALES[i], capacity_w(days, DEVICE_SCALES[i]))
        ctx.send("pv_developer", registry.functions.registerDevice(
            d.device_id, project_id, d.signer, 0, d.capacity_w, ctx.now() - ONE_DAY))
        ctx.send("verifier", registry.functions.activate(d.device_id))
        devices.append(d)
        ctx.log(f"    device {i} 0x{d.device_id.hex()[:12]}…  PV inverter, {d.capacity_w / 1e3:,.0f} kW, signer {d.signer}")
    ctx.report["devices"] = [{"index": d.index, "deviceId": "0x" + d.device_id.hex(), "signer": d.signer,
                              "scale": d.scale, "capacityW": d.capacity_w} for d in devices]
    return devices


def set_emission_factor(ctx: DemoContext, project_id: int) -> None:
    ctx.send("regulator", ctx.c["MRVReports"].functions.setEmissionFactor(
        project_id, EMISSION_FACTOR, Web3.keccak(text="China regional grid baseline emission factor (demo)")))
    ctx.log(f"    emission factor: {EMISSION_FACTOR:,} g CO2e/MWh, set by the regulator")


def replay(ctx: DemoContext, daemon: SensorProcess, days: list[PvDay], devices: list[Device], base: int) -> None:
    domain = Domain(ctx.conn.chain_id, ctx.addresses["MRVAnchor"])
    per_day, series = [], defaultdict(int)  # series: period start → Wh of all devices
    for d, day in enumerate(days):
        midnight = base + d * ONE_DAY
        payload, generated = [], 0
        for dev in devices:
            readings = day_readings(day, midnight, dev.device_id, dev.scale, dev.next_sequence)
            dev.next_sequence += len(readings)
            generated += sum(r.energy_wh for r in readings)
            for r in readings:
                series[r.period_start] += r.energy_wh
            payload += [SignedReading(r, sign_reading(dev.key, r, domain)).to_json_obj() for r in readings]
        if len(payload) > BATCH_SIZE:
            raise GreenfiError(f"{len(payload)} readings in one day exceed the batch size {BATCH_SIZE}: use fewer devices")
        result = daemon.post(payload)
        accepted_wh = sum(p["energyWh"] for p, r in zip(payload, result["results"]) if r["accepted"])
        per_day.append({"day": d, "seriesDate": day.date, "readings": len(payload), "accepted": result["accepted"],
                        "rejected": result["rejected"], "generatedWh": generated, "acceptedWh": accepted_wh})
        ctx.log(f"    day {d + 1}/{len(days)} (series {day.date}): {len(payload)} signed readings POSTed, "
                f"{result['accepted']} accepted, {generated / 1e6:,.2f} MWh generated")
        daemon.wait_batch(d + 1)
    ctx.report["pv_days"] = per_day
    ctx.report["pv_series"] = sorted(series.items())


def finalize(ctx: DemoContext, roots: list[bytes]) -> None:
    anchor = ctx.c["MRVAnchor"]
    window = fields(anchor.functions.config())["challengeWindow"]
    ctx.advance(window + 1)
    ctx.log(f"    chain time moved {window / 3600:.0f} h past the challenge window")
    for root in roots:
        ctx.send("oracle_b", anchor.functions.finalize(root))
    ctx.log(f"    {len(roots)} batches finalized; finalized energy "
            f"{anchor.functions.finalizedEnergy(ctx.report['project_id']).call() / 1e6:,.3f} MWh")


def open_and_approve_report(ctx: DemoContext, project_id: int, roots: list[bytes], start: int, end: int,
                            batches: list[dict]) -> None:
    reports = ctx.c["MRVReports"]
    document = json.dumps({"project": project_id, "periodStart": start, "periodEnd": end,
                           "batches": ["0x" + r.hex() for r in roots]}, sort_keys=True).encode()
    ctx.send("pv_developer", reports.functions.openReport(project_id, start, end, roots, Web3.keccak(document)))
    report_id = reports.functions.reportCount().call()
    ctx.send("verifier", reports.functions.approveReport(report_id, Web3.keccak(text="verification statement: demo")))
    r = fields(reports.functions.report(report_id))
    net_wh, reduction = int(r["netGenerationWh"]), int(r["reductionGrams"])
    ctx.log(f"    monitoring report {report_id}: {net_wh / 1e6:,.3f} MWh, {reduction / 1e6:,.3f} t CO2e; approved by verifier")
    ctx.report["mrv"] = {
        "report_id": report_id, "period_start": start, "period_end": end, "net_generation_wh": net_wh,
        "reduction_grams": reduction, "emission_factor_g_per_mwh": EMISSION_FACTOR,
        "batches": [{"daemonId": b["id"], "root": b["root"], "windowStart": b["windowStart"],
                     "windowEnd": b["windowEnd"], "energyWh": b["totalWh"], "readingCount": b["readingCount"],
                     "txHash": b["txHash"]} for b in batches],
        "anchored_energy_wh": sum(b["totalWh"] for b in batches),
    }


# ---------------------------------------------------------------------------------------- the daemon

class SensorProcess:
    """`greenfi oracle sensor` run as a separate process (the daemon itself is
    oracles.sensor.daemon.SensorDaemon): started, waited for via /health, stopped with SIGTERM."""

    def __init__(self, ctx: DemoContext):
        self.ctx = ctx
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = ctx.workdir / "sensor-daemon.log"
        self.proc: subprocess.Popen | None = None

    def command(self) -> list[str]:
        prefix = os.environ.get(SENSOR_COMMAND_ENV)
        base = shlex.split(prefix) if prefix else [sys.executable, "-m", "greenfi.cli", "oracle", "sensor"]
        return base + [
            "--network", self.ctx.conn.network.name, "--rpc-url", self.ctx.w3.provider.endpoint_uri,
            "--from", self.ctx.cast["oracle_a"], "--port", str(self.port),
            "--mrv-anchor", self.ctx.addresses["MRVAnchor"], "--device-registry", self.ctx.addresses["DeviceRegistry"],
            "--db", str(self.ctx.workdir / "sensor.sqlite"), "--batch-size", str(BATCH_SIZE), "--window-s", "1",
        ]

    def __enter__(self) -> SensorProcess:
        self.log_file = open(self.log_path, "w")
        self.proc = subprocess.Popen(self.command(), stdout=self.log_file, stderr=subprocess.STDOUT,
                                     cwd=REPO_ROOT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise GreenfiError(f"the sensor daemon exited at start with code {self.proc.returncode}: {self._tail()}")
            try:
                if self._get("/health")[0] == 200:
                    self.ctx.log(f"    sensor daemon up: pid {self.proc.pid}, {self.url} (log {self.log_path})")
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise GreenfiError(f"the sensor daemon did not answer /health within 60 s: {self._tail()}")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout=20)
                self.ctx.log(f"    sensor daemon stopped with SIGTERM (exit code {code})")
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()

    def post(self, readings: list[dict]) -> dict:
        body = json.dumps(readings).encode()
        request = urllib.request.Request(self.url + "/readings", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise GreenfiError(f"the sensor daemon refused the readings: HTTP {exc.code} {exc.read()[:300]!r}") from None

    def batch(self, batch_id: int) -> dict | None:
        status, body = self._get(f"/batches/{batch_id}")
        return body if status == 200 else None

    def wait_batch(self, batch_id: int, timeout: float = 60) -> dict:
        return self._wait(lambda: self.batch(batch_id), timeout, f"batch {batch_id} to be built")

    def wait_anchored(self, count: int, timeout: float = 120) -> list[dict]:
        def all_anchored():
            batches = [self.batch(i) for i in range(1, count + 1)]
            return batches if all(b and b["status"] == "anchored" for b in batches) else None

        batches = self._wait(all_anchored, timeout, f"{count} batches to be anchored")
        for b in batches:
            self.ctx.log(f"    batch {b['id']}: root {b['root'][:14]}…  {b['readingCount']} readings, "
                         f"{b['totalWh'] / 1e6:,.3f} MWh, anchored in {(b['txHash'] or '')[:14]}…")
        return batches

    def _wait(self, probe, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise GreenfiError(f"the sensor daemon exited with code {self.proc.returncode}: {self._tail()}")
            if (result := probe()) is not None:
                return result
            time.sleep(0.3)
        raise GreenfiError(f"timed out after {timeout:.0f} s waiting for {what}: {self._tail()}")

    def _get(self, path: str) -> tuple[int, dict | None]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, None

    def _tail(self) -> str:
        self.log_file.flush()
        lines = self.log_path.read_text(errors="replace").strip().splitlines()
        return " | ".join(lines[-3:]) or "(no output)"
