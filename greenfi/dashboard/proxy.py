"""The dashboard's JSON-RPC proxy policy: what it forwards, and the limits that make it safe to serve
publicly in front of a paid RPC endpoint (docs/dashboard.md, "The proxy's limits").

Every refusal is a `Refusal`: a JSON-RPC error (code, message, data) and the HTTP status it is sent
with. The checks run before anything reaches the upstream node:

    body size -> JSON -> request shape -> batch size -> read methods -> eth_getLogs block range
    -> the client's token bucket -> a free upstream slot (bounded concurrency)
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus

READ_METHODS = frozenset({
    "eth_chainId", "net_version", "eth_blockNumber", "eth_call", "eth_getLogs", "eth_getBlockByNumber",
    "eth_getBlockByHash", "eth_getCode", "eth_getBalance", "eth_getTransactionByHash",
    "eth_getTransactionReceipt", "eth_estimateGas", "eth_gasPrice", "eth_maxPriorityFeePerGas",
    "eth_feeHistory", "eth_getTransactionCount", "eth_getStorageAt", "web3_clientVersion",
})
# Block tags that mean "the head" for eth_getLogs (a missing bound means "latest" too).
HEAD_TAGS = frozenset({"latest", "pending", "safe", "finalized"})

# JSON-RPC error codes (JSON-RPC 2.0 and EIP-1474).
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_ALLOWED = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
LIMIT_EXCEEDED = -32005


@dataclass(frozen=True)
class Limits:
    """The proxy's limits; `greenfi dashboard` options set them (docs/dashboard.md)."""

    max_body: int = 1 << 20  # bytes of one HTTP request
    max_batch: int = 50  # calls in one JSON-RPC batch
    max_log_range: int = 10_000  # blocks in one eth_getLogs (toBlock - fromBlock + 1)
    rate: float = 100.0  # calls per second each client address earns
    burst: int = 1_000  # calls a client may send at once (the bucket's size; a page load is ~300)
    max_upstream: int = 4  # upstream calls in flight at once
    upstream_wait: float = 10.0  # seconds a request waits for a free upstream slot before 503
    max_connections: int = 64  # requests being handled at once; more are answered 503 at once
    max_clients: int = 10_000  # client buckets kept; full (idle) buckets are dropped beyond this

    def __post_init__(self) -> None:
        for name in ("max_body", "max_batch", "max_log_range", "burst", "max_upstream", "max_connections", "max_clients"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be at least 1")
        if not self.rate > 0 or not self.upstream_wait > 0:
            raise ValueError("rate and upstream_wait must be positive")
        if self.burst < self.max_batch:
            raise ValueError("burst must be at least max_batch (a full batch must be able to pass)")


@dataclass(frozen=True)
class Refusal(Exception):
    """A request the proxy does not forward: the JSON-RPC error and the HTTP status it is sent with."""

    status: HTTPStatus
    code: int
    message: str
    data: dict = field(default_factory=dict)

    def reply(self, request: object = None) -> list[dict] | dict:
        """The JSON-RPC reply: one error per call of a batch (ids kept), else one error."""
        error = {"code": self.code, "message": self.message}
        if self.data:
            error["data"] = self.data

        def one(call: object) -> dict:
            return {"jsonrpc": "2.0", "id": call.get("id") if isinstance(call, dict) else None, "error": error}

        return [one(c) for c in request] if isinstance(request, list) and request else one(request)

    def headers(self) -> dict[str, str]:
        retry = self.data.get("retryAfter")
        return {"Retry-After": str(max(1, int(retry + 0.999)))} if retry is not None else {}


def calls_of(request: object) -> list[dict]:
    """The calls of a single request or a batch; Refusal (-32600) when it is not JSON-RPC shaped."""
    calls = request if isinstance(request, list) else [request]
    if not calls:
        raise Refusal(HTTPStatus.BAD_REQUEST, INVALID_REQUEST, "invalid request: empty batch")
    if not all(isinstance(c, dict) and isinstance(c.get("method"), str) for c in calls):
        raise Refusal(HTTPStatus.BAD_REQUEST, INVALID_REQUEST, "invalid request: every call needs a method")
    return calls


def disallowed_methods(request: object) -> list[str]:
    """The methods of a JSON-RPC request (single or batch) the proxy refuses; [] when all are reads."""
    calls = request if isinstance(request, list) else [request]
    if not calls:
        return ["(empty batch)"]
    return [str(c.get("method") if isinstance(c, dict) else None) for c in calls
            if not isinstance(c, dict) or c.get("method") not in READ_METHODS]


def block_number(tag: object, head: Callable[[], int]) -> int:
    """A block bound of eth_getLogs as a number: hex, "earliest", or a head tag (missing = latest)."""
    if tag is None or tag in HEAD_TAGS:
        return head()
    if tag == "earliest":
        return 0
    if isinstance(tag, str) and tag.startswith("0x"):
        try:
            return int(tag, 16)
        except ValueError:
            pass
    raise Refusal(HTTPStatus.OK, INVALID_PARAMS, f"eth_getLogs: unreadable block {tag!r}")


def log_range(call: dict, head: Callable[[], int]) -> int:
    """The number of blocks one eth_getLogs call covers (1 for a blockHash filter)."""
    params = call.get("params") or [{}]
    flt = params[0] if isinstance(params, list) and params and isinstance(params[0], dict) else None
    if flt is None:
        raise Refusal(HTTPStatus.OK, INVALID_PARAMS, "eth_getLogs: the first parameter must be a filter object")
    if flt.get("blockHash") is not None:
        return 1
    return block_number(flt.get("toBlock"), head) - block_number(flt.get("fromBlock"), head) + 1


def check(request: object, limits: Limits, head: Callable[[], int]) -> int:
    """Refusal if the request may not go upstream, else the number of calls it holds (its cost).

    `head()` is the chain's latest block number, asked only when an eth_getLogs bound is a head tag."""
    calls = calls_of(request)
    if len(calls) > limits.max_batch:
        raise Refusal(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, LIMIT_EXCEEDED,
                      f"batch too large: {len(calls)} calls, at most {limits.max_batch}",
                      {"limit": "max_batch", "max": limits.max_batch})
    refused = disallowed_methods(calls)
    if refused:
        raise Refusal(HTTPStatus.OK, METHOD_NOT_ALLOWED,
                      f"the dashboard proxy only reads the chain; refused: {', '.join(refused)}")
    for call in calls:
        if call["method"] == "eth_getLogs":
            blocks = log_range(call, head)
            if blocks > limits.max_log_range:
                raise Refusal(HTTPStatus.OK, LIMIT_EXCEEDED,
                              f"eth_getLogs block range too wide: {blocks} blocks, at most {limits.max_log_range}",
                              {"limit": "max_log_range", "max": limits.max_log_range})
    return len(calls)


class RateLimiter:
    """A token bucket per client address: `rate` calls per second, up to `burst` at once."""

    def __init__(self, rate: float, burst: int, max_clients: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self.max_clients, self.clock = rate, burst, max_clients, clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, client: str, cost: int = 1) -> None:
        """Spend `cost` tokens of `client`'s bucket; Refusal (429, retryAfter) when it holds fewer."""
        now = self.clock()
        with self._lock:
            tokens, when = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - when) * self.rate)
            if cost > tokens:
                self._buckets[client] = (tokens, now)
                # Rounded up to the millisecond: a shortfall of a few micro-tokens must not read "retry in 0 s".
                wait = math.ceil((min(cost, self.burst) - tokens) / self.rate * 1000) / 1000
                raise Refusal(HTTPStatus.TOO_MANY_REQUESTS, LIMIT_EXCEEDED,
                              f"rate limit: {self.rate:g} calls/s, bursts of {self.burst}; retry in {wait:.3f} s",
                              {"limit": "rate", "retryAfter": wait})
            self._buckets[client] = (tokens - cost, now)
            if len(self._buckets) > self.max_clients:
                self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        """Drop the buckets that have refilled (an idle client starts full anyway)."""
        for client, (tokens, when) in list(self._buckets.items()):
            if tokens + (now - when) * self.rate >= self.burst:
                del self._buckets[client]

    def clients(self) -> int:
        return len(self._buckets)


class Upstream:
    """At most `slots` upstream calls at once; a caller waits up to `wait` seconds, then gets 503."""

    def __init__(self, slots: int, wait: float):
        self._slots = threading.BoundedSemaphore(slots)
        self.wait = wait
        self._lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0  # the most calls in flight at once (the load test reads it)

    def __enter__(self) -> Upstream:
        if not self._slots.acquire(timeout=self.wait):
            raise Refusal(HTTPStatus.SERVICE_UNAVAILABLE, LIMIT_EXCEEDED,
                          f"the chain is busy: no upstream slot within {self.wait:g} s; retry later",
                          {"limit": "max_upstream", "retryAfter": 1})
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            self.in_flight -= 1
        self._slots.release()
