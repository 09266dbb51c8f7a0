"""The proxy's policy without a chain: what it refuses, with which JSON-RPC error and HTTP status, and
the token bucket's bound as a property (no client gets more than burst + rate x elapsed calls)."""

from http import HTTPStatus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenfi.dashboard import proxy
from greenfi.dashboard.proxy import Limits, RateLimiter, Refusal, Upstream, check, disallowed_methods

LIMITS = Limits(max_batch=3, max_log_range=100, rate=10, burst=20)


def head():
    return 1_000


def refusal_of(request, limits=LIMITS):
    with pytest.raises(Refusal) as err:
        check(request, limits, head)
    return err.value


def logs(**flt):
    return {"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs", "params": [flt]}


def test_reads_pass_and_cost_one_token_per_call():
    assert check({"method": "eth_call"}, LIMITS, head) == 1
    assert check([{"method": "eth_chainId"}, logs(fromBlock="0x0", toBlock="0x63")], LIMITS, head) == 2


@pytest.mark.parametrize("request_, status, code", [
    ([], HTTPStatus.BAD_REQUEST, proxy.INVALID_REQUEST),
    ("eth_call", HTTPStatus.BAD_REQUEST, proxy.INVALID_REQUEST),
    ([{"id": 1}], HTTPStatus.BAD_REQUEST, proxy.INVALID_REQUEST),
    ([{"method": "eth_call"}] * 4, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, proxy.LIMIT_EXCEEDED),
    ({"method": "eth_sendTransaction"}, HTTPStatus.OK, proxy.METHOD_NOT_ALLOWED),
    ([{"method": "eth_call"}, {"method": "anvil_setBalance"}], HTTPStatus.OK, proxy.METHOD_NOT_ALLOWED),
    (logs(fromBlock="0x0", toBlock="0x64"), HTTPStatus.OK, proxy.LIMIT_EXCEEDED),  # 101 blocks
    (logs(fromBlock="earliest"), HTTPStatus.OK, proxy.LIMIT_EXCEEDED),  # 0 .. head
    (logs(fromBlock="0x0", toBlock="0xzz"), HTTPStatus.OK, proxy.INVALID_PARAMS),
    ({"method": "eth_getLogs", "params": ["0x1"]}, HTTPStatus.OK, proxy.INVALID_PARAMS),
])
def test_refusals_carry_a_documented_code_and_status(request_, status, code):
    refusal = refusal_of(request_)
    assert (refusal.status, refusal.code) == (status, code)


def test_log_ranges_by_tag_and_hash():
    assert refusal_of(logs(fromBlock=hex(900))).data == {"limit": "max_log_range", "max": 100}  # 900..1000: 101 blocks
    assert check(logs(blockHash="0x" + "ab" * 32), LIMITS, head) == 1
    assert check(logs(fromBlock=hex(901), toBlock="latest"), LIMITS, head) == 1


def test_a_batch_refusal_answers_every_id():
    reply = Refusal(HTTPStatus.OK, proxy.METHOD_NOT_ALLOWED, "no").reply([{"id": 1}, {"id": 2}])
    assert [r["id"] for r in reply] == [1, 2] and all(r["error"]["code"] == -32601 for r in reply)
    assert Refusal(HTTPStatus.OK, -1, "no").reply({"id": 4})["id"] == 4


def test_disallowed_methods():
    assert disallowed_methods({"method": "eth_call"}) == []
    assert disallowed_methods([{"method": "eth_getLogs"}, {"method": "evm_mine"}]) == ["evm_mine"]
    assert disallowed_methods("eth_call") == ["None"]


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 2), st.integers(1, 20), st.sampled_from("ab")), max_size=60))
def test_no_client_gets_more_than_burst_plus_rate_times_elapsed(steps):
    clock = Clock()
    limiter = RateLimiter(rate=10, burst=20, clock=clock)
    granted = {"a": 0, "b": 0}
    for pause, cost, client in steps:
        clock.now += pause
        try:
            limiter.take(client, cost)
            granted[client] += cost
        except Refusal as refusal:
            assert refusal.status == HTTPStatus.TOO_MANY_REQUESTS and refusal.code == proxy.LIMIT_EXCEEDED
            assert refusal.data["retryAfter"] > 0 and int(refusal.headers()["Retry-After"]) >= 1
        assert granted[client] <= 20 + 10 * clock.now + 1e-9  # the bucket's bound, per client


def test_a_refusal_never_says_retry_in_zero_seconds():
    """A shortfall of a few micro-tokens is still a wait: retryAfter is rounded up to the millisecond."""
    clock = Clock()
    limiter = RateLimiter(rate=10, burst=20, clock=clock)
    limiter.take("a", 20)
    clock.now = 0.1 - 1e-9  # 0.99999999 tokens earned back
    with pytest.raises(Refusal) as refused:
        limiter.take("a", 1)
    assert refused.value.data["retryAfter"] == 0.001
    assert "retry in 0.001 s" in refused.value.message


def test_a_refused_client_does_not_drain_another_and_recovers():
    clock = Clock()
    limiter = RateLimiter(rate=10, burst=20, clock=clock)
    limiter.take("flood", 20)
    with pytest.raises(Refusal):
        limiter.take("flood", 1)
    limiter.take("page", 20)  # untouched by the flood
    clock.now += 0.5
    limiter.take("flood", 5)  # earned back at 10 per second


def test_idle_buckets_are_forgotten_beyond_max_clients():
    clock = Clock()
    limiter = RateLimiter(rate=10, burst=20, max_clients=2, clock=clock)
    for client in "abc":
        limiter.take(client, 1)
    assert limiter.clients() == 3  # none idle yet
    clock.now += 10
    limiter.take("d", 1)
    assert limiter.clients() == 1


def test_upstream_slots_are_bounded():
    upstream = Upstream(slots=1, wait=0.05)
    with upstream:
        with pytest.raises(Refusal) as err:
            with upstream:
                pass
    assert err.value.status == HTTPStatus.SERVICE_UNAVAILABLE and upstream.peak == 1 and upstream.in_flight == 0


@pytest.mark.parametrize("field", ["max_batch", "burst", "max_upstream", "max_log_range"])
def test_limits_refuse_nonsense(field):
    with pytest.raises(ValueError):
        Limits(**{field: 0})
    with pytest.raises(ValueError):
        Limits(max_batch=10, burst=9)
