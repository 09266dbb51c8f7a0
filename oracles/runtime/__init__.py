"""What both oracle daemons (oracles.sensor, oracles.risk) run on: one lifecycle.

    signals   SIGTERM/SIGINT finish the current round, then stop
    breaker   consecutive-failure counting, exponential backoff, the circuit breaker
    logs      one JSON object per log line
    metrics   counters and gauges in Prometheus' text format

Layer: the daemons' own (docs/architecture.md); it imports nothing of greenfi but its errors.
"""
