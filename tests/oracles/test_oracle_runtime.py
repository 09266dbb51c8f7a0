"""oracles.runtime, the lifecycle both daemons share: the breaker's backoff and trip rule, the
Prometheus rendering, and the JSON log lines."""

import json
import logging

from hypothesis import given
from hypothesis import strategies as st

from oracles.runtime.breaker import Breaker
from oracles.runtime.logs import JsonFormatter, log_event
from oracles.runtime.metrics import Declared, Metrics


@given(max_failures=st.integers(1, 10), interval=st.floats(0.01, 10), cap=st.none() | st.floats(0.01, 600),
       outcomes=st.lists(st.booleans(), max_size=30))
def test_breaker_counts_consecutive_failures_and_backs_off_within_the_cap(max_failures, interval, cap, outcomes):
    breaker, streak, previous_wait = Breaker(max_failures, interval, cap), 0, None
    for ok in outcomes:
        if ok:
            breaker.succeeded()
            streak = 0
        else:
            opened = breaker.failed(RuntimeError("down"))
            streak += 1
            assert opened == (streak >= max_failures) and breaker.last_error == "RuntimeError: down"
        wait = breaker.next_wait_s()
        assert breaker.failures == streak and breaker.open == (streak >= max_failures)
        if streak == 0 or cap is None:
            assert wait == interval
        else:
            assert wait == min(cap, interval * 2 ** streak)
            assert previous_wait is None or wait >= min(previous_wait, cap)
        previous_wait = wait if streak else None


def test_metrics_render_counters_with_total_gauges_plain_and_declared_headers():
    metrics = Metrics("greenfi_x", (Declared("posted_total", "counter", "Posted."), Declared("pending", "gauge", "Pending."),
                                     Declared("rejected", "counter", "Rejected, by reason.")))
    metrics.inc("posted_total", 3)
    metrics.inc("rejected", reason="late")
    metrics.inc("undeclared")
    metrics.set("pending", 2)
    lines = metrics.render().splitlines()
    assert lines[:3] == ["# HELP greenfi_x_posted_total Posted.", "# TYPE greenfi_x_posted_total counter",
                         "greenfi_x_posted_total 3"]
    assert "# TYPE greenfi_x_pending gauge" in lines and "greenfi_x_pending 2" in lines
    assert 'greenfi_x_rejected_total{reason="late"} 1' in lines and "greenfi_x_rejected_total 0" not in lines
    assert lines[-1] == "greenfi_x_undeclared_total 1"
    assert metrics.value("rejected", reason="late") == 1 and metrics.value("pending") == 2


def test_every_log_line_is_one_json_object():
    formatter, records = JsonFormatter(), []
    logger = logging.getLogger("greenfi.test.runtime")
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        log_event(logger, "batch_built", batch=3)
        logger.warning("plain %s", "text")
    finally:
        logger.removeHandler(handler)
    event, plain = (json.loads(formatter.format(r)) for r in records)
    assert event["event"] == "batch_built" and event["batch"] == 3 and event["level"] == "info"
    assert plain == {**plain, "event": "message", "message": "plain text", "level": "warning",
                     "logger": "greenfi.test.runtime"}
