"""Slither over every contract, compiled the way Brownie compiles them; findings checked against a triage file.

    .venv-slither/bin/python tools/run_slither.py --solc PATH [--triage slither.triage.json] [--json OUT]

Runs in its own virtualenv (`make slither` creates .venv-slither from requirements-slither.lock):
slither-analyzer pulls in solc-select, whose `solc` launcher would otherwise sit on the main venv's
PATH in front of greenfi's compiler resolution. The compiler is the one `greenfi toolchain`
registered for py-solc-x (native solc, or the solcjs shim), fed one standard-JSON input holding every
file under contracts/ with brownie-config.yaml's settings (optimizer 200 runs, evm shanghai) and
OpenZeppelin remapping. Findings in dependencies (node_modules) and in contracts/mocks are dropped.

Exit status 1 when any High or Medium finding is not written up as a false positive, or any Low finding is not explained in the
triage file (keyed by detector and the finding's first line without source positions, so edits
elsewhere in a file do not invalidate an entry). Informational and optimization findings are listed
in the JSON report and not gated.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
from collections import Counter
from pathlib import Path

from crytic_compile import CryticCompile
from crytic_compile.platform.solc_standard_json import SolcStandardJson
from slither import Slither
from slither.detectors import all_detectors
from slither.detectors.abstract_detector import AbstractDetector

ROOT = Path(__file__).resolve().parents[1]
REMAPPING = "@openzeppelin/contracts=node_modules/@openzeppelin/contracts"
FILTER_PATHS = ["contracts/mocks", "node_modules"]
GATED = ("High", "Medium", "Low")


def finding_key(result: dict) -> str:
    """Detector and the finding's first three lines, without "(contracts/x.sol#12-40)" source positions."""
    lines = result["description"].strip().splitlines()[:3]
    lines = [re.sub(r"\s*\([^()]*#\d+(-\d+)?\)", "", line).strip() for line in lines]
    return f"{result['check']}: " + " | ".join(lines)


def detectors() -> list[type[AbstractDetector]]:
    return [d for _, d in inspect.getmembers(all_detectors, inspect.isclass) if issubclass(d, AbstractDetector)]


def analyse(solc: str) -> list[dict]:
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "contracts").rglob("*.sol"))
    standard = SolcStandardJson({"language": "Solidity", "sources": {}, "settings": {
        "optimizer": {"enabled": True, "runs": 200}, "evmVersion": "shanghai", "remappings": [REMAPPING]}})
    standard.add_source_files(files)
    compilation = CryticCompile(standard, solc=solc, solc_working_dir=str(ROOT))
    slither = Slither(compilation, exclude_dependencies=True, filter_paths=FILTER_PATHS)
    for detector in detectors():
        slither.register_detector(detector)
    results = [r for per_detector in slither.run_detectors() for r in per_detector]
    return sorted(results, key=lambda r: (GATED.index(r["impact"]) if r["impact"] in GATED else 9, finding_key(r)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--solc", required=True, help="solc executable (greenfi toolchain's, in ~/.solcx)")
    parser.add_argument("--triage", default=str(ROOT / "slither.triage.json"))
    parser.add_argument("--json", dest="json_out", help="write every finding here")
    args = parser.parse_args()

    import os
    os.chdir(ROOT)
    results = analyse(args.solc)
    triage = json.loads(Path(args.triage).read_text()) if Path(args.triage).exists() else {}
    explained = triage.get("findings", {})
    report, failures = [], []
    for r in results:
        key = finding_key(r)
        entry = {"key": key, "impact": r["impact"], "confidence": r["confidence"], "check": r["check"],
                 "description": r["description"].strip()}
        if key in explained:
            entry["triage"] = explained[key]
        report.append(entry)
        if r["impact"] in ("High", "Medium") and explained.get(key, {}).get("verdict") != "false positive":
            failures.append(entry)  # high/medium: fixed, or shown to be a false positive; never just accepted
        elif r["impact"] == "Low" and key not in explained:
            failures.append(entry)
    counts = Counter(r["impact"] for r in results)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"counts": counts, "findings": report}, indent=2) + "\n")
    stale = sorted(set(explained) - {e["key"] for e in report})
    print("slither: " + ", ".join(f"{counts.get(i, 0)} {i.lower()}" for i in
                                 ("High", "Medium", "Low", "Informational", "Optimization")))
    for entry in failures:
        print(f"UNTRIAGED {entry['impact']}: {entry['key']}\n    {entry['description'].splitlines()[0]}")
    for key in stale:
        print(f"stale triage entry (no longer reported): {key}")
    high_medium = [e for e in report if e["impact"] in ("High", "Medium")]
    print(f"high/medium: {len(high_medium)} ({sum('triage' in e for e in high_medium)} explained as false positives); "
          f"low: {counts.get('Low', 0)} ({sum('triage' in e for e in report if e['impact'] == 'Low')} explained)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
