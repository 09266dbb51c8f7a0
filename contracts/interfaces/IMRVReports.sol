// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMonitoringReports} from "./IMonitoringReports.sol";

/// @title IMRVReports
/// @notice Monitoring reports over finalized MRV batches: a project's developer opens one for a
/// period, the report computes the emission reduction with the project's versioned grid emission
/// factor, a verifier approves or rejects it, and issuance consumes an approved report once.
///
/// Reports of a project are sequential: each starts at or after the end of the previous open or
/// approved one, and a project has at most one open report. A rejected report gives its period
/// and its batches back. Units: Wh, grams CO2e per MWh, grams CO2e (see IMonitoringReports).
interface IMRVReports is IMonitoringReports {
    enum ReportStatus {
        None,
        Open,
        Approved,
        Rejected,
        Consumed // approved and handed to issuance
    }

    /// @notice One version of a project's grid emission factor.
    struct EmissionFactor {
        uint64 gramsPerMWh;
        uint64 setAt;
        bytes32 sourceHash; // hash of the published source (grid operator's data, methodology tool)
    }

    struct Report {
        uint256 projectId;
        uint64 periodStart; // inclusive
        uint64 periodEnd; // exclusive
        uint64 previousPeriodEnd; // the project's last period end before this report, restored on rejection
        uint32 factorVersion;
        ReportStatus status;
        address developer;
        address verifier;
        uint128 netGenerationWh;
        uint128 reductionGrams;
        bytes32 reportHash;
        bytes32 decisionHash; // hash of the verifier's approval or rejection reasons
    }

    // ---------------------------------------------------------------- errors

    /// @dev A constructor address is zero.
    error ZeroAddress();
    /// @dev The project registry does not know `projectId`.
    error UnknownProject(uint256 projectId);
    /// @dev The project is not Active.
    error ProjectNotActive(uint256 projectId);
    /// @dev `account` is not the developer of `projectId`.
    error NotProjectDeveloper(uint256 projectId, address account);
    /// @dev An emission factor must be positive.
    error ZeroEmissionFactor();
    /// @notice Thrown when an emission factor exceeds the hard bound `maxGramsPerMWh` (MAX_GRAMS_PER_MWH).
    error EmissionFactorAboveMax(uint64 gramsPerMWh, uint64 maxGramsPerMWh);
    /// @dev The project has no emission factor yet.
    error NoEmissionFactor(uint256 projectId);
    /// @dev The period must be non-empty and not end in the future.
    error InvalidPeriod(uint64 periodStart, uint64 periodEnd);
    /// @dev The period starts before the end of the project's previous report.
    error PeriodOverlaps(uint256 projectId, uint64 periodStart, uint64 lastPeriodEnd);
    /// @dev The project already has an open report.
    error ReportPending(uint256 projectId, uint256 reportId);
    /// @dev A report lists 1 .. MAX_BATCHES_PER_REPORT batches.
    error InvalidBatchCount(uint256 count);
    /// @dev The anchor does not know the batch.
    error UnknownBatch(bytes32 batchId);
    /// @dev The batch was rejected by a challenge.
    error RejectedBatch(bytes32 batchId);
    /// @dev The batch's challenge window is still open.
    error BatchNotFinal(bytes32 batchId, uint256 challengeEnd);
    /// @dev The batch belongs to another project.
    error ForeignBatch(bytes32 batchId, uint256 projectId);
    /// @dev The batch's window does not lie inside the report's period.
    error BatchOutsidePeriod(bytes32 batchId, uint64 windowStart, uint64 windowEnd);
    /// @dev The batch is already part of report `reportId` (open, approved or consumed).
    error BatchAlreadyReported(bytes32 batchId, uint256 reportId);
    /// @dev No report has this id.
    error UnknownReport(uint256 reportId);
    /// @dev The report is not in the status the call needs.
    error InvalidReportStatus(uint256 reportId, ReportStatus status);
    /// @dev The project's developer cannot verify its own report.
    error VerifierIsDeveloper(uint256 reportId, address account);

    // ---------------------------------------------------------------- events

    event EmissionFactorSet(uint256 indexed projectId, uint32 version, uint64 gramsPerMWh, bytes32 sourceHash);
    event ReportOpened(
        uint256 indexed reportId,
        uint256 indexed projectId,
        address indexed developer,
        uint64 periodStart,
        uint64 periodEnd,
        bytes32[] batchIds,
        uint256 netGenerationWh,
        uint256 reductionGrams,
        uint32 factorVersion,
        bytes32 reportHash
    );
    event ReportApproved(uint256 indexed reportId, address indexed verifier, bytes32 decisionHash);
    event ReportRejected(uint256 indexed reportId, address indexed verifier, bytes32 reasonHash);
    event ReportConsumed(uint256 indexed reportId, address indexed issuer);

    // ---------------------------------------------------------------- functions

    /// @notice Set a new version of `projectId`'s grid emission factor (grams CO2e per MWh).
    /// Forward-only: a report uses the version current when it was opened.
    /// @dev Caller: GOVERNOR_ROLE (the timelock on live networks) or METHODOLOGY_ROLE (granted only
    /// by GOVERNOR_ROLE). Reverts UnknownProject, ZeroEmissionFactor, EmissionFactorAboveMax,
    /// AccessControlUnauthorizedAccount. Emits EmissionFactorSet.
    function setEmissionFactor(uint256 projectId, uint64 gramsPerMWh, bytes32 sourceHash) external;

    /// @notice Open a report over [periodStart, periodEnd) from finalized batches of the project.
    /// @return reportId the new report's id (ids start at 1).
    /// @dev Caller: the project's developer, eligible as Kind.ProjectDeveloper; the project must be
    /// Active. Reverts NotProjectDeveloper, ProjectNotActive, InvalidPeriod, PeriodOverlaps,
    /// ReportPending, InvalidBatchCount, NoEmissionFactor, UnknownBatch, RejectedBatch,
    /// BatchNotFinal, ForeignBatch, BatchOutsidePeriod, BatchAlreadyReported, ComplianceRefused,
    /// NetworkPaused. Emits ReportOpened.
    function openReport(
        uint256 projectId,
        uint64 periodStart,
        uint64 periodEnd,
        bytes32[] calldata batchIds,
        bytes32 reportHash
    ) external returns (uint256 reportId);

    /// @notice Approve open report `reportId`: its figures join the project's verified totals.
    /// @dev Caller: a Kind.Verifier participant other than the project's developer. Reverts
    /// UnknownReport, InvalidReportStatus, VerifierIsDeveloper, ComplianceRefused, NetworkPaused.
    /// Emits ReportApproved.
    function approveReport(uint256 reportId, bytes32 decisionHash) external;

    /// @notice Reject open report `reportId`; its period and batches can be reported again.
    /// @dev Caller: a Kind.Verifier participant other than the project's developer. Reverts
    /// UnknownReport, InvalidReportStatus, VerifierIsDeveloper, ComplianceRefused, NetworkPaused.
    /// Emits ReportRejected.
    function rejectReport(uint256 reportId, bytes32 reasonHash) external;

    // ---------------------------------------------------------------- views

    /// @notice The report (status None when unknown).
    function report(uint256 reportId) external view returns (Report memory);

    /// @notice Number of reports opened so far (the latest id).
    function reportCount() external view returns (uint256);

    /// @notice The current emission factor of `projectId` and its version (0: none set).
    function emissionFactor(uint256 projectId) external view returns (uint32 version, EmissionFactor memory);

    /// @notice Version `version` of `projectId`'s emission factor.
    function emissionFactorAt(uint256 projectId, uint32 version) external view returns (EmissionFactor memory);

    /// @notice End of the project's latest open or approved report period (0: none).
    function lastPeriodEnd(uint256 projectId) external view returns (uint64);

    /// @notice The project's open report, 0 when none.
    function pendingReport(uint256 projectId) external view returns (uint256);

    /// @notice The report that uses `batchId` (0: none; a rejected report no longer holds it).
    function reportOfBatch(bytes32 batchId) external view returns (uint256);
}
