// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IMonitoringReports
/// @notice What the issuance side and the green bonds need from verified monitoring reports.
/// Implemented by MRVReports.
///
/// Units: energy in Wh; emission factors in grams CO2e per MWh (0.581 tCO2/MWh = 581_000);
/// reductions in grams CO2e (1 tCO2e = 1e6 g), so no rounding happens before issuance.
interface IMonitoringReports {
    /// @notice An approved report as handed to issuance.
    struct IssuableReport {
        uint256 projectId;
        uint64 periodStart; // unix seconds, inclusive
        uint64 periodEnd; // unix seconds, exclusive
        uint256 netGenerationWh;
        uint256 reductionGrams;
        bytes32 reportHash; // hash of the published monitoring report document
        address verifier;
    }

    /// @notice Consume approved report `reportId` for issuance: returns it and marks it consumed,
    /// so it can never be issued again.
    /// @dev Caller: the issuance contract (ISSUER_ROLE on the implementation). Reverts when the
    /// report is unknown, not approved, or already consumed.
    function consumeForIssuance(uint256 reportId) external returns (IssuableReport memory);

    /// @notice Sum of the approved reports of `projectId`: verified net generation and reduction.
    function verifiedTotals(uint256 projectId) external view returns (uint256 generationWh, uint256 reductionGrams);
}
