"""Counters and gauges of a daemon, rendered in Prometheus' text exposition format (version 0.0.4).

A counter is rendered as `<prefix>_<name>_total` (its name may already end in `_total`), with
labels when it has them; a gauge as `<prefix>_<name>`. Metrics declared up front get `# HELP` and
`# TYPE` lines and are rendered from the start (at 0); others appear once first used.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Literal, NamedTuple

Labels = tuple[tuple[str, str], ...]


class Declared(NamedTuple):
    name: str
    kind: Literal["counter", "gauge"]
    help: str


class Metrics:
    def __init__(self, prefix: str, declared: tuple[Declared, ...] = ()):
        self.prefix = prefix
        self.declared = {d.name: d for d in declared}
        self._lock = threading.Lock()
        self._counters: Counter[tuple[str, Labels]] = Counter()
        self._gauges: dict[str, float] = {}
        for d in declared:
            if d.kind == "gauge":
                self._gauges[d.name] = 0
            else:
                self._counters[(d.name, ())] += 0

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
            counters, gauges = dict(self._counters), dict(self._gauges)
        names = [*self.declared, *sorted({n for n, _ in counters} - set(self.declared)),
                 *sorted(set(gauges) - set(self.declared))]
        lines: list[str] = []
        for name in names:
            if name in gauges:
                lines += self._header(name, name) + [f"{self.prefix}_{name} {gauges[name]}"]
                continue
            full = name if name.endswith("_total") else f"{name}_total"
            series = sorted((labels, count) for (n, labels), count in counters.items() if n == name)
            if len(series) > 1:  # a labelled counter: its unlabelled zero is only a placeholder
                series = [(labels, count) for labels, count in series if labels or count]
            lines += self._header(name, full)
            for labels, count in series:
                label_text = ",".join(f'{k}="{v}"' for k, v in labels)
                lines.append(f"{self.prefix}_{full}{{{label_text}}} {count}" if labels else f"{self.prefix}_{full} {count}")
        return "\n".join(lines) + "\n"

    def _header(self, name: str, full: str) -> list[str]:
        declared = self.declared.get(name)
        if declared is None:
            return []
        return [f"# HELP {self.prefix}_{full} {declared.help}", f"# TYPE {self.prefix}_{full} {declared.kind}"]
