"""Sub-unit remainders: a report below one unit uses its period and carries its grams (or Wh) to
the project's next report; issued units x 1e6 + carried = verified grams, exactly; the buffer share
is rounded toward the buffer."""

import brownie
from tests.carbon.support import DAY, MWH, PERIOD0, TONNE, report, supply
from tests.support.chain import custom_error, event
from hypothesis import given, settings
from hypothesis import strategies as st


def test_a_report_below_one_unit_uses_its_period_and_carries_its_grams(project, reports, credits, developer,
                                                                       verifier):
    reports.setReport(1, report(project, PERIOD0, PERIOD0 + DAY, verifier, TONNE - 1), True)
    tx = credits.issue(1, {"from": developer})
    assert tx.return_value == 0 and "Issued" not in tx.events
    assert event(tx, "RemainderCarried") == {"projectId": project, "reportId": 1, "carried": TONNE - 1}
    assert reports.state(1) == 3  # consumed: it can never be issued twice
    assert credits.batchCount() == 0 and credits.nextSerial() == 1
    assert credits.lastVintageEnd(project) == PERIOD0 + DAY and credits.carriedRemainder(project) == TONNE - 1
    # the next report completes the unit: 2 grams more make 1 t + 1 g
    reports.setReport(2, report(project, PERIOD0 + DAY, PERIOD0 + 2 * DAY, verifier, 2), True)
    tx = credits.issue(2, {"from": developer})
    assert event(tx, "Issued")["quantity"] == 1 and event(tx, "RemainderCarried")["carried"] == 1
    assert credits.carriedRemainder(project) == 1


def test_the_period_of_a_carried_report_cannot_be_reused(project, reports, credits, developer, verifier):
    reports.setReport(1, report(project, PERIOD0, PERIOD0 + DAY, verifier, 10), True)
    credits.issue(1, {"from": developer})
    reports.setReport(2, report(project, PERIOD0, PERIOD0 + DAY, verifier, 5 * TONNE, label="again"), True)
    with brownie.reverts(custom_error("VintageOverlap", project, PERIOD0, PERIOD0 + DAY)):
        credits.issue(2, {"from": developer})
    assert credits.carriedRemainder(project) == 10


def test_an_unchanged_remainder_emits_nothing(project, reports, credits, developer, verifier):
    reports.setReport(1, report(project, PERIOD0, PERIOD0 + DAY, verifier, 3 * TONNE), True)
    tx = credits.issue(1, {"from": developer})
    assert "RemainderCarried" not in tx.events and credits.carriedRemainder(project) == 0


def test_remainders_are_per_project(project, gec_project, reports, credits, developer, verifier):
    reports.setReport(1, report(project, PERIOD0, PERIOD0 + DAY, verifier, 600_000), True)
    reports.setReport(2, report(gec_project, PERIOD0, PERIOD0 + DAY, verifier, 0, wh=700_000), True)
    credits.issue(1, {"from": developer})
    credits.issue(2, {"from": developer})
    assert (credits.carriedRemainder(project), credits.carriedRemainder(gec_project)) == (600_000, 700_000)
    reports.setReport(3, report(gec_project, PERIOD0 + DAY, PERIOD0 + 2 * DAY, verifier, 0, wh=MWH), True)
    batch_id = credits.issue(3, {"from": developer}).return_value
    assert supply(credits, batch_id)["issued"] == 1 and credits.carriedRemainder(gec_project) == 700_000
    assert credits.carriedRemainder(project) == 600_000


def test_a_one_unit_batch_feeds_the_buffer(project, issue, credits, developer):
    batch_id = issue(project, tonnes=1)
    assert supply(credits, batch_id)["buffered"] == 1 and credits.balanceOf(developer, batch_id) == 0


def test_a_zero_buffer_share_takes_nothing(project, issue, credits, admin, developer):
    credits.setBufferShare(0, {"from": admin})
    batch_id = issue(project, tonnes=7)
    assert supply(credits, batch_id)["buffered"] == 0 and credits.balanceOf(developer, batch_id) == 7


def test_issuance_matches_the_reference_for_random_reports_and_shares(project, reports, credits, admin, developer,
                                                                      verifier):
    """Differential: for random grams and buffer shares, the chain issues floor((carried + grams) / 1 t)
    units, buffers ceil(units x share), carries the rest; carried + 1e6 x issued = Σ grams."""
    state = {"report": 0, "start": PERIOD0, "carried": 0, "verified": 0, "issued": 0}

    @settings(max_examples=25, deadline=None)
    @given(grams=st.one_of(st.integers(0, 3 * TONNE), st.integers(0, 10**15)), bps=st.integers(0, 5_000))  # MAX_BUFFER_BPS
    def check(grams, bps):
        credits.setBufferShare(bps, {"from": admin})
        state["report"] += 1
        start = state["start"]
        reports.setReport(state["report"], report(project, start, start + DAY, verifier, grams,
                                                  label=f"d{state['report']}"), True)
        batch_id = credits.issue(state["report"], {"from": developer}).return_value
        state["start"] += DAY
        total = state["carried"] + grams
        units, state["carried"] = divmod(total, TONNE)
        state["verified"] += grams
        if units == 0:
            assert batch_id == 0
        else:
            s = supply(credits, batch_id)
            assert s["issued"] == units and s["buffered"] == -(-units * bps // 10_000)
            assert (s["buffered"] > 0) == (bps > 0)
            state["issued"] += units
        assert credits.carriedRemainder(project) == state["carried"]
        assert state["issued"] * TONNE + state["carried"] == state["verified"]

    check()


def test_grams_are_conserved_across_a_run_of_small_reports(project, reports, credits, developer, verifier):
    grams = [999_999, 1, 250_000, 2_750_001, 0, 1_000_000, 123_456_789, 5]
    start = PERIOD0
    issued = 0
    for i, g in enumerate(grams, start=1):
        reports.setReport(i, report(project, start, start + DAY, verifier, g, label=f"r{i}"), True)
        batch_id = credits.issue(i, {"from": developer}).return_value
        if batch_id:
            issued += supply(credits, batch_id)["issued"]
        start += DAY
        assert issued * TONNE + credits.carriedRemainder(project) == sum(grams[:i])
    assert credits.lastVintageEnd(project) == start
