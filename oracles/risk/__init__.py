"""The risk oracle daemon: scores a features CSV with an approved model and posts the changed
scores to RiskOracle in batches, through a persistent outbox so that a restart never posts twice.

Pure parts (settings, scorer output checks, the post/skip policy, the outbox) are plain Python; chain
I/O lives in `poster` (web3.py only, no Brownie); `daemon` ties them together with a lifecycle,
a circuit breaker and the `/health` and `/metrics` endpoints of `service`.
"""
