// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {HandlerBase} from "../../lib/HandlerBase.sol";
import {MRVReports} from "../../../../contracts/mrv/MRVReports.sol";
import {ParticipantRegistry} from "../../../../contracts/registry/ParticipantRegistry.sol";
import {ComplianceGuard} from "../../../../contracts/compliance/ComplianceGuard.sol";
import {IParticipantRegistry} from "../../../../contracts/interfaces/IParticipantRegistry.sol";
import {IMRVReports} from "../../../../contracts/interfaces/IMRVReports.sol";

/// @title ReportsHandlerBase
/// @notice What the two MRVReports handlers share (ReportsHandler over AnchorStub's batches,
/// AnchoredReportsHandler over the real MRVAnchor's): the parties (a developer per project, two
/// verifiers, the issuer), the ghosts of consumptions and verified generation, who is picked to
/// decide or consume, the refusal MRVReports owes each decision and consumption, and the
/// fingerprint a refused call must leave as it was. The batches and the reports' models are each
/// handler's own.
abstract contract ReportsHandlerBase is HandlerBase {
    /// @notice MRVReports' parties: the developer of project i + 1 at i, two verifiers, the issuer.
    struct ReportParties {
        address[2] developers;
        address[2] verifiers;
        address issuer;
    }

    MRVReports public immutable reports;
    address public immutable issuer;
    address[2] public developers;
    address[2] public verifiers;

    mapping(uint256 reportId => uint256) public ghostConsumptions;
    mapping(uint256 projectId => uint256) public ghostVerifiedWh;

    constructor(MRVReports reports_, ParticipantRegistry registry_, address regulator_, ReportParties memory parties, address[] memory actors_)
        HandlerBase(registry_, regulator_, actors_)
    {
        reports = reports_;
        issuer = parties.issuer;
        developers = parties.developers;
        verifiers = parties.verifiers;
    }

    /// @dev Mostly a verifier; one pick in five anyone (the developers included).
    function _decider(uint256 callerSeed) internal view returns (address) {
        return callerSeed % 5 == 0 ? _actor(callerSeed >> 8) : verifiers[callerSeed % 2];
    }

    /// @dev Mostly the issuer; one pick in five anyone.
    function _consumer(uint256 callerSeed) internal view returns (address) {
        return callerSeed % 5 == 0 ? _actor(callerSeed >> 8) : issuer;
    }

    /// @dev `caller` approves or rejects report `reportId` (in `status`, opened for `developer`),
    /// checked against the refusal MRVReports owes it in the contract's order; SUCCEEDS if none.
    function _decide(address caller, uint256 reportId, IMRVReports.ReportStatus status, address developer, bool approve)
        internal
        returns (bool accepted)
    {
        bytes4 expected = _decisionError(caller, status, developer);
        bytes memory data = approve
            ? abi.encodeCall(reports.approveReport, (reportId, bytes32(0)))
            : abi.encodeCall(reports.rejectReport, (reportId, bytes32(0)));
        _call(caller, address(reports), data, expected, approve ? "approveReport" : "rejectReport");
        return expected == SUCCEEDS;
    }

    /// @dev `caller` consumes report `reportId` (in `status`) for issuance, checked the same way;
    /// an accepted consumption is counted.
    function _consume(address caller, uint256 reportId, IMRVReports.ReportStatus status) internal returns (bool accepted) {
        bytes4 expected = registry.paused()
            ? ComplianceGuard.NetworkPaused.selector
            : caller != issuer
                ? IAccessControl.AccessControlUnauthorizedAccount.selector
                : status == IMRVReports.ReportStatus.None
                    ? IMRVReports.UnknownReport.selector
                    : status != IMRVReports.ReportStatus.Approved ? IMRVReports.InvalidReportStatus.selector : SUCCEEDS;
        _call(caller, address(reports), abi.encodeCall(reports.consumeForIssuance, (reportId)), expected, "consume");
        if (expected == SUCCEEDS) ++ghostConsumptions[reportId];
        return expected == SUCCEEDS;
    }

    function _decisionError(address caller, IMRVReports.ReportStatus status, address developer) private view returns (bytes4) {
        if (registry.paused()) return ComplianceGuard.NetworkPaused.selector;
        if (status == IMRVReports.ReportStatus.None) return IMRVReports.UnknownReport.selector;
        if (status != IMRVReports.ReportStatus.Open) return IMRVReports.InvalidReportStatus.selector;
        if (caller == developer) return IMRVReports.VerifierIsDeveloper.selector;
        return _guardError(registry.canActAs(caller, IParticipantRegistry.Kind.Verifier));
    }

    function _fingerprint() internal view override returns (bytes32) {
        (uint256 wh1, uint256 g1) = reports.verifiedTotals(1);
        (uint256 wh2, uint256 g2) = reports.verifiedTotals(2);
        return keccak256(
            abi.encode(
                reports.reportCount(), wh1, g1, wh2, g2, reports.lastPeriodEnd(1), reports.lastPeriodEnd(2),
                reports.pendingReport(1), reports.pendingReport(2), ghostAccepted
            )
        );
    }
}
