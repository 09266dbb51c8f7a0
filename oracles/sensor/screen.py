"""The intake's anomaly screen, backed by models.anomaly.AnomalyModel (trained on the shipped PV series).

For each reading of a five-minute period (the model's step) the screen forecasts the device's power
from its own recent accepted readings and flags the reading when the residual
exceeds the model's threshold; the reason (`residual +5.10 kW exceeds 1.02 kW (normalised to the
reference plant)`) goes to the HTTP/MQTT answer (the reading is accepted, flagged), the store (held
for the project's verifier, see oracles.sensor.review) and the metrics (readings_flagged).

    time      readings carry unix UTC seconds; features use the model's wall clock
              (`models.pv.local_times(start, model.timezone)`, UTC-8 for the shipped series)
    scale     a device's power is normalised to the reference plant the model learnt
              (REFERENCE_CAPACITY_W), by its rated capacity: kW × REFERENCE / capacity
    history   the device's accepted readings of the last 25 hours, kept in memory and loaded from
              the store the first time a device is seen (so a restart keeps screening)

Readings the model cannot judge pass unscreened: periods other than five minutes or not on the
five-minute grid, and readings without any accepted reading of the same device in the 30 minutes
before (after a gap, a restart without history, a device's first reading). Physical bounds
(capacity × duration) are checked by the intake itself in every case.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from models.anomaly import AnomalyModel, train_anomaly
from models.artifacts import sha256_file
from models.datasets import PV_CSV
from models.pv import LAGS, SECONDS_PER_HOUR, STEP, WH_PER_KWH, feature_frame, local_times
from oracles.readings import Reading
from oracles.sensor.devices import DeviceInfo

REFERENCE_CAPACITY_W = 7_810  # the measured plant: its inverter clips at 7.1 kW AC, rated with 10 % headroom
STEP_S = int(STEP.total_seconds())
DAY_S = 86_400
HISTORY_S = 25 * 3600  # the features reach back 24 hours (same time yesterday)

# (device id, since unix seconds) -> [(period start, period end, energy Wh)] of accepted readings
HistoryLoader = Callable[[bytes, int], Iterable[tuple[int, int, int]]]


class AnomalyScreen:
    """A Screen (see oracles.sensor.intake) over an AnomalyModel."""

    def __init__(self, model: AnomalyModel, history: HistoryLoader | None = None):
        self.model = model
        self.history_loader = history
        self._history: dict[bytes, dict[int, float]] = {}  # device -> {period start: normalised kW}
        self._lock = threading.Lock()
        self.judged = 0  # readings the model has judged (the others passed unscreened)

    def __call__(self, items: Sequence[tuple[Reading, DeviceInfo]]) -> list[str | None]:
        """One model call per request. A reading is judged from the device's accepted history and the
        readings before it in the same request (as AnomalyModel.screen treats a batch); features are
        looked up by unix time in per-device dicts (no pandas reindexing on the hot path)."""
        reasons: list[str | None] = [None] * len(items)
        judged: list[tuple[int, bytes, int, float]] = []  # (position, device, period start, normalised kW)
        lag_rows: list[list[float]] = []
        yesterday: list[float] = []
        fresh: dict[bytes, dict[int, float]] = {}
        with self._lock:
            for position, (reading, device) in enumerate(items):
                history = self._device_history(reading.device_id, reading.period_start)
                mine = fresh.setdefault(reading.device_id, {})
                start, kw = reading.period_start, _normalised_kw(reading, device)

                def known(t: int) -> float:
                    return mine.get(t, history.get(t, np.nan))

                if (reading.period_end - start == STEP_S and start % STEP_S == 0
                        and start not in history and start not in mine):
                    lags = [known(start - k * STEP_S) for k in range(1, LAGS + 1)]
                    if not all(np.isnan(lags)):
                        judged.append((position, reading.device_id, start, kw))
                        lag_rows.append(lags)
                        yesterday.append(known(start - DAY_S))
                mine[start] = kw
            self.judged += len(judged)
            if judged:
                local = local_times(np.array([start for _, _, start, _ in judged]), self.model.timezone)
                x = feature_frame(np.array(lag_rows, dtype=np.float64), np.array(yesterday, dtype=np.float64), local)
                result = self.model.judge(x, np.array([kw for _, _, _, kw in judged], dtype=np.float64))
                for (position, device_id, start, _), flagged, reason in zip(judged, result["flagged"], result["reason"]):
                    if flagged:
                        reasons[position] = f"{reason} (normalised to the reference plant)"
                        fresh[device_id].pop(start, None)  # a rejected reading is no history
            for device_id, mine in fresh.items():
                history = self._history[device_id]
                history.update(mine)
                cutoff = max(history, default=0) - HISTORY_S
                if min(history, default=cutoff) < cutoff:
                    for stale in [t for t in history if t < cutoff]:
                        del history[stale]
        return reasons

    def _device_history(self, device_id: bytes, first_start: int) -> dict[int, float]:
        history = self._history.get(device_id)
        if history is None:
            history = {}
            if self.history_loader is not None:
                for start, end, energy in self.history_loader(device_id, first_start - HISTORY_S):
                    if end - start == STEP_S:
                        history[start] = _kw(energy, end - start)
            self._history[device_id] = history
        return history


def _kw(energy_wh: int, seconds: int) -> float:
    return energy_wh / WH_PER_KWH / (seconds / SECONDS_PER_HOUR)


def _normalised_kw(reading: Reading, device: DeviceInfo) -> float:
    return _kw(reading.energy_wh, reading.period_end - reading.period_start) * REFERENCE_CAPACITY_W / device.capacity_w


def default_model(cache_dir: Path) -> AnomalyModel:
    """The model trained on the shipped series, cached under `cache_dir` by the series' hash
    (trained on first use, a few seconds; the directory is written atomically)."""
    model_dir = Path(cache_dir) / f"pv-anomaly-{sha256_file(PV_CSV)[:16]}"
    if not model_dir.is_dir():
        try:
            train_anomaly(model_dir)
        except FileExistsError:  # another process trained it meanwhile
            pass
    return AnomalyModel.load(model_dir)
