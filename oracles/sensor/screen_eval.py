"""The anomaly screen's false-flag rate on readings its model never saw.

The shipped PV series is split by time: the model (models.anomaly.AnomalyModel.fit, which itself
keeps the latest quarter of what it is given to set its threshold) is trained on the earlier
`1 - holdout_share` only; the later part, never seen in training or in picking the threshold, is
replayed through the daemon's own AnomalyScreen, one reading per call, in time order, as a device
of the reference plant's capacity would send it (five-minute readings, Wh rounded to integers).
Every replayed reading is a real measurement, so each flag counts as a false flag (the figure is
an upper bound if the series holds real faults).

    python -m oracles.sensor.screen_eval            # --holdout-share 0.2 --seed 42
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.anomaly import AnomalyModel
from models.datasets import PV_CSV
from models.pv import SERIES_TZ, STEP, WH_PER_KWH, read_power_series, unix_seconds
from oracles.readings import Reading
from oracles.sensor.devices import DeviceInfo
from oracles.sensor.screen import REFERENCE_CAPACITY_W, AnomalyScreen

DEVICE = DeviceInfo(b"\x01" * 32, "0x" + "00" * 20, 1, REFERENCE_CAPACITY_W, True)
STEP_HOURS = STEP.total_seconds() / 3600


@dataclass(frozen=True)
class FalseFlagRate:
    holdout_from: str
    holdout_readings: int
    judged: int  # readings the screen could judge (a reading of the same device in the 30 minutes before)
    flagged: int

    @property
    def rate_of_judged(self) -> float:
        return self.flagged / self.judged if self.judged else 0.0

    @property
    def rate_of_all(self) -> float:
        return self.flagged / self.holdout_readings if self.holdout_readings else 0.0

    def to_json(self) -> dict:
        return {"holdout_from": self.holdout_from, "holdout_readings": self.holdout_readings, "judged": self.judged,
                "flagged": self.flagged, "false_flag_rate_of_judged": round(self.rate_of_judged, 6),
                "false_flag_rate_of_all": round(self.rate_of_all, 6)}


def measure(series: pd.Series, holdout_share: float = 0.2, seed: int = 42) -> FalseFlagRate:
    """Train on the earlier part of `series` (kW by naive UTC-8 wall clock), screen the rest."""
    cutoff = series.index[int(len(series) * (1 - holdout_share))]
    model = AnomalyModel.fit(series[series.index < cutoff], seed=seed)
    screen = AnomalyScreen(model)
    holdout = series[series.index >= cutoff]
    # History the screen keeps from the training part's last day, as a running daemon would have.
    warmup = series[(series.index < cutoff) & (series.index >= cutoff - pd.Timedelta(hours=25))]
    _replay(screen, warmup)
    judged_before = screen.judged
    flags = _replay(screen, holdout)
    return FalseFlagRate(cutoff.isoformat(), len(holdout), screen.judged - judged_before,
                         sum(f is not None for f in flags))


def _replay(screen: AnomalyScreen, part: pd.Series) -> list[str | None]:
    starts = unix_seconds(part.index, SERIES_TZ)
    energies = np.rint(np.clip(part.to_numpy(), 0, None) * WH_PER_KWH * STEP_HOURS).astype(np.int64)
    step_s = int(STEP.total_seconds())
    flags = []
    for sequence, (start, energy) in enumerate(zip(starts.tolist(), energies.tolist())):
        reading = Reading(DEVICE.device_id, sequence, start, start + step_s, energy)
        flags += screen([(reading, DEVICE)])
    return flags


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holdout-share", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    result = measure(read_power_series(PV_CSV), args.holdout_share, args.seed)
    print(json.dumps(result.to_json()))


if __name__ == "__main__":
    main()
