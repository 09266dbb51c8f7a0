"""The impact report, built from a series' events after a life on the Brownie chain; the CLI's pure parts."""

import pytest
from tests.bond.support import DENOMINATION, TONNE, as_tuple, b32, default_terms, now, past
from brownie import accounts, web3
from click.testing import CliRunner
from eth_account import Account
from web3 import Web3

from greenfi.domain.bonds import build_terms, parse_isin
from greenfi.domain.units import parse_time
from greenfi.cli import cli
from greenfi.chain.networks import LOCAL_MNEMONIC
from greenfi.domain.bond_report import BondFacts, Milestone, build_report, markdown, totals
from greenfi.domain.participants import Kind, jurisdiction
from greenfi.errors import InvalidValue
from tests.support.chain import kyc_expiry

MWH = 10**6


@pytest.fixture
def lived(bond, reports, issuer, investor, investor2, verifier, developer, outsider, renew_kyc):
    """Sold 300 / 100, settled, two milestones (one released), two coupons, one KPI observation."""
    bond.subscribe(300, {"from": investor})
    bond.subscribe(100, {"from": investor2})
    past(bond.terms()[5])
    bond.settle({"from": issuer})
    bond.allocate(1, 150 * DENOMINATION, 0, bond.terms()[6], {"from": issuer})
    bond.allocate(2, 50 * DENOMINATION, 10 * MWH, bond.terms()[6], {"from": issuer})
    bond.attestMilestone(0, b32("commissioned"), {"from": verifier})
    bond.releaseMilestone(0, {"from": outsider})
    reports.setTotals(1, 800 * MWH, 400 * TONNE)
    bond.fundCoupon(1, {"from": issuer})
    past(bond.paymentDate(1))
    bond.observeKpi(1, {"from": outsider})
    bond.fundCoupon(2, {"from": issuer})
    past(bond.recordDate(2))
    renew_kyc()
    bond.claimCoupons({"from": investor})
    return bond


def test_report_from_events_and_views(lived, tmp_path, investor, investor2):
    w3 = Web3(Web3.HTTPProvider(web3.provider.endpoint_uri))
    paths = build_report(w3, lived.address, tmp_path)
    assert paths["chart"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = paths["markdown"].read_text()
    assert "| Raised | 400,000.000000 |" in text
    assert "| Allocated (net) | 200,000.000000 |" in text and "| Released to projects | 150,000.000000 |" in text
    coupon = 25 * 10**6
    assert f"| Coupons paid | {300 * coupon * 2 // 10**6:,}.000000 |" in text
    assert "| 0 | 1 | 150,000.000000 | verifier attestation | released |" in text
    assert "| 1 | 2 | 50,000.000000 | ≥ 10.000 MWh verified | open |" in text
    assert "| 1 | Met | 400.000 | 100.000 | 0 |" in text
    # 150k of project 1's 150k allocation released: all its 400 t; investor holds 3/4
    assert f"| `{investor}` | 300 | 75.00% | 600.000 | 300.000 |" in text
    assert f"| `{investor2}` | 100 | 25.00% | 200.000 | 100.000 |" in text
    assert "![proceeds, coupons and impact](GB29-impact.png)" in text


def test_totals_and_markdown_of_plain_facts():
    facts = BondFacts("0xB0", "Green", "G", "Issued", 1_000 * 10**6, 10, raised=10_000 * 10**6, held=1)
    facts.milestones = [Milestone(0, 1, 6_000 * 10**6, 0, released=True), Milestone(1, 2, 4_000 * 10**6, 0,
                                                                                  reallocated=True)]
    facts.coupons = [{"period": 1, "rate_bps": 500, "per_bond": 25 * 10**6, "amount": 250 * 10**6}]
    assert totals(facts) == {"raised": 10_000 * 10**6, "allocated": 6_000 * 10**6, "released": 6_000 * 10**6,
                             "coupons_funded": 250 * 10**6, "coupons_claimed": 0, "redeemed": 0, "refunded": 0}
    text = markdown(facts)
    assert "| 1 | 2 | 4,000.000000 | verifier attestation | reallocated |" in text
    assert "| Held by the bond contract | 0.000001 |" in text


def test_terms_put_maturity_on_the_coupon_grid():
    t = build_terms(isin="xs0000green1", denomination=1_000, issue_size=10, minimum_raise=5, start=100, issue=1_000,
                    periods=6, coupon_bps=500, frequency=2, day_count="act/365", kpi_target_grams=TONNE)
    assert t[0] == b"XS0000GREEN1".ljust(32, b"\0") and t[6] == 1_000 + 6 * (365 * 86_400 // 2) and t[9] == 1
    assert parse_time("2026-01-01") == 1_767_225_600 and parse_time("123") == 123


@pytest.mark.parametrize("bad", [
    dict(frequency=3), dict(day_count="30E/360"), dict(periods=0), dict(start=1_000), dict(minimum_raise=11),
])
def test_bad_terms_are_refused_before_sending(bad):
    args = {**dict(isin="A1", denomination=1, issue_size=10, minimum_raise=5, start=100, issue=1_000, periods=2,
                   coupon_bps=500, frequency=2, day_count="30/360"), **bad}
    with pytest.raises(InvalidValue):
        build_terms(**args)


@pytest.mark.parametrize("text", ["", "TOO-LONG-ISIN-1", "ÄB12"])
def test_isins_are_short_ascii(text):
    with pytest.raises(InvalidValue):
        parse_isin(text)


# ---------------------------------------------------------------- the commands, signing with local keys


def _key(index):
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(LOCAL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").key.hex()


def test_commands_end_to_end(factory, bond, settlement_token, investor, tmp_path, monkeypatch):
    """Subscribe, fund a coupon, claim and report through the CLI; the series named by its ISIN."""
    monkeypatch.setattr("greenfi.cli._load_dotenv", lambda: None)
    monkeypatch.setenv("TESTCHAIN_RPC_URL", web3.provider.endpoint_uri)
    runner = CliRunner()

    def run(index, *args):
        monkeypatch.setenv("GREENFI_PRIVATE_KEY", _key(index))
        result = runner.invoke(cli, ["bond", *args, "--network", "testchain", "--factory", factory.address])
        assert result.exit_code == 0, result.output
        return result.output

    assert "subscribed 200 bonds of XS0000GREEN1 for 200,000.000000 tdCNY" in run(8, "subscribe", "XS0000GREEN1", "200")
    past(bond.terms()[5])
    bond.settle({"from": bond.issuer()})
    assert "period 1 funded: 5,000.000000" in run(5, "fund-coupon", "XS0000GREEN1")
    before = settlement_token.balanceOf(investor)
    past(bond.recordDate(1))  # the coupon goes to the holders at its record date
    assert "claimed 5,000.000000" in run(8, "claim", bond.address)
    assert settlement_token.balanceOf(investor) == before + 5_000 * 10**6
    out = run(0, "report", "XS0000GREEN1", "--out", str(tmp_path))
    assert "GB29-impact.md" in out and (tmp_path / "GB29-impact.png").exists()
    assert "| Coupons paid | 5,000.000000 |" in (tmp_path / "GB29-impact.md").read_text()


def test_an_isin_two_issuers_use_must_be_named_by_address(factory, bond, bond_registry, regulator, monkeypatch):
    """Series are keyed by (issuer, ISIN): the CLI refuses to guess between them and lists the candidates."""
    other = accounts[17]
    bond_registry.register(other, Kind.ENTERPRISE, jurisdiction("CN"), kyc_expiry(), {"from": regulator})
    twin = factory.createBond(as_tuple(default_terms(now())), "Twin", "TW", {"from": other}).return_value
    monkeypatch.setattr("greenfi.cli._load_dotenv", lambda: None)
    monkeypatch.setenv("TESTCHAIN_RPC_URL", web3.provider.endpoint_uri)
    monkeypatch.setenv("GREENFI_PRIVATE_KEY", _key(8))
    result = CliRunner().invoke(cli, ["bond", "claim", "XS0000GREEN1", "--network", "testchain",
                                      "--factory", factory.address])
    assert result.exit_code != 0 and "names 2 series" in result.output
    assert bond.address in result.output and twin in result.output and "Traceback" not in result.output
