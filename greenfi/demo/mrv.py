"""Demo step 2: a PV project, its devices, and real PV data through the sensor oracle daemon.

The devices are oracles.sensor.simulate's fleet, the same simulator `greenfi oracle simulate-devices`
runs: the shipped series (models/data/pv, 5-minute AC power of one PV system) replayed by each
device at its own plant size (`PLANT_SIZE` times the measured system, 0.6 to 1.4 of it per device)
and day offset (device i > 0 replays the weather of up to 59 days earlier), signed with the device's
key. Days `start_day .. start_day + days - 1` of the series are replayed at their time of day and day
of the year, moved whole years forward to the latest year in which the series has ended
(`simulate.day_span`). Each day's readings are POSTed to the sensor daemon, a separate process on a
real port that batches and anchors them; then the chain's clock passes the challenge window, the
batches are finalized and the developer's monitoring report is approved.

The plants are drawn from `FLEET_SEED`, so every run replays the same energy; the keys and ids are
derived from the run's tag, so each run registers its own devices (an attached node keeps those of
earlier runs). The keys are local to the demo and never printed.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import defaultdict

from web3 import Web3

from greenfi.chain.contracts import fields
from greenfi.chain.node import free_port
from greenfi.chain.signers import UnlockedSigner
from greenfi.demo.context import ONE_DAY, DemoContext
from greenfi.errors import GreenfiError
from greenfi.paths import REPO_ROOT
from oracles.readings import Domain
from oracles.sensor import simulate

FLEET_SEED = "greenfi demo PV park v2"  # the plants: every run replays the same energy
PLANT_SIZE = 300  # each inverter's plant, as a multiple of the measured system (0.6 to 1.4 of this)
MAX_DEVICES = 6
EMISSION_FACTOR = 581_000  # g CO2e per MWh: the Chinese grid's 0.581 tCO2/MWh
BATCH_SIZE = 1024  # the daemon's largest batch: a day's readings are POSTed in chunks of at most this many
SENSOR_COMMAND_ENV = "GREENFI_DEMO_SENSOR_COMMAND"  # override of `python -m greenfi.cli oracle sensor`


def replay_span(started: int, start_day: int, days: int) -> simulate.DaySpan:
    """The replayed days and their place in time for a run started at `started` (unix seconds)."""
    from models.datasets import PV_CSV
    from models.pv import read_power_series

    return simulate.day_span(read_power_series(PV_CSV), start_day, days, started)


def demo_fleet(run_tag: str, count: int) -> list[simulate.SimulatedDevice]:
    """The run's devices: the same plants every run, keys and ids of this run."""
    if count < 1 or count > MAX_DEVICES:
        raise GreenfiError(f"the demo replays 1 to {MAX_DEVICES} devices, not {count}")
    return simulate.fleet(FLEET_SEED, count, PLANT_SIZE, tag=f"{FLEET_SEED}/{run_tag}")


def chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


# ---------------------------------------------------------------------------------------- the step

def run(ctx: DemoContext) -> None:
    opts = ctx.options
    devices = demo_fleet(ctx.run_tag, opts.devices)
    started = ctx.report["started_at"]
    span = replay_span(started, opts.start_day, opts.days)
    project_id = register_project(ctx)
    register_devices(ctx, project_id, devices)
    set_emission_factor(ctx, project_id)
    # The devices were activated before the replayed period; now bring the chain up to the present.
    ctx.advance_to(int(time.time()))
    replayer = simulate.Replay(devices, Domain(ctx.conn.chain_id, ctx.addresses["MRVAnchor"]), now=started)
    with SensorProcess(ctx) as daemon:
        built = replay(ctx, daemon, replayer, span)
        batches = daemon.wait_anchored(built)
    roots = [bytes.fromhex(b["root"][2:]) for b in batches]
    finalize(ctx, roots)
    open_and_approve_report(ctx, project_id, roots, span.start, span.end, batches)


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


def register_devices(ctx: DemoContext, project_id: int, devices: list[simulate.SimulatedDevice]) -> None:
    """Register (pv_developer) and activate (verifier) each device, commissioned a day ago."""
    registry = ctx.addresses["DeviceRegistry"]
    simulate.register(ctx.w3, registry, devices, project_id, UnlockedSigner(ctx.cast["pv_developer"]), ctx.now() - ONE_DAY)
    simulate.activate(ctx.w3, registry, devices, UnlockedSigner(ctx.cast["verifier"]))
    for d in devices:
        ctx.log(f"    device {d.index} 0x{d.device_id.hex()[:12]}…  PV inverter, {d.capacity_w / 1e3:,.0f} kW, "
                f"weather of {d.day_offset} days earlier, signer {d.address}")
    ctx.report["devices"] = [{"index": d.index, "deviceId": "0x" + d.device_id.hex(), "signer": d.address,
                              "scale": d.scale, "dayOffset": d.day_offset, "capacityW": d.capacity_w} for d in devices]


def set_emission_factor(ctx: DemoContext, project_id: int) -> None:
    ctx.send("regulator", ctx.c["MRVReports"].functions.setEmissionFactor(
        project_id, EMISSION_FACTOR, Web3.keccak(text="China regional grid baseline emission factor (demo)")))
    ctx.log(f"    emission factor: {EMISSION_FACTOR:,} g CO2e/MWh, set by the regulator")


def replay(ctx: DemoContext, daemon: SensorProcess, replayer: simulate.Replay, span: simulate.DaySpan) -> int:
    """POST each replayed day to the daemon and wait for its batches; returns how many were built."""
    per_day, series = [], defaultdict(int)  # series: period start → Wh of all devices
    built = 0
    for d, (date, readings) in enumerate(replayer.days(span)):
        payload = [s.to_json_obj() for s in readings]
        generated = sum(s.reading.energy_wh for s in readings)
        for s in readings:
            series[s.reading.period_start] += s.reading.energy_wh
        tally = {"accepted": 0, "rejected": 0, "flagged": 0, "acceptedWh": 0, "flaggedWh": 0}
        for chunk in chunks(payload, BATCH_SIZE):  # one batch per chunk: the daemon's window is 1 s
            batched = count_outcomes(tally, chunk, daemon.post(chunk)["results"])
            if batched:  # flagged readings are held for the verifier: a chunk of only those builds no batch
                built += 1
                daemon.wait_batch(built)
        per_day.append({"day": d, "seriesDate": date, "readings": len(payload), **tally, "generatedWh": generated})
        held = f", {tally['flagged']} flagged by the anomaly screen (held for the verifier)" if tally["flagged"] else ""
        ctx.log(f"    day {d + 1}/{len(span.dates)} (series {date}): {len(payload)} signed readings POSTed, "
                f"{tally['accepted']} accepted{held}, {generated / 1e6:,.2f} MWh generated")
    ctx.report["pv_days"] = per_day
    ctx.report["pv_series"] = sorted(series.items())
    return built


def count_outcomes(tally: dict[str, int], posted: list[dict], results: list[dict]) -> int:
    """Add the daemon's answers to `tally`; returns how many readings go into a batch now."""
    batched = 0
    for reading, result in zip(posted, results):
        if not result["accepted"]:
            tally["rejected"] += 1
            continue
        tally["accepted"] += 1
        tally["acceptedWh"] += reading["energyWh"]
        if result.get("flagged"):
            tally["flagged"] += 1
            tally["flaggedWh"] += reading["energyWh"]
        else:
            batched += 1
    return batched


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
