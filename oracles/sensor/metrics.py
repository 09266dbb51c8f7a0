"""Counters and gauges of the sensor daemon, rendered in Prometheus' text exposition format."""

from __future__ import annotations

import threading
from collections import Counter


class Metrics:
    def __init__(self, prefix: str = "greenfi_sensor"):
        self.prefix = prefix
        self._lock = threading.Lock()
        self._counters: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()
        self._gauges: dict[str, float] = {}

    def inc(self, name: str, amount: int = 1, **labels: str) -> None:
        with self._lock:
            self._counters[(name, tuple(sorted(labels.items())))] += amount

    def set(self, name: str, value: float) -> None:
        with self._lock:
            self._gauges[name] = value

    def value(self, name: str, **labels: str) -> float:
        with self._lock:
            return self._counters.get((name, tuple(sorted(labels.items()))), self._gauges.get(name, 0))

    def render(self) -> str:
        with self._lock:
            lines = []
            for (name, labels), count in sorted(self._counters.items()):
                label_text = ",".join(f'{k}="{v}"' for k, v in labels)
                lines.append(f"{self.prefix}_{name}_total{{{label_text}}} {count}" if labels
                             else f"{self.prefix}_{name}_total {count}")
            lines += [f"{self.prefix}_{name} {value}" for name, value in sorted(self._gauges.items())]
        return "\n".join(lines) + "\n"
