// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {GovernedAccessControl, networkAdminDelay} from "../access/GovernedAccessControl.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../interfaces/IProjectRegistry.sol";
import {IMonitoringReports} from "../interfaces/IMonitoringReports.sol";
import {IMRVAnchor} from "../interfaces/IMRVAnchor.sol";
import {IMRVReports} from "../interfaces/IMRVReports.sol";
import {ComplianceGuard} from "../compliance/ComplianceGuard.sol";

/// @title MRVReports
/// @notice Monitoring reports of grid-connected renewable projects: net generation from finalized
/// MRV batches × the project's grid emission factor = the emission reduction, attested by a
/// verifier and consumed once by issuance (the carbon credits contract holds ISSUER_ROLE).
contract MRVReports is IMRVReports, GovernedAccessControl, ComplianceGuard {
    bytes32 public constant REGULATOR_ROLE = keccak256("REGULATOR_ROLE");
    bytes32 public constant METHODOLOGY_ROLE = keccak256("METHODOLOGY_ROLE");
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    /// @notice Most batches one report may list (bounds openReport's loop).
    uint256 public constant MAX_BATCHES_PER_REPORT = 64;
    /// @notice The largest grid emission factor accepted: 2 tCO2e per MWh, above the dirtiest grid
    /// (lignite-heavy grids are about 1.2 t), so a unit slip (kg for g) cannot inflate credits.
    uint64 public constant MAX_GRAMS_PER_MWH = 2_000_000;
    uint256 private constant WH_PER_MWH = 1e6;

    IProjectRegistry public immutable projects;
    IMRVAnchor public immutable anchor;

    struct Totals {
        uint256 generationWh;
        uint256 reductionGrams;
    }

    uint256 private _reportCount;
    mapping(uint256 reportId => Report) private _reports;
    mapping(bytes32 batchId => uint256 reportId) private _batchReport;
    mapping(uint256 projectId => uint64) private _lastPeriodEnd;
    mapping(uint256 projectId => uint256 reportId) private _pending;
    mapping(uint256 projectId => uint32) private _factorVersion;
    mapping(uint256 projectId => mapping(uint32 version => EmissionFactor)) private _factors;
    mapping(uint256 projectId => Totals) private _totals;

    /// @param admin receives DEFAULT_ADMIN_ROLE and GOVERNOR_ROLE (which grants METHODOLOGY_ROLE and ISSUER_ROLE);
    /// @param regulator receives REGULATOR_ROLE and GOVERNOR_ROLE (emission factors).
    constructor(
        IParticipantRegistry registry_,
        IProjectRegistry projects_,
        IMRVAnchor anchor_,
        address admin,
        address regulator
    ) ComplianceGuard(registry_) GovernedAccessControl(networkAdminDelay(address(registry_)), admin) {
        if (
            address(projects_) == address(0) || address(anchor_) == address(0) || admin == address(0)
                || regulator == address(0)
        ) revert ZeroAddress();
        projects = projects_;
        anchor = anchor_;
        _grantRole(REGULATOR_ROLE, regulator);
        // The regulator set these parameters before GOVERNOR_ROLE existed; on live networks
        // `greenfi deploy` revokes it when the timelock takes the role over.
        _grantRole(GOVERNOR_ROLE, regulator);
        _governRole(METHODOLOGY_ROLE);
        _governRole(ISSUER_ROLE);
    }

    // ---------------------------------------------------------------- methodology

    /// @inheritdoc IMRVReports
    function setEmissionFactor(uint256 projectId, uint64 gramsPerMWh, bytes32 sourceHash) external {
        if (!hasRole(GOVERNOR_ROLE, msg.sender) && !hasRole(METHODOLOGY_ROLE, msg.sender)) {
            revert AccessControlUnauthorizedAccount(msg.sender, METHODOLOGY_ROLE);
        }
        if (gramsPerMWh == 0) revert ZeroEmissionFactor();
        if (gramsPerMWh > MAX_GRAMS_PER_MWH) revert EmissionFactorAboveMax(gramsPerMWh, MAX_GRAMS_PER_MWH);
        if (projects.developerOf(projectId) == address(0)) revert UnknownProject(projectId);
        uint32 version = _factorVersion[projectId] + 1;
        _factorVersion[projectId] = version;
        _factors[projectId][version] = EmissionFactor(gramsPerMWh, uint64(block.timestamp), sourceHash);
        emit EmissionFactorSet(projectId, version, gramsPerMWh, sourceHash);
    }

    // ---------------------------------------------------------------- reports

    /// @inheritdoc IMRVReports
    function openReport(
        uint256 projectId,
        uint64 periodStart,
        uint64 periodEnd,
        bytes32[] calldata batchIds,
        bytes32 reportHash
    ) external whenNetworkActive returns (uint256 reportId) {
        if (projects.developerOf(projectId) != msg.sender) revert NotProjectDeveloper(projectId, msg.sender);
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.ProjectDeveloper);
        if (!projects.isActive(projectId)) revert ProjectNotActive(projectId);
        if (periodStart >= periodEnd || periodEnd > block.timestamp) revert InvalidPeriod(periodStart, periodEnd);
        uint64 previousEnd = _lastPeriodEnd[projectId];
        if (periodStart < previousEnd) revert PeriodOverlaps(projectId, periodStart, previousEnd);
        if (_pending[projectId] != 0) revert ReportPending(projectId, _pending[projectId]);
        if (batchIds.length == 0 || batchIds.length > MAX_BATCHES_PER_REPORT) revert InvalidBatchCount(batchIds.length);
        uint32 version = _factorVersion[projectId];
        if (version == 0) revert NoEmissionFactor(projectId);

        reportId = ++_reportCount;
        Report storage r = _reports[reportId];
        r.projectId = projectId;
        r.periodStart = periodStart;
        r.periodEnd = periodEnd;
        r.previousPeriodEnd = previousEnd;
        r.factorVersion = version;
        r.status = ReportStatus.Open;
        r.developer = msg.sender;
        r.reportHash = reportHash;
        uint256 netWh;
        for (uint256 i; i < batchIds.length; ++i) {
            netWh += _claimBatch(batchIds[i], reportId, projectId, periodStart, periodEnd);
        }
        // netWh < 64 · 2**48 and the factor < 2**64: the product cannot overflow, and both
        // figures fit in 128 bits.
        uint256 reductionGrams = netWh * _factors[projectId][version].gramsPerMWh / WH_PER_MWH;
        r.netGenerationWh = uint128(netWh);
        r.reductionGrams = uint128(reductionGrams);
        _lastPeriodEnd[projectId] = periodEnd;
        _pending[projectId] = reportId;
        _emitOpened(reportId, r, batchIds);
    }

    /// @inheritdoc IMRVReports
    function approveReport(uint256 reportId, bytes32 decisionHash) external whenNetworkActive {
        Report storage r = _decidable(reportId);
        r.status = ReportStatus.Approved;
        r.verifier = msg.sender;
        r.decisionHash = decisionHash;
        delete _pending[r.projectId];
        Totals storage totals = _totals[r.projectId];
        totals.generationWh += r.netGenerationWh;
        totals.reductionGrams += r.reductionGrams;
        emit ReportApproved(reportId, msg.sender, decisionHash);
    }

    /// @inheritdoc IMRVReports
    function rejectReport(uint256 reportId, bytes32 reasonHash) external whenNetworkActive {
        Report storage r = _decidable(reportId);
        r.status = ReportStatus.Rejected;
        r.verifier = msg.sender;
        r.decisionHash = reasonHash;
        delete _pending[r.projectId];
        // The open report is always the project's latest, so its period can be handed back.
        _lastPeriodEnd[r.projectId] = r.previousPeriodEnd;
        emit ReportRejected(reportId, msg.sender, reasonHash);
    }

    /// @inheritdoc IMonitoringReports
    /// @dev Caller: ISSUER_ROLE (the carbon credits contract). Reverts UnknownReport,
    /// InvalidReportStatus (not approved, or already consumed), NetworkPaused. Emits ReportConsumed.
    function consumeForIssuance(uint256 reportId)
        external
        whenNetworkActive
        onlyRole(ISSUER_ROLE)
        returns (IssuableReport memory issuable)
    {
        Report storage r = _known(reportId);
        if (r.status != ReportStatus.Approved) revert InvalidReportStatus(reportId, r.status);
        r.status = ReportStatus.Consumed;
        emit ReportConsumed(reportId, msg.sender);
        issuable = IssuableReport({
            projectId: r.projectId,
            periodStart: r.periodStart,
            periodEnd: r.periodEnd,
            netGenerationWh: r.netGenerationWh,
            reductionGrams: r.reductionGrams,
            reportHash: r.reportHash,
            verifier: r.verifier
        });
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IMonitoringReports
    function verifiedTotals(uint256 projectId) external view returns (uint256 generationWh, uint256 reductionGrams) {
        Totals storage totals = _totals[projectId];
        return (totals.generationWh, totals.reductionGrams);
    }

    /// @inheritdoc IMRVReports
    function report(uint256 reportId) external view returns (Report memory) {
        return _reports[reportId];
    }

    /// @inheritdoc IMRVReports
    function reportCount() external view returns (uint256) {
        return _reportCount;
    }

    /// @inheritdoc IMRVReports
    function emissionFactor(uint256 projectId) external view returns (uint32 version, EmissionFactor memory) {
        version = _factorVersion[projectId];
        return (version, _factors[projectId][version]);
    }

    /// @inheritdoc IMRVReports
    function emissionFactorAt(uint256 projectId, uint32 version) external view returns (EmissionFactor memory) {
        return _factors[projectId][version];
    }

    /// @inheritdoc IMRVReports
    function lastPeriodEnd(uint256 projectId) external view returns (uint64) {
        return _lastPeriodEnd[projectId];
    }

    /// @inheritdoc IMRVReports
    function pendingReport(uint256 projectId) external view returns (uint256) {
        return _pending[projectId];
    }

    /// @inheritdoc IMRVReports
    function reportOfBatch(bytes32 batchId) public view returns (uint256) {
        uint256 reportId = _batchReport[batchId];
        return reportId != 0 && _reports[reportId].status == ReportStatus.Rejected ? 0 : reportId;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Checks one listed batch, marks it used by `reportId`, returns its energy.
    function _claimBatch(bytes32 batchId, uint256 reportId, uint256 projectId, uint64 periodStart, uint64 periodEnd)
        private
        returns (uint256)
    {
        IMRVAnchor.Batch memory b = anchor.batch(batchId);
        if (b.status == IMRVAnchor.BatchStatus.None) revert UnknownBatch(batchId);
        if (b.status == IMRVAnchor.BatchStatus.Rejected) revert RejectedBatch(batchId);
        if (b.status == IMRVAnchor.BatchStatus.Anchored && block.timestamp < b.challengeEnd) {
            revert BatchNotFinal(batchId, b.challengeEnd);
        }
        if (b.projectId != projectId) revert ForeignBatch(batchId, b.projectId);
        if (b.windowStart < periodStart || b.windowEnd > periodEnd) {
            revert BatchOutsidePeriod(batchId, b.windowStart, b.windowEnd);
        }
        // A batch listed twice in this report finds itself already claimed by `reportId` here.
        uint256 holder = reportOfBatch(batchId);
        if (holder != 0) revert BatchAlreadyReported(batchId, holder);
        _batchReport[batchId] = reportId;
        return b.energyWh;
    }

    function _emitOpened(uint256 reportId, Report storage r, bytes32[] calldata batchIds) private {
        emit ReportOpened(
            reportId,
            r.projectId,
            r.developer,
            r.periodStart,
            r.periodEnd,
            batchIds,
            r.netGenerationWh,
            r.reductionGrams,
            r.factorVersion,
            r.reportHash
        );
    }

    function _known(uint256 reportId) private view returns (Report storage r) {
        r = _reports[reportId];
        if (r.status == ReportStatus.None) revert UnknownReport(reportId);
    }

    function _decidable(uint256 reportId) private view returns (Report storage r) {
        r = _known(reportId);
        if (r.status != ReportStatus.Open) revert InvalidReportStatus(reportId, r.status);
        if (msg.sender == r.developer || msg.sender == projects.developerOf(r.projectId)) {
            revert VerifierIsDeveloper(reportId, msg.sender);
        }
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.Verifier);
    }
}
