"""What the sensor daemon's and the co-signer's HTTP servers share: reading a JSON request body
within a size limit, sending a reply, and the server on its own thread (both answer errors as
{"error": reason, "detail": ...})."""

from __future__ import annotations

import threading
from http import HTTPStatus
from http.server import ThreadingHTTPServer

DRAIN_LIMIT_BYTES = 8 << 20  # an oversized body up to this size is read and dropped before the 413
NO_STORE = "no-store"


class JsonExchange:
    """Mixed into a request handler that has `_error(status, reason, detail)` and `max_body_bytes`."""

    max_body_bytes: int

    def _body_of_post_to(self, path: str) -> bytes | None:
        """The body of a POST to `path`, or None after answering 404 (another path) or a body error."""
        if self.path != path:
            self._error(HTTPStatus.NOT_FOUND, "not_found", f"no resource at {self.path}")
            return None
        return self._read_body()

    def _read_body(self) -> bytes | None:
        """The request body, or None after answering 415 (not JSON), 411 (no length) or 413 (too large)."""
        if self.headers.get_content_type() != "application/json":
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send Content-Type: application/json")
            return None
        length = self.headers.get("Content-Length")
        if length is None or not (length.isascii() and length.isdigit()):
            self._error(HTTPStatus.LENGTH_REQUIRED, "length_required", "send a Content-Length header")
            return None
        if int(length) > self.max_body_bytes:
            self.close_connection = True  # the unread body would be parsed as the next request
            self._discard(int(length))
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", f"body over {self.max_body_bytes} bytes")
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

    def _send(self, status: HTTPStatus, payload: bytes, content_type: str, cache: str = NO_STORE) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", cache)
        self.end_headers()
        self.wfile.write(payload)


class ThreadedServer:
    """A ThreadingHTTPServer serving `handler` with `ctx` on its own thread; `port=0` picks a free
    port (see `.port`)."""

    def __init__(self, handler: type, ctx: object, host: str, port: int, name: str):
        self._server = ThreadingHTTPServer((host, port), type("Handler", (handler,), {"ctx": ctx}))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name=name, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
