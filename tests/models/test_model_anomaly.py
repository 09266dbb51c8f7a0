"""PV anomaly model: beats persistence on later data, handles gaps, flags implausible readings."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.anomaly import AnomalyModel
from models.artifacts import verify_manifest
from models.errors import ModelInputError
from models.pv import STEP, energy_to_average_kw, features, read_power_series


@pytest.fixture(scope="module")
def evaluation(pv_model, pv_series):
    """Readings of the evaluation period, which training never saw."""
    return pv_series[pv_series.index >= pd.Timestamp(pv_model.card["training"]["eval_from"])]


def test_forecast_beats_persistence_on_the_same_later_rows(pv_model, pv_series, evaluation):
    previous = pv_series.reindex(evaluation.index - STEP).to_numpy()
    comparable = ~np.isnan(previous)
    expected = pv_model.expected(pv_series, evaluation.index)
    model_mae = np.mean(np.abs(evaluation.to_numpy() - expected)[comparable])
    persistence_mae = np.mean(np.abs(evaluation.to_numpy() - previous)[comparable])
    assert model_mae < 0.9 * persistence_mae
    assert pv_model.metrics["model_mae_kw"] == pytest.approx(model_mae, abs=1e-6)
    assert pv_model.metrics["persistence_mae_kw"] == pytest.approx(persistence_mae, abs=1e-6)
    assert pv_model.metrics["eval_rows"] == comparable.sum()


def test_split_is_by_time(pv_model, pv_series, evaluation):
    assert pv_model.metrics["train_rows"] == len(pv_series) - len(evaluation)
    assert pv_series.index[pv_model.metrics["train_rows"] - 1] < evaluation.index[0]


def test_lags_do_not_reach_across_gaps():
    stamps = pd.DatetimeIndex(["2015-06-01 18:50", "2015-06-01 18:55", "2015-06-02 05:00", "2015-06-02 05:10"])
    history = pd.Series([1.0, 0.8, 0.1, 0.3], index=stamps)
    x = features(history, stamps)
    assert x["lag_1"].tolist()[1] == 1.0
    assert np.isnan(x["lag_1"].iloc[2])  # the previous reading was ten hours earlier
    assert np.isnan(x["lag_1"].iloc[3]) and x["lag_2"].iloc[3] == 0.1  # 05:05 is missing
    assert x["mean_3"].iloc[3] == 0.1 and np.isnan(x["mean_6"].iloc[2])


def test_screen_passes_normal_readings(pv_model, pv_series, evaluation):
    day = evaluation[evaluation.index.normalize() == evaluation.index[-1].normalize()]
    result = pv_model.screen(day, history=pv_series)
    assert not result["flagged"].any()
    assert (result["reason"] == "").all()
    assert np.allclose(result["expected_kw"], pv_model.expected(pv_series, day.index))


def test_screen_flags_an_implausible_reading(pv_model, pv_series, evaluation):
    day = evaluation[evaluation.index.normalize() == evaluation.index[-1].normalize()].copy()
    noon = day.index[np.argmin(np.abs(day.index.hour - 12))]
    day[noon] += 3 * pv_model.threshold_kw
    result = pv_model.screen(day, history=pv_series[pv_series.index < day.index[0]])
    flagged = result.index[result["flagged"]]
    assert noon in flagged
    assert result.loc[noon, "reason"] == (
        f"residual {result.loc[noon, 'residual_kw']:+.2f} kW exceeds {pv_model.threshold_kw:.2f} kW"
    )
    assert len(flagged) <= 2  # the spike may also distort the next reading's forecast


def test_screen_flags_negative_and_missing_readings(pv_model, evaluation):
    batch = evaluation.iloc[100:104].copy()
    batch.iloc[1] = -0.5
    batch.iloc[2] = np.nan
    result = pv_model.screen(batch)
    assert result["reason"].iloc[1] == "reading -0.50 kW is negative"
    assert result["reason"].iloc[2] == "reading is not a finite number"
    assert result["flagged"].iloc[1] and result["flagged"].iloc[2]


def test_residual_threshold_flags_few_evaluation_readings(pv_model, pv_series, evaluation):
    flagged = pv_model.screen(evaluation, history=pv_series)["flagged"].mean()
    assert flagged <= 2 * (1 - pv_model.card["screen"]["quantile"])


def test_save_and_load_round_trip(pv_model, pv_series, tmp_path):
    pv_model.save(tmp_path / "pv")
    verify_manifest(tmp_path / "pv")
    loaded = AnomalyModel.load(tmp_path / "pv")
    stamps = pv_series.index[-500:]
    assert np.array_equal(loaded.expected(pv_series, stamps), pv_model.expected(pv_series, stamps))
    assert loaded.threshold_kw == pv_model.threshold_kw and loaded.card == pv_model.card


def test_same_data_and_seed_give_identical_model_files(pv_series, tmp_path):
    weeks = pv_series[pv_series.index < pv_series.index[0] + pd.Timedelta(weeks=4)]  # quick to train
    for name in ("first", "second"):
        AnomalyModel.fit(weeks).save(tmp_path / name)
    for path in (tmp_path / "first").iterdir():
        assert path.read_bytes() == (tmp_path / "second" / path.name).read_bytes(), path.name


def test_energy_over_a_period_becomes_average_kw():
    assert energy_to_average_kw(500.0, 300) == pytest.approx(6.0)
    assert energy_to_average_kw(np.array([0.0, 1000.0]), np.array([300, 3600])).tolist() == [0.0, 1.0]
    with pytest.raises(ModelInputError, match="period"):
        energy_to_average_kw(1.0, 0)


@settings(deadline=None)
@given(st.floats(0, 10), st.integers(1, 86_400))
def test_energy_conversion_inverts(kw, seconds):
    energy_wh = kw * 1000 * seconds / 3600
    assert energy_to_average_kw(energy_wh, seconds) == pytest.approx(kw)


@pytest.mark.parametrize(
    "text, match",
    [
        ("ts,kw\n2015-06-01 10:00,1.0\n2015-06-01 10:05,lots\n", "column 'kw' line 3: 'lots' is not a finite number"),
        ("ts,kw\n2015-06-01 10:00,1.0\nyesterday,1.0\n", "column 'ts' line 3: 'yesterday' is not a timestamp"),
        ("ts,kw\n2015-06-01 10:00,1.0\n2015-06-01 10:00,1.2\n", "line 3: timestamp repeats"),
        ("time,kw\n2015-06-01 10:00,1.0\n", "time column 'ts' not in"),
        ("ts,a,b\n2015-06-01 10:00,1.0,2.0\n", "several value columns"),
    ],
)
def test_bad_pv_input_names_the_line(tmp_path, text, match):
    (tmp_path / "pv.csv").write_text(text)
    with pytest.raises(ModelInputError, match=match):
        read_power_series(tmp_path / "pv.csv")
