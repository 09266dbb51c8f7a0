"""HTTP interface of the sensor daemon (stdlib http.server, one thread per request).

    POST /readings                    one signed reading (JSON object) or many (JSON array)
    GET  /batches?project=&status=&since=&until=&after=&limit=   batches, paged by id
    GET  /batches/{id | 0xroot}           a batch's root, totals, status and its readings as published
    GET  /batches/{id | 0xroot}/document  the batch document, exactly the bytes its content hash covers
    GET  /flagged?project=&after=&limit=  readings the anomaly screen flagged, awaiting the verifier
    GET  /decisions/{0xdeviceId}/{sequence}  a verifier's decision document, exactly the hashed bytes
    GET  /health                          200 while the daemon runs, 503 once its circuit breaker has tripped
    GET  /metrics                         Prometheus text format

Every rejection is a 4xx with a JSON body {"error": reason, "detail": ...}; nothing is a 5xx
unless the daemon itself failed, or 503 {"error": "unavailable"} when the chain or the store cannot
answer right now (nothing was stored: retry the same readings later). docs/oracle-readings.md §10
documents every reply.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from oracles.http_json import JsonErrors
from oracles.sensor.devices import Unavailable
from oracles.sensor.http_body import NO_STORE, JsonExchange, ThreadedServer
from oracles.sensor.document import batch_document
from oracles.sensor.intake import Intake, Outcome, Rejection
from oracles.sensor.metrics import Metrics
from oracles.sensor.review import flagged
from oracles.sensor.store import BATCH_STATUSES, Store, StoredBatch

MAX_PAGE = 500  # items per page of a list at most (limit=…); 100 by default
DEFAULT_PAGE = 100
# A batch document never changes (its root and content hash fix it); a batch's status does.
IMMUTABLE = "public, max-age=31536000, immutable"

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


class BadQuery(ValueError):
    """A query parameter or path segment that does not parse: 400 with its name."""

    def __init__(self, error: str, detail: str):
        super().__init__(detail)
        self.error = error


class _Handler(JsonExchange, JsonErrors, BaseHTTPRequestHandler):
    ctx: ServerContext
    server_version = "greenfi-sensor/1"
    protocol_version = "HTTP/1.1"

    @property
    def max_body_bytes(self) -> int:
        return self.ctx.max_body_bytes

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # access logs would drown the structured log; metrics count requests instead

    # ------------------------------------------------------------------ routes

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        url = urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        try:
            query = _query(url.query)
            if url.path == "/health":
                ok, body = self.ctx.health()
                self._json(HTTPStatus.OK if ok else HTTPStatus.SERVICE_UNAVAILABLE, body)
            elif url.path == "/metrics":
                self._send(HTTPStatus.OK, self.ctx.metrics.render().encode(), "text/plain; version=0.0.4")
            elif url.path == "/batches":
                self._list_batches(query)
            elif parts[0] == "batches" and len(parts) == 2:
                self._get_batch(parts[1])
            elif parts[0] == "batches" and len(parts) == 3 and parts[2] == "document":
                self._get_document(parts[1])
            elif url.path == "/flagged":
                self._list_flagged(query)
            elif parts[0] == "decisions" and len(parts) == 3:
                self._get_decision(parts[1], parts[2])
            else:
                self._error(HTTPStatus.NOT_FOUND, "not_found", f"no resource at {url.path}")
        except BadQuery as exc:
            self._error(HTTPStatus.BAD_REQUEST, exc.error, str(exc))

    def do_POST(self) -> None:  # noqa: N802
        body = self._body_of_post_to("/readings")
        if body is None:
            return
        try:
            payload = json.loads(body, object_pairs_hook=_unique_keys)
        except _DuplicateKey as exc:
            self._error(HTTPStatus.BAD_REQUEST, Rejection.MALFORMED, f"duplicate key {exc.args[0]!r}: refused, as the reading format says")
            return
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

    def _submit(self, items: list) -> list[Outcome] | None:
        try:
            return self.ctx.intake.submit(items)
        except Unavailable as exc:  # nothing was stored: the device may retry the same readings
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, "unavailable", str(exc))
            return None
        except Exception as exc:  # a daemon bug: one JSON 500, never a traceback or a dropped connection
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal", f"{type(exc).__name__}: nothing was stored")
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

    def _find_batch(self, key: str) -> StoredBatch | None:
        """The batch named by its id (decimal) or its Merkle root (0x + 64 hex); 404 answered if none."""
        if key.startswith("0x"):
            root = _hex32(key, "bad_batch_id")
            batch = self.ctx.store.batch_by_root(root)
        elif key.isascii() and key.isdigit() and len(key) <= 18:  # an SQLite INTEGER
            batch = self.ctx.store.batch(int(key))
        else:
            raise BadQuery("bad_batch_id", "a batch is named by its id (decimal) or its Merkle root (0x + 64 hex digits)")
        if batch is None:
            self._error(HTTPStatus.NOT_FOUND, "unknown_batch", f"no batch {key}")
        return batch

    def _document(self, batch: StoredBatch) -> bytes:
        """A live batch's document from its readings; a rejected one's as it was kept."""
        if batch.status == "rejected":
            return self.ctx.store.batch_document(batch.id) or b"[]"
        return batch_document(self.ctx.store.batch_members(batch.id))

    def _get_batch(self, key: str) -> None:
        batch = self._find_batch(key)
        if batch is not None:
            body = _batch_summary(batch) | {"readings": json.loads(self._document(batch))}
            self._json(HTTPStatus.OK, body, "no-cache")

    def _get_document(self, key: str) -> None:
        batch = self._find_batch(key)
        if batch is not None:
            self._send(HTTPStatus.OK, self._document(batch), "application/json", IMMUTABLE)

    def _list_batches(self, query: dict[str, str]) -> None:
        status = query.get("status")
        if status is not None and status not in BATCH_STATUSES:
            raise BadQuery("bad_status", f"status must be one of {', '.join(BATCH_STATUSES)}")
        limit = _int(query, "limit", DEFAULT_PAGE, 1, MAX_PAGE)
        page = self.ctx.store.batch_page(
            _int(query, "project", None, 0, (1 << 63) - 1), status, _int(query, "since", None, 0, 1 << 40),
            _int(query, "until", None, 0, 1 << 40), _int(query, "after", 0, 0, (1 << 63) - 1), limit)
        self._json(HTTPStatus.OK, {"batches": [_batch_summary(b) for b in page],
                                   "next": page[-1].id if len(page) == limit else None}, NO_STORE)

    def _list_flagged(self, query: dict[str, str]) -> None:
        limit = _int(query, "limit", DEFAULT_PAGE, 1, MAX_PAGE)
        after = _flag_cursor(query["after"]) if "after" in query else None
        page = flagged(self.ctx.store, _int(query, "project", None, 0, (1 << 63) - 1), after, limit)
        items = [held.signed.to_json_obj() | {"projectId": held.project_id, "receivedAt": held.received_at,
                                               "flag": held.detail} for held in page]
        last = page[-1] if len(page) == limit else None
        cursor = f"{last.received_at!r}~0x{last.signed.reading.device_id.hex()}~{last.signed.reading.sequence}" if last else None
        self._json(HTTPStatus.OK, {"readings": items, "next": cursor}, NO_STORE)

    def _get_decision(self, raw_device: str, raw_sequence: str) -> None:
        device_id = _hex32(raw_device, "bad_device_id")
        if not (raw_sequence.isascii() and raw_sequence.isdigit() and int(raw_sequence) < 1 << 64):
            raise BadQuery("bad_sequence", "sequence must be a decimal uint64")
        decision = self.ctx.store.decision(device_id, int(raw_sequence))
        if decision is None:
            self._error(HTTPStatus.NOT_FOUND, "unknown_decision", f"no decision on {raw_device}/{raw_sequence}")
        else:
            self._send(HTTPStatus.OK, decision[2], "application/json", IMMUTABLE)

    # ------------------------------------------------------------------ responses

    def _error(self, status: HTTPStatus, reason: str, detail: str | None, outcome: Outcome | None = None) -> None:
        body = {"error": str(reason), "detail": detail}
        if outcome is not None and outcome.device_id is not None:
            body |= {"deviceId": "0x" + outcome.device_id.hex(), "sequence": outcome.sequence}
        self.ctx.metrics.inc("http_errors", status=str(status.value))
        self._json(status, body)

    def _json(self, status: HTTPStatus, body: dict, cache: str = NO_STORE) -> None:
        self._send(status, json.dumps(body).encode(), "application/json", cache)


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        raise _DuplicateKey(next(k for k, _ in pairs if k in seen or seen.add(k)))
    return obj


def _query(text: str) -> dict[str, str]:
    try:
        parsed = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=16)
    except ValueError as exc:
        raise BadQuery("bad_query", f"query string does not parse: {exc}") from None
    repeated = [k for k, v in parsed.items() if len(v) > 1]
    if repeated:
        raise BadQuery("bad_query", f"parameter {repeated[0]!r} given more than once")
    return {k: v[0] for k, v in parsed.items()}


def _int(query: dict[str, str], name: str, default: int | None, low: int, high: int) -> int | None:
    raw = query.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 20 and low <= int(raw) <= high):
        raise BadQuery("bad_query", f"{name} must be an integer in {low}..{high}")
    return int(raw)


def _hex32(raw: str, error: str) -> bytes:
    body = raw.removeprefix("0x")
    if len(body) != 64 or not all(c in "0123456789abcdefABCDEF" for c in body):
        raise BadQuery(error, f"{raw[:80]!r} is not 0x + 64 hex digits")
    return bytes.fromhex(body)


def _flag_cursor(raw: str) -> tuple[float, bytes, int]:
    try:
        received, device, sequence = raw.split("~")
        return float(received), _hex32(device, "bad_query"), int(sequence)
    except ValueError:
        raise BadQuery("bad_query", "after must be the `next` cursor of the previous page") from None


def _batch_summary(batch: StoredBatch) -> dict[str, Any]:
    return {
        "id": batch.id, "projectId": batch.project_id, "windowStart": batch.window_start,
        "windowEnd": batch.window_end, "root": "0x" + batch.root.hex(), "totalWh": batch.total_wh,
        "readingCount": batch.reading_count, "contentHash": "0x" + batch.content_hash.hex(),
        "status": batch.status, "reason": batch.reason, "createdAt": batch.created_at,
        "txHash": "0x" + batch.tx_hash.hex() if batch.tx_hash else None,
    }


class SensorHTTPServer(ThreadedServer):
    """The HTTP server on its own thread; `port=0` picks a free port (see `.port`)."""

    def __init__(self, ctx: ServerContext, host: str = "127.0.0.1", port: int = 0):
        super().__init__(_Handler, ctx, host, port, "sensor-http")
