"""Issuance: only by consuming an approved report, exactly once, for an active project; every refusal."""

import brownie
from tests.carbon.support import DAY, PERIOD0, SUSPENDED, TONNE, VALIDATED, VER, h, report, supply
from tests.support.chain import custom_error

from greenfi.domain.participants import Reason


def snapshot(credits, developer, batch_ids=(1,)):
    return (
        credits.batchCount(), credits.nextSerial(), credits.lastVintageEnd(1),
        [credits.balanceOf(developer, b) for b in batch_ids],
    )


def test_unknown_report_reverts(project, credits, developer):
    before = snapshot(credits, developer)
    with brownie.reverts(custom_error("UnknownReport", 99)):
        credits.issue(99, {"from": developer})
    assert snapshot(credits, developer) == before


def test_unapproved_report_reverts_and_stays_pending(project, reports, credits, developer, verifier):
    reports.setReport(5, report(project, PERIOD0, PERIOD0 + DAY, verifier, 10 * TONNE), False)
    before = snapshot(credits, developer)
    with brownie.reverts(custom_error("ReportNotApproved", 5)):
        credits.issue(5, {"from": developer})
    assert snapshot(credits, developer) == before and reports.state(5) == 1


def test_consumed_report_cannot_issue_twice(project, reports, credits, developer, verifier):
    reports.setReport(5, report(project, PERIOD0, PERIOD0 + DAY, verifier, 10 * TONNE), True)
    credits.issue(5, {"from": developer})
    before = snapshot(credits, developer)
    with brownie.reverts(custom_error("ReportAlreadyConsumed", 5)):
        credits.issue(5, {"from": developer})
    assert snapshot(credits, developer) == before


def test_overlapping_vintage_reverts_and_leaves_report_unconsumed(project, reports, credits, developer, verifier):
    reports.setReport(1, report(project, PERIOD0, PERIOD0 + 90 * DAY, verifier, 10 * TONNE), True)
    credits.issue(1, {"from": developer})
    overlapping = PERIOD0 + 89 * DAY
    reports.setReport(2, report(project, overlapping, PERIOD0 + 180 * DAY, verifier, 10 * TONNE, label="r2"), True)
    before = snapshot(credits, developer)
    with brownie.reverts(custom_error("VintageOverlap", project, overlapping, PERIOD0 + 90 * DAY)):
        credits.issue(2, {"from": developer})
    assert snapshot(credits, developer) == before
    assert reports.state(2) == 2  # still approved: the revert undid the consumption


def test_empty_vintage_reverts(project, reports, credits, developer, verifier):
    reports.setReport(1, report(project, PERIOD0, PERIOD0, verifier, 10 * TONNE), True)
    with brownie.reverts(custom_error("InvalidVintage", PERIOD0, PERIOD0)):
        credits.issue(1, {"from": developer})
    assert credits.batchCount() == 0


def test_project_must_be_active(projects, reports, credits, developer, verifier, regulator):
    pid = projects.submitProject(h("m"), h("v"), VER, b"CN", h("site"), {"from": developer}).return_value
    projects.validate(pid, h("validation"), {"from": verifier})
    reports.setReport(1, report(pid, PERIOD0, PERIOD0 + DAY, verifier, 10 * TONNE), True)
    with brownie.reverts(custom_error("ProjectNotActive", pid, VALIDATED)):
        credits.issue(1, {"from": developer})
    projects.activate(pid, h("ok"), {"from": regulator})
    projects.suspend(pid, h("audit"), {"from": regulator})
    with brownie.reverts(custom_error("ProjectNotActive", pid, SUSPENDED)):
        credits.issue(1, {"from": developer})
    assert credits.batchCount() == 0


def test_unknown_project_in_report_reverts(reports, credits, developer, verifier):
    reports.setReport(1, report(42, PERIOD0, PERIOD0 + DAY, verifier, 10 * TONNE), True)
    with brownie.reverts(custom_error("ProjectNotActive", 42, 0)):
        credits.issue(1, {"from": developer})


def test_only_developer_or_issuer_may_issue(project, reports, credits, developer, enterprise, verifier):
    reports.setReport(1, report(project, PERIOD0, PERIOD0 + DAY, verifier, 10 * TONNE), True)
    with brownie.reverts(custom_error("NotIssuer", enterprise, project)):
        credits.issue(1, {"from": enterprise})
    assert credits.batchCount() == 0 and credits.balanceOf(developer, 1) == 0


def test_frozen_developer_gets_no_issuance(project, registry, reports, credits, developer, issuer, verifier,
                                           regulator):
    reports.setReport(1, report(project, PERIOD0, PERIOD0 + DAY, verifier, 10 * TONNE), True)
    registry.freeze(developer, h("order"), {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", developer, Reason.FROZEN)):
        credits.issue(1, {"from": issuer})
    registry.pause({"from": regulator})
    with brownie.reverts(custom_error("NetworkPaused")):
        credits.issue(1, {"from": issuer})
    assert credits.batchCount() == 0


def test_buffer_share_setting(credits, project, issue, admin, developer):
    assert credits.MAX_BUFFER_BPS() == 5_000
    for bad in (5_001, 10_000):
        with brownie.reverts(custom_error("BufferShareTooHigh", bad, 5_000)):
            credits.setBufferShare(bad, {"from": admin})
    role = credits.GOVERNOR_ROLE()
    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", developer, role)):
        credits.setBufferShare(0, {"from": developer})
    assert credits.bufferShare() == 1_000
    credits.setBufferShare(2_500, {"from": admin})
    batch_id = issue(project, tonnes=99)
    assert supply(credits, batch_id)["buffered"] == 25  # ceil(99 * 25 %): rounded toward the buffer
    assert credits.balanceOf(developer, batch_id) == 74


def test_unknown_batch_and_cai_views_revert(credits, batch):
    with brownie.reverts(custom_error("UnknownBatch", 2)):
        credits.supplyOf(2)
    cai = credits.caiOf(batch)
    forged = "0x" + "00" * 24 + "0000000000000001"
    with brownie.reverts(custom_error("UnknownCai", bytes.fromhex(forged[2:]))):
        credits.batchOfCai(forged)
    assert credits.batchOfCai(cai) == batch
    assert credits.batch(batch)[6] == cai
