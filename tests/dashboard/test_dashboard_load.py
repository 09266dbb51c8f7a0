"""A bounded load test on loopback: a misbehaving client (from 127.0.0.2) floods the proxy with wide
batches for a bounded time and count, while the dashboard's own page loads in headless Chromium (from
127.0.0.1) and a probe asks the node directly. The flood is refused by the client's token bucket, the
upstream never sees more than `max_upstream` calls at once, the node keeps answering and the page loads."""

import http.client
import json
import threading
import time

import pytest

from greenfi.dashboard.proxy import Limits

FLOOD_SECONDS = 30  # the flood stops by itself after this long (room for a busy machine)...
FLOOD_REQUESTS = 20_000  # ...or after this many requests, whichever comes first
FLOODERS = 8  # threads of the misbehaving client
LIMITS = Limits()  # the defaults `greenfi dashboard` serves with


def flood(port, stop, counts, lock):
    """Batches of 50 eth_getLogs over 10 000 blocks from 127.0.0.2 until `stop` or the request budget."""
    batch = json.dumps([{"jsonrpc": "2.0", "id": i, "method": "eth_getLogs",
                         "params": [{"fromBlock": "0x0", "toBlock": hex(9_999)}]} for i in range(LIMITS.max_batch)])
    while not stop.is_set():
        with lock:
            if sum(counts.values()) >= FLOOD_REQUESTS:
                return
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=("127.0.0.2", 0))
        try:
            connection.request("POST", "/rpc", batch, {"Content-Type": "application/json"})
            status = connection.getresponse().status
        except OSError:
            status = "error"
        finally:
            connection.close()
        with lock:
            counts[status] = counts.get(status, 0) + 1


def probe(rpc_url):
    """Seconds the node takes to answer eth_blockNumber directly (not through the proxy)."""
    host, port = rpc_url.removeprefix("http://").split(":")
    started = time.monotonic()
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("POST", "/", json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}),
                       {"Content-Type": "application/json"})
    assert "result" in json.loads(connection.getresponse().read())
    connection.close()
    return time.monotonic() - started


@pytest.fixture(scope="module")
def background(demo_chain):
    from greenfi.dashboard import sample
    from greenfi.dashboard.server import Background

    served = Background(sample.rpc_url(demo_chain), "development", sample.records_dir(demo_chain), LIMITS)
    with served:
        yield served


def test_the_page_loads_and_the_node_answers_while_a_client_floods(background, demo_chain):
    from greenfi.dashboard import sample
    from greenfi.dashboard.screenshot import browser, open_dashboard

    stop, lock, counts = threading.Event(), threading.Lock(), {}
    port = background.server.server_address[1]
    flooders = [threading.Thread(target=flood, args=(port, stop, counts, lock), daemon=True) for _ in range(FLOODERS)]
    started = time.monotonic()
    for thread in flooders:
        thread.start()
    try:
        time.sleep(1)  # the flooder has spent its burst: the page now competes with a client at its rate limit
        probes = [probe(sample.rpc_url(demo_chain))]
        with browser() as driver:
            loading = time.monotonic()
            state = open_dashboard(driver, background.url, timeout=60)
            page_seconds = time.monotonic() - loading
            errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        probes.append(probe(sample.rpc_url(demo_chain)))
        flooding = not stop.is_set() and time.monotonic() - started < FLOOD_SECONDS
    finally:
        stop.set()
        for thread in flooders:
            thread.join(timeout=40)
    print(f"flood: {counts} in {time.monotonic() - started:.1f} s; page loaded in {page_seconds:.1f} s; "
          f"node probes {[round(p, 3) for p in probes]} s; upstream peak {background.site.upstream.peak}")
    assert state == "true", f"the page did not load during the flood: {errors}"
    assert not errors, errors
    assert flooding, "the flood ended before the page had loaded: the test proved nothing"
    assert counts.get(429, 0) > counts.get(200, 0), counts  # the flooder is mostly refused by its bucket
    assert counts.get(200, 0) * LIMITS.max_batch <= LIMITS.burst + LIMITS.rate * (time.monotonic() - started)
    assert background.site.upstream.peak <= LIMITS.max_upstream
    assert not any(t.is_alive() for t in flooders)  # bounded: it stopped by itself
