"""The co-signer's HTTP interface (stdlib http.server, one thread per request).

    POST /cosign   a proposed batch (oracles.sensor.proposal); 200 {"signature", "signer", "digest"}
                   once oracles.sensor.cosign.review passed and the signature is recorded, else
                   {"error": code, "detail": ...} with the code's status (docs/mrv.md, "Co-signing")
    GET  /health   200 {"status": "ok", "signer", "signed"}
    GET  /metrics  Prometheus text format

Logs are one JSON object per line: `cosigned` and `cosign_refused` name the batch root and the code.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol

from oracles.http_json import JsonErrors
from oracles.readings import Domain
from oracles.runtime.logs import log_event
from oracles.runtime.metrics import Declared, Metrics
from oracles.runtime.signals import stop_on_signals
from oracles.sensor.cosign import ChainView, CosignPolicy, CosignRefused, Refusal, review
from oracles.sensor.cosign_record import SigningRecord
from oracles.sensor.devices import Unavailable
from oracles.sensor.http_body import JsonExchange, ThreadedServer
from oracles.sensor.proposal import MalformedProposal, TooManyReadings, parse

log = logging.getLogger("greenfi.cosigner")

METRICS = (
    Declared("cosigned", "counter", "Batches this co-signer verified and signed (or signed again, same digest)."),
    Declared("cosign_refusals", "counter", "Proposals refused, by reason code."),
)


def cosigner_metrics() -> Metrics:
    return Metrics("greenfi_cosigner", METRICS)


class DigestSigner(Protocol):
    """The co-signing operator's key (greenfi.chain.signers.KeySigner)."""

    address: str

    def sign_digest(self, digest: bytes) -> bytes: ...


@dataclass
class CosignContext:
    chain: ChainView
    domain: Domain
    record: SigningRecord
    signer: DigestSigner
    policy: CosignPolicy
    metrics: Metrics
    clock: Callable[[], float] = time.time

    def cosign(self, body: bytes) -> dict[str, Any]:
        """The reply to a POST /cosign body; CosignRefused for every refusal, nothing recorded then."""
        try:
            proposal = parse(json.loads(body), self.policy.max_readings)
        except TooManyReadings as exc:
            raise CosignRefused(Refusal.TOO_LARGE, str(exc)) from None
        except MalformedProposal as exc:
            extra = {} if exc.index is None else {"index": exc.index}
            raise CosignRefused(Refusal.MALFORMED, str(exc), **extra) from None
        except (ValueError, RecursionError) as exc:
            raise CosignRefused(Refusal.MALFORMED, f"body is not JSON: {exc}") from None
        try:
            digest = review(proposal, self.chain, self.domain, self.signer.address, self.policy, self.clock())
        except Unavailable as exc:
            raise CosignRefused(Refusal.UNAVAILABLE, f"{exc}: nothing signed, ask again later") from None
        signature = self.record.sign_once(proposal.header, digest, self.signer.sign_digest)
        return {"signature": "0x" + signature.hex(), "signer": self.signer.address, "digest": "0x" + digest.hex(),
                "root": "0x" + proposal.header.merkle_root.hex()}


class _Handler(JsonExchange, JsonErrors, BaseHTTPRequestHandler):
    ctx: CosignContext
    server_version = "greenfi-cosigner/1"
    protocol_version = "HTTP/1.1"

    @property
    def max_body_bytes(self) -> int:
        return self.ctx.policy.max_body_bytes

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # one structured line per decision instead

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        if self.path == "/health":
            self._json(HTTPStatus.OK, {"status": "ok", "signer": self.ctx.signer.address,
                                       "signed": self.ctx.record.count()})
        elif self.path == "/metrics":
            self._send(HTTPStatus.OK, self.ctx.metrics.render().encode(), "text/plain; version=0.0.4")
        else:
            self._error(HTTPStatus.NOT_FOUND, "not_found", f"no resource at {self.path}")

    def do_POST(self) -> None:  # noqa: N802
        body = self._body_of_post_to("/cosign")
        if body is None:
            return
        try:
            reply = self.ctx.cosign(body)
        except CosignRefused as exc:
            self.ctx.metrics.inc("cosign_refusals", error=str(exc.code))
            log_event(log, "cosign_refused", logging.WARNING, error=str(exc.code), detail=exc.detail)
            self._json(exc.status, exc.to_json())
            return
        except Exception as exc:  # a co-signer bug: one JSON 500, never a traceback; nothing was signed
            log_event(log, "cosign_failed", logging.ERROR, error=f"{type(exc).__name__}: {exc}")
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal", f"{type(exc).__name__}: nothing was signed")
            return
        self.ctx.metrics.inc("cosigned")
        log_event(log, "cosigned", root=reply["root"], digest=reply["digest"])
        self._json(HTTPStatus.OK, reply)

    def _error(self, status: HTTPStatus, reason: str, detail: str | None) -> None:
        self._json(status, {"error": reason, "detail": detail})

    def _json(self, status: HTTPStatus, body: dict) -> None:
        self._send(status, json.dumps(body).encode(), "application/json")


class CosignerServer(ThreadedServer):
    """The co-signer's HTTP server on its own thread; `port=0` picks a free port (see `.port`)."""

    def __init__(self, ctx: CosignContext, host: str = "127.0.0.1", port: int = 0):
        super().__init__(_Handler, ctx, host, port, "cosigner-http")

    def serve_until_signalled(self) -> None:
        """Serve until SIGTERM or SIGINT."""
        stop = threading.Event()
        stop_on_signals(stop.set)
        self.start()
        log_event(log, "started", port=self.port)
        stop.wait()
        self.stop()
        log_event(log, "stopped", reason="signal")
