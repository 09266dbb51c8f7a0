"""`brownie test --coverage` that measures something on anvil: `make coverage` runs this.

    python tools/brownie_coverage.py --network NAME [pytest arguments ...]

Plain `brownie test --coverage` (Brownie 1.22, anvil 1.x) writes an empty reports/coverage.json.
The compiler is not the cause (the solcjs shim's artifacts carry pcMap and coverageMap like native
solc's); four things are, and this launcher works around each for its own run only:

1. anvil records no structLogs for `debug_traceTransaction` unless started with `--steps-tracing`:
   every trace has zero steps. The launcher sets `steps_tracing` (Brownie's anvil option for that
   flag) on the chosen network in memory, without editing ~/.brownie/network-config.yaml. A node
   already running on the network's port is used as is, so start from none.
2. Brownie caches each transaction's coverage in build/tests.json ("tx") and reuses it: the empty
   results of earlier runs would be reused forever. The launcher empties that cache first.
3. Brownie drops a contract's pcMap (so never traces it) when its on-chain code differs from the
   artifact, and counts Solidity immutables as a difference: nearly every suite contract has one
   (ComplianceGuard's registry, ERC20Permit's domain cache). `verify_deployed_code` masks them.
4. Brownie 1.22's mypyc-compiled coverage merge and report declare each source file's entry a dict
   while it is a list, and fail with "TypeError: dict object expected; got list" once two
   transactions ran the same file. `merged_coverage_eval`, `report` and `save_report` replace them;
   the table covers the files under contracts/ (mocks excluded), merged over every contract compiled
   with them, and is also written to reports/coverage-summary.json.

anvil keeps every step trace in memory (a whole-suite run grew it past 20 GB), so with no test path
(`make coverage`) the launcher recompiles everything, then runs each test directory in its own
process on a fresh node, leaving out the tests that trace nothing or too much (TRACED_TESTS_ONLY),
and merges the runs. One directory by hand, then a merge:

    python tools/brownie_coverage.py tests/bond -k "..." --network NAME
    python tools/brownie_coverage.py --merge reports/coverage-runs/*.json
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

RUNS = Path("reports/coverage-runs")
# Stateful machines (hundreds of traced transactions each), daemons, drills and CLIs (they send
# through web3.py, which Brownie does not trace; the CAI CLI tests read views through Brownie, so
# they stay), and the gas gate and two 256-score batches, whose step traces (a 1,024-reading anchor,
# 256 scores) crash anvil or grow it past 8 GB.
TRACED_TESTS_ONLY = ("not stateful and not daemon and (not cli or cai_cli) and not drills and not gas_gate"
                     " and not test_a_full_batch_of_256 and not test_post_rejects_empty_and_oversized_batches")


def verify_deployed_code(address, expected_bytecode, language) -> bool:
    """brownie.network.contract._verify_deployed_code, with Solidity immutables masked. Brownie
    compares the on-chain code with the artifact's deployedBytecode byte for byte (metadata aside)
    and, on a mismatch, drops the contract's pcMap, so no transaction into it is ever traced for
    coverage. Every contract with an immutable differs (the artifact holds a zero placeholder,
    PUSH32 0x00..00, where the chain holds the value): ComplianceGuard's registry, ERC20Permit's
    domain cache, ... i.e. nearly the whole suite. Masking those 32-byte slots restores the check."""
    import re

    from brownie.network.web3 import web3

    actual = bytes(web3.eth.get_code(address)).hex()
    expected = expected_bytecode.removeprefix("0x")
    if language != "Solidity" or "_" in expected or len(actual) != len(expected):
        return _original_verify(address, expected_bytecode, language)
    masked = list(actual)
    for match in re.finditer("7f" + "0" * 64, expected):
        if match.start() % 2 == 0:
            masked[match.start() + 2:match.end()] = "0" * 64
    actual = "".join(masked)
    strip = lambda code: code[:-(int(code[-4:], 16) + 2) * 2] if code[-4:] else code[:-4]  # noqa: E731 (metadata)
    return strip(actual) == strip(expected)


_original_verify = None


def merged_coverage_eval(cov_eval=None):
    """brownie.test.coverage.get_merged_coverage_eval without its compiled type check: brownie
    1.22's mypyc build declares each path's entry a dict while it is a [statements, false, true]
    list of sets, so merging two transactions that ran the same source file raises
    "TypeError: dict object expected; got list" at the end of every coverage run."""
    from brownie.test import coverage

    cov_eval = coverage._coverage_eval if cov_eval is None else cov_eval
    merged: dict = {}
    for evaluation in cov_eval.values():
        for name, paths in evaluation.items():
            for path, sets in paths.items():
                entry = merged.setdefault(name, {}).setdefault(path, [set(), set(), set()])
                for i in range(3):
                    entry[i] = set(entry[i]).union(sets[i])
    return merged


def per_source_file(coverage_eval) -> dict[str, dict[str, int]]:
    """Statement, line and branch-outcome coverage of each file under contracts/ (mocks excluded),
    merged over every contract compiled with it. Statements and branches are matched by their source
    offsets, so a file inherited by several contracts (ComplianceGuard) counts once; a line counts as
    covered when one of the statements starting on it ran; each branch has two outcomes."""
    files: dict[str, dict[str, set]] = {}
    for artifact in sorted(Path("build/contracts").glob("*.json")):
        data = json.loads(artifact.read_text())
        name, cov_map = data.get("contractName"), data.get("coverageMap")
        if not cov_map:
            continue
        paths = data["allSourcePaths"]
        hits = coverage_eval.get(name, {})
        for path_id, functions in cov_map["statements"].items():
            source = paths[path_id]
            if not source.startswith("contracts/") or source.startswith("contracts/mocks/"):
                continue
            entry = files.setdefault(source, {k: set() for k in ("stmts", "stmts_hit", "branches", "branches_hit")})
            ran = {int(i) for i in hits.get(path_id, [[], [], []])[0]}
            for statements in functions.values():
                for stmt_id, (start, stop) in statements.items():
                    entry["stmts"].add((start, stop))
                    if int(stmt_id) in ran:
                        entry["stmts_hit"].add((start, stop))
            false_hits, true_hits = ({int(b) for b in hits.get(path_id, [[], [], []])[i]} for i in (1, 2))
            for branches in cov_map["branches"].get(path_id, {}).values():
                for branch_id, (start, stop, _) in branches.items():
                    entry["branches"].update({(start, stop, False), (start, stop, True)})
                    if int(branch_id) in false_hits:
                        entry["branches_hit"].add((start, stop, False))
                    if int(branch_id) in true_hits:
                        entry["branches_hit"].add((start, stop, True))
    summary = {}
    for source, entry in sorted(files.items()):
        text = Path(source).read_bytes()  # solc's source offsets count bytes, not characters
        line_of = lambda offset: text.count(b"\n", 0, offset) + 1  # noqa: E731
        lines = {line_of(start) for start, _ in entry["stmts"]}
        lines_hit = {line_of(start) for start, _ in entry["stmts_hit"]}
        summary[source] = {"statements": len(entry["stmts"]), "statements_hit": len(entry["stmts_hit"]),
                           "lines": len(lines), "lines_hit": len(lines_hit),
                           "branches": len(entry["branches"]), "branches_hit": len(entry["branches_hit"])}
    return summary


def report(coverage_eval) -> list[str]:
    """Replaces brownie.test.output._build_coverage_output (its compiled version fails like the
    merge above): prints a table and writes reports/coverage-summary.json."""
    summary = per_source_file(coverage_eval)
    Path("reports").mkdir(exist_ok=True)
    Path("reports/coverage-summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    pct = lambda hit, total: f"{100 * hit / total:5.1f}%" if total else "    -"  # noqa: E731
    lines = [f"{'contract file':<44} {'lines':>16} {'branches':>16}"]
    for source, c in summary.items():
        lines.append(f"{source:<44} {pct(c['lines_hit'], c['lines'])} {c['lines_hit']:>4}/{c['lines']:<4} "
                     f"{pct(c['branches_hit'], c['branches'])} {c['branches_hit']:>4}/{c['branches']:<4}")
    return lines + ["", "per-file figures: reports/coverage-summary.json"]


def save_report(build, coverage_eval, reports_dir):
    """reports/coverage.json: the raw merged evaluation (contract -> source id -> [statements,
    false branches, true branches])."""
    raw = {name: {path: [sorted(s) for s in sets] for path, sets in paths.items()}
           for name, paths in coverage_eval.items()}
    path = Path(reports_dir) / "coverage.json"
    (Path(reports_dir) / "coverage-runs").mkdir(parents=True, exist_ok=True)
    body = json.dumps({"coverage": raw}) + "\n"
    path.write_text(body)
    (Path(reports_dir) / "coverage-runs" / f"{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(body)
    return path


def merge_runs(files: list[str]) -> None:
    """`--merge reports/coverage-runs/*.json`: the table over several runs (e.g. one per test
    directory, each with a fresh node: anvil keeps every step trace in memory)."""
    merged: dict = {}
    for file in files:
        for name, paths in json.loads(Path(file).read_text())["coverage"].items():
            for path, sets in paths.items():
                entry = merged.setdefault(name, {}).setdefault(path, [set(), set(), set()])
                for i in range(3):
                    entry[i] |= set(sets[i])
    print("\n".join(report(merged)))


def run_every_directory(network: str) -> None:
    """One traced run per test directory, each in its own process and node, then the merge.

    Runs of different builds must not be merged (Brownie's hit ids depend on what was compiled
    together), so this starts from `brownie compile --all` and an empty reports/coverage-runs/.
    """
    subprocess.run([str(Path(sys.executable).parent / "brownie"), "compile", "--all"], check=True)
    RUNS.mkdir(parents=True, exist_ok=True)
    for old in RUNS.glob("*.json"):
        old.unlink()
    for directory in sorted(d for d in Path("tests").iterdir() if d.is_dir() and any(d.glob("test_*.py"))):
        print(f"== coverage of {directory}", flush=True)
        result = subprocess.run([sys.executable, __file__, str(directory), "-k", TRACED_TESTS_ONLY,
                                 "--network", network])
        if result.returncode not in (0, 5):  # 5: pytest selected no test in that directory
            sys.exit(f"coverage run of {directory} failed (exit {result.returncode})")
    merge_runs(sorted(str(f) for f in RUNS.glob("*.json")))


def main(argv: list[str]) -> None:
    if argv[:1] == ["--merge"]:
        merge_runs(argv[1:])
        return
    if not [a for a in argv if a.startswith("tests")]:
        network = argv[argv.index("--network") + 1] if "--network" in argv else "development"
        run_every_directory(network)
        return
    from brownie._cli.__main__ import main as brownie_main
    from brownie._config import CONFIG
    from brownie.test import coverage

    from brownie.network import contract
    from brownie.test import output

    global _original_verify
    _original_verify = contract._verify_deployed_code
    contract._verify_deployed_code = verify_deployed_code
    coverage.get_merged_coverage_eval = merged_coverage_eval
    output._build_coverage_output = report
    output._save_coverage_report = save_report

    network = argv[argv.index("--network") + 1] if "--network" in argv else CONFIG.settings["networks"]["default"]
    settings = CONFIG.networks[network]
    if settings.get("cmd", "").split(" ")[0].endswith("anvil"):
        settings.setdefault("cmd_settings", {})["steps_tracing"] = True
    tests_json = Path("build/tests.json")
    if tests_json.exists():
        cache = json.loads(tests_json.read_text())
        cache["tx"] = {}
        tests_json.write_text(json.dumps(cache, indent=2, sort_keys=True))
    rest = list(argv)
    if "--network" in rest:
        del rest[rest.index("--network"):rest.index("--network") + 2]
    # brownie test runs every test when its first argument is an option: paths first
    sys.argv = ["brownie", "test", *rest, "--network", network, "--coverage"]
    brownie_main()


if __name__ == "__main__":
    main(sys.argv[1:])
