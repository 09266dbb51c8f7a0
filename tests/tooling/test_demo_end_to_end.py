"""`greenfi demo` end to end, as a user runs it: a subprocess on its own embedded anvil (a free
port), the sensor daemon as a real process, the report folder checked figure by figure. The quick
options (one day, two devices, 3-fold CV) keep it well under a minute."""

import json
import os
import re
import subprocess
import sys
import textwrap
import time

import pytest

from greenfi.chain.deploy import CARBON_BUFFER_BPS
from greenfi.demo.voucher import risk_priced_rate
from greenfi.paths import REPO_ROOT

TIMEOUT = 240


def _demo(out_dir, *extra, env=None):
    return subprocess.run([sys.executable, "-m", "greenfi.cli", "demo", "--quick", "--out", str(out_dir), *extra],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=TIMEOUT, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("demo") / "report"
    started = time.monotonic()
    result = _demo(out_dir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result, out_dir, time.monotonic() - started


def test_every_step_runs_and_is_timed(demo_run):
    result, _, seconds = demo_run
    for step in (1, 2, 3, 4, 5, 6, 7, 8):
        assert re.search(rf"^\[\d/8\] step {step}: ", result.stdout, re.M)
    assert result.stdout.count("    done in ") == 8
    assert "sensor daemon up: pid" in result.stdout and "sensor daemon stopped with SIGTERM (exit code 0)" in result.stdout
    assert seconds < 180


def test_report_folder(demo_run):
    _, out_dir, _ = demo_run
    for name in ("summary.json", "summary.md", "pv_generation.csv", "pv_generation.png", "credits_by_status.png",
                 "voucher_tree.png", "deployments/31337.json"):
        assert (out_dir / name).stat().st_size > 0, name
    assert "## 6. E-credit voucher" in (out_dir / "summary.md").read_text()


def test_anchored_energy_is_the_posted_readings_energy(demo_run):
    s = json.loads((demo_run[1] / "summary.json").read_text())
    days, mrv = s["pv_days"], s["mrv"]
    assert all(d["accepted"] == d["readings"] and d["rejected"] == 0 for d in days)
    generated = sum(d["generatedWh"] for d in days)
    assert sum(d["acceptedWh"] for d in days) == generated > 0
    # A reading the anomaly screen flags is accepted but held for the verifier, out of the batches.
    assert sum(d["flagged"] for d in days) <= sum(d["readings"] for d in days) // 20
    batched = generated - sum(d["flaggedWh"] for d in days)
    assert mrv["anchored_energy_wh"] == sum(b["energyWh"] for b in mrv["batches"]) == batched
    assert sum(b["readingCount"] for b in mrv["batches"]) == sum(d["readings"] - d["flagged"] for d in days)
    assert mrv["net_generation_wh"] == batched
    assert mrv["reduction_grams"] == batched * mrv["emission_factor_g_per_mwh"] // 10**6
    series = (demo_run[1] / "pv_generation.csv").read_text().splitlines()[1:]
    assert sum(int(line.split(",")[1]) for line in series) == generated


def test_credits_issued_from_the_report_less_the_buffer(demo_run):
    s = json.loads((demo_run[1] / "summary.json").read_text())
    supply, carbon = s["carbon"]["supply"], s["carbon"]
    assert supply["issued"] == s["mrv"]["reduction_grams"] // 10**6
    assert supply["buffered"] == -(-supply["issued"] * CARBON_BUFFER_BPS // 10_000)  # rounded toward the buffer
    assert supply["retired"] == sum(c["quantity"] for c in carbon["certificates"]) > 0
    assert len(carbon["certificates"]) == 2
    # escrowed (listed, unsold) units are not circulating
    assert (supply["circulating"] + supply["escrowed"] + supply["retired"] + supply["buffered"]
            + supply["cancelled"] == supply["issued"])
    assert supply["escrowed"] == carbon["listed"] - sum(carbon["fills"].values())
    assert any(line.lstrip().split()[2:3] == ["retirement"] for line in carbon["trace"])


def test_risk_scores_and_the_voucher(demo_run):
    s = json.loads((demo_run[1] / "summary.json").read_text())
    risk, v = s["risk"], s["voucher"]
    assert risk["model_version"] >= 1 and len(risk["scores"]) == 5  # the PV developer too (the loan's borrower)
    assert all(0 < x["score_bps"] < 10_000 and x["model_version"] == risk["model_version"] for x in risk["scores"].values())
    p = v["pricing"]
    assert v["score_bps"] == risk["scores"]["core_enterprise"]["score_bps"]
    assert v["rate_bps"] == risk_priced_rate(v["score_bps"], (p["base_rate_bps"], p["spread_factor_bps"],
                                                              p["green_discount_bps"]), p["green_active"])
    leaves = [n for n in v["nodes"] if n["state"] != "Split"]
    assert {n["holder"] for n in leaves} == {"supplier_tier1", "supplier_tier2", "bank"}
    assert max(n["path"].count(".") for n in v["nodes"]) == 2  # core → tier 1 → tier 2 → tier 3
    assert all(n["state"] == "Redeemed" and n["claimed"] == n["amount"] for n in leaves)
    assert sum(n["claimed"] for n in leaves) == v["paid"] == v["deposited"] == v["face"]
    assert 0 < v["price"] < v["discounted_face"]


def test_green_loan_sized_priced_observed_and_repaid(demo_run):
    """Step 7: the facility is sized at or above its commitment, priced on the developer's posted score, observed
    once per month on the output attributed to it, and ends Repaid with nothing left in it."""
    result, out_dir, _ = demo_run
    s = json.loads((out_dir / "summary.json").read_text())
    loan = s["loan"]
    assert 0 < loan["p90_wh"] <= loan["p50_wh"] and 0 < loan["commitment"] <= loan["sized_debt"]
    assert loan["pd_bps"] == s["risk"]["scores"]["pv_developer"]["score_bps"]
    assert [p["period"] for p in loan["periods"]] == [1, 2, 3]
    assert all(0 < p["attributed_wh"] < p["verified_wh"] for p in loan["periods"])  # the bond claims a share too
    assert loan["state"] == "Repaid" and loan["balance_after"] == 0 and loan["interest_paid"] > 0
    assert "## 7. Green loan" in (out_dir / "summary.md").read_text() and (out_dir / "loan.png").stat().st_size > 0
    assert "greenfi loan size: 1 approved report(s)" in result.stdout


def test_green_bond_or_its_logged_skip(demo_run):
    result, out_dir, _ = demo_run
    b = json.loads((out_dir / "summary.json").read_text())["bond"]
    if b.get("skipped"):
        assert "    skipped: green bonds not deployed in this suite" in result.stdout
        return
    assert b["raised"] == b["bonds"] * b["denomination"] and b["bonds"] == 900
    assert b["released"] == b["withdrawn"] == b["allocated"] and b["released"] + b["unallocated"] == b["raised"]
    s = json.loads((out_dir / "summary.json").read_text())
    assert b["threshold_wh"] == 0  # an attestation milestone: step 2's output predates the financing
    assert b["coupon_claimed"] == b["coupon_funded"] > 0
    assert s["mrv"]["reduction_grams"] > 0 and b["kpi_grams"] == 0  # verified before the allocation: not the bond's
    assert b["kpi_outcome"] == "Missing" and b["next_coupon_rate_bps"] == b["coupon_rate_bps"] + 25
    assert (out_dir / "bond_proceeds.png").stat().st_size > 0
    impact = (out_dir / b["impact_report"]).read_text()  # greenfi bond report's own Markdown
    assert b["address"] in impact and "| 0 | " in impact


FAKE_SENSOR = textwrap.dedent("""
    import http.server, sys
    port = int(sys.argv[sys.argv.index("--port") + 1])
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/health" else 404); self.end_headers(); self.wfile.write(b"{}")
        def do_POST(self):
            self.send_response(503); self.end_headers(); self.wfile.write(b"store unavailable")
    http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
""")


def test_a_failing_step_is_one_line_and_the_daemon_is_stopped(tmp_path):
    script = tmp_path / "fake_sensor.py"
    script.write_text(FAKE_SENSOR)
    result = _demo(tmp_path / "report", env={"GREENFI_DEMO_SENSOR_COMMAND": f"{sys.executable} {script}"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: demo step 2 (PV project, devices, sensor readings, anchored batches, verified report) failed: "
        "the sensor daemon refused the readings: HTTP 503 b'store unavailable'"]
    pid = int(re.search(r"sensor daemon up: pid (\d+)", result.stdout).group(1))
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not (tmp_path / "report" / "summary.json").exists()


def test_re_running_on_an_attached_node_reuses_the_suite_and_re_creates_the_objects(tmp_path):
    """`greenfi demo --attach` twice on one node (as `greenfi chain` keeps it): the second run deploys
    nothing, keeps the cast, the roles and the model version, and creates its own project, devices,
    credit batch, bond and voucher; the node's clock is back at the wall clock after each run."""
    import dataclasses

    from greenfi import demo
    from greenfi.chain import networks
    from greenfi.chain.node import embedded

    base = networks.resolve("development")
    with embedded(base) as conn:  # a node on a free port, standing in for `greenfi chain`
        port, chain_id = int(conn.w3.provider.endpoint_uri.rsplit(":", 1)[1]), conn.chain_id
        network = dataclasses.replace(base, port=port)
        runs, logs = [], []
        for i in range(2):
            options = dataclasses.replace(demo.DemoOptions.quick(tmp_path / f"report{i}"),
                                          deployments_dir=tmp_path / "deployments")
            runs.append(demo.main(network, options, log=logs.append, attach=True).report)
            assert abs(conn.w3.eth.get_block("latest")["timestamp"] - time.time()) < 120
    first, second = runs
    assert second["contracts"] == first["contracts"]
    assert sum("deploy   " in line for line in logs) == len(first["contracts"])  # all in the first run only
    assert second["project_id"] == first["project_id"] + 1
    assert {d["deviceId"] for d in second["devices"]}.isdisjoint(d["deviceId"] for d in first["devices"])
    assert second["carbon"]["batch_id"] == first["carbon"]["batch_id"] + 1
    assert second["voucher"]["root"] == first["voucher"]["root"] + 1
    assert second["risk"]["model_version"] == first["risk"]["model_version"]
    assert second["mrv"]["anchored_energy_wh"] == first["mrv"]["anchored_energy_wh"]  # the same replayed days
    if not first["bond"].get("skipped"):
        assert second["bond"]["address"] != first["bond"]["address"]
    assert json.loads((tmp_path / "deployments" / f"{chain_id}.json").read_text())
