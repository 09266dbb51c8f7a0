// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../../lib/Vm.sol";
import {AnchorStub} from "./AnchorStub.sol";
import {ReportsHandlerBase} from "./ReportsHandlerBase.sol";
import {MRVReports} from "../../../../contracts/mrv/MRVReports.sol";
import {ParticipantRegistry} from "../../../../contracts/registry/ParticipantRegistry.sol";
import {ComplianceGuard} from "../../../../contracts/compliance/ComplianceGuard.sol";
import {IParticipantRegistry} from "../../../../contracts/interfaces/IParticipantRegistry.sol";
import {IMRVAnchor} from "../../../../contracts/interfaces/IMRVAnchor.sol";
import {IMRVReports} from "../../../../contracts/interfaces/IMRVReports.sol";

/// @title ReportsHandler
/// @notice Drives MRVReports from two developers (one project each), two verifiers, the issuer
/// (ISSUER_ROLE) and an outsider: batches appear on the anchor (final, still in their challenge
/// window, past it, rejected); reports are opened over them (also by the wrong party, over an
/// overlapping or future period, with a foreign, unfinished, rejected, out-of-period or already
/// reported batch, or one listed twice), approved or rejected (also by the developer or a
/// non-verifier), consumed for issuance (also twice, or by someone without the role); freezes, the
/// pause and time. Ghosts: each batch's live report, each report's energy, status and consumptions,
/// each project's verified generation.
contract ReportsHandler is ReportsHandlerBase {
    uint256 public constant MAX_BATCHES = 40;

    AnchorStub public immutable anchor;

    bytes32[] public batchIds;
    mapping(bytes32 batchId => uint256 reportId) public ghostBatchReport;
    mapping(uint256 reportId => bytes32[]) private _reportBatches;
    mapping(uint256 reportId => uint256) public ghostReportEnergy;

    constructor(
        MRVReports reports_,
        AnchorStub anchor_,
        ParticipantRegistry registry_,
        address regulator_,
        ReportParties memory parties,
        address[] memory actors_
    ) ReportsHandlerBase(reports_, registry_, regulator_, parties, actors_) {
        anchor = anchor_;
    }

    function batchCount() external view returns (uint256) {
        return batchIds.length;
    }

    // ---------------------------------------------------------------- the anchor

    /// @dev A batch of project 1 or 2 whose window ended before now: final (five in eight), in its
    /// challenge window, past it but not finalized, or rejected.
    function addBatch(uint256 projectSeed, uint256 energy, uint256 shape) external {
        if (batchIds.length == MAX_BATCHES) return;
        uint32 end = uint32(block.timestamp - _bound(shape >> 8, 0, 2 days));
        uint32 start = end - uint32(_bound(shape >> 32, 1, 3 days));
        uint256 kind = shape % 8;
        IMRVAnchor.BatchStatus status = kind < 5 ? IMRVAnchor.BatchStatus.Finalized : kind == 7 ? IMRVAnchor.BatchStatus.Rejected : IMRVAnchor.BatchStatus.Anchored;
        uint32 challengeEnd = kind == 5 ? uint32(block.timestamp + 1 days) : uint32(block.timestamp);
        bytes32 batchId = keccak256(abi.encode(batchIds.length, shape));
        anchor.setBatch(
            batchId,
            IMRVAnchor.Batch(uint48(1 + projectSeed % 2), start, end, uint48(_bound(energy, 1, 1e12)), 1, challengeEnd, status, 1, 0)
        );
        batchIds.push(batchId);
    }

    // ---------------------------------------------------------------- reports

    function openReport(uint256 projectSeed, uint256 callerSeed, uint256 picks, uint256 periodShape) external {
        if (batchIds.length == 0) return;
        uint256 projectId = 1 + projectSeed % 2;
        address caller = callerSeed % 5 == 0 ? _actor(callerSeed >> 8) : developers[projectId - 1];
        uint64 last = reports.lastPeriodEnd(projectId);
        uint64 start = periodShape % 8 == 0 && last > 0 ? last - 1 : last;
        uint64 end = periodShape % 10 == 1 ? uint64(block.timestamp + 1) : uint64(block.timestamp);
        bytes32[] memory listed = _pick(picks);
        bytes4 expected = registry.paused() ? ComplianceGuard.NetworkPaused.selector : SUCCEEDS;
        if (expected == SUCCEEDS && caller != developers[projectId - 1]) expected = IMRVReports.NotProjectDeveloper.selector;
        if (expected == SUCCEEDS) expected = _guardError(registry.canActAs(caller, IParticipantRegistry.Kind.ProjectDeveloper));
        if (expected == SUCCEEDS) {
            expected = start >= end || end > block.timestamp
                ? IMRVReports.InvalidPeriod.selector
                : start < last
                    ? IMRVReports.PeriodOverlaps.selector
                    : reports.pendingReport(projectId) != 0 ? IMRVReports.ReportPending.selector : _batchesError(listed, projectId, start, end);
        }
        bytes memory data = abi.encodeCall(reports.openReport, (projectId, start, end, listed, bytes32(0)));
        bytes memory ret = _call(caller, address(reports), data, expected, "openReport");
        if (expected == SUCCEEDS) {
            uint256 reportId = abi.decode(ret, (uint256));
            for (uint256 i; i < listed.length; ++i) {
                ghostBatchReport[listed[i]] = reportId;
                _reportBatches[reportId].push(listed[i]);
                ghostReportEnergy[reportId] += anchor.batch(listed[i]).energyWh;
            }
        }
    }

    function decide(uint256 reportSeed, uint256 callerSeed, bool approve) external {
        uint256 count = reports.reportCount();
        if (count == 0) return;
        uint256 reportId = _bound(reportSeed, 1, count + 1);
        IMRVReports.Report memory r = reports.report(reportId);
        if (!_decide(_decider(callerSeed), reportId, r.status, r.developer, approve)) return;
        if (approve) {
            ghostVerifiedWh[r.projectId] += ghostReportEnergy[reportId];
        } else {
            bytes32[] storage listed = _reportBatches[reportId];
            for (uint256 i; i < listed.length; ++i) {
                ghostBatchReport[listed[i]] = 0;
            }
        }
    }

    function consume(uint256 reportSeed, uint256 callerSeed) external {
        uint256 count = reports.reportCount();
        if (count == 0) return;
        uint256 reportId = _bound(reportSeed, 1, count + 1);
        _consume(_consumer(callerSeed), reportId, reports.report(reportId).status);
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + _bound(seconds_, 1, 2 days));
    }

    // ---------------------------------------------------------------- model helpers

    /// @dev One to three batches; now and then the same one twice.
    function _pick(uint256 picks) private view returns (bytes32[] memory listed) {
        listed = new bytes32[](1 + picks % 3);
        for (uint256 i; i < listed.length; ++i) {
            listed[i] = batchIds[(picks >> (16 * (i + 1))) % batchIds.length];
        }
    }

    /// @dev SUCCEEDS when every listed batch may be claimed by a report of `projectId` over
    /// [start, end): known, not rejected, final, the project's, inside the period, in no live report,
    /// listed once; else REFUSED (the first failing check's error).
    function _batchesError(bytes32[] memory listed, uint256 projectId, uint64 start, uint64 end) private view returns (bytes4) {
        for (uint256 i; i < listed.length; ++i) {
            IMRVAnchor.Batch memory b = anchor.batch(listed[i]);
            bool final_ = b.status == IMRVAnchor.BatchStatus.Finalized
                || (b.status == IMRVAnchor.BatchStatus.Anchored && block.timestamp >= b.challengeEnd);
            if (!final_ || b.projectId != projectId || b.windowStart < start || b.windowEnd > end) return REFUSED;
            if (ghostBatchReport[listed[i]] != 0) return REFUSED;
            for (uint256 j; j < i; ++j) {
                if (listed[j] == listed[i]) return REFUSED;
            }
        }
        return SUCCEEDS;
    }
}
