"""The demo's pure parts: who plays which role, the risk-priced discount rate, the PV replay's
arithmetic, and the report folder written from a plain figures dict (no chain needed)."""

import json
import time

import pytest

from greenfi.demo.context import CAST, assign_cast
from greenfi.demo.mrv import FLEET_SEED, PLANT_SIZE, demo_fleet, replay_span
from greenfi.demo.report import summary_markdown, voucher_layout, write_report
from greenfi.demo.voucher import risk_priced_rate
from greenfi.errors import GreenfiError
from oracles.readings import Domain
from oracles.sensor import simulate
from oracles.sensor.standing import within_capacity

ACCOUNTS = [f"0x{i:040x}" for i in range(1, 21)]
UNIT = 10**6


def test_cast_takes_the_accounts_after_the_deployer_in_order():
    deployer, cast = assign_cast(ACCOUNTS)
    assert deployer == ACCOUNTS[0]
    assert list(cast) == [role for role, _, _ in CAST]
    assert list(cast.values()) == ACCOUNTS[1:len(CAST) + 1]
    assert {"regulator", "verifier", "oracle_a", "oracle_b", "pv_developer", "core_enterprise", "supplier_tier1",
            "supplier_tier2", "supplier_tier3", "bank", "investor_a", "investor_b"} <= set(cast)


def test_cast_needs_enough_unlocked_accounts():
    with pytest.raises(GreenfiError, match=f"needs {len(CAST) + 1} unlocked accounts, the node has 5"):
        assign_cast(ACCOUNTS[:5])


@pytest.mark.parametrize("score, pricing, green, rate", [
    (1011, (300, 10_000, 50), True, 300 + 1011 - 50),  # the suite's pricing: 3 % + PD − 0.5 % green
    (1011, (300, 10_000, 50), False, 300 + 1011),  # project no longer active: no green discount
    (6154, (300, 5_000, 0), False, 300 + 3077),  # half the PD as spread
    (10, (0, 10_000, 500), True, 0),  # the green discount never takes the rate below zero
    (9_900, (900, 20_000, 0), False, 10_000),  # capped at 100 %
])
def test_risk_priced_rate(score, pricing, green, rate):
    assert risk_priced_rate(score, pricing, green) == rate


def test_a_riskier_obligor_is_never_priced_cheaper():
    rates = [risk_priced_rate(score, (300, 10_000, 50), True) for score in range(0, 10_001, 250)]
    assert rates == sorted(rates)


def test_the_demo_replays_the_oracle_simulator_s_fleet():
    """The demo's devices are oracles.sensor.simulate's: the same plants every run, new keys per run."""
    first, second = demo_fleet("31337-1", 3), demo_fleet("31337-2", 3)
    assert [(d.scale, d.day_offset) for d in first] == [(d.scale, d.day_offset) for d in second]
    assert {d.device_id for d in first}.isdisjoint(d.device_id for d in second)
    assert all(0.6 * PLANT_SIZE <= d.scale <= 1.4 * PLANT_SIZE for d in first) and first[0].day_offset == 0
    assert first == simulate.fleet(FLEET_SEED, 3, PLANT_SIZE, tag=f"{FLEET_SEED}/31337-1")
    with pytest.raises(GreenfiError, match="1 to 6 devices"):
        demo_fleet("x", 7)


def test_replayed_days_lie_in_their_span_and_within_capacity():
    now = 1_796_000_000  # 2026-11-30
    span = replay_span(now, 60, 2)
    assert span.dates == ("2015-06-08", "2015-06-09")
    assert span.end - span.start == 2 * 86_400 and span.end <= now
    assert time.gmtime(span.start)[:4] == (2026, 6, 8, 8)  # local midnight of the series' clock, UTC-8
    devices = demo_fleet("t", 3)
    domain = Domain(31337, "0x" + "11" * 20)
    days = list(simulate.Replay(devices, domain, now=now).days(span))
    assert [date for date, _ in days] == list(span.dates)
    readings = [s.reading for _, day in days for s in day]
    assert all(span.start <= r.period_start < r.period_end <= span.end for r in readings)
    for d in devices:  # every device sends on every day, its sequence numbers never repeat or go back
        own = [r for r in readings if r.device_id == d.device_id]
        assert [r.sequence for r in own] == list(range(1, len(own) + 1))
        assert all(within_capacity(r, d.capacity_w, 0) for r in own)
        assert {time.strftime("%Y-%m-%d", time.gmtime(r.period_start - 8 * 3600)) for r in own} == {"2026-06-08", "2026-06-09"}
    assert len(days[0][1]) <= 6 * 1024 and sum(r.energy_wh for r in readings) > 0
    with pytest.raises(GreenfiError, match="cannot replay"):
        replay_span(now, 0, 10_000)


def _result():
    """A DemoResult-like figures dict, as the steps leave it in DemoContext.report."""
    voucher_nodes = [
        {"path": "1", "parent": None, "holder": "supplier_tier1", "amount": 1_000 * UNIT, "state": "Split", "claimed": 0},
        {"path": "1.1", "parent": "1", "holder": "supplier_tier2", "amount": 600 * UNIT, "state": "Split", "claimed": 0},
        {"path": "1.2", "parent": "1", "holder": "supplier_tier1", "amount": 400 * UNIT, "state": "Redeemed", "claimed": 400 * UNIT},
        {"path": "1.1.1", "parent": "1.1", "holder": "bank", "amount": 350 * UNIT, "state": "Redeemed", "claimed": 350 * UNIT},
        {"path": "1.1.2", "parent": "1.1", "holder": "supplier_tier2", "amount": 250 * UNIT, "state": "Redeemed", "claimed": 250 * UNIT},
    ]
    return {
        "started_at": 1_790_000_000, "network": "development", "chain_id": 31337, "attached": False,
        "timings_s": {"step1": 1.0, "total": 9.5},
        "participants": {"bank": {"address": ACCOUNTS[10], "kind": "BANK", "jurisdiction": "CN"}},
        "contracts": {"CarbonCredits": ACCOUNTS[19]},
        "project_id": 1, "devices": [{"index": 0}],
        "pv_days": [{"day": 0, "seriesDate": "2015-04-10", "readings": 3, "accepted": 3, "generatedWh": 60_000, "acceptedWh": 60_000}],
        "pv_series": [(1_000, 10_000), (1_300, 20_000), (1_600, 30_000)],
        "mrv": {"report_id": 1, "period_start": 0, "period_end": 86_400, "net_generation_wh": 60_000, "reduction_grams": 34_860,
                "emission_factor_g_per_mwh": 581_000, "anchored_energy_wh": 60_000,
                "batches": [{"daemonId": 1, "root": "0x" + "ab" * 32, "readingCount": 3, "energyWh": 60_000, "txHash": "0x" + "cd" * 32}]},
        "carbon": {"batch_id": 1, "cai": "CAI-CN-1-2026-1-1-79", "listed": 54, "unit_price": 60 * UNIT,
                   "fills": {"investor_a": 27}, "developer_proceeds": 1_600 * UNIT, "trace": ["CAI-CN-1-2026-1-1-79"],
                   "certificates": [{"id": 1, "holder": "investor_a", "quantity": 13}],
                   "supply": {"issued": 79, "circulating": 46, "escrowed": 14, "retired": 13, "cancelled": 0, "buffered": 7}},
        "risk": {"model_hash": "0x" + "11" * 32, "model_version": 1, "metrics_bps": [7740, 4530, 1690, 7500],
                 "scores": {"core_enterprise": {"row": 0, "score_bps": 1011}}},
        "bond": {"skipped": "green bonds not deployed in this suite"},
        "voucher": {"root": 1, "face": 1_000 * UNIT, "maturity": 1_800_000_000, "deposited": 1_000 * UNIT, "paid": 1_000 * UNIT,
                    "discounted": "1.1.1", "score_bps": 1011, "rate_bps": 1261, "price": 339 * UNIT,
                    "discounted_face": 350 * UNIT, "nodes": voucher_nodes},
    }


def test_report_folder_from_a_result(tmp_path):
    files = write_report(_result(), tmp_path / "report")
    names = {p.name for p in files}
    assert names == {"summary.json", "summary.md", "pv_generation.csv", "pv_generation.png", "credits_by_status.png",
                     "voucher_tree.png"}  # no bond chart while the bond step was skipped
    for path in files:
        assert path.exists() and path.stat().st_size > 0
    for chart in (p for p in files if p.suffix == ".png"):
        assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert "pv_series" not in summary  # the series is the CSV's
    assert summary["carbon"]["supply"]["retired"] == 13 and summary["voucher"]["rate_bps"] == 1261
    csv = (tmp_path / "report" / "pv_generation.csv").read_text().splitlines()
    assert csv == ["period_start,energy_wh", "1000,10000", "1300,20000", "1600,30000"]


def test_summary_markdown_has_a_section_per_step():
    text = summary_markdown(_result())
    for heading in ("## 1. Suite and participants", "## 2. PV project", "## 3. CAI credits", "## 4. Credit-risk model",
                    "## 5. Green bond", "## 6. E-credit voucher"):
        assert heading in text
    assert "Skipped: green bonds not deployed in this suite." in text
    assert "| 1.1.1 | bank | 350.00 | Redeemed | 350.00 |" in text
    assert "12.61 %/year" in text


def test_summary_of_a_bond_run_and_of_an_empty_run():
    result = _result()
    result["bond"] = {"address": ACCOUNTS[3], "bonds": 100, "raised": 100_000 * UNIT, "released": 50_000 * UNIT,
                      "withdrawn": 50_000 * UNIT, "coupon_funded": 1_000 * UNIT, "coupon_claimed": 1_000 * UNIT,
                      "kpi_outcome": "Met", "coupon_rate_bps": 500}
    assert "| released | 50,000.00 |" in summary_markdown(result)
    assert summary_markdown({}).startswith("# greenfi demo report")


def test_voucher_layout_centres_parents_over_their_children():
    place = voucher_layout(_result()["voucher"]["nodes"])
    assert place["1.1.1"] == (0, 2) and place["1.1.2"] == (1, 2) and place["1.2"] == (2, 1)
    assert place["1.1"] == (0.5, 1) and place["1"] == (1.25, 0)


def test_a_failed_step_names_the_contract_error():
    from types import SimpleNamespace

    from web3.exceptions import ContractCustomError

    from greenfi.demo import failure_reason

    abi = [{"type": "error", "name": "RiskScoreUnavailable", "inputs": [{"name": "obligor", "type": "address"}]}]
    ctx = SimpleNamespace(c={"CreditVoucher": SimpleNamespace(abi=abi)})
    data = "0x448729a7" + "00" * 12 + "976ea74026e726554db657fa54763abd0c3a0aa9"
    raw = ContractCustomError(data, data=data)
    assert failure_reason(ctx, raw) == \
        "reverted with RiskScoreUnavailable(0x976ea74026e726554db657fa54763abd0c3a0aa9)"
    try:
        try:
            raise raw
        except ContractCustomError as exc:
            raise GreenfiError(f"offer(1, 2) would revert: {exc}") from None
    except GreenfiError as wrapped:
        assert failure_reason(ctx, wrapped) == \
            "offer(1, 2) would revert: RiskScoreUnavailable(0x976ea74026e726554db657fa54763abd0c3a0aa9)"
    assert failure_reason(ctx, ValueError("bad\nvalue")) == "ValueError: bad value"
