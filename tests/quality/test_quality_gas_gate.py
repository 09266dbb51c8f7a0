"""Gas regression gate: re-measure every gas figure and compare it with the committed bench/results.json.

Each `scripts/bench_*.py` runs in-process on the test chain (its `main()`, the same code `make bench`
runs through `brownie run`), and its JSON lines are parsed with greenfi.bench. The test fails when a
figure grows by more than 2% over the committed table, or when a script reports a figure the table
does not have; the fix is either to bring the gas back down or to run `make bench` and commit
bench/results.json and bench/results.md. Gas is deterministic on the embedded chain; the only
variation against `make bench` comes from calldata bytes of addresses and timestamps (a few dozen
gas), far inside the 2%. Throughput figures are machine-dependent and are not gated.
"""

import importlib.util

import pytest

from greenfi import bench
from greenfi.paths import REPO_ROOT

SCRIPTS = bench.gas_scripts(REPO_ROOT)


def _run_script(path, capsys):
    spec = importlib.util.spec_from_file_location(f"greenfi_gas_gate_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    capsys.readouterr()
    module.main()
    out = capsys.readouterr().out
    return bench.parse_gas_lines(out.splitlines(), bench.script_targets(path), str(path.relative_to(REPO_ROOT)))


def test_committed_table_has_every_gas_figure_a_script_names():
    committed = {r["name"] for r in bench.load_results(REPO_ROOT) if r["unit"] == "gas" and r["value"] is not None}
    for path in SCRIPTS:
        declared = set(bench.script_targets(path))
        assert declared <= committed, f"{path.name}: {sorted(declared - committed)} not in bench/results.json; run `make bench`"


def test_required_names_are_in_the_table():
    names = {r["name"] for r in bench.load_results(REPO_ROOT)}
    assert set(bench.REQUIRED) <= names


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_gas_has_not_grown(path, capsys):
    figures = _run_script(path, capsys)
    assert figures, f"{path.name} printed no figures"
    measured = {f.name: f.value for f in figures if f.unit == "gas"}
    problems = bench.gas_regressions(bench.load_results(REPO_ROOT), measured)
    assert not problems, "\n".join(problems)


def test_gate_flags_growth_over_two_percent_and_new_figures():
    committed = [{"name": "x.op", "value": 100_000, "unit": "gas"}, {"name": "x.rate", "value": 5, "unit": "rows/s"}]
    assert bench.gas_regressions(committed, {"x.op": 102_000}) == []
    assert bench.gas_regressions(committed, {"x.op": 90_000}) == []
    [growth] = bench.gas_regressions(committed, {"x.op": 102_001})
    assert growth.startswith("x.op: 102,001 gas is +2.0% over the committed 100,000")
    [new] = bench.gas_regressions(committed, {"y.op": 1})
    assert "not in bench/results.json" in new


def test_script_targets_reads_every_table_shape(tmp_path):
    script = tmp_path / "bench_x.py"
    script.write_text('TARGETS = {"a": 10, "b": ("anchor", 20), "c": (30, "anchor"), "d": ("anchor", None)}\n')
    assert bench.script_targets(script) == {"a": 10, "b": 20, "c": 30, "d": None}
    lines = ['Transaction sent: 0x..', '{"name": "a", "value": 11, "unit": "gas", "anchor": "t"}', '{"summary": "OK"}']
    [figure] = bench.parse_gas_lines(lines, bench.script_targets(script), "s")
    assert (figure.name, figure.value, figure.target, figure.status) == ("a", 11, 10, "OVER")


def test_missing_required_figures_are_reported_not_invented():
    figures = bench.with_missing([bench.Figure("carbon.issue", 1, "gas", "a")])
    missing = {f.name for f in figures if f.value is None}
    assert missing == set(bench.REQUIRED) - {"carbon.issue"}
    assert all(f.status == "missing" for f in figures if f.value is None)
    assert "Missing required figures:" in bench.render_markdown(figures, {"network": "n", "machine": "m", "python": "3"})
