"""`make coverage`: contract line and branch coverage from `forge coverage` over test/foundry/.

Runs forge coverage (lcov report: reports/forge-coverage/lcov.info), then prints a table per
production contract (contracts/, without interfaces/ and mocks/) and writes
reports/forge-coverage/summary.json. Exits 1 when a contract is below TARGET % of lines or of
branches and is not listed, with its reason, in tools/coverage_exceptions.json.

The invariant suites run at COVERAGE_RUNS × their depth here (coverage instruments every
instruction; the full 256 × 500 runs in `make test`).

    .venv/bin/python tools/forge_coverage.py               # run forge coverage, then summarize
    .venv/bin/python tools/forge_coverage.py --summarize   # summarize an existing lcov.info
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "reports" / "forge-coverage"
LCOV = OUT / "lcov.info"
EXCEPTIONS = ROOT / "tools" / "coverage_exceptions.json"
TARGET = 95.0
COVERAGE_RUNS = "32"


def run_coverage() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "FOUNDRY_INVARIANT_RUNS": os.environ.get("FOUNDRY_INVARIANT_RUNS", COVERAGE_RUNS)}
    cmd = ["tools/forge", "coverage", "--report", "lcov", "--report-file", str(LCOV.relative_to(ROOT))]
    result = subprocess.run(cmd, cwd=ROOT, env=env)
    if result.returncode != 0:
        raise SystemExit(f"forge coverage failed (exit {result.returncode})")


def parse_lcov(text: str) -> dict[str, dict[str, int]]:
    """Per source file: lines found/hit, branches found/hit, functions found/hit."""
    files: dict[str, dict[str, int]] = {}
    current: dict[str, int] | None = None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key == "SF":
            current = files.setdefault(value, dict.fromkeys(("LF", "LH", "BRF", "BRH", "FNF", "FNH"), 0))
        elif current is not None and key in current:
            current[key] += int(value)
        elif line == "end_of_record":
            current = None
    return files


def is_production(path: str) -> bool:
    return path.startswith("contracts/") and not path.startswith(("contracts/interfaces/", "contracts/mocks/"))


def percent(hit: int, found: int) -> float:
    return 100.0 if found == 0 else 100.0 * hit / found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summarize", action="store_true", help="only summarize reports/forge-coverage/lcov.info")
    args = parser.parse_args()
    if not args.summarize:
        run_coverage()
    files = {path: counts for path, counts in parse_lcov(LCOV.read_text()).items() if is_production(path)}
    exceptions = json.loads(EXCEPTIONS.read_text()) if EXCEPTIONS.exists() else {}
    rows, summary, failing = [], {}, []
    for path in sorted(files):
        c = files[path]
        lines, branches = percent(c["LH"], c["LF"]), percent(c["BRH"], c["BRF"])
        summary[path] = {"lines": [c["LH"], c["LF"]], "branches": [c["BRH"], c["BRF"]], "functions": [c["FNH"], c["FNF"]]}
        below = lines < TARGET or branches < TARGET
        note = "exception (see tools/coverage_exceptions.json)" if below and path in exceptions else ("BELOW TARGET" if below else "")
        if below and path not in exceptions:
            failing.append(path)
        rows.append(f"| {path.removeprefix('contracts/')} | {lines:.1f} % ({c['LH']}/{c['LF']}) | "
                    f"{branches:.1f} % ({c['BRH']}/{c['BRF']}) | {percent(c['FNH'], c['FNF']):.1f} % | {note} |")
    table = "\n".join(["| contract | lines | branches | functions | |", "| --- | --- | --- | --- | --- |", *rows])
    print(table)
    (OUT / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    (OUT / "summary.md").write_text(table + "\n")
    if failing:
        print(f"\nbelow {TARGET:.0f} % of lines or branches and not an exception: {', '.join(failing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
