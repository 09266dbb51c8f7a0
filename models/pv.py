"""PV power series: reading a measured series, unit conversion, and gap-aware forecasting features.

A series is a float Series of average AC power in kW indexed by its (sorted, unique) timestamps, one
reading per 5-minute step.

Time zones: the shipped series' clock is naive local *standard* time of a US Pacific site, UTC-8 all
year (no daylight saving: the midpoint of each day's daylight rows averages 11:58 on that clock,
i.e. solar noon near 120 deg W at UTC-8; with PDT it would sit near 13:00). Features (minute of day,
day of year) are computed on that clock. Sensor readings carry unix UTC seconds: `local_times`
converts them to the series' clock and `unix_seconds` converts back, both with an explicit zone. Lag features look readings up by exact timestamp (t - k * 5 min), so a lag
that would reach across a gap (night, a dropped reading) is missing rather than an older reading.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from models.errors import ModelInputError
from models.table import line_number, parse_numeric, read_table

STEP = pd.Timedelta(minutes=5)
LAGS = 6  # 30 minutes of history
FEATURES = (
    *(f"lag_{k}" for k in range(1, LAGS + 1)),
    "mean_3",
    "mean_6",
    "slope",
    "same_time_yesterday",
    "minute_of_day",
    "day_of_year",
)
SERIES_TZ = "Etc/GMT+8"  # POSIX sign convention: Etc/GMT+8 is UTC-8, fixed, no DST
WH_PER_KWH = 1000.0
SECONDS_PER_HOUR = 3600.0


def energy_to_average_kw(energy_wh: np.ndarray | float, period_seconds: np.ndarray | float) -> np.ndarray:
    """Average power in kW of `energy_wh` watt-hours delivered over `period_seconds` seconds."""
    period_seconds = np.asarray(period_seconds, dtype=np.float64)
    if np.any(period_seconds <= 0):
        raise ModelInputError("energy period must be positive")
    return np.asarray(energy_wh, dtype=np.float64) / WH_PER_KWH / (period_seconds / SECONDS_PER_HOUR)


def local_times(unix_seconds, tz: str = SERIES_TZ) -> pd.DatetimeIndex:
    """Naive wall-clock times in zone `tz` of unix UTC seconds (the model's feature clock)."""
    stamps = pd.to_datetime(np.atleast_1d(np.asarray(unix_seconds, dtype=np.int64)), unit="s", utc=True)
    return pd.DatetimeIndex(stamps).tz_convert(tz).tz_localize(None).as_unit("ns")


def unix_seconds(local: pd.DatetimeIndex, tz: str = SERIES_TZ) -> np.ndarray:
    """Unix UTC seconds of naive wall-clock times in zone `tz` (inverse of `local_times`).
    Raises ModelInputError for a wall-clock time that does not exist or is ambiguous in `tz`."""
    try:
        aware = pd.DatetimeIndex(local).tz_localize(tz, ambiguous="raise", nonexistent="raise")
    except (ValueError, TypeError) as exc:  # pytz/zoneinfo errors derive from ValueError
        raise ModelInputError(f"cannot place local times in {tz}: {exc}") from None
    return aware.tz_convert("UTC").as_unit("s").asi8


def read_power_series(path: Path, time_column: str = "ts", power_column: str | None = None) -> pd.Series:
    """Read a CSV of timestamps and power in kW; blank readings are dropped (treated as gaps).

    `power_column` defaults to the only column besides `time_column`.
    """
    table = read_table(path)
    if time_column not in table.columns:
        raise ModelInputError(f"time column {time_column!r} not in {path} (columns: {', '.join(table.columns)})")
    others = [name for name in table.columns if name != time_column]
    if power_column is None:
        if len(others) != 1:
            raise ModelInputError(f"{path} has several value columns ({', '.join(others)}); name the power column")
        power_column = others[0]
    elif power_column not in table.columns:
        raise ModelInputError(f"power column {power_column!r} not in {path} (columns: {', '.join(table.columns)})")
    timestamps = pd.to_datetime(table[time_column], errors="coerce")
    bad = np.flatnonzero(timestamps.isna().to_numpy())
    if bad.size:
        position = int(bad[0])
        raise ModelInputError(
            f"column {time_column!r} line {line_number(position)}: {table[time_column].iloc[position]!r}"
            " is not a timestamp"
        )
    power = pd.Series(parse_numeric(table[power_column], power_column), index=pd.DatetimeIndex(timestamps))
    duplicated = np.flatnonzero(power.index.duplicated())
    if duplicated.size:
        position = int(duplicated[0])
        raise ModelInputError(
            f"column {time_column!r} line {line_number(position)}: timestamp repeats an earlier one"
        )
    return power.dropna().sort_index().rename(power_column)


def features(history: pd.Series, timestamps: pd.DatetimeIndex) -> pd.DataFrame:
    """Features for forecasting the reading at each of `timestamps` from `history` (earlier readings only)."""
    lags = np.column_stack([history.reindex(timestamps - k * STEP).to_numpy() for k in range(1, LAGS + 1)])
    return feature_frame(lags, history.reindex(timestamps - pd.Timedelta(days=1)).to_numpy(), timestamps)


def feature_frame(lags: np.ndarray, yesterday: np.ndarray, timestamps: pd.DatetimeIndex) -> pd.DataFrame:
    """The feature table from looked-up values: `lags[i, k-1]` is the reading k steps before
    `timestamps[i]` and `yesterday[i]` the one a day before (NaN where missing). Callers that keep
    history in their own structure (the sensor screen) look values up themselves and call this."""
    columns = {f"lag_{k}": lags[:, k - 1] for k in range(1, LAGS + 1)}
    columns["mean_3"] = _mean_present(lags[:, :3])
    columns["mean_6"] = _mean_present(lags)
    columns["slope"] = lags[:, 0] - lags[:, 1]
    columns["same_time_yesterday"] = yesterday
    columns["minute_of_day"] = (timestamps.hour * 60 + timestamps.minute).to_numpy(dtype=np.float64)
    columns["day_of_year"] = timestamps.dayofyear.to_numpy(dtype=np.float64)
    return pd.DataFrame(columns, index=timestamps)[list(FEATURES)]


def _mean_present(values: np.ndarray) -> np.ndarray:
    """Row means over the non-missing values (NaN where all are missing)."""
    present = ~np.isnan(values)
    counts = present.sum(axis=1)
    sums = np.where(present, values, 0.0).sum(axis=1)
    return np.divide(sums, counts, out=np.full(len(values), np.nan), where=counts > 0)
