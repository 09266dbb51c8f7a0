"""`greenfi dashboard`'s web server: Python's ThreadingHTTPServer, no framework.

    GET  /                      dashboard/index.html (and the other files of dashboard/)
    GET  /vendor/ethers.js      node_modules/ethers/dist/ethers.min.js (an ES module; no CDN)
    GET  /abi/index.json        `greenfi abi export` layout: {"contracts": [...], "chains": {...}}
    GET  /abi/<Name>.json       {"contractName", "abi", "addresses": {"<chainId>": "0x…"}}
    GET  /config.json           {"chainId", "network", "rpc": "/rpc", "addresses": {...}, "fromBlock"}
    POST /rpc                   JSON-RPC to the chain, read-only methods only

The page reads the chain through /rpc so it needs nothing but its own origin. The proxy forwards
only reading methods: the node behind it may hold unlocked accounts (local chains do), and nothing
that reaches the dashboard's port should be able to send transactions from them. Signing (a
retirement) goes through the visitor's injected wallet, never through this server.
"""

from __future__ import annotations

import json
import mimetypes
import tempfile
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from greenfi.chain import abi_export
from greenfi.chain.deploy import SUITE
from greenfi.chain.deployments import DeploymentRecord
from greenfi.errors import ConfigError, ToolchainError
from greenfi.paths import DEPLOYMENTS, REPO_ROOT

STATIC_DIR = REPO_ROOT / "dashboard"
ETHERS_JS = REPO_ROOT / "node_modules" / "ethers" / "dist" / "ethers.min.js"
# Contracts the page reads that are created by a factory rather than deployed from SUITE.
EXTRA_CONTRACTS = ("GreenBondFactory", "GreenBond")
MAX_BODY = 1 << 20  # bytes of one JSON-RPC request (a batch of reads is a few kB)
READ_METHODS = frozenset({
    "eth_chainId", "net_version", "eth_blockNumber", "eth_call", "eth_getLogs", "eth_getBlockByNumber",
    "eth_getBlockByHash", "eth_getCode", "eth_getBalance", "eth_getTransactionByHash",
    "eth_getTransactionReceipt", "eth_estimateGas", "eth_gasPrice", "eth_maxPriorityFeePerGas",
    "eth_feeHistory", "eth_getTransactionCount", "eth_getStorageAt", "web3_clientVersion",
})


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


def disallowed_methods(request: object) -> list[str]:
    """The methods of a JSON-RPC request (single or batch) the proxy refuses; [] when all are reads."""
    calls = request if isinstance(request, list) else [request]
    if not calls:
        return ["(empty batch)"]
    refused = []
    for call in calls:
        method = call.get("method") if isinstance(call, dict) else None
        if method not in READ_METHODS:
            refused.append(str(method))
    return refused


def rpc_error(request: object, message: str) -> list[dict] | dict:
    def one(call: object) -> dict:
        ident = call.get("id") if isinstance(call, dict) else None
        return {"jsonrpc": "2.0", "id": ident, "error": {"code": -32601, "message": message}}

    return [one(c) for c in request] if isinstance(request, list) and request else one(request)


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

    @classmethod
    def build(cls, rpc_url: str, network: str, abi_dir: Path, deployments: Path = DEPLOYMENTS,
              static_dir: Path = STATIC_DIR, ethers_js: Path = ETHERS_JS) -> Site:
        """Check the endpoint and the files, export the ABIs into `abi_dir`, and describe the site."""
        if not (static_dir / "index.html").exists():
            raise ConfigError(f"no dashboard front end at {static_dir}")
        if not ethers_js.exists():
            raise ToolchainError("the ethers library is missing: run `npm ci` (it ships in node_modules)")
        chain_id = chain_id_of(rpc_url)
        index = abi_export.export(abi_dir, deployments, contract_names())
        blocks = [d.block for d in DeploymentRecord(chain_id, deployments).contracts.values() if d.block is not None]
        return cls(rpc_url, chain_id, network, abi_dir, static_dir, ethers_js,
                   dict(index["chains"].get(str(chain_id), {})), min(blocks, default=0))

    def config(self) -> dict:
        return {"chainId": self.chain_id, "network": self.network, "rpc": "/rpc", "addresses": self.addresses,
                "fromBlock": self.from_block}


class DashboardHandler(BaseHTTPRequestHandler):
    site: Site  # set on the subclass `make_server` creates
    server_version = "greenfi-dashboard"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass  # one line per request would drown the terminal; errors still reach the page

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?", 1)[0]
        if path == "/config.json":
            return self._send(HTTPStatus.OK, json.dumps(self.site.config()).encode(), "application/json")
        if path == "/vendor/ethers.js":
            return self._file(self.site.ethers_js)
        if path.startswith("/abi/"):
            return self._file(self.site.abi_dir / path[len("/abi/"):], root=self.site.abi_dir)
        return self._file(self.site.static_dir / (path.lstrip("/") or "index.html"), root=self.site.static_dir)

    def do_POST(self) -> None:  # noqa: N802
        if self.path != "/rpc":
            return self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY:
            return self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"request too large", "text/plain")
        body = self.rfile.read(length)
        try:
            request = json.loads(body)
        except ValueError:
            return self._send(HTTPStatus.BAD_REQUEST, b"not JSON", "text/plain")
        refused = disallowed_methods(request)
        if refused:
            reply = rpc_error(request, f"the dashboard proxy only reads the chain; refused: {', '.join(refused)}")
            return self._send(HTTPStatus.OK, json.dumps(reply).encode(), "application/json")
        try:
            answer = rpc_call(self.site.rpc_url, body)
        except urllib.error.HTTPError as exc:
            answer = exc.read()
        except OSError as exc:
            return self._send(HTTPStatus.BAD_GATEWAY, f"chain unreachable: {type(exc).__name__}".encode(), "text/plain")
        self._send(HTTPStatus.OK, answer, "application/json")

    def _file(self, path: Path, root: Path | None = None) -> None:
        path = path.resolve()
        if root is not None and root.resolve() not in path.parents:
            return self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
        if not path.is_file():
            return self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
        kind = "text/javascript" if path.suffix == ".js" else mimetypes.guess_type(path.name)[0]
        self._send(HTTPStatus.OK, path.read_bytes(), kind or "application/octet-stream")

    def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type + ("; charset=utf-8" if content_type.startswith("text") else ""))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


def make_server(site: Site, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A server for `site` bound to host:port (0 = a free port); call serve_forever() to run it."""
    handler = type("BoundDashboardHandler", (DashboardHandler,), {"site": site})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


class Background:
    """A dashboard served from a thread (tests, screenshots): `with Background(rpc_url) as url: ...`."""

    def __init__(self, rpc_url: str, network: str = "local", deployments: Path = DEPLOYMENTS):
        self._scratch = tempfile.TemporaryDirectory(prefix="greenfi-dashboard-")
        self.site = Site.build(rpc_url, network, Path(self._scratch.name), deployments)
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
