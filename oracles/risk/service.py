"""`/health` and Prometheus `/metrics` over a small stdlib HTTP server running in a thread."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from oracles.http_json import JsonErrors
from oracles.runtime import metrics as runtime_metrics
from oracles.runtime.metrics import Declared

METRICS = (
    Declared("scores_posted_total", "counter", "Scores confirmed on chain by this daemon."),
    Declared("scores_skipped_total", "counter", "Scored rows not posted (unchanged within threshold and heartbeat)."),
    Declared("scores_pending", "gauge", "Scores in the outbox not yet confirmed."),
    Declared("batches_sent_total", "counter", "Batch transactions sent."),
    Declared("failures_total", "counter", "Failed cycles."),
    Declared("consecutive_failures", "gauge", "Failed cycles since the last successful one."),
    Declared("last_block", "gauge", "Latest block number seen."),
    Declared("last_cycle_timestamp_seconds", "gauge", "Unix time of the last successful cycle."),
    Declared("scores_unscorable", "gauge", "Rows of the last scored cycle the model refused to judge (not posted)."),
    Declared("scores_unscorable_total", "counter", "Unscorable rows over all cycles."),
    Declared("drift_psi_max", "gauge", "Largest per-feature PSI of the last measured cycle against the training sample."),
    Declared("drift_refusals_total", "counter", "Cycles refused by the drift gate."),
    Declared("up", "gauge", "Whether the daemon is running and its last cycle succeeded."),
)
HEALTH_UNSCORABLE = 100  # unscorable rows listed on /health; the count covers all


class Metrics(runtime_metrics.Metrics):
    """The risk daemon's counters and gauges (oracles.runtime.metrics), plus the state /health reports."""

    def __init__(self):
        super().__init__("greenfi_risk", METRICS)
        self.state = "starting"  # starting, ok, degraded, stopped
        self.last_error: str | None = None
        self.unscorable: list[dict[str, str]] = []  # subject, feature, reason of the last cycle
        self.drift: dict | None = None  # the last drift figures (models.drift.stability)

    def set_unscorable(self, rows) -> None:
        with self._lock:
            self.unscorable = [row.as_dict() for row in rows]
        self.set("scores_unscorable", len(rows))
        self.add("scores_unscorable_total", len(rows))

    add = runtime_metrics.Metrics.inc  # the daemon's and its tests' names for the shared operations
    get = runtime_metrics.Metrics.value

    def prometheus(self) -> str:
        self.set("up", 1 if self.state == "ok" else 0)
        return self.render()

    def health(self) -> tuple[int, dict]:
        with self._lock:
            unscorable, drift = list(self.unscorable), self.drift
        body = {"status": self.state, "consecutive_failures": int(self.get("consecutive_failures")),
                "last_block": int(self.get("last_block")), "pending": int(self.get("scores_pending")),
                "last_error": self.last_error, "time": int(time.time()),
                "unscorable_count": len(unscorable), "unscorable": unscorable[:HEALTH_UNSCORABLE], "drift": drift}
        return (200 if self.state in ("ok", "starting") else 503), body


class MetricsServer:
    def __init__(self, metrics: Metrics, host: str = "127.0.0.1", port: int = 0):
        handler = _handler(metrics)
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="risk-metrics", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return host, port

    def start(self) -> "MetricsServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler(metrics: Metrics):
    class Handler(JsonErrors, BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            if self.path == "/metrics":
                self._reply(200, "text/plain; version=0.0.4; charset=utf-8", metrics.prometheus())
            elif self.path == "/health":
                status, body = metrics.health()
                self._reply(status, "application/json", json.dumps(body))
            else:
                body = {"error": "not_found", "detail": f"no resource at {self.path}: try /health or /metrics"}
                self._reply(404, "application/json", json.dumps(body))

        def _reply(self, status: int, content_type: str, body: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):  # scrapes every few seconds would flood the log
            pass

    return Handler
