"""The sensor daemon's lifecycle: HTTP intake in the background, a batching (and, where a chain
client is configured, anchoring and watching) tick in the foreground, graceful SIGTERM, and a
circuit breaker that stops the daemon after repeated failures instead of spinning.

A batch the contract would refuse is set aside with its reason (a `batch_set_aside` log line,
listed on /health), not retried: it never fails a round, so it never trips the breaker, and a
restart finds it set aside in the store. Where MRVAnchor needs k > 1 signatures, the other operators'
co-signers are asked (oracles.sensor.cosigners); one that refuses or is down is a `cosigner_refused`
log line with its reason code, and the batch waits in the outbox: it never fails a round either.
Logs are one JSON object per line."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oracles.readings import Domain
from oracles.sensor.anchor import AnchorClient, AnchorPolicy, Judge, anchor_batches
from oracles.sensor.batcher import BatchPolicy, cut_batches
from oracles.sensor.cosigners import CosignerPool, CosignerSettings
from oracles.sensor.devices import DeviceDirectory
from oracles.sensor.intake import Intake, IntakePolicy, Outcome, Screen
from oracles.sensor.metrics import Metrics
from oracles.sensor.mqtt import MqttIntake, MqttSettings
from oracles.sensor.server import SensorHTTPServer, ServerContext
from oracles.sensor.store import Store
from oracles.sensor.watch import watch_batches
from oracles.runtime.breaker import Breaker
from oracles.runtime.logs import log_event
from oracles.runtime.signals import stop_on_signals

HEALTH_SET_ASIDE_SHOWN = 20  # /health lists the oldest set-aside batches, up to this many

log = logging.getLogger("greenfi.sensor")


@dataclass(frozen=True)
class DaemonSettings:
    db_path: Path
    host: str = "127.0.0.1"
    port: int = 0
    tick_s: float = 1.0
    max_consecutive_failures: int = 5
    max_backoff_s: float = 60.0  # after a failed tick the wait doubles from tick_s up to this
    db_busy_timeout_s: float = 5.0  # how long a write waits for another connection's lock
    batch: BatchPolicy = BatchPolicy()
    intake: IntakePolicy = IntakePolicy()
    anchor: AnchorPolicy = AnchorPolicy()
    mqtt: MqttSettings | None = None  # also take readings from an MQTT broker topic
    cosigners: CosignerSettings | None = None  # ask these co-signers where k > 1 (None: anchor alone)


class SensorDaemon:
    def __init__(self, settings: DaemonSettings, directory: DeviceDirectory, domain: Domain,
                 screen: Screen | None = None, clock: Callable[[], float] = time.time,
                 anchor: AnchorClient | None = None, judge: Judge | None = None):
        self.settings = settings
        self.anchor = anchor
        self.judge = judge
        self.clock = clock
        self.metrics = Metrics()
        self.store = Store(settings.db_path, settings.db_busy_timeout_s)
        if screen is not None and getattr(screen, "history_loader", False) is None:
            screen.history_loader = self.store.recent_readings  # an AnomalyScreen learns history from the store
        self.intake = Intake(self.store, directory, domain, settings.intake, screen, clock, self._count)
        self.server = SensorHTTPServer(
            ServerContext(self.intake, self.store, self.metrics, self.health), settings.host, settings.port)
        self.mqtt = MqttIntake(settings.mqtt, self.intake, self.metrics, _log_rejection) if settings.mqtt else None
        self.cosign = (CosignerPool(settings.cosigners, self.store, anchor, domain, self._cosigner_refused)
                       if anchor is not None and settings.cosigners is not None else None)
        self._stop = threading.Event()
        self.breaker = Breaker(settings.max_consecutive_failures, settings.tick_s, settings.max_backoff_s)
        self.failed_reason: str | None = None

    # ------------------------------------------------------------------ lifecycle

    def run(self) -> int:
        """Serve until SIGTERM/SIGINT or the circuit breaker trips; 0 on a clean stop, 1 on failure."""
        stop_on_signals(self.stop)
        self.server.start()
        if self.mqtt is not None:
            self.mqtt.start()
        _log("started", port=self.server.port, db=str(self.settings.db_path),
             mqtt=self.settings.mqtt.topic if self.settings.mqtt else None)
        try:
            while not self._stop.is_set() and self.failed_reason is None:
                self.tick()
                self._stop.wait(self.next_wait_s())
        finally:
            if self.mqtt is not None:
                self.mqtt.stop()
            self.server.stop()
            self.store.close()
            _log("stopped", reason=self.failed_reason or "signal")
        return 1 if self.failed_reason else 0

    def stop(self) -> None:
        self._stop.set()

    @property
    def _failures(self) -> int:
        """Consecutive failed rounds (the breaker's count; tests read it under this name)."""
        return self.breaker.failures

    def next_wait_s(self) -> float:
        """tick_s while healthy; after n consecutive failures tick_s·2ⁿ, capped at max_backoff_s."""
        return self.breaker.next_wait_s()

    def tick(self) -> None:
        """One round of watching, batching and anchoring; failures count towards the circuit breaker."""
        try:
            if self.anchor is not None:  # first, so a rejected batch's readings are cut again this round
                watch_batches(self.store, self.anchor, self.judge, self._rejected)
            for batch_id in cut_batches(self.store, self.settings.batch, self.clock):
                batch = self.store.batch(batch_id)
                if batch is not None and batch.status == "set_aside":
                    self._set_aside(batch_id, batch.reason or "")
                else:
                    self.metrics.inc("batches_built")
                    _log("batch_built", batch=batch_id)
            if self.anchor is not None:
                anchor_batches(self.store, self.anchor, self.settings.anchor, self.clock, self._anchored,
                               self._set_aside, self.judge, self.cosign)
            self.metrics.set("unbatched_readings", self.store.reading_count(batched=False))
            counts = self.store.status_counts()
            self.metrics.set("unanchored_batches", sum(counts.get(s, 0) for s in ("built", "sending", "sent")))
            self.metrics.set("set_aside_batches", counts.get("set_aside", 0))
            self.breaker.succeeded()
        except Exception as exc:  # any failure here is retried next tick, until the breaker trips
            self.metrics.inc("tick_failures")
            if self.breaker.failed(exc):
                self.failed_reason = f"{self.breaker.failures} consecutive failures, last: {self.breaker.last_error}"
            _log("tick_failed", error=self.breaker.last_error, consecutive=self.breaker.failures)
        self.metrics.set("consecutive_failures", self.breaker.failures)

    def health(self) -> tuple[bool, dict[str, Any]]:
        """200 while running, set-aside batches or not (they never stop the daemon); 503 once failed."""
        ok = self.failed_reason is None
        set_aside = self.store.batch_page(status="set_aside", limit=HEALTH_SET_ASIDE_SHOWN)
        return ok, {"status": "ok" if ok else "failed", "reason": self.failed_reason,
                    "consecutiveFailures": self.breaker.failures,
                    "setAside": self.store.status_counts().get("set_aside", 0),
                    "setAsideBatches": [{"id": b.id, "projectId": b.project_id, "root": "0x" + b.root.hex(),
                                         "reason": b.reason} for b in set_aside]}

    def _anchored(self, batch_id: int) -> None:
        self.metrics.inc("batches_anchored")
        _log("batch_anchored", batch=batch_id)

    def _set_aside(self, batch_id: int, reason: str) -> None:
        batch = self.store.batch(batch_id)
        self.metrics.inc("batches_set_aside")
        _log("batch_set_aside", batch=batch_id, project=batch.project_id if batch else None, reason=reason)

    def _cosigner_refused(self, batch_id: int, url: str | None, code: str, detail: str) -> None:
        self.metrics.inc("cosigner_refusals", error=code)
        _log("cosigner_refused", batch=batch_id, cosigner=url, error=code, detail=detail)

    def _rejected(self, batch_id: int, fault: str, quarantined: int) -> None:
        self.metrics.inc("batches_rejected", fault=fault)
        self.metrics.inc("readings_quarantined", quarantined)
        _log("batch_rejected", batch=batch_id, fault=fault, quarantined=quarantined)

    def _count(self, outcome: Outcome) -> None:
        if outcome.accepted:
            self.metrics.inc("readings_accepted")
            if outcome.flag is not None:
                self.metrics.inc("readings_flagged")
        else:
            self.metrics.inc("readings_rejected", reason=str(outcome.reason))


def _log_rejection(outcome: Outcome, source: str) -> None:
    _log("reading_rejected", source=source, reason=str(outcome.reason), detail=outcome.detail,
         deviceId="0x" + outcome.device_id.hex() if outcome.device_id else None, sequence=outcome.sequence)


def _log(event: str, **fields: Any) -> None:
    log_event(log, event, **fields)
