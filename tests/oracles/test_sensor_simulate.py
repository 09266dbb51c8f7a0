"""`greenfi oracle simulate-devices`: the shipped PV series replayed as signed devices against an
in-process daemon, over HTTP and over MQTT; reproducible fleets; local time of day preserved."""

import time

import pandas as pd
import pytest
from click.testing import CliRunner
from tests.oracles.support import DOMAIN

from greenfi.cli import cli
from models.datasets import PV_CSV
from models.pv import SERIES_TZ, local_times, read_power_series
from oracles.sensor.daemon import DaemonSettings, SensorDaemon
from oracles.sensor.devices import StaticDirectory
from oracles.sensor.mqtt import MqttSettings
from oracles.sensor.simulate import Replay, fleet

SEED = "test-fleet"
SIM_ARGS = ["--keys-from-seed", SEED, "--chain-id", str(DOMAIN.chain_id), "--mrv-anchor", DOMAIN.verifying_contract,
            "--speedup", "0"]


@pytest.fixture(scope="module")
def series():
    return read_power_series(PV_CSV)


def make_daemon(tmp_path, devices, mqtt_url=None):
    settings = DaemonSettings(tmp_path / "sensor.db", mqtt=MqttSettings(mqtt_url) if mqtt_url else None)
    daemon = SensorDaemon(settings, StaticDirectory([d.info(1) for d in devices]), DOMAIN)
    daemon.server.start()
    return daemon


def stored(daemon):
    with daemon.store.lock:
        return daemon.store._db.execute(
            "SELECT device_id, sequence, period_start, period_end, energy_wh FROM readings ORDER BY period_start, sequence"
        ).fetchall()


def test_a_fleet_is_reproducible_from_its_seed():
    a, b, other = fleet(SEED, 4), fleet(SEED, 4), fleet("another", 4)
    assert a == b and {d.device_id for d in a}.isdisjoint(d.device_id for d in other)
    assert len({d.address for d in a}) == 4 and all(0.6 <= d.scale <= 1.4 for d in a)


def test_the_replay_keeps_local_time_of_day_and_lies_in_the_past(series):
    devices = fleet(SEED, 2)
    replay = Replay(devices, DOMAIN, series=series)
    first_step = next(replay.steps(1))
    reading = first_step[0].reading
    local = local_times(reading.period_start, SERIES_TZ)[0]
    assert (local.month, local.day, local.hour, local.minute) == (4, 9, 9, 25)  # the series' first row, 09:25 local
    assert local.year == 2015 + replay.years_forward
    last = pd.Timestamp(series.index[-1]) + pd.DateOffset(years=replay.years_forward)
    assert local_times(time.time())[0] > last  # the whole replay has ended by now
    assert reading.energy_wh == round(series.iloc[0] * devices[0].scale * 1000 * 300 / 3600)


def test_simulated_devices_over_http_are_accepted_in_order(tmp_path):
    devices = fleet(SEED, 3)
    daemon = make_daemon(tmp_path, devices)
    try:
        url = f"http://127.0.0.1:{daemon.server.port}"
        result = CliRunner().invoke(cli, ["oracle", "simulate-devices", "--url", url, "--devices", "3", "--steps", "40",
                                          *SIM_ARGS])
        assert result.exit_code == 0, result.output
        rows = stored(daemon)
        assert f"sent {len(rows)} readings from 3 devices: accepted {len(rows)}, rejected: none" in result.output
        assert len(rows) >= 40  # the first device replays the series itself: one reading per step
        for device in devices:
            mine = [r for r in rows if r[0] == device.device_id]
            assert [r[1] for r in mine] == list(range(1, len(mine) + 1))  # sequences move forward
            assert all(a[3] <= b[2] for a, b in zip(mine, mine[1:]))  # so do periods
        # running it again replays the same sequence numbers: all refused as replays, nothing stored twice
        again = CliRunner().invoke(cli, ["oracle", "simulate-devices", "--url", url, "--devices", "3", "--steps", "5",
                                         *SIM_ARGS])
        assert "accepted 0, rejected: replayed" in again.output and len(stored(daemon)) == len(rows)
    finally:
        daemon.server.stop()
        daemon.store.close()


def test_simulated_devices_over_mqtt(tmp_path, broker):
    devices = fleet(SEED, 2)
    daemon = make_daemon(tmp_path, devices, broker)
    daemon.mqtt.start()
    try:
        assert daemon.mqtt.connected.wait(10)
        result = CliRunner().invoke(cli, ["oracle", "simulate-devices", "--mqtt-url", broker, "--devices", "2",
                                          "--steps", "10", *SIM_ARGS])
        assert result.exit_code == 0, result.output
        sent = int(result.output.split("sent ")[1].split()[0])
        deadline = time.monotonic() + 20
        while len(stored(daemon)) < sent:
            assert time.monotonic() < deadline, "readings did not arrive"
            time.sleep(0.05)
        assert daemon.metrics.value("readings_accepted") == sent
    finally:
        daemon.mqtt.stop()
        daemon.server.stop()
        daemon.store.close()


def test_bad_simulation_arguments_are_one_line_errors():
    runner = CliRunner()
    both = runner.invoke(cli, ["oracle", "simulate-devices", "--url", "http://x", "--mqtt-url", "mqtt://x", *SIM_ARGS])
    assert both.exit_code != 0 and "exactly one of --url and --mqtt-url" in both.output
    no_domain = runner.invoke(cli, ["oracle", "simulate-devices", "--url", "http://x"])
    assert no_domain.exit_code != 0 and "--chain-id and --mrv-anchor" in no_domain.output
    unregistered = runner.invoke(cli, ["oracle", "simulate-devices", "--url", "http://x", "--register", *SIM_ARGS])
    assert unregistered.exit_code != 0 and "--register and --activate need --network" in unregistered.output
    unactivated = runner.invoke(cli, ["oracle", "simulate-devices", "--activate", *SIM_ARGS])
    assert unactivated.exit_code != 0 and "--register and --activate need --network" in unactivated.output
    nothing = runner.invoke(cli, ["oracle", "simulate-devices", *SIM_ARGS])
    assert nothing.exit_code != 0 and "exactly one of --url and --mqtt-url" in nothing.output


@pytest.mark.parametrize("after", [1_780_272_000, 1_780_272_000 + 13 * 3600 + 7, 1_700_000_000, 1_900_000_000])
def test_after_moves_the_replay_by_whole_days_to_start_at_or_after_it(series, after):
    """--after: the replay starts at or after `after` but less than a day later, and every reading keeps
    the time of day (and the spacing) of the default, year-moved replay."""
    devices = fleet(SEED, 2)
    moved = [s.reading for step in Replay(devices, DOMAIN, series=series, after=after).steps(40, 12_000) for s in step]
    default = [s.reading for step in Replay(devices, DOMAIN, series=series).steps(40, 12_000) for s in step]
    assert after <= moved[0].period_start < after + 86_400
    shifts = {m.period_start - d.period_start for m, d in zip(moved, default, strict=True)}
    assert len(shifts) == 1 and shifts.pop() % 86_400 == 0
    assert [m.energy_wh for m in moved] == [d.energy_wh for d in default]


def test_size_scales_every_device_and_its_capacity():
    small, large = fleet(SEED, 3), fleet(SEED, 3, plant_size=200)
    for s, l in zip(small, large, strict=True):
        assert (l.device_id, l.key) == (s.device_id, s.key)
        assert l.scale == pytest.approx(200 * s.scale, rel=1e-2) and l.capacity_w == int(7_810 * l.scale)


def test_ctrl_c_mid_replay_says_where_to_resume_and_resuming_replays_nothing(tmp_path, monkeypatch):
    """An interrupted replay exits 130 with the options that continue it; continuing is all accepted."""
    import re

    from oracles.sensor import simulate

    devices = fleet(SEED, 2)
    daemon = make_daemon(tmp_path, devices)
    real_sender = simulate.http_sender

    def interrupted_after(steps):
        def make(url):
            send, calls = real_sender(url), []

            def once(step):
                if len(calls) == steps:
                    raise KeyboardInterrupt
                calls.append(step)
                return send(step)
            return once
        return make

    try:
        url = f"http://127.0.0.1:{daemon.server.port}"
        monkeypatch.setattr(simulate, "http_sender", interrupted_after(7))
        stopped = CliRunner().invoke(cli, ["oracle", "simulate-devices", "--url", url, "--devices", "2",
                                           "--steps", "40", *SIM_ARGS])
        assert stopped.exit_code == 130, stopped.output
        resume = re.search(r"resume: continue the replay with (--start-row \d+ --first-sequence \d+) \(sent (\d+)",
                           stopped.output)
        assert resume and int(resume.group(2)) == len(stored(daemon)) > 0, stopped.output
        monkeypatch.setattr(simulate, "http_sender", real_sender)
        before = len(stored(daemon))
        again = CliRunner().invoke(cli, ["oracle", "simulate-devices", "--url", url, "--devices", "2", "--steps", "5",
                                         *resume.group(1).split(), *SIM_ARGS])
        assert again.exit_code == 0 and "rejected: none" in again.output, again.output
        assert len(stored(daemon)) > before
    finally:
        daemon.server.stop()
        daemon.store.close()
