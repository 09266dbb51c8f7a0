"""HTTP interface of the sensor daemon (stdlib http.server, one thread per request).

    POST /readings        one signed reading (JSON object) or many (JSON array)
    GET  /batches/{id}    a batch's root, totals, status and its readings as published
    GET  /health          200 while the daemon runs, 503 once its circuit breaker has tripped
    GET  /metrics         Prometheus text format

Every rejection is a 4xx with a JSON body {"error": reason, "detail": ...}; nothing is a 5xx
unless the daemon itself failed, or 503 {"error": "unavailable"} when the chain or the store cannot
answer right now (nothing was stored: retry the same readings later).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from oracles.codec import canonical_batch_bytes
from oracles.http_json import JsonErrors
from oracles.sensor.devices import Unavailable
from oracles.sensor.intake import Intake, Outcome, Rejection
from oracles.sensor.metrics import Metrics
from oracles.sensor.store import Store

DRAIN_LIMIT_BYTES = 8 << 20  # an oversized body up to this size is read and dropped before the 413

STATUS_BY_REASON = {Rejection.MALFORMED: HTTPStatus.BAD_REQUEST, Rejection.REPLAYED: HTTPStatus.CONFLICT,
                    Rejection.OUT_OF_ORDER: HTTPStatus.CONFLICT}


@dataclass
class ServerContext:
    intake: Intake
    store: Store
    metrics: Metrics
    health: Callable[[], tuple[bool, dict[str, Any]]]
    max_body_bytes: int = 1 << 20
    max_items: int = 4096


class _Handler(JsonErrors, BaseHTTPRequestHandler):
    ctx: ServerContext
    server_version = "greenfi-sensor/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # access logs would drown the structured log; metrics count requests instead

    # ------------------------------------------------------------------ routes

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        if self.path == "/health":
            ok, body = self.ctx.health()
            self._json(HTTPStatus.OK if ok else HTTPStatus.SERVICE_UNAVAILABLE, body)
        elif self.path == "/metrics":
            self._send(HTTPStatus.OK, self.ctx.metrics.render().encode(), "text/plain; version=0.0.4")
        elif self.path.startswith("/batches/"):
            self._get_batch(self.path.removeprefix("/batches/"))
        else:
            self._error(HTTPStatus.NOT_FOUND, "not_found", f"no resource at {self.path}")

    def do_POST(self) -> None:  # noqa: N802
        if self.path != "/readings":
            self._error(HTTPStatus.NOT_FOUND, "not_found", f"no resource at {self.path}")
            return
        body = self._read_body()
        if body is None:
            return
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError) as exc:
            self._error(HTTPStatus.BAD_REQUEST, Rejection.MALFORMED, f"body is not JSON: {exc}")
            return
        if isinstance(payload, list):
            self._post_many(payload)
        elif isinstance(payload, dict):
            self._post_one(payload)
        else:
            self._error(HTTPStatus.BAD_REQUEST, Rejection.MALFORMED, "body must be a JSON object or array")

    do_PUT = do_DELETE = do_PATCH = lambda self: self._error(  # noqa: E731
        HTTPStatus.METHOD_NOT_ALLOWED, "method_not_allowed", f"{self.command} is not supported")

    # ------------------------------------------------------------------ handlers

    def _read_body(self) -> bytes | None:
        if self.headers.get_content_type() != "application/json":
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send Content-Type: application/json")
            return None
        length = self.headers.get("Content-Length")
        if length is None or not (length.isascii() and length.isdigit()):
            self._error(HTTPStatus.LENGTH_REQUIRED, "length_required", "send a Content-Length header")
            return None
        if int(length) > self.ctx.max_body_bytes:
            self.close_connection = True  # the unread body would be parsed as the next request
            self._discard(int(length))
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", f"body over {self.ctx.max_body_bytes} bytes")
            return None
        self.body_read = True
        return self.rfile.read(int(length))

    def _discard(self, length: int) -> None:
        """Read and drop a moderately oversized body before answering 413: closing a socket with
        unread data makes the kernel reset the connection, and the client would lose the answer.
        Bodies past DRAIN_LIMIT_BYTES are not read at all (the connection just closes)."""
        if length > DRAIN_LIMIT_BYTES:
            return
        while length > 0 and (chunk := self.rfile.read(min(length, 1 << 16))):
            length -= len(chunk)

    def _submit(self, items: list) -> list[Outcome] | None:
        try:
            return self.ctx.intake.submit(items)
        except Unavailable as exc:  # nothing was stored: the device may retry the same readings
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, "unavailable", str(exc))
            return None

    def _post_one(self, item: dict) -> None:
        outcomes = self._submit([item])
        if outcomes is None:
            return
        outcome = outcomes[0]
        if outcome.accepted:
            self._json(HTTPStatus.ACCEPTED, outcome.to_json())
        else:
            status = STATUS_BY_REASON.get(outcome.reason, HTTPStatus.UNPROCESSABLE_ENTITY)
            self._error(status, outcome.reason, outcome.detail, outcome)

    def _post_many(self, items: list) -> None:
        if len(items) > self.ctx.max_items:
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", f"more than {self.ctx.max_items} readings")
            return
        outcomes = self._submit(items)
        if outcomes is None:
            return
        accepted = sum(o.accepted for o in outcomes)
        body = {"accepted": accepted, "rejected": len(outcomes) - accepted, "results": [o.to_json() for o in outcomes]}
        self._json(HTTPStatus.OK if accepted or not outcomes else HTTPStatus.UNPROCESSABLE_ENTITY, body)

    def _get_batch(self, raw_id: str) -> None:
        if not (raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 18):  # an SQLite INTEGER
            self._error(HTTPStatus.BAD_REQUEST, "bad_batch_id", "batch id must be a non-negative integer")
            return
        batch = self.ctx.store.batch(int(raw_id))
        if batch is None:
            self._error(HTTPStatus.NOT_FOUND, "unknown_batch", f"no batch {raw_id}")
            return
        readings = json.loads(canonical_batch_bytes(self.ctx.store.batch_readings(batch.id)))
        self._json(HTTPStatus.OK, {
            "id": batch.id, "projectId": batch.project_id, "windowStart": batch.window_start,
            "windowEnd": batch.window_end, "root": "0x" + batch.root.hex(), "totalWh": batch.total_wh,
            "readingCount": batch.reading_count, "contentHash": "0x" + batch.content_hash.hex(),
            "status": batch.status, "txHash": "0x" + batch.tx_hash.hex() if batch.tx_hash else None,
            "readings": readings,
        })

    # ------------------------------------------------------------------ responses

    def _error(self, status: HTTPStatus, reason: str, detail: str | None, outcome: Outcome | None = None) -> None:
        body = {"error": str(reason), "detail": detail}
        if outcome is not None and outcome.device_id is not None:
            body |= {"deviceId": "0x" + outcome.device_id.hex(), "sequence": outcome.sequence}
        self.ctx.metrics.inc("http_errors", status=str(status.value))
        self._json(status, body)

    def _json(self, status: HTTPStatus, body: dict) -> None:
        self._send(status, json.dumps(body).encode(), "application/json")

    def _send(self, status: HTTPStatus, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class SensorHTTPServer:
    """The HTTP server on its own thread; `port=0` picks a free port (see `.port`)."""

    def __init__(self, ctx: ServerContext, host: str = "127.0.0.1", port: int = 0):
        handler = type("Handler", (_Handler,), {"ctx": ctx})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="sensor-http", daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
