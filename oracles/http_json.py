"""JSON errors for what http.server rejects on its own; mixed into the daemons' request handlers.

BaseHTTPRequestHandler answers a method without a `do_<METHOD>` with 501 (a server error for a
client's mistake), an HTTP/2+ request line with 505, and a malformed request line, an over-long header or a bad version with an HTML
page. With `JsonErrors` first in the bases, any method the handler does not serve is a 405, an unsupported version a 400, and every
error body has the daemons' shape {"error": reason, "detail": text}; a response to a request
whose body the handler did not read closes the connection (that body is not a next request).
"""

from __future__ import annotations

import json
from http import HTTPStatus


class JsonErrors:
    body_read = False  # a handler that reads the request body sets this (per request)
    default_request_version = "HTTP/1.0"  # answer an unparsable request line with a status line, not HTTP/0.9's bare body

    def parse_request(self) -> bool:
        self.body_read = False
        return super().parse_request()

    def end_headers(self) -> None:
        # a body the handler did not read would be parsed as the next request on this connection
        if not self.close_connection and not self.body_read and _declares_body(getattr(self, "headers", None)):
            self.close_connection = True
            self.send_header("Connection", "close")
        super().end_headers()

    def __getattr__(self, name: str):
        # http.server looks up do_<METHOD> for whatever method the client sent
        if name.startswith("do_"):
            return self._method_not_allowed
        raise AttributeError(name)

    def _method_not_allowed(self) -> None:
        self.send_error(HTTPStatus.METHOD_NOT_ALLOWED, f"{self.command} is not supported")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code == HTTPStatus.HTTP_VERSION_NOT_SUPPORTED:  # the client's choice of version, not a server fault
            code, message = HTTPStatus.BAD_REQUEST, f"unsupported HTTP version: {message}"
        status = HTTPStatus(code)
        reason = status.phrase.lower().replace(" ", "_").replace("-", "_")
        body = json.dumps({"error": reason, "detail": message or status.description}).encode()
        self.close_connection = True  # the request may be unreadable: do not parse what follows it
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and code not in (HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED):
            self.wfile.write(body)


def _declares_body(headers) -> bool:
    return headers is not None and (headers.get("Content-Length", "0").strip() not in ("", "0")
                                    or "Transfer-Encoding" in headers)
