"""Sizing from generation (models.energy_yield): P50/P90 annual energy from a verified history and the debt it
carries at a target DSCR, as properties over random histories and terms (docs/loans.md, "Sizing from
generation")."""

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import energy_yield as ey
from models.errors import ModelInputError

DAY = ey.DAY_S
T0 = 1_767_225_600  # 2026-01-01
REF = ey.Reference(sha256="00" * 32, days=145, cv=0.27, rho=0.6)  # the shipped series' figures, rounded
SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def histories(draw, min_reports=1):
    """Sequential reports (as MRVReports keeps them): gaps allowed, 1 h .. 120 days each, 0 .. 5 MWh/day."""
    n = draw(st.integers(min_reports, 6))
    start, periods = T0 + draw(st.integers(0, 400)) * 3600, []
    for _ in range(n):
        start += draw(st.integers(0, 30 * DAY))
        length = draw(st.integers(3600, 120 * DAY))
        periods.append(ey.Period(start, start + length, draw(st.integers(0, 5_000_000)) * length // DAY))
        start += length
    return periods


terms_strategy = st.builds(
    ey.DebtTerms, tariff_per_mwh=st.integers(0, 200_000_000), opex_per_year=st.integers(0, 10**12),
    periods=st.integers(1, 120), period_days=st.integers(1, 366), rate_bps=st.integers(0, 3000),
    dscr_bps=st.integers(10_000, 30_000), bullet=st.booleans())


@SETTINGS
@given(histories())
def test_p90_never_exceeds_p50_and_the_haircut_is_a_share(periods):
    result = ey.estimate(periods, REF)
    assert 0 <= result.p90_wh <= result.p50_wh
    assert 0 <= result.haircut_bps <= 10_000
    assert result.verified_wh == sum(p.energy_wh for p in periods)


@SETTINGS
@given(histories(), st.integers(2, 50))
def test_the_estimate_scales_with_the_verified_energy(periods, factor):
    base = ey.estimate(periods, REF)
    scaled = ey.estimate([ey.Period(p.start, p.end, p.energy_wh * factor) for p in periods], REF)
    assert base.p50_wh * factor <= scaled.p50_wh < (base.p50_wh + 1) * factor  # floor(c·x) vs c·floor(x)
    assert base.p90_wh * factor <= scaled.p90_wh < (base.p90_wh + 1) * factor
    assert scaled.haircut_bps == pytest.approx(base.haircut_bps, abs=1) or base.p50_wh == 0


@SETTINGS
@given(histories(), st.data())
def test_more_verified_energy_never_lowers_the_estimate(periods, data):
    i = data.draw(st.integers(0, len(periods) - 1))
    more = list(periods)
    more[i] = ey.Period(periods[i].start, periods[i].end, periods[i].energy_wh + data.draw(st.integers(1, 10**9)))
    before, after = ey.estimate(periods, REF), ey.estimate(more, REF)
    assert after.p50_wh >= before.p50_wh and after.p90_wh >= before.p90_wh


@SETTINGS
@given(histories(), st.integers(3600, 200 * DAY), st.integers(0, 30 * DAY))
def test_a_longer_history_never_widens_the_spread(periods, length, gap):
    """Another report (of any energy) narrows P90/P50 or leaves it: the spread depends on the history's length."""
    start = periods[-1].end + gap
    longer = [*periods, ey.Period(start, start + length, 7_000 * length // 3600)]
    before, after = ey.estimate(periods, REF), ey.estimate(longer, REF)
    assert after.sigma_total <= before.sigma_total
    if before.p50_wh and after.p50_wh:
        assert Fraction(after.p90_wh, after.p50_wh) >= Fraction(before.p90_wh, before.p50_wh) - Fraction(1, 10**6)


def test_a_whole_year_of_history_is_its_own_p50():
    year = [ey.Period(T0 + 91 * DAY * q, T0 + 91 * DAY * (q + 1) + (DAY if q == 3 else 0), 10**9) for q in range(4)]
    result = ey.estimate(year, REF)
    assert abs(result.p50_wh - 4 * 10**9) <= 1
    assert result.history_days == 365


def test_a_winter_history_is_scaled_up_more_than_a_summer_one():
    """The same energy over a January week means a bigger plant than over a June week (seasonal shape)."""
    january = ey.estimate([ey.Period(T0, T0 + 7 * DAY, 10**8)], REF)
    june = ey.estimate([ey.Period(T0 + 160 * DAY, T0 + 167 * DAY, 10**8)], REF)
    assert january.p50_wh > 1.5 * june.p50_wh
    assert january.haircut_bps == june.haircut_bps  # same length of history, same spread


def test_refusals():
    with pytest.raises(ModelInputError, match="no approved monitoring report"):
        ey.estimate([], REF)
    with pytest.raises(ModelInputError, match="not a verified period"):
        ey.estimate([ey.Period(T0, T0, 1)], REF)
    with pytest.raises(ModelInputError, match="debt terms out of range"):
        ey.DebtTerms(1, 0, 0, 91, 500, 13_000)


@SETTINGS
@given(st.integers(0, 10**13), terms_strategy)
def test_the_sized_debt_meets_the_target_dscr_at_p90(p90_wh, terms):
    debt = ey.size_debt(p90_wh, terms)
    assert debt >= 0
    if debt:
        assert ey.min_dscr_bps(p90_wh, debt, terms) >= terms.dscr_bps
        # one more base unit would breach it (the debt is the largest that fits)
        assert ey.period_cash(p90_wh, terms) * ey.BPS < terms.dscr_bps * (debt + 1) * ey.peak_service_factor(terms)
    else:
        assert ey.period_cash(p90_wh, terms) * ey.BPS < terms.dscr_bps * ey.peak_service_factor(terms)


@SETTINGS
@given(st.integers(0, 10**13), terms_strategy, st.data())
def test_the_debt_moves_the_right_way_with_each_input(p90_wh, terms, data):
    debt = ey.size_debt(p90_wh, terms)
    up = data.draw(st.integers(1, 1000))

    def sized(**changes):
        return ey.size_debt(changes.pop("p90_wh", p90_wh), ey.DebtTerms(**{**terms.__dict__, **changes}))

    assert sized(p90_wh=p90_wh + up * 10**6) >= debt
    assert sized(tariff_per_mwh=terms.tariff_per_mwh + up) >= debt
    assert sized(opex_per_year=terms.opex_per_year + up) <= debt
    assert sized(rate_bps=terms.rate_bps + up) <= debt
    assert sized(dscr_bps=terms.dscr_bps + up) <= debt
    if not terms.bullet:
        assert sized(periods=terms.periods + up) >= debt  # a longer tenor spreads the principal


def test_the_reference_is_learned_from_the_shipped_series():
    ref = ey.reference()
    assert ref.days == 145 and 0.2 < ref.cv < 0.35 and 0.4 < ref.rho < 0.8
    assert ey.model_hash(ref) == ey.model_hash(ey.reference())  # deterministic
    assert len(ref.sha256) == 64


def test_the_model_directory_registers_like_a_trained_model(tmp_path):
    from oracles.risk.registration import model_spec

    ref = ey.reference()
    digest = ey.write_model_dir(tmp_path / "yield", ref)
    spec = model_spec(tmp_path / "yield")
    assert spec.model_hash == digest == ey.model_hash(ref)
    assert spec.training_data_hash == "0x" + ref.sha256 and spec.metrics_bps == (0, 0, 0, 0)
    with pytest.raises(ModelInputError, match="not empty"):
        ey.write_model_dir(tmp_path / "yield", ref)


def test_documents_are_canonical_and_hash_the_inputs():
    periods = [ey.Period(T0, T0 + 3 * DAY, 120_000)]
    doc = ey.input_document(7, [(2, periods[0])])
    assert ey.canonical(doc) == b'{"encoding":"greenfi-yield-input-v1","project":7,"reports":[[2,%d,%d,120000]]}' % (
        T0, T0 + 3 * DAY)
    terms = ey.DebtTerms(80_000_000, 0, 40, 91, 650, 13_000)
    result = ey.estimate(periods, REF)
    estimate = ey.estimate_document(result, terms, ey.size_debt(result.p90_wh, terms), "0x" + "ab" * 32)
    assert estimate["estimate"]["p90_wh"] == result.p90_wh and estimate["input_hash"] == "0x" + "ab" * 32
    assert math.isclose(int(estimate["estimate"]["history_days"].split(".")[0]), 3)


def test_the_demo_report_shows_the_loan_and_its_chart(tmp_path):
    """The report step writes the loan's section (one row per observed month) and loan.png from the figures alone."""
    from greenfi.demo.report import loan_markdown, write_charts

    unit = 10**6
    loan = {"p50_wh": 18 * 10**9, "p90_wh": 5 * 10**9, "history_days": 1.0, "yield_model_version": 2,
            "estimate_hash": "0x" + "ab" * 32, "sized_debt": 1_306_496 * unit, "loan_id": 1, "address": "0x" + "11" * 20,
            "commitment": 1_306_000 * unit, "pd_bps": 875, "credit_margin_bps": 250, "attributed_share": 0.7,
            "state": "Repaid", "interest_paid": 9_000 * unit, "fees_paid": 6_530 * unit, "lockup_dscr_bps": 12_000,
            "default_dscr_bps": 10_500,
            "history": [{"time": T0, "principal": 1_306_000 * unit, "margin_bps": 250},
                        {"time": T0 + 30 * DAY, "principal": 1_197_166 * unit, "margin_bps": 225},
                        {"time": T0 + 60 * DAY, "principal": 0, "margin_bps": 250}],
            "periods": [{"period": 1, "verified_wh": 900 * 10**6, "attributed_wh": 630 * 10**6, "kpi": "met",
                         "dscr_bps": 14_321, "margin_bps": 225, "locked_up": False, "paid": 110_000 * unit,
                         "principal": 1_197_166 * unit},
                        {"period": 2, "verified_wh": 500 * 10**6, "attributed_wh": 350 * 10**6, "kpi": "missed",
                         "dscr_bps": 11_000, "margin_bps": 250, "locked_up": True, "paid": 0, "principal": 0}]}
    text = "\n".join(loan_markdown(loan))
    assert "## 7. Green loan" in text and "![green loan](loan.png)" in text
    assert "| 1 | 900.0 | 630.0 | met | 1.43x |" in text and "1.10x lock-up" in text
    assert loan_markdown({"skipped": "green loans not deployed in this suite"})[2].startswith("Skipped: green loans")
    assert loan_markdown(None) == []
    written = write_charts({"loan": loan}, tmp_path)
    assert [p.name for p in written] == ["loan.png"] and written[0].stat().st_size > 0
