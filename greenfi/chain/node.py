"""Connections to a chain: an embedded local node greenfi starts and stops, or a live RPC endpoint."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from web3 import Web3
from web3.middleware import ExtraDataToPOAMiddleware

from greenfi.errors import ConfigError, ToolchainError
from greenfi.chain.networks import Network
from greenfi.paths import NODE_BIN


@dataclass
class Connection:
    network: Network
    w3: Web3

    @property
    def chain_id(self) -> int:
        return self.w3.eth.chain_id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on `port` now (nothing else holds it)."""
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def executable(name: str) -> str:
    local = NODE_BIN / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise ToolchainError(f"'{name}' not found: run `npm ci` (it ships in the npm dev tools)")
    return found


def _wait_until_up(w3: Web3, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ToolchainError(f"local chain exited at start with code {proc.returncode}")
        with contextlib.suppress(Exception):
            if w3.is_connected():
                return
        time.sleep(0.1)
    raise ToolchainError(f"local chain did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def embedded(network: Network, port: int | None = None, timeout: float = 30) -> Iterator[Connection]:
    """Start `network`'s local node on a free port, yield a connection, stop the node afterwards."""
    port = port or free_port()
    command = network.launch_command(port)
    command[0] = executable(command[0])
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 60}))
        _wait_until_up(w3, proc, timeout)
        yield Connection(network, w3)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def live(network: Network) -> Connection:
    """Connect to a live RPC endpoint and check it is the chain the network name promises."""
    w3 = Web3(Web3.HTTPProvider(network.rpc_url, request_kwargs={"timeout": 60}))
    w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    try:
        chain_id = w3.eth.chain_id
    except Exception as exc:  # the URL is the user's; say what failed without echoing it
        raise ConfigError(f"cannot reach the RPC endpoint of '{network.name}': {type(exc).__name__}") from None
    if network.chain_id is not None and chain_id != network.chain_id:
        raise ConfigError(f"the RPC endpoint of '{network.name}' serves chain {chain_id}, expected {network.chain_id}")
    return Connection(network, w3)


def attach(network: Network, rpc_url: str | None = None) -> Connection:
    """A connection to a node that keeps running between commands: for an embedded network, the
    one already listening on its port (see `greenfi chain`); for a live network, its RPC endpoint.
    `rpc_url` (a command's --rpc-url) replaces either, and must serve the network's chain id."""
    if rpc_url:
        return at_url(network, rpc_url)
    if not network.embedded:
        return live(network)
    w3 = Web3(Web3.HTTPProvider(network.url, request_kwargs={"timeout": 60}))
    if not w3.is_connected():
        raise ConfigError(not_running(network))
    return Connection(network, w3)


def at_url(network: Network, url: str) -> Connection:
    """The node at `url`, checked to serve `network`'s chain id (when the network names one)."""
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 60}))
    if not network.embedded:
        w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    try:
        chain_id = w3.eth.chain_id
    except Exception as exc:  # say what failed without echoing a URL that may hold a key
        raise ConfigError(f"cannot reach the node of '{network.name}': {type(exc).__name__}; is it running?") from None
    if network.chain_id is not None and chain_id != network.chain_id:
        raise ConfigError(f"the node given for '{network.name}' serves chain {chain_id}, expected {network.chain_id}")
    return Connection(network, w3)


def not_running(network: Network) -> str:
    """The one-line error for an embedded network whose node does not answer, with the command to start it."""
    port = urlsplit(network.url).port or network.port
    start = f"greenfi chain --network {network.name}" + ("" if port == network.port else f" --port {port}")
    return f"no {network.name} node answers at {network.url}: start one with `{start}`"
