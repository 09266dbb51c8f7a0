"""`python -m greenfi.bench.startup`: how long `greenfi networks` takes to start, against a bare
`python -c pass`, and its peak memory. The command groups load lazily (greenfi.cli), so a chain-only
command must not pay for web3, pandas or LightGBM: the target is within 10x a bare Python start.

Prints one JSON line per figure ({"name", "value", "unit"}); `greenfi bench` collects them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

# Runs one command in a fresh child and prints the child's peak resident memory (kB on Linux).
_PEAK_RSS = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def greenfi_command() -> list[str]:
    """The installed `greenfi` script next to this interpreter, else `python -m greenfi.cli`."""
    script = Path(sys.executable).with_name("greenfi")
    return [str(script)] if script.exists() else [sys.executable, "-m", "greenfi.cli"]


def median_seconds(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_mb(cmd: list[str]) -> float:
    out = subprocess.run([sys.executable, "-c", _PEAK_RSS, *cmd], capture_output=True, text=True, check=True).stdout
    return int(out.split()[-1]) / 1024


def figures(runs: int) -> list[dict]:
    bare, networks = [sys.executable, "-c", "pass"], [*greenfi_command(), "networks"]
    bare_s, networks_s = median_seconds(bare, runs), median_seconds(networks, runs)
    return [
        {"name": "cli.bare_python_ms", "value": round(bare_s * 1000, 1), "unit": "ms"},
        {"name": "cli.networks_ms", "value": round(networks_s * 1000, 1), "unit": "ms"},
        {"name": "cli.networks_vs_bare_python", "value": round(networks_s / bare_s, 2), "unit": "x"},
        {"name": "cli.bare_python_peak_mb", "value": round(peak_mb(bare), 1), "unit": "MB"},
        {"name": "cli.networks_peak_mb", "value": round(peak_mb(networks), 1), "unit": "MB"},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="runs per command; the median is reported")
    for line in figures(parser.parse_args().runs):
        print(json.dumps(line))


if __name__ == "__main__":
    main()
