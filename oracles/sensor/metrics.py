"""The sensor daemon's counters and gauges (oracles.runtime.metrics renders them for /metrics)."""

from __future__ import annotations

from oracles.runtime import metrics as runtime_metrics
from oracles.runtime.metrics import Declared

METRICS = (
    Declared("readings_accepted", "counter", "Signed readings verified and stored."),
    Declared("readings_rejected", "counter", "Readings refused, by reason."),
    Declared("batches_built", "counter", "Merkle batches cut from stored readings."),
    Declared("batches_anchored", "counter", "Batches whose anchor transaction is final."),
    Declared("tick_failures", "counter", "Failed batching/anchoring rounds."),
    Declared("unbatched_readings", "gauge", "Stored readings not yet in a batch."),
    Declared("unanchored_batches", "gauge", "Batches not yet anchored."),
    Declared("consecutive_failures", "gauge", "Failed rounds since the last successful one."),
)


class Metrics(runtime_metrics.Metrics):
    def __init__(self, prefix: str = "greenfi_sensor"):
        super().__init__(prefix, METRICS)
