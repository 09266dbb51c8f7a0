"""The intake's anomaly screen: the PV model (trained on the shipped series, cached) judges readings in
unix UTC seconds on the series' own clock (UTC-8), flags implausible ones (accepted, held for the
verifier) with the reason recorded in the answer, the store and the metrics, and keeps screening
after a restart (history from the store). Its false-flag measurement judges real held-out data."""

import numpy as np
import pandas as pd
import pytest

from models.anomaly import AnomalyModel, cross_validate
from models.datasets import PV_CSV
from models.pv import read_power_series
from oracles.sensor.daemon import DaemonSettings, SensorDaemon
from oracles.sensor.devices import StaticDirectory
from oracles.sensor.screen import AnomalyScreen, default_model
from oracles.sensor.screen_eval import measure
from oracles.sensor.simulate import Replay, fleet
from tests.oracles.support import DOMAIN


@pytest.fixture(scope="module")
def series():
    return read_power_series(PV_CSV)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    trained = default_model(cache)
    assert default_model(cache).card == trained.card  # the second use loads the cached model
    assert trained.timezone == "Etc/GMT+8"
    return trained


@pytest.fixture(scope="module")
def sunny_day(series):
    """Row of the first reading of the day that produced the most energy, and the next day's."""
    totals = series.groupby(series.index.normalize()).sum()
    day = totals.idxmax()
    first = int(np.searchsorted(series.index, day))
    last = int(np.searchsorted(series.index, day + pd.Timedelta(days=1)))
    return first, last


def make_daemon(tmp_path, devices, model):
    return SensorDaemon(DaemonSettings(tmp_path / "sensor.db"), StaticDirectory([d.info(1) for d in devices]), DOMAIN,
                        screen=AnomalyScreen(model))


def submit(daemon, step):
    return daemon.intake.submit([s.to_json_obj() for s in step])


def test_a_real_day_replayed_passes_the_screen(tmp_path, model, series, sunny_day):
    devices = fleet("screen", 2)
    daemon = make_daemon(tmp_path, devices, model)
    first, last = sunny_day
    outcomes = [o for step in Replay(devices, DOMAIN, series=series).steps(last - first, first)
                for o in submit(daemon, step)]
    rejected = [o for o in outcomes if not o.accepted]
    assert len(outcomes) > 100 and len(rejected) <= 1, rejected  # the threshold flags ~0.1 % of normal readings
    daemon.store.close()


def test_an_implausible_reading_is_flagged_with_its_reason_everywhere(tmp_path, model, series, sunny_day):
    [device] = devices = fleet("screen", 1)
    daemon = make_daemon(tmp_path, devices, model)
    first, _ = sunny_day
    replay = Replay(devices, DOMAIN, series=series)
    steps = list(replay.steps(60, first + 30))  # late morning to early afternoon, full sun
    for step in steps[:-1]:
        assert all(o.accepted for o in submit(daemon, step))
    stuck = Replay(devices, DOMAIN, series=series * 0, first_sequence=60)  # a meter stuck at zero at noon
    zero = list(stuck.steps(60, first + 30))[-1]
    [outcome] = submit(daemon, zero)
    assert (outcome.accepted, outcome.reason) == (True, None)  # flagged, never dropped
    assert outcome.flag.startswith("residual -") and "normalised to the reference plant" in outcome.flag
    assert daemon.metrics.value("readings_flagged") == 1
    [held] = daemon.store.held("flagged")
    assert (held.signed.reading.energy_wh, held.detail) == (0, outcome.flag)
    daemon.store.close()

    restarted = make_daemon(tmp_path, devices, model)  # a fresh process: history comes from the store
    assert [h.detail for h in restarted.store.held("flagged")] == [outcome.flag]
    [again] = submit(restarted, zero)
    assert (again.accepted, again.reason) == (False, "replayed")  # stored once, whatever the retries
    restarted.store.close()


def test_readings_the_model_cannot_judge_pass_unscreened(tmp_path, model, series, sunny_day):
    devices = fleet("screen", 1)
    daemon = make_daemon(tmp_path, devices, model)
    first, _ = sunny_day
    zero = list(Replay(devices, DOMAIN, series=series * 0).steps(40, first))[-1]
    [outcome] = submit(daemon, zero)  # no history in the 30 minutes before: nothing to forecast from
    assert outcome.accepted
    daemon.store.close()


def test_the_model_beats_persistence_on_the_same_rows_over_the_whole_series(series):
    months = series[series.index < series.index[0] + pd.Timedelta(days=45)]  # a shorter series keeps this quick
    result = cross_validate(months, folds=3)
    for rows in ("all", "producing"):
        assert result[rows]["model_mae_kw"] < result[rows]["persistence_mae_kw"], result
    assert result["producing"]["rows"] < result["all"]["rows"]


def test_an_old_card_without_a_timezone_reads_as_the_series_clock(model):
    card = {k: v for k, v in model.card.items() if k != "timezone"}
    assert AnomalyModel(model.booster, model.threshold_kw, card).timezone == "Etc/GMT+8"


def test_the_cli_choice_of_model(tmp_path, model):
    from greenfi.errors import ConfigError
    from greenfi.cli.oracle import _anomaly_screen

    assert _anomaly_screen("off", tmp_path) is None
    with pytest.raises(ConfigError, match="--anomaly-model: model directory .* not found"):
        _anomaly_screen(str(tmp_path / "missing"), tmp_path)
    model.save(tmp_path / "mine")
    assert _anomaly_screen(str(tmp_path / "mine"), tmp_path).model.card == model.card


def test_the_false_flag_measurement_judges_data_the_model_never_saw(series):
    month = series[series.index < series.index[0] + pd.Timedelta(days=30)]  # a shorter series keeps this quick
    result = measure(month, holdout_share=0.1)
    assert pd.Timestamp(result.holdout_from) > month.index[int(len(month) * 0.89)]
    assert result.holdout_readings == int((month.index >= pd.Timestamp(result.holdout_from)).sum())
    assert result.judged >= 0.9 * result.holdout_readings  # the screen could judge nearly all of them
    assert result.rate_of_judged <= 0.01  # the model's own threshold aims at 0.1 %
    assert result.to_json()["false_flag_rate_of_judged"] == round(result.flagged / result.judged, 6)
