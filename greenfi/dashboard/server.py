"""`greenfi dashboard`'s web server: Python's ThreadingHTTPServer, no framework.

    GET  /                      dashboard/index.html (and the other files of dashboard/)
    GET  /vendor/ethers.js      node_modules/ethers/dist/ethers.min.js (an ES module; no CDN)
    GET  /abi/index.json        `greenfi abi export` layout: {"contracts": [...], "chains": {...}}
    GET  /abi/<Name>.json       {"contractName", "abi", "addresses": {"<chainId>": "0x…"}}
    GET  /config.json           {"chainId", "network", "rpc": "/rpc", "addresses": {...}, "fromBlock"}
    GET  /enums.json            {"Contract.Enum": ["Member", ...]} from the build's ASTs
    POST /rpc                   JSON-RPC to the chain, read-only methods only, within greenfi.dashboard.proxy's limits

The page reads the chain through /rpc so it needs nothing but its own origin. The proxy forwards
only reading methods: the node behind it may hold unlocked accounts (local chains do), and nothing
that reaches the dashboard's port should be able to send transactions from them. Its limits (batch
size, eth_getLogs range, per-client rate, concurrent upstream calls, connections) keep one client
from exhausting a paid endpoint or the node. Signing goes through the visitor's injected wallet,
never through this server.
"""

from __future__ import annotations

import json
import mimetypes
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from greenfi.chain import abi_export
from greenfi.chain.deploy import SUITE
from greenfi.chain.deployments import DeploymentRecord
from greenfi.dashboard import proxy
from greenfi.dashboard.enums import build_enums
from greenfi.dashboard.proxy import Limits, RateLimiter, Refusal, Upstream
from greenfi.errors import ConfigError, ToolchainError
from greenfi.paths import DEPLOYMENTS, REPO_ROOT

STATIC_DIR = REPO_ROOT / "dashboard"
ETHERS_JS = REPO_ROOT / "node_modules" / "ethers" / "dist" / "ethers.min.js"
# Contracts the page reads that are created by a factory rather than deployed from SUITE.
EXTRA_CONTRACTS = ("GreenBondFactory", "GreenBond")
HEAD_TTL = 1.0  # seconds the chain's head block number is reused for eth_getLogs range checks


def contract_names() -> list[str]:
    names = [spec.name for spec in SUITE]
    return names + [name for name in EXTRA_CONTRACTS if name not in names]


def rpc_call(url: str, body: bytes, timeout: float = 30) -> bytes:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def chain_id_of(url: str) -> int:
    """The chain id the RPC endpoint serves; ConfigError when it does not answer."""
    try:
        reply = json.loads(rpc_call(url, json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId",
                                                      "params": []}).encode(), timeout=10))
        return int(reply["result"], 16)
    except (OSError, ValueError, KeyError) as exc:  # the URL may be the user's secret: never echo it
        raise ConfigError(f"the dashboard's RPC endpoint does not answer eth_chainId ({type(exc).__name__})") from None


@dataclass
class Site:
    """What the server serves: where the static files are, the ABI folder, the chain's endpoint."""

    rpc_url: str
    chain_id: int
    network: str
    abi_dir: Path
    static_dir: Path = STATIC_DIR
    ethers_js: Path = ETHERS_JS
    addresses: dict[str, str] = field(default_factory=dict)
    from_block: int = 0  # the suite's first deployment block: event queries start there
    limits: Limits = field(default_factory=Limits)
    enums: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rate = RateLimiter(self.limits.rate, self.limits.burst, self.limits.max_clients)
        self.upstream = Upstream(self.limits.max_upstream, self.limits.upstream_wait)
        self.connections = threading.BoundedSemaphore(self.limits.max_connections)
        self._head = (0, -HEAD_TTL)  # (block number, when)
        self._head_lock = threading.Lock()

    @classmethod
    def build(cls, rpc_url: str, network: str, abi_dir: Path, deployments: Path = DEPLOYMENTS,
              static_dir: Path = STATIC_DIR, ethers_js: Path = ETHERS_JS, limits: Limits | None = None) -> Site:
        """Check the endpoint and the files, export the ABIs into `abi_dir`, and describe the site."""
        if not (static_dir / "index.html").exists():
            raise ConfigError(f"no dashboard front end at {static_dir}")
        if not ethers_js.exists():
            raise ToolchainError("the ethers library is missing: run `npm ci` (it ships in node_modules)")
        chain_id = chain_id_of(rpc_url)
        index = abi_export.export(abi_dir, deployments, contract_names())
        blocks = [d.block for d in DeploymentRecord(chain_id, deployments).contracts.values() if d.block is not None]
        return cls(rpc_url, chain_id, network, abi_dir, static_dir, ethers_js,
                   dict(index["chains"].get(str(chain_id), {})), min(blocks, default=0), limits or Limits(),
                   build_enums(abi_dir, contract_names()))

    def config(self) -> dict:
        return {"chainId": self.chain_id, "network": self.network, "rpc": "/rpc", "addresses": self.addresses,
                "fromBlock": self.from_block}

    def head(self) -> int:
        """The chain's latest block number, reused for HEAD_TTL seconds (one upstream call per second at most)."""
        with self._head_lock:
            number, when = self._head
            if time.monotonic() - when < HEAD_TTL:
                return number
        with self.upstream:
            reply = json.loads(rpc_call(self.rpc_url, b'{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}'))
        number = int(reply["result"], 16)
        with self._head_lock:
            self._head = (number, time.monotonic())
        return number

    def forward(self, body: bytes, client: str) -> bytes:
        """The upstream's answer to a JSON-RPC request `body` (already within max_body) from `client`, or
        Refusal / RefusedRequest (proxy.check, the client's bucket, the upstream slots)."""
        try:
            request = json.loads(body)
        except ValueError:
            raise Refusal(HTTPStatus.BAD_REQUEST, proxy.PARSE_ERROR, "parse error: the body is not JSON") from None
        try:
            cost = proxy.check(request, self.limits, self.head)
            self.rate.take(client, cost)
            with self.upstream:
                return rpc_call(self.rpc_url, body)
        except Refusal as refusal:
            raise RefusedRequest(refusal, request) from None
        except urllib.error.HTTPError as exc:
            return exc.read()
        except (OSError, ValueError, KeyError) as exc:
            raise RefusedRequest(Refusal(HTTPStatus.BAD_GATEWAY, proxy.INTERNAL_ERROR,
                                         f"chain unreachable: {type(exc).__name__}"), request) from None


class RefusedRequest(Exception):
    """A Refusal together with the request it answers (so a batch's ids come back)."""

    def __init__(self, refusal: Refusal, request: object):
        super().__init__(refusal.message)
        self.refusal, self.request = refusal, request


class DashboardHandler(BaseHTTPRequestHandler):
    site: Site  # set on the subclass `make_server` creates
    server_version = "greenfi-dashboard"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass  # one line per request would drown the terminal; errors still reach the page

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?", 1)[0]
        if path == "/config.json":
            return self._send(HTTPStatus.OK, json.dumps(self.site.config()).encode(), "application/json")
        if path == "/enums.json":
            return self._send(HTTPStatus.OK, json.dumps(self.site.enums).encode(), "application/json")
        if path == "/vendor/ethers.js":
            return self._file(self.site.ethers_js)
        if path.startswith("/abi/"):
            return self._file(self.site.abi_dir / path[len("/abi/"):], root=self.site.abi_dir)
        return self._file(self.site.static_dir / (path.lstrip("/") or "index.html"), root=self.site.static_dir)

    def do_POST(self) -> None:  # noqa: N802
        if self.path != "/rpc":
            return self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        try:
            if not 0 < length <= self.site.limits.max_body:
                raise Refusal(HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length else HTTPStatus.BAD_REQUEST,
                              proxy.INVALID_REQUEST, f"request body must be 1 to {self.site.limits.max_body} bytes",
                              {"limit": "max_body"})
            answer = self.site.forward(self.rfile.read(length), self.client_address[0])
        except Refusal as refusal:
            return self._refuse(refusal, None)
        except RefusedRequest as refused:
            return self._refuse(refused.refusal, refused.request)
        self._send(HTTPStatus.OK, answer, "application/json")

    def _refuse(self, refusal: Refusal, request: object) -> None:
        body = json.dumps(refusal.reply(request)).encode()
        self._send(refusal.status, body, "application/json", refusal.headers())

    def _file(self, path: Path, root: Path | None = None) -> None:
        path = path.resolve()
        if root is not None and root.resolve() not in path.parents:
            return self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
        if not path.is_file():
            return self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
        kind = "text/javascript" if path.suffix == ".js" else mimetypes.guess_type(path.name)[0]
        self._send(HTTPStatus.OK, path.read_bytes(), kind or "application/octet-stream")

    def _send(self, status: HTTPStatus, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type + ("; charset=utf-8" if content_type.startswith("text") else ""))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        try:
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client left before the answer: nobody to tell, no traceback


BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
        b"Connection: close\r\nContent-Length: %d\r\n\r\n%s")


class BoundedServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that handles at most `site.limits.max_connections` requests at once: past
    that, a connection gets a canned 503 (-32005) from the accepting thread, and no new thread."""

    daemon_threads = True
    site: Site

    def process_request(self, request, client_address) -> None:
        if not self.site.connections.acquire(blocking=False):
            body = json.dumps(Refusal(HTTPStatus.SERVICE_UNAVAILABLE, proxy.LIMIT_EXCEEDED,
                                      "too many connections; retry later", {"limit": "max_connections"}).reply()).encode()
            try:
                request.sendall(BUSY % (len(body), body))
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.site.connections.release()


def make_server(site: Site, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A server for `site` bound to host:port (0 = a free port); call serve_forever() to run it."""
    handler = type("BoundDashboardHandler", (DashboardHandler,), {"site": site})
    server = BoundedServer((host, port), handler)
    server.site = site
    return server


class Background:
    """A dashboard served from a thread (tests, screenshots): `with Background(rpc_url) as url: ...`."""

    def __init__(self, rpc_url: str, network: str = "local", deployments: Path = DEPLOYMENTS, limits: Limits | None = None):
        self._scratch = tempfile.TemporaryDirectory(prefix="greenfi-dashboard-")
        self.site = Site.build(rpc_url, network, Path(self._scratch.name), deployments, limits=limits)
        self.server = make_server(self.site)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self._thread.start()
        return self.url

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._scratch.cleanup()
