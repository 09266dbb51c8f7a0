"""Graceful stop: SIGTERM and SIGINT ask the daemon to finish its current round, then exit."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable

log = logging.getLogger("greenfi.oracle")


def stop_on_signals(stop: Callable[[], None]) -> None:
    """Call `stop` on SIGTERM or SIGINT (install from the main thread)."""
    def handler(signum, frame):
        log.info("signal %d: stopping after the current round", signum)
        stop()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)
