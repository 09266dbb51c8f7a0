"""`make coverage`: contract line and branch coverage from `forge coverage` over test/foundry/.

Runs forge coverage (lcov report: reports/forge-coverage/lcov.info), then prints a table per
production contract (contracts/, without interfaces/ and mocks/) and writes
reports/forge-coverage/summary.json. Exits 1 when a contract is below TARGET % of lines or of
branches and is not listed, with its reason, in tools/coverage_exceptions.json.

Two passes (the suites, then test/foundry/unit), merged into lcov.info. The invariant suites run at
COVERAGE_RUNS × their depth here (coverage instruments every
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


# Two passes, merged: one compilation of every suite plus the unit tests is more than the solcjs
# shim (wasm, bounded memory) can hold unoptimized ("memory access out of bounds"), so the suites and
# the unit tests are compiled and run apart, and a line or branch counts as taken when either pass took it.
PASSES = (
    ("suites", ["--skip", "*/foundry/unit/*"]),
    ("unit", ["--skip", "*/foundry/invariant/*", "--skip", "*/foundry/differential/*", "--match-path", "test/foundry/unit/*"]),
)


def run_coverage() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "FOUNDRY_INVARIANT_RUNS": os.environ.get("FOUNDRY_INVARIANT_RUNS", COVERAGE_RUNS)}
    reports = []
    for name, args in PASSES:
        report = OUT / f"{name}.lcov"
        cmd = ["tools/forge", "coverage", *args, "--report", "lcov", "--report-file", str(report.relative_to(ROOT))]
        result = subprocess.run(cmd, cwd=ROOT, env=env)
        if result.returncode != 0:
            raise SystemExit(f"forge coverage failed in the {name} pass (exit {result.returncode})")
        reports.append(report.read_text())
    LCOV.write_text(merge_lcov(reports))


def merge_lcov(reports: list[str]) -> str:
    """One lcov report from several of the same sources: a line, function or branch is hit as often as
    the most any report hit it. Branches are matched by line and their order on it (the block ids are
    numbered per compilation)."""
    files: dict[str, dict] = {}
    for text in reports:
        current = None
        for line in text.splitlines():
            key, _, value = line.partition(":")
            if key == "SF":
                current = files.setdefault(value, {"DA": {}, "FN": {}, "FNDA": {}, "BRDA": {}})
                on_line: dict[str, int] = {}
            elif current is None or line == "end_of_record":
                current = None
            elif key == "DA":
                number, hits = value.split(",")[:2]
                current["DA"][int(number)] = max(current["DA"].get(int(number), 0), int(hits))
            elif key == "FN":
                number, name = value.split(",", 1)
                current["FN"][name] = int(number)
            elif key == "FNDA":
                hits, name = value.split(",", 1)
                current["FNDA"][name] = max(current["FNDA"].get(name, 0), int(hits))
            elif key == "BRDA":
                number, _block, _branch, taken = value.split(",")
                index = on_line.get(number, 0)
                on_line[number] = index + 1
                hits = 0 if taken == "-" else int(taken)
                slot = (int(number), index)
                current["BRDA"][slot] = max(current["BRDA"].get(slot, 0), hits)
    out = []
    for path in sorted(files):
        f = files[path]
        out += ["TN:", f"SF:{path}"]
        out += [f"FN:{number},{name}" for name, number in sorted(f["FN"].items(), key=lambda item: item[1])]
        out += [f"FNDA:{f['FNDA'].get(name, 0)},{name}" for name in f["FN"]]
        out += [f"FNF:{len(f['FN'])}", f"FNH:{sum(1 for name in f['FN'] if f['FNDA'].get(name, 0))}"]
        out += [f"DA:{number},{hits}" for number, hits in sorted(f["DA"].items())]
        out += [f"LF:{len(f['DA'])}", f"LH:{sum(1 for hits in f['DA'].values() if hits)}"]
        out += [f"BRDA:{number},0,{index},{hits if hits else '-'}" for (number, index), hits in sorted(f["BRDA"].items())]
        out += [f"BRF:{len(f['BRDA'])}", f"BRH:{sum(1 for hits in f['BRDA'].values() if hits)}", "end_of_record"]
    return "\n".join(out) + "\n"


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
