"""MRVReports: reports over finalized batches, the versioned emission factor, verification by a
verifier, and issuance consuming an approved report exactly once."""

import brownie
import pytest
from brownie import chain
from tests.support.chain import custom_error, event
from tests.mrv.support import chain_now, DAY, FACTOR, HOUR, OTHER_PROJECT, PROJECT, Batch, keccak256, make_batch, make_device, sign, signed_tuple

from greenfi.domain.participants import Reason

OPEN, APPROVED, REJECTED, CONSUMED = 1, 2, 3, 4
REPORT_HASH = "0x" + keccak256(b"monitoring report 2026-Q1").hex()
DECISION = "0x" + keccak256(b"verification statement").hex()
SOURCE = keccak256(b"grid factor 2026")


def anchor_and_wait(anchor, operator, batches):
    for b in batches:
        anchor.anchorBatch(b.header(), [], {"from": operator})
    chain.sleep(DAY)
    chain.mine()
    return batches


@pytest.fixture
def final_batches(anchor, fleet, oracle_operator):
    """Three final batches of PROJECT over [t0, t0 + 12 h), 4 h each, and one of OTHER_PROJECT."""
    own, foreign, t0 = fleet
    batches = [make_batch(anchor, own, t0 + 4 * HOUR * k, first_sequence=1 + 4 * k) for k in range(3)]
    batches.append(make_batch(anchor, [foreign], t0, project=OTHER_PROJECT))
    return anchor_and_wait(anchor, oracle_operator, batches)


def ids(batches):
    return [b.root for b in batches]


def open_report(reports, developer, start, end, batches, project=PROJECT):
    return reports.openReport(project, start, end, ids(batches), REPORT_HASH, {"from": developer})


def report(reports, report_id):
    return tuple(reports.report(report_id))


def totals(reports, project=PROJECT):
    return tuple(int(x) for x in reports.verifiedTotals(project))


# ---------------------------------------------------------------- the happy path


def test_open_approve_consume_once(reports, final_batches, fleet, developer, verifier, issuer):
    _, _, t0 = fleet
    own = final_batches[:3]
    net = sum(b.energy for b in own)
    reduction = net * FACTOR // 10**6
    tx = open_report(reports, developer, t0, t0 + 12 * HOUR, own)
    assert tx.return_value == 1
    assert event(tx, "ReportOpened") == {
        "reportId": 1, "projectId": PROJECT, "developer": developer, "periodStart": t0, "periodEnd": t0 + 12 * HOUR,
        "batchIds": ids(own), "netGenerationWh": net, "reductionGrams": reduction, "factorVersion": 1,
        "reportHash": REPORT_HASH,
    }
    assert report(reports, 1)[:10] == (PROJECT, t0, t0 + 12 * HOUR, 0, 1, OPEN, developer, brownie.ZERO_ADDRESS,
                                       net, reduction)
    assert reports.pendingReport(PROJECT) == 1 and reports.lastPeriodEnd(PROJECT) == t0 + 12 * HOUR
    assert [reports.reportOfBatch(b) for b in ids(final_batches)] == [1, 1, 1, 0]
    assert totals(reports) == (0, 0)

    tx = reports.approveReport(1, DECISION, {"from": verifier})
    assert event(tx, "ReportApproved") == {"reportId": 1, "verifier": verifier, "decisionHash": DECISION}
    assert report(reports, 1)[5] == APPROVED and report(reports, 1)[7] == verifier
    assert totals(reports) == (net, reduction) and reports.pendingReport(PROJECT) == 0

    issuable = reports.consumeForIssuance.call(1, {"from": issuer})
    assert tuple(issuable) == (PROJECT, t0, t0 + 12 * HOUR, net, reduction, REPORT_HASH, verifier)
    tx = reports.consumeForIssuance(1, {"from": issuer})
    assert event(tx, "ReportConsumed") == {"reportId": 1, "issuer": issuer}
    assert report(reports, 1)[5] == CONSUMED
    with brownie.reverts(custom_error("InvalidReportStatus", 1, CONSUMED)):
        reports.consumeForIssuance(1, {"from": issuer})
    assert totals(reports) == (net, reduction)  # consumed reports stay verified


def test_reduction_uses_integer_grams(reports, anchor, fleet, oracle_operator, developer):
    own, _, t0 = fleet
    batch = Batch([sign(anchor, own[0], 1, t0, t0 + HOUR, 1_234)], PROJECT, t0, t0 + HOUR)
    anchor_and_wait(anchor, oracle_operator, [batch])
    open_report(reports, developer, t0, t0 + HOUR, [batch])
    assert report(reports, 1)[8:10] == (1_234, 1_234 * FACTOR // 10**6)  # 716 g, rounded down


def test_verified_totals_add_up_sequential_reports(reports, final_batches, fleet, developer, verifier):
    _, _, t0 = fleet
    open_report(reports, developer, t0, t0 + 8 * HOUR, final_batches[:2])
    reports.approveReport(1, DECISION, {"from": verifier})
    open_report(reports, developer, t0 + 8 * HOUR, t0 + 12 * HOUR, final_batches[2:3])
    reports.approveReport(2, DECISION, {"from": verifier})
    net = sum(b.energy for b in final_batches[:3])
    assert totals(reports) == (net, report(reports, 1)[9] + report(reports, 2)[9])
    assert totals(reports, OTHER_PROJECT) == (0, 0)


# ---------------------------------------------------------------- periods


def test_periods_never_overlap(reports, final_batches, fleet, developer, verifier):
    _, _, t0 = fleet
    open_report(reports, developer, t0, t0 + 8 * HOUR, final_batches[:2])
    reports.approveReport(1, DECISION, {"from": verifier})
    with brownie.reverts(custom_error("PeriodOverlaps", PROJECT, t0 + 4 * HOUR, t0 + 8 * HOUR)):
        open_report(reports, developer, t0 + 4 * HOUR, t0 + 12 * HOUR, final_batches[2:3])
    open_report(reports, developer, t0 + 8 * HOUR, t0 + 12 * HOUR, final_batches[2:3])
    assert reports.reportCount() == 2


def test_one_open_report_per_project(reports, final_batches, fleet, developer):
    _, _, t0 = fleet
    open_report(reports, developer, t0, t0 + 4 * HOUR, final_batches[:1])
    with brownie.reverts(custom_error("ReportPending", PROJECT, 1)):
        open_report(reports, developer, t0 + 4 * HOUR, t0 + 8 * HOUR, final_batches[1:2])
    assert reports.reportCount() == 1


def test_a_rejected_report_gives_back_its_period_and_batches(reports, final_batches, fleet, developer, verifier):
    _, _, t0 = fleet
    open_report(reports, developer, t0, t0 + 12 * HOUR, final_batches[:3])
    tx = reports.rejectReport(1, DECISION, {"from": verifier})
    assert event(tx, "ReportRejected") == {"reportId": 1, "verifier": verifier, "reasonHash": DECISION}
    assert report(reports, 1)[5] == REJECTED and report(reports, 1)[11] == DECISION
    assert reports.lastPeriodEnd(PROJECT) == 0 and reports.pendingReport(PROJECT) == 0
    assert reports.reportOfBatch(final_batches[0].root) == 0 and totals(reports) == (0, 0)
    open_report(reports, developer, t0, t0 + 8 * HOUR, final_batches[:2])
    assert report(reports, 2)[3] == 0 and reports.reportOfBatch(final_batches[0].root) == 2


@pytest.mark.parametrize("period", [(10, 10), (20, 10)], ids=["empty", "inverted"])
def test_invalid_periods(reports, final_batches, developer, period):
    with brownie.reverts(custom_error("InvalidPeriod", *period)):
        open_report(reports, developer, *period, final_batches[:1])


def test_a_period_cannot_end_in_the_future(reports, final_batches, fleet, developer):
    _, _, t0 = fleet
    future = chain_now() + DAY
    with brownie.reverts(custom_error("InvalidPeriod", t0, future)):
        open_report(reports, developer, t0, future, final_batches[:1])


# ---------------------------------------------------------------- which batches a report may list


def test_batches_must_be_final_unrejected_own_and_inside(reports, anchor, final_batches, fleet, developer,
                                                        oracle_operator, outsider):
    own, _, t0 = fleet
    period = (t0, t0 + 12 * HOUR)
    fresh = make_batch(anchor, own, t0 + 12 * HOUR, first_sequence=13)
    anchor.anchorBatch(fresh.header(), [], {"from": oracle_operator})
    forged = Batch([sign(anchor, own[0], 99, t0, t0 + HOUR, 1, key=make_device(50).key)], PROJECT, t0, t0 + HOUR)
    anchor.anchorBatch(forged.header(), [], {"from": oracle_operator})
    anchor.challengeReading(forged.root, signed_tuple(forged.items[0]), forged.proof(0), {"from": outsider})
    unknown = make_batch(anchor, own, t0, slots=1, energy_wh=1)

    end = anchor.batch(fresh.root)[5]
    cases = [
        ([fresh], (t0, t0 + 16 * HOUR), ("BatchNotFinal", fresh.root, end)),
        ([forged], period, ("RejectedBatch", forged.root)),
        ([unknown], period, ("UnknownBatch", unknown.root)),
        ([final_batches[3]], period, ("ForeignBatch", final_batches[3].root, OTHER_PROJECT)),
        ([final_batches[2]], (t0, t0 + 10 * HOUR), ("BatchOutsidePeriod", final_batches[2].root, t0 + 8 * HOUR,
                                                    t0 + 12 * HOUR)),
        ([final_batches[0]], (t0 + HOUR, t0 + 12 * HOUR), ("BatchOutsidePeriod", final_batches[0].root, t0,
                                                           t0 + 4 * HOUR)),
        ([final_batches[0], final_batches[0]], period, ("BatchAlreadyReported", final_batches[0].root, 1)),
    ]
    for batches, (start, stop), error in cases:
        with brownie.reverts(custom_error(*error)):
            open_report(reports, developer, start, stop, batches)
    assert reports.reportCount() == 0 and reports.reportOfBatch(final_batches[0].root) == 0


def test_a_batch_serves_one_report(reports, final_batches, fleet, developer, verifier):
    """A later report's period starts after every batch of an earlier one, so a reported batch can
    never fit again; within one report a repeated batch is refused (see the test above)."""
    _, _, t0 = fleet
    open_report(reports, developer, t0, t0 + 4 * HOUR, final_batches[:1])
    reports.approveReport(1, DECISION, {"from": verifier})
    with brownie.reverts(custom_error("BatchOutsidePeriod", final_batches[0].root, t0, t0 + 4 * HOUR)):
        open_report(reports, developer, t0 + 4 * HOUR, t0 + 12 * HOUR, final_batches[:3])
    assert reports.reportOfBatch(final_batches[0].root) == 1


def test_batch_count_is_bounded(reports, final_batches, fleet, developer):
    _, _, t0 = fleet
    with brownie.reverts(custom_error("InvalidBatchCount", 0)):
        reports.openReport(PROJECT, t0, t0 + HOUR, [], REPORT_HASH, {"from": developer})
    many = ["0x" + keccak256(b"%d" % i).hex() for i in range(65)]
    with brownie.reverts(custom_error("InvalidBatchCount", 65)):
        reports.openReport(PROJECT, t0, t0 + HOUR, many, REPORT_HASH, {"from": developer})


def test_finalized_batches_are_accepted_too(reports, anchor, final_batches, fleet, developer, outsider):
    _, _, t0 = fleet
    anchor.finalize(final_batches[0].root, {"from": outsider})
    open_report(reports, developer, t0, t0 + 8 * HOUR, final_batches[:2])
    assert report(reports, 1)[8] == final_batches[0].energy + final_batches[1].energy


# ---------------------------------------------------------------- who may open and decide


def test_only_the_active_projects_eligible_developer_opens(reports, projects, mrv_registry, regulator, admin,
                                                           final_batches, fleet, developer, other_developer):
    _, _, t0 = fleet
    args = (t0, t0 + 4 * HOUR, final_batches[:1])
    with brownie.reverts(custom_error("NotProjectDeveloper", PROJECT, other_developer)):
        open_report(reports, other_developer, *args)
    with brownie.reverts(custom_error("NoEmissionFactor", OTHER_PROJECT)):
        open_report(reports, other_developer, t0, t0 + 4 * HOUR, final_batches[3:], project=OTHER_PROJECT)
    projects.setStatus(PROJECT, 4, {"from": admin})  # Suspended
    with brownie.reverts(custom_error("ProjectNotActive", PROJECT)):
        open_report(reports, developer, *args)
    projects.setStatus(PROJECT, 3, {"from": admin})
    mrv_registry.freeze(developer, b"\x01" * 32, {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", developer, Reason.FROZEN)):
        open_report(reports, developer, *args)
    mrv_registry.unfreeze(developer, {"from": regulator})
    mrv_registry.pause({"from": regulator})
    with brownie.reverts(custom_error("NetworkPaused")):
        open_report(reports, developer, *args)
    assert reports.reportCount() == 0


def test_only_an_independent_verifier_decides(reports, projects, admin, final_batches, fleet, developer, verifier,
                                              enterprise):
    _, _, t0 = fleet
    open_report(reports, developer, t0, t0 + 4 * HOUR, final_batches[:1])
    for decide in (reports.approveReport, reports.rejectReport):
        with brownie.reverts(custom_error("VerifierIsDeveloper", 1, developer)):
            decide(1, DECISION, {"from": developer})
        with brownie.reverts(custom_error("ComplianceRefused", enterprise, Reason.WRONG_KIND)):
            decide(1, DECISION, {"from": enterprise})
    projects.setProject(PROJECT, verifier, 3, {"from": admin})  # the verifier now runs the project
    with brownie.reverts(custom_error("VerifierIsDeveloper", 1, verifier)):
        reports.approveReport(1, DECISION, {"from": verifier})
    projects.setProject(PROJECT, developer, 3, {"from": admin})
    reports.approveReport(1, DECISION, {"from": verifier})
    for decide in (reports.approveReport, reports.rejectReport):
        with brownie.reverts(custom_error("InvalidReportStatus", 1, APPROVED)):
            decide(1, DECISION, {"from": verifier})
    with brownie.reverts(custom_error("UnknownReport", 2)):
        reports.approveReport(2, DECISION, {"from": verifier})


def test_consume_refusals(reports, final_batches, fleet, developer, verifier, issuer, outsider):
    _, _, t0 = fleet
    role = reports.ISSUER_ROLE()
    with brownie.reverts(custom_error("UnknownReport", 1)):
        reports.consumeForIssuance(1, {"from": issuer})
    open_report(reports, developer, t0, t0 + 4 * HOUR, final_batches[:1])
    with brownie.reverts(custom_error("InvalidReportStatus", 1, OPEN)):
        reports.consumeForIssuance(1, {"from": issuer})
    reports.approveReport(1, DECISION, {"from": verifier})
    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", outsider, role)):
        reports.consumeForIssuance(1, {"from": outsider})
    assert report(reports, 1)[5] == APPROVED


def test_a_rejected_report_cannot_be_consumed(reports, final_batches, fleet, developer, verifier, issuer):
    _, _, t0 = fleet
    open_report(reports, developer, t0, t0 + 4 * HOUR, final_batches[:1])
    reports.rejectReport(1, DECISION, {"from": verifier})
    with brownie.reverts(custom_error("InvalidReportStatus", 1, REJECTED)):
        reports.consumeForIssuance(1, {"from": issuer})


# ---------------------------------------------------------------- emission factors


def test_emission_factor_versions(reports, admin, regulator, auditor, final_batches, fleet, developer, verifier):
    _, _, t0 = fleet
    version, factor = reports.emissionFactor(PROJECT)
    assert version == 1 and factor[0] == FACTOR and factor[2] == "0x" + SOURCE.hex()
    reports.grantRole(reports.METHODOLOGY_ROLE(), auditor, {"from": admin})
    tx = reports.setEmissionFactor(PROJECT, 600_000, SOURCE, {"from": auditor})
    assert event(tx, "EmissionFactorSet") == {"projectId": PROJECT, "version": 2, "gramsPerMWh": 600_000,
                                              "sourceHash": "0x" + SOURCE.hex()}
    assert reports.emissionFactorAt(PROJECT, 1)[0] == FACTOR and reports.emissionFactor(PROJECT)[0] == 2
    open_report(reports, developer, t0, t0 + 4 * HOUR, final_batches[:1])
    assert report(reports, 1)[4] == 2 and report(reports, 1)[9] == final_batches[0].energy * 600_000 // 10**6
    reports.setEmissionFactor(PROJECT, 500_000, SOURCE, {"from": regulator})  # later versions leave it alone
    assert report(reports, 1)[4] == 2


def test_emission_factor_refusals(reports, developer, regulator):
    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", developer, reports.METHODOLOGY_ROLE())):
        reports.setEmissionFactor(PROJECT, 1, SOURCE, {"from": developer})
    with brownie.reverts(custom_error("ZeroEmissionFactor")):
        reports.setEmissionFactor(PROJECT, 0, SOURCE, {"from": regulator})
    with brownie.reverts(custom_error("UnknownProject", 77)):
        reports.setEmissionFactor(77, 1, SOURCE, {"from": regulator})
    bound = reports.MAX_GRAMS_PER_MWH()
    with brownie.reverts(custom_error("EmissionFactorAboveMax", bound + 1, bound)):
        reports.setEmissionFactor(PROJECT, bound + 1, SOURCE, {"from": regulator})
    assert reports.emissionFactor(PROJECT)[0] == 1
