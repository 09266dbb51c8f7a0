"""The sensor oracle daemon: takes signed device readings, checks them, keeps them durably,
cuts them into Merkle batches and anchors the batches on chain.

    devices   what the daemon knows of each device (key, project, capacity, status)
    store     SQLite: accepted readings, device heads, rejections, batches (the outbox)
    intake    the validation pipeline from raw JSON to an accepted or rejected reading
    batcher   cuts accepted readings into per-project batches with their Merkle root
    metrics   counters and gauges in Prometheus text format
    server    HTTP: POST /readings, GET /batches/{id}, /health, /metrics
"""
