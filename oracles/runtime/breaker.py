"""Consecutive failures of a daemon's rounds: the wait before the next round and the circuit breaker.

After n consecutive failures the next round waits `interval_s · 2ⁿ`, capped at `max_backoff_s`
(no backoff when the cap is the interval itself); after `max_failures` the breaker is open and the
daemon stops instead of spinning. One success closes it again.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Breaker:
    max_failures: int
    interval_s: float
    max_backoff_s: float | None = None  # None: always wait interval_s
    failures: int = 0
    last_error: str | None = None

    @property
    def open(self) -> bool:
        return self.failures >= self.max_failures

    def failed(self, exc: BaseException) -> bool:
        """Count a failed round; True when that opens the breaker."""
        self.failures += 1
        self.last_error = f"{type(exc).__name__}: {exc}"
        return self.open

    def succeeded(self) -> None:
        self.failures = 0
        self.last_error = None

    def next_wait_s(self) -> float:
        """interval_s while healthy; interval_s · 2ⁿ after n consecutive failures, up to max_backoff_s."""
        if not self.failures or self.max_backoff_s is None:
            return self.interval_s
        return min(self.max_backoff_s, self.interval_s * 2 ** self.failures)
