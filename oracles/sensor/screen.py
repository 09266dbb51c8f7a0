"""The intake's anomaly screen, backed by models.anomaly.AnomalyModel (trained on the shipped PV series).

For each reading of a five-minute period (the model's step) the screen forecasts the device's power
from its own recent accepted readings and rejects the reading as `anomalous` when the residual
exceeds the model's threshold; the reason (`residual +5.10 kW exceeds 1.02 kW (normalised to the
reference plant)`) goes to the HTTP/MQTT answer, the rejections table (flagged = 1) and the metrics
(readings_rejected{reason="anomalous"}).

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
import pandas as pd

from models.anomaly import AnomalyModel, train_anomaly
from models.artifacts import sha256_file
from models.datasets import PV_CSV
from models.pv import LAGS, SECONDS_PER_HOUR, STEP, WH_PER_KWH, local_times
from oracles.readings import Reading
from oracles.sensor.devices import DeviceInfo

REFERENCE_CAPACITY_W = 7_810  # the measured plant: its inverter clips at 7.1 kW AC, rated with 10 % headroom
STEP_S = int(STEP.total_seconds())
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

    def __call__(self, items: Sequence[tuple[Reading, DeviceInfo]]) -> list[str | None]:
        reasons: list[str | None] = [None] * len(items)
        by_device: dict[bytes, list[int]] = {}
        for i, (reading, _) in enumerate(items):
            by_device.setdefault(reading.device_id, []).append(i)
        with self._lock:
            for device_id, positions in by_device.items():
                self._screen_device(device_id, [items[i] for i in positions], positions, reasons)
        return reasons

    # ------------------------------------------------------------------ internals

    def _screen_device(self, device_id: bytes, items: list[tuple[Reading, DeviceInfo]], positions: list[int],
                       reasons: list[str | None]) -> None:
        """One model call per device and request: a device's readings are judged together, each
        from the history before it (an earlier reading of the same request included)."""
        history = self._device_history(device_id, items[0][0].period_start)
        known = set(history)
        judged: list[tuple[int, int, float]] = []  # (position, period start, normalised kW)
        fresh: dict[int, float] = {}
        for (reading, device), position in zip(items, positions):
            start, kw = reading.period_start, _normalised_kw(reading, device)
            if (reading.period_end - start == STEP_S and start % STEP_S == 0 and start not in known
                    and any(start - k * STEP_S in known for k in range(1, LAGS + 1))):
                judged.append((position, start, kw))
            fresh[start] = kw
            known.add(start)
        if judged:
            judged_starts = {t for _, t, _ in judged}
            context = history | {t: kw for t, kw in fresh.items() if t not in judged_starts}
            stamps = np.fromiter(context, dtype=np.int64, count=len(context))
            past = pd.Series(np.fromiter(context.values(), dtype=np.float64, count=len(context)),
                             index=local_times(stamps, self.model.timezone)).sort_index()
            batch = pd.Series([kw for _, _, kw in judged],
                              index=local_times(np.array([t for _, t, _ in judged]), self.model.timezone))
            result = self.model.screen(batch, history=past)
            for (position, start, _), flagged, reason in zip(judged, result["flagged"], result["reason"]):
                if flagged:
                    reasons[position] = f"{reason} (normalised to the reference plant)"
                    del fresh[start]  # a rejected reading is no history
        history.update(fresh)
        cutoff = max(history, default=0) - HISTORY_S
        for stale in [t for t in history if t < cutoff]:
            del history[stale]

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
