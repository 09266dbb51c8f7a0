"""Reading a JSON request body within a size limit: shared by the sensor daemon's and the
co-signer's request handlers (both answer errors as {"error": reason, "detail": ...})."""

from __future__ import annotations

from http import HTTPStatus

DRAIN_LIMIT_BYTES = 8 << 20  # an oversized body up to this size is read and dropped before the 413


class BodyReader:
    """Mixed into a handler that has `_error(status, reason, detail)` and sets `max_body_bytes`."""

    max_body_bytes: int

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
