// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AnchorHandler} from "./AnchorHandler.sol";
import {ReportsHandlerBase} from "./ReportsHandlerBase.sol";
import {spread} from "./Seeds.sol";
import {MRVReports} from "../../../../contracts/mrv/MRVReports.sol";
import {ParticipantRegistry} from "../../../../contracts/registry/ParticipantRegistry.sol";
import {ComplianceGuard} from "../../../../contracts/compliance/ComplianceGuard.sol";
import {IParticipantRegistry} from "../../../../contracts/interfaces/IParticipantRegistry.sol";
import {IMRVReports} from "../../../../contracts/interfaces/IMRVReports.sol";

/// @title AnchoredReportsHandler
/// @notice MRVReports over the batches AnchorHandler anchors on the real MRVAnchor: the project's
/// developer opens a report over its unreported final batches since its last period (now and then
/// with a batch of the wrong project, still challengeable, rejected, already reported, outside the
/// period, listed twice, or opened by someone else); verifiers (or anyone) approve or reject it;
/// the issuer (or anyone) consumes it. Ghosts: each batch's live report, each report's batches,
/// status and consumptions, and each project's verified generation, summed from the readings the
/// anchor model says each batch counts.
contract AnchoredReportsHandler is ReportsHandlerBase {
    AnchorHandler public immutable anchorModel;
    uint64 internal immutable _firstPeriodStart;

    mapping(uint256 batch => uint256 reportId) public ghostBatchReport; // batch: AnchorHandler's index
    mapping(uint256 reportId => uint256[]) internal _reportBatches;
    mapping(uint256 reportId => IMRVReports.ReportStatus) public ghostStatus;
    mapping(uint256 projectId => uint64) internal _lastEnd;
    mapping(uint256 projectId => uint256) internal _pending;
    mapping(uint256 reportId => uint64) internal _previousEnd;
    uint256 internal _reportCount;

    constructor(
        MRVReports reports_,
        AnchorHandler anchorModel_,
        ParticipantRegistry registry_,
        address regulator_,
        ReportParties memory parties,
        address[] memory actors_
    ) ReportsHandlerBase(reports_, registry_, regulator_, parties, actors_) {
        anchorModel = anchorModel_;
        _firstPeriodStart = uint64(block.timestamp - 1 days);
    }

    function batchesOf(uint256 reportId) external view returns (uint256[] memory) {
        return _reportBatches[reportId];
    }

    /// @notice Open a report of project 1 or 2 over [its last period end, now).
    function openReport(uint256 projectSeed, uint256 callerSeed, uint256 picks) external {
        (callerSeed, picks) = (spread(callerSeed), spread(picks));
        uint256 projectId = 1 + projectSeed % 2;
        address caller = callerSeed % 6 == 0 ? _actor(callerSeed >> 8) : developers[projectId - 1];
        uint64 start = _lastEnd[projectId] == 0 ? _firstPeriodStart : _lastEnd[projectId];
        uint64 end = uint64(block.timestamp);
        uint256[] memory listed = _pick(projectId, start, end, picks);
        bytes4 expected = _openError(projectId, caller, start, end, listed);
        bytes32[] memory ids = new bytes32[](listed.length);
        for (uint256 i; i < listed.length; ++i) {
            ids[i] = anchorModel.batchAt(listed[i]).id;
        }
        bytes memory data = abi.encodeCall(reports.openReport, (projectId, start, end, ids, bytes32(0)));
        bytes memory ret = _call(caller, address(reports), data, expected, "openReport");
        if (expected != SUCCEEDS) return;
        uint256 reportId = abi.decode(ret, (uint256));
        ++_reportCount;
        ghostStatus[reportId] = IMRVReports.ReportStatus.Open;
        _previousEnd[reportId] = _lastEnd[projectId];
        _lastEnd[projectId] = end;
        _pending[projectId] = reportId;
        for (uint256 i; i < listed.length; ++i) {
            ghostBatchReport[listed[i]] = reportId;
            _reportBatches[reportId].push(listed[i]);
        }
    }

    /// @notice A verifier (or now and then anyone, the developer included) approves or rejects a report.
    function decide(uint256 reportSeed, uint256 callerSeed, bool approve) external {
        if (_reportCount == 0) return;
        uint256 reportId = _bound(reportSeed, 1, _reportCount);
        IMRVReports.Report memory r = reports.report(reportId);
        // The model's status and the project's developer (a report's status is never None here).
        if (!_decide(_decider(spread(callerSeed)), reportId, ghostStatus[reportId], developers[r.projectId - 1], approve)) return;
        _pending[r.projectId] = 0;
        if (approve) {
            ghostStatus[reportId] = IMRVReports.ReportStatus.Approved;
            ghostVerifiedWh[r.projectId] += countedWh(reportId);
            return;
        }
        ghostStatus[reportId] = IMRVReports.ReportStatus.Rejected;
        _lastEnd[r.projectId] = _previousEnd[reportId];
        uint256[] storage listed = _reportBatches[reportId];
        for (uint256 i; i < listed.length; ++i) {
            ghostBatchReport[listed[i]] = 0;
        }
    }

    /// @notice The issuer (or now and then anyone) consumes a report for issuance.
    function consume(uint256 reportSeed, uint256 callerSeed) external {
        if (_reportCount == 0) return;
        uint256 reportId = _bound(reportSeed, 1, _reportCount);
        if (!_consume(_consumer(spread(callerSeed)), reportId, ghostStatus[reportId])) return;
        ghostStatus[reportId] = IMRVReports.ReportStatus.Consumed;
    }

    /// @notice The energy of the readings a report's batches count, from the anchor model's leaves.
    function countedWh(uint256 reportId) public view returns (uint256 wh) {
        uint256[] storage listed = _reportBatches[reportId];
        for (uint256 i; i < listed.length; ++i) {
            wh += _leafSum(listed[i]);
        }
    }

    function _leafSum(uint256 b) private view returns (uint256 wh) {
        AnchorHandler.GhostBatch memory g = anchorModel.batchAt(b);
        for (uint256 i; i < g.readings.length; ++i) {
            if (g.countedIn[i] == 0) wh += anchorModel.readingAt(g.readings[i]).signed.reading.energyWh;
        }
    }

    // ---------------------------------------------------------------- model helpers

    /// @dev Up to three batches the model says the report may claim, from a random offset; one
    /// pick in four adds any batch at all (often one it may not claim).
    function _pick(uint256 projectId, uint64 start, uint64 end, uint256 picks) private view returns (uint256[] memory listed) {
        uint256 n = anchorModel.batchCount();
        uint256[] memory found = new uint256[](4);
        uint256 count;
        for (uint256 k; k < n && count < 1 + (picks >> 8) % 3; ++k) {
            uint256 b = (picks >> 16) % n + k;
            if (b >= n) b -= n;
            if (_claimable(b, projectId, start, end)) found[count++] = b;
        }
        if (n != 0 && picks % 4 == 0) found[count++] = (picks >> 32) % n;
        listed = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            listed[i] = found[i];
        }
    }

    function _openError(uint256 projectId, address caller, uint64 start, uint64 end, uint256[] memory listed)
        private
        view
        returns (bytes4)
    {
        if (registry.paused()) return ComplianceGuard.NetworkPaused.selector;
        if (caller != developers[projectId - 1]) return IMRVReports.NotProjectDeveloper.selector;
        bytes4 err = _guardError(registry.canActAs(caller, IParticipantRegistry.Kind.ProjectDeveloper));
        if (err != SUCCEEDS) return err;
        if (start >= end) return IMRVReports.InvalidPeriod.selector;
        if (_pending[projectId] != 0) return IMRVReports.ReportPending.selector;
        if (listed.length == 0) return IMRVReports.InvalidBatchCount.selector;
        for (uint256 i; i < listed.length; ++i) {
            if (!_claimable(listed[i], projectId, start, end)) return REFUSED;
            for (uint256 j; j < i; ++j) {
                if (listed[j] == listed[i]) return IMRVReports.BatchAlreadyReported.selector;
            }
        }
        return SUCCEEDS;
    }

    /// @dev The model's claim rule: not rejected, final (finalized or past its window), the
    /// project's, inside the period, in no live report.
    function _claimable(uint256 b, uint256 projectId, uint64 start, uint64 end) private view returns (bool) {
        AnchorHandler.GhostBatch memory g = anchorModel.batchAt(b);
        bool final_ = g.status == AnchorHandler.Status.Finalized
            || (g.status == AnchorHandler.Status.Anchored && block.timestamp >= g.challengeEnd);
        return final_ && g.projectId == projectId && g.windowStart >= start && g.windowEnd <= end && ghostBatchReport[b] == 0;
    }
}
