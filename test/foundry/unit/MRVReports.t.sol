// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../lib/Vm.sol";
import {MRVWorld} from "../lib/MRVWorld.sol";
import {MRVReports} from "../../../contracts/mrv/MRVReports.sol";
import {MRVAnchor} from "../../../contracts/mrv/MRVAnchor.sol";
import {MockProjectRegistry} from "../../../contracts/mocks/MockProjectRegistry.sol";
import {ComplianceGuard} from "../../../contracts/compliance/ComplianceGuard.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../../../contracts/interfaces/IProjectRegistry.sol";
import {IMonitoringReports} from "../../../contracts/interfaces/IMonitoringReports.sol";
import {IMRVAnchor} from "../../../contracts/interfaces/IMRVAnchor.sol";
import {IMRVReports} from "../../../contracts/interfaces/IMRVReports.sol";

/// @title MRVReportsTest
/// @notice docs/mrv.md, MRVReports: versioned emission factors (forward-only), reports over final
/// batches (sequential periods, one open report per project, each batch in one live report), the
/// verifier's approval or rejection (which hands the period and batches back), and one consumption
/// by the issuer; each refusal with its exact error and arguments, on the real MRVAnchor.
contract MRVReportsTest is MRVWorld {
    uint64 private constant FACTOR = 581_000; // g/MWh, set for PROJECT in MRVWorld

    bytes32 private first;
    bytes32 private second;

    /// @dev Two final batches of PROJECT over [T0, T0 + 1 day) (1,000 and 1,001 Wh); now is T0 + 2 days.
    function setUp() public override {
        super.setUp();
        first = _anchorOne(_hourly(DEVICE, DEVICE_KEY, 0, 1_000));
        second = _anchorOne(_hourly(DEVICE, DEVICE_KEY, 1, 1_001));
        vm.warp(block.timestamp + 1 days);
    }

    function _ids(bytes32 a) private pure returns (bytes32[] memory ids) {
        ids = new bytes32[](1);
        ids[0] = a;
    }

    function _ids(bytes32 a, bytes32 b) private pure returns (bytes32[] memory ids) {
        ids = new bytes32[](2);
        (ids[0], ids[1]) = (a, b);
    }

    /// @dev The developer opens a report of PROJECT over [T0, now).
    function _open(bytes32[] memory ids) private returns (uint256) {
        vm.prank(developer);
        return reports.openReport(PROJECT, T0, uint64(block.timestamp), ids, keccak256("report"));
    }

    /// @dev A batch of PROJECT with window [start, end) holding one reading of `hour`, anchored now.
    function _batchOver(uint64 start, uint64 end, uint64 hour) private returns (bytes32) {
        IMRVAnchor.BatchHeader memory h = _header(_leaf(_hourly(DEVICE2, DEVICE2_KEY, hour, 100)));
        (h.windowStart, h.windowEnd) = (start, end);
        return _anchor(h);
    }

    function _assertStatus(uint256 reportId, IMRVReports.ReportStatus status, string memory what) private view {
        vm.assertEq(uint256(reports.report(reportId).status), uint256(status), what);
    }

    // ---------------------------------------------------------------- construction

    function test_constructor_refuses_zero_addresses() public {
        _expectError(abi.encodeWithSelector(IMRVReports.ZeroAddress.selector));
        new MRVReports(registry, MockProjectRegistry(address(0)), anchor, admin, regulator);
        _expectError(abi.encodeWithSelector(IMRVReports.ZeroAddress.selector));
        new MRVReports(registry, projects, MRVAnchor(address(0)), admin, regulator);
        _expectError(abi.encodeWithSelector(IMRVReports.ZeroAddress.selector));
        new MRVReports(registry, projects, anchor, admin, address(0));
        vm.assertEq(address(reports.projects()), address(projects), "projects");
        vm.assertEq(address(reports.anchor()), address(anchor), "anchor");
        vm.assertTrue(reports.hasRole(reports.GOVERNOR_ROLE(), regulator), "the regulator governs factors");
    }

    // ---------------------------------------------------------------- emission factors

    /// @notice GOVERNOR_ROLE or METHODOLOGY_ROLE appends versions (1 .. 2,000,000 g/MWh); old
    /// versions stay readable.
    function test_setEmissionFactor_appends_versions() public {
        (uint32 version, IMRVReports.EmissionFactor memory f) = reports.emissionFactor(PROJECT);
        vm.assertEq(version, 1, "set in setUp");
        vm.assertEq(f.gramsPerMWh, FACTOR, "grams");
        address methodologist = vm.addr(0x3E7);
        reports.grantRole(reports.METHODOLOGY_ROLE(), methodologist);
        vm.warp(block.timestamp + 1 days);
        vm.expectEmit(address(reports));
        emit IMRVReports.EmissionFactorSet(PROJECT, 2, 2_000_000, keccak256("grid 2025"));
        vm.prank(methodologist);
        reports.setEmissionFactor(PROJECT, 2_000_000, keccak256("grid 2025"));
        (version, f) = reports.emissionFactor(PROJECT);
        vm.assertEq(version, 2, "version 2");
        vm.assertEq(f.gramsPerMWh, 2_000_000, "the most accepted");
        vm.assertEq(f.setAt, block.timestamp, "set now");
        vm.assertEq(f.sourceHash, keccak256("grid 2025"), "source");
        vm.assertEq(reports.emissionFactorAt(PROJECT, 1).gramsPerMWh, FACTOR, "version 1 kept");
        (version,) = reports.emissionFactor(OTHER_PROJECT);
        vm.assertEq(version, 0, "none for the other project");
        reports.setEmissionFactor(OTHER_PROJECT, 1, 0); // the admin governs too
        vm.assertEq(reports.emissionFactorAt(OTHER_PROJECT, 1).gramsPerMWh, 1, "the least accepted");
    }

    function test_setEmissionFactor_refusals() public {
        _expectMissingRole(developer, reports.METHODOLOGY_ROLE());
        vm.prank(developer);
        reports.setEmissionFactor(PROJECT, FACTOR, 0);
        vm.startPrank(regulator);
        _expectError(abi.encodeWithSelector(IMRVReports.ZeroEmissionFactor.selector));
        reports.setEmissionFactor(PROJECT, 0, 0);
        _expectError(abi.encodeWithSelector(IMRVReports.EmissionFactorAboveMax.selector, 2_000_001, 2_000_000));
        reports.setEmissionFactor(PROJECT, 2_000_001, 0);
        _expectError(abi.encodeWithSelector(IMRVReports.UnknownProject.selector, 9));
        reports.setEmissionFactor(9, FACTOR, 0);
        vm.stopPrank();
        (uint32 version,) = reports.emissionFactor(PROJECT);
        vm.assertEq(version, 1, "unchanged");
    }

    // ---------------------------------------------------------------- opening

    /// @notice A report sums its batches' counted energy, × the current factor / 10^6, rounded down,
    /// and records the factor version; the project's period moves on and the report is pending.
    function test_openReport_sums_final_batches_and_records_everything() public {
        vm.expectEmit(address(reports));
        emit IMRVReports.ReportOpened(
            1, PROJECT, developer, T0, uint64(block.timestamp), _ids(first, second), 2_001, 1_162, 1, keccak256("report")
        );
        uint256 id = _open(_ids(first, second));
        vm.assertEq(id, 1, "first id");
        IMRVReports.Report memory r = reports.report(id);
        vm.assertEq(r.projectId, PROJECT, "project");
        vm.assertEq(r.periodStart, T0, "start");
        vm.assertEq(r.periodEnd, block.timestamp, "end");
        vm.assertEq(r.previousPeriodEnd, 0, "no previous report");
        vm.assertEq(r.factorVersion, 1, "factor version");
        vm.assertEq(uint256(r.status), uint256(IMRVReports.ReportStatus.Open), "open");
        vm.assertEq(r.developer, developer, "developer");
        vm.assertEq(r.netGenerationWh, 2_001, "the batches' energy");
        vm.assertEq(r.reductionGrams, 1_162, "2,001 Wh at 581,000 g/MWh = 1,162.581 g, rounded down");
        vm.assertEq(r.reportHash, keccak256("report"), "hash");
        vm.assertEq(reports.reportCount(), 1, "count");
        vm.assertEq(reports.pendingReport(PROJECT), id, "pending");
        vm.assertEq(reports.lastPeriodEnd(PROJECT), block.timestamp, "period used");
        vm.assertEq(reports.reportOfBatch(first), id, "first claimed");
        vm.assertEq(reports.reportOfBatch(second), id, "second claimed");
    }

    /// @notice A finalized batch and one whose window has merely passed are both final; a batch's
    /// excluded replays are not in its counted energy.
    function test_openReport_counts_finalized_and_lazily_final_batches_as_counted() public {
        anchor.finalize(first);
        IMRVAnchor.SignedReading memory replayed = _hourly(DEVICE, DEVICE_KEY, 1, 1_001); // `second`'s reading
        (bytes32 later, IMRVAnchor.SumPath memory p,) = _anchorTwo(replayed, _hourly(DEVICE, DEVICE_KEY, 2, 500));
        anchor.excludeReplay(later, replayed, p, second, replayed, _noPath());
        vm.warp(block.timestamp + 1 days);
        uint256 id = _open(_ids(first, later));
        vm.assertEq(reports.report(id).netGenerationWh, 1_500, "1,000 + (1,501 - the replay's 1,001)");
    }

    /// @notice Only the project's developer, eligible, for an Active project, over a non-empty
    /// period ending by now, after the previous report, with none pending, 1 to 64 batches and a factor.
    function test_openReport_refusals_of_the_report() public {
        bytes32[] memory ids = _ids(first);
        uint64 now_ = uint64(block.timestamp);
        _expectError(abi.encodeWithSelector(IMRVReports.NotProjectDeveloper.selector, PROJECT, otherDeveloper));
        vm.prank(otherDeveloper);
        reports.openReport(PROJECT, T0, now_, ids, 0);
        _freeze(developer);
        _expectFrozen(developer);
        vm.prank(developer);
        reports.openReport(PROJECT, T0, now_, ids, 0);
        vm.prank(regulator);
        registry.unfreeze(developer);
        projects.setStatus(PROJECT, IProjectRegistry.ProjectStatus.Suspended);
        _expectError(abi.encodeWithSelector(IMRVReports.ProjectNotActive.selector, PROJECT));
        vm.prank(developer);
        reports.openReport(PROJECT, T0, now_, ids, 0);
        projects.setStatus(PROJECT, IProjectRegistry.ProjectStatus.Active);

        vm.startPrank(developer);
        _expectError(abi.encodeWithSelector(IMRVReports.InvalidPeriod.selector, now_, now_));
        reports.openReport(PROJECT, now_, now_, ids, 0);
        _expectError(abi.encodeWithSelector(IMRVReports.InvalidPeriod.selector, T0, now_ + 1));
        reports.openReport(PROJECT, T0, now_ + 1, ids, 0);
        _expectError(abi.encodeWithSelector(IMRVReports.InvalidBatchCount.selector, 0));
        reports.openReport(PROJECT, T0, now_, new bytes32[](0), 0);
        _expectError(abi.encodeWithSelector(IMRVReports.InvalidBatchCount.selector, 65));
        reports.openReport(PROJECT, T0, now_, new bytes32[](65), 0);
        vm.stopPrank();
        _expectError(abi.encodeWithSelector(IMRVReports.NoEmissionFactor.selector, OTHER_PROJECT));
        vm.prank(otherDeveloper);
        reports.openReport(OTHER_PROJECT, T0, now_, ids, 0);

        uint256 id = _open(ids);
        vm.warp(block.timestamp + 1);
        _expectError(abi.encodeWithSelector(IMRVReports.ReportPending.selector, PROJECT, id));
        vm.prank(developer);
        reports.openReport(PROJECT, now_, now_ + 1, _ids(second), 0);
        _expectError(abi.encodeWithSelector(IMRVReports.PeriodOverlaps.selector, PROJECT, now_ - 1, now_));
        vm.prank(developer);
        reports.openReport(PROJECT, now_ - 1, now_ + 1, _ids(second), 0);
        _pause();
        _expectPaused();
        _open(_ids(second));
        vm.assertEq(reports.reportCount(), 1, "one report");
    }

    /// @notice Each listed batch must be known, not rejected, final, the project's, inside the
    /// period and in no live report: listed twice, it finds itself claimed by the report being
    /// opened. (A batch of an approved report never fits a later period: its window ends by that
    /// report's end, where the next period starts.)
    function test_openReport_refusals_of_the_batches() public {
        bytes32 unknown = keccak256("nothing");
        _expectError(abi.encodeWithSelector(IMRVReports.UnknownBatch.selector, unknown));
        _open(_ids(first, unknown));

        IMRVAnchor.SignedReading memory forged = _hourly(DEVICE, FORGER_KEY, 3, 100);
        bytes32 rejected = _anchorOne(forged);
        anchor.challengeReading(rejected, forged, _noPath());
        _expectError(abi.encodeWithSelector(IMRVReports.RejectedBatch.selector, rejected));
        _open(_ids(rejected));

        bytes32 fresh = _anchorOne(_hourly(DEVICE, DEVICE_KEY, 4, 100));
        _expectError(abi.encodeWithSelector(IMRVReports.BatchNotFinal.selector, fresh, block.timestamp + 1 days));
        _open(_ids(fresh));

        IMRVAnchor.BatchHeader memory h = _header(_leaf(_hourly(FOREIGN_DEVICE, FOREIGN_DEVICE_KEY, 0, 100)));
        h.projectId = OTHER_PROJECT;
        bytes32 foreign = _anchor(h);
        bytes32 early = _batchOver(T0 - 1, T0 + HOUR, 0);
        bytes32 late = _batchOver(T0, uint64(block.timestamp), 1);
        vm.warp(block.timestamp + 1 days);
        _expectError(abi.encodeWithSelector(IMRVReports.ForeignBatch.selector, foreign, OTHER_PROJECT));
        _open(_ids(foreign));
        _expectError(abi.encodeWithSelector(IMRVReports.BatchOutsidePeriod.selector, early, T0 - 1, T0 + HOUR));
        _open(_ids(early));
        uint64 end = uint64(block.timestamp - 1 days - 1);
        _expectError(abi.encodeWithSelector(IMRVReports.BatchOutsidePeriod.selector, late, T0, end + 1));
        vm.prank(developer);
        reports.openReport(PROJECT, T0, end, _ids(late), 0);

        _expectError(abi.encodeWithSelector(IMRVReports.BatchAlreadyReported.selector, first, 1));
        _open(_ids(first, first));
        vm.assertEq(reports.reportCount(), 0, "no report");
        vm.assertEq(reports.reportOfBatch(first), 0, "first unclaimed");
    }

    // ---------------------------------------------------------------- decisions

    /// @notice Approval adds the report to the project's verified totals and clears the pending report.
    function test_approveReport_adds_to_the_verified_totals() public {
        uint256 id = _open(_ids(first, second));
        vm.expectEmit(address(reports));
        emit IMRVReports.ReportApproved(id, verifier, keccak256("ok"));
        vm.prank(verifier);
        reports.approveReport(id, keccak256("ok"));
        IMRVReports.Report memory r = reports.report(id);
        vm.assertEq(uint256(r.status), uint256(IMRVReports.ReportStatus.Approved), "approved");
        vm.assertEq(r.verifier, verifier, "verifier");
        vm.assertEq(r.decisionHash, keccak256("ok"), "decision");
        (uint256 wh, uint256 grams) = reports.verifiedTotals(PROJECT);
        vm.assertEq(wh, 2_001, "verified generation");
        vm.assertEq(grams, 1_162, "verified reduction");
        vm.assertEq(reports.pendingReport(PROJECT), 0, "nothing pending");
        vm.assertEq(reports.reportOfBatch(first), id, "still held");
        // The next report starts at or after this one's end.
        bytes32 next = _anchorOne(_hourly(DEVICE, DEVICE_KEY, 30, 700));
        vm.warp(block.timestamp + 1 days);
        _expectError(abi.encodeWithSelector(IMRVReports.BatchOutsidePeriod.selector, next, T0, T0 + 1 days));
        vm.prank(developer);
        reports.openReport(PROJECT, r.periodEnd, uint64(block.timestamp), _ids(next), 0);
    }

    /// @notice Rejection hands the period back (the last period end returns to its value before the
    /// report) and frees the batches for a corrected report; a rejected report holds no batch.
    function test_rejectReport_hands_back_the_period_and_the_batches() public {
        uint256 id = _open(_ids(first, second));
        vm.expectEmit(address(reports));
        emit IMRVReports.ReportRejected(id, verifier, keccak256("missing data"));
        vm.prank(verifier);
        reports.rejectReport(id, keccak256("missing data"));
        _assertStatus(id, IMRVReports.ReportStatus.Rejected, "rejected");
        vm.assertEq(reports.report(id).decisionHash, keccak256("missing data"), "reason");
        vm.assertEq(reports.lastPeriodEnd(PROJECT), 0, "period handed back");
        vm.assertEq(reports.pendingReport(PROJECT), 0, "nothing pending");
        vm.assertEq(reports.reportOfBatch(first), 0, "first freed");
        (uint256 wh,) = reports.verifiedTotals(PROJECT);
        vm.assertEq(wh, 0, "nothing verified");
        uint256 corrected = _open(_ids(first));
        vm.assertEq(reports.reportOfBatch(first), corrected, "claimed again");
        vm.assertEq(reports.report(corrected).periodStart, T0, "the same period");
    }

    /// @notice A verifier decides an open report; not its developer nor the project's current one.
    function test_decision_refusals() public {
        _expectError(abi.encodeWithSelector(IMRVReports.UnknownReport.selector, 1));
        vm.prank(verifier);
        reports.approveReport(1, 0);
        uint256 id = _open(_ids(first));
        _expectError(abi.encodeWithSelector(IMRVReports.VerifierIsDeveloper.selector, id, developer));
        vm.prank(developer);
        reports.approveReport(id, 0);
        // The project changed hands: its new developer may not decide either, the old one still not.
        projects.setProject(PROJECT, otherDeveloper, IProjectRegistry.ProjectStatus.Active);
        _expectError(abi.encodeWithSelector(IMRVReports.VerifierIsDeveloper.selector, id, otherDeveloper));
        vm.prank(otherDeveloper);
        reports.rejectReport(id, 0);
        _expectError(abi.encodeWithSelector(IMRVReports.VerifierIsDeveloper.selector, id, developer));
        vm.prank(developer);
        reports.rejectReport(id, 0);
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, issuer, IParticipantRegistry.Reason.WrongKind)
        );
        vm.prank(issuer);
        reports.approveReport(id, 0);
        _freeze(verifier);
        _expectFrozen(verifier);
        vm.prank(verifier);
        reports.approveReport(id, 0);
        vm.prank(regulator);
        registry.unfreeze(verifier);
        _pause();
        _expectPaused();
        vm.prank(verifier);
        reports.rejectReport(id, 0);
        vm.prank(regulator);
        registry.unpause();
        _assertStatus(id, IMRVReports.ReportStatus.Open, "still open");
        vm.prank(verifier);
        reports.approveReport(id, 0);
        _expectError(abi.encodeWithSelector(IMRVReports.InvalidReportStatus.selector, id, IMRVReports.ReportStatus.Approved));
        vm.prank(verifier);
        reports.rejectReport(id, 0);
    }

    // ---------------------------------------------------------------- issuance

    /// @notice ISSUER_ROLE consumes an approved report once; it stays in the verified totals.
    function test_consumeForIssuance_once() public {
        uint256 id = _open(_ids(first, second));
        _expectError(abi.encodeWithSelector(IMRVReports.InvalidReportStatus.selector, id, IMRVReports.ReportStatus.Open));
        vm.prank(issuer);
        reports.consumeForIssuance(id);
        vm.prank(verifier);
        reports.approveReport(id, keccak256("ok"));
        _expectMissingRole(developer, reports.ISSUER_ROLE());
        vm.prank(developer);
        reports.consumeForIssuance(id);
        _expectError(abi.encodeWithSelector(IMRVReports.UnknownReport.selector, 7));
        vm.prank(issuer);
        reports.consumeForIssuance(7);
        _pause();
        _expectPaused();
        vm.prank(issuer);
        reports.consumeForIssuance(id);
        vm.prank(regulator);
        registry.unpause();

        vm.expectEmit(address(reports));
        emit IMRVReports.ReportConsumed(id, issuer);
        vm.prank(issuer);
        IMonitoringReports.IssuableReport memory issuable = reports.consumeForIssuance(id);
        vm.assertEq(issuable.projectId, PROJECT, "project");
        vm.assertEq(issuable.periodStart, T0, "start");
        vm.assertEq(issuable.periodEnd, reports.report(id).periodEnd, "end");
        vm.assertEq(issuable.netGenerationWh, 2_001, "generation");
        vm.assertEq(issuable.reductionGrams, 1_162, "reduction");
        vm.assertEq(issuable.reportHash, keccak256("report"), "hash");
        vm.assertEq(issuable.verifier, verifier, "verifier");
        _assertStatus(id, IMRVReports.ReportStatus.Consumed, "consumed");
        _expectError(abi.encodeWithSelector(IMRVReports.InvalidReportStatus.selector, id, IMRVReports.ReportStatus.Consumed));
        vm.prank(issuer);
        reports.consumeForIssuance(id);
        (uint256 wh,) = reports.verifiedTotals(PROJECT);
        vm.assertEq(wh, 2_001, "still verified");
        vm.assertEq(reports.reportOfBatch(first), id, "a consumed report keeps its batches");
    }

    /// @notice Forward-only: a new factor version applies to reports opened afterwards.
    function test_a_new_factor_leaves_open_and_approved_reports_alone() public {
        uint256 id = _open(_ids(first));
        vm.prank(regulator);
        reports.setEmissionFactor(PROJECT, 1_000_000, 0);
        vm.prank(verifier);
        reports.approveReport(id, 0);
        IMRVReports.Report memory r = reports.report(id);
        vm.assertEq(r.factorVersion, 1, "version at opening");
        vm.assertEq(r.reductionGrams, 581, "1,000 Wh at 581,000 g/MWh");
        vm.warp(block.timestamp + 1);
        bytes32 next = _batchOver(r.periodEnd, uint64(block.timestamp), 40);
        vm.warp(block.timestamp + 1 days);
        vm.prank(developer);
        uint256 later = reports.openReport(PROJECT, r.periodEnd, uint64(block.timestamp), _ids(next), 0);
        vm.assertEq(reports.report(later).factorVersion, 2, "the new version");
        vm.assertEq(reports.report(later).reductionGrams, 100, "100 Wh at 1,000,000 g/MWh");
    }
}
