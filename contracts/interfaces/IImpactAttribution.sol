// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMonitoringReports} from "./IMonitoringReports.sol";

/// @title IImpactAttribution
/// @notice The one place where the verified output of a project is attributed to the instruments that
/// finance it (green bond series and green loans), so each verified Wh and gram CO2e is counted once.
///
/// Rule (docs/bonds.md, "Impact is attributed once"): an instrument counts only output verified
/// **after** its claim. Output verified while a set of claims stands on a project is split between
/// those claims in proportion to their claimed amounts (settlement base units):
///
///     attributed_i = Σ over verified increments Δ of  Δ × claim_i / Σ claims   (rounded down)
///
/// Increments are taken above the highest verified total seen (a reversal never re-counts output);
/// output verified while nobody claims the project is nobody's. Each claim must be at least
/// `minimumClaim()` base units, so a dust allocation cannot buy a share. A position opened without a claim
/// (`open`, a loan's proposal) is credited nothing and changes no share. Hence, per project:
///     Σ_i attributed_i ≤ (highest verified total) − (verified total at the project's first claim).
interface IImpactAttribution {
    /// @notice One project's attribution state.
    struct ProjectAttribution {
        bool claimed; // some instrument has claimed it at least once
        uint256 totalClaimed; // Σ active claims, settlement base units
        uint256 baselineWh; // verified generation at the first claim
        uint256 baselineGrams; // verified reduction at the first claim
        uint256 seenWh; // highest verified generation taken in
        uint256 seenGrams; // highest verified reduction taken in
    }

    // ---------------------------------------------------------------- errors

    /// @notice Thrown when a constructor address is zero.
    error ImpactAttributionZeroAddress();
    /// @notice Thrown when the minimum claim given to the constructor is 0.
    error ImpactAttributionInvalidMinimum(uint256 minimum);
    /// @notice Thrown when `caller` is not a registered instrument.
    /// @param caller The account that tried to claim or release.
    error ImpactAttributionNotInstrument(address caller);
    /// @notice Thrown when `instrument` is registered already (or is the zero address: `registered` false).
    error ImpactAttributionCannotRegister(address instrument, bool registered);
    /// @notice Thrown when a claim of `amount` is below `minimum` base units.
    error ImpactAttributionClaimBelowMinimum(uint256 amount, uint256 minimum);
    /// @notice Thrown when a claim would bring the project's claims to `total`, above `maximum` (MAX_TOTAL_CLAIM).
    error ImpactAttributionClaimAboveMaximum(uint256 total, uint256 maximum);
    /// @notice Thrown when an instrument releases `amount` but claims only `claimed` on the project.
    error ImpactAttributionExceedsClaim(uint256 amount, uint256 claimed);
    /// @notice Thrown when the monitoring reports cannot answer for `projectId`.
    error ImpactAttributionReportsUnavailable(uint256 projectId);
    /// @notice Thrown when `instrument` opens a position on `projectId` it already has (opened or claimed).
    error ImpactAttributionPositionOpen(address instrument, uint256 projectId);

    // ---------------------------------------------------------------- events

    /// @notice Emitted when `registrar` (a factory) registers `instrument`.
    event InstrumentRegistered(address indexed instrument, address indexed registrar);
    /// @notice Emitted when a newly verified increment of `projectId` is taken in and split between the
    /// standing claims (`totalClaimed` 0: nobody claimed it and it is nobody's).
    event OutputAttributed(uint256 indexed projectId, uint256 generationWh, uint256 reductionGrams, uint256 totalClaimed);
    /// @notice Emitted when `instrument` opens its (empty) position on `projectId` ahead of a claim.
    event PositionOpened(address indexed instrument, uint256 indexed projectId);
    /// @notice Emitted when `instrument` claims `amount` more of `projectId`.
    event ClaimIncreased(address indexed instrument, uint256 indexed projectId, uint256 amount, uint256 claimAfter, uint256 totalAfter);
    /// @notice Emitted when `instrument` releases `amount` of its claim on `projectId`.
    event ClaimReleased(address indexed instrument, uint256 indexed projectId, uint256 amount, uint256 claimAfter, uint256 totalAfter);

    // ---------------------------------------------------------------- functions

    /// @notice Register `instrument` so it may claim and release.
    /// @dev Caller: REGISTRAR_ROLE (the instrument factories). Reverts AccessControlUnauthorizedAccount,
    /// ImpactAttributionCannotRegister. Emits InstrumentRegistered.
    function registerInstrument(address instrument) external;

    /// @notice The caller opens its position on `projectId` without claiming anything: it pays now for the
    /// storage a later `claim` writes, so that claim is cheaper. An opened position holds no claim, is credited
    /// nothing and changes no other instrument's share (no output is taken in, no claim total moves).
    /// @dev Caller: a registered instrument (a green loan at its proposal). Reverts ImpactAttributionNotInstrument,
    /// ImpactAttributionPositionOpen (opened or claimed before). Emits PositionOpened.
    function open(uint256 projectId) external;

    /// @notice The caller claims `amount` (settlement base units it finances) of `projectId`: from now on
    /// it shares the project's newly verified output pro rata to its claim.
    /// @dev Caller: a registered instrument. Reverts ImpactAttributionNotInstrument,
    /// ImpactAttributionClaimBelowMinimum, ImpactAttributionClaimAboveMaximum,
    /// ImpactAttributionReportsUnavailable, SafeCastOverflowedUintDowncast (a verified
    /// generation total ≥ 2^120 Wh or reduction total ≥ 2^128 g).
    /// Emits OutputAttributed (when new output was verified since the last change), ClaimIncreased.
    function claim(uint256 projectId, uint256 amount) external;

    /// @notice The caller releases `amount` of its claim on `projectId` (financing ended or withdrawn).
    /// What was attributed so far stays attributed.
    /// @dev Caller: a registered instrument. Reverts ImpactAttributionNotInstrument,
    /// ImpactAttributionExceedsClaim, ImpactAttributionReportsUnavailable, SafeCastOverflowedUintDowncast (a
    /// verified generation total ≥ 2^120 Wh or reduction total ≥ 2^128 g). Emits OutputAttributed, ClaimReleased.
    function release(uint256 projectId, uint256 amount) external;

    /// @notice Output of `projectId` attributed to `instrument` so far (includes output verified since the
    /// last claim change). Reverts when the monitoring reports cannot answer.
    function attributed(address instrument, uint256 projectId)
        external
        view
        returns (uint256 generationWh, uint256 reductionGrams);

    /// @notice The generation part of `attributed(instrument, projectId)` alone (cheaper: no grams are read).
    function attributedWh(address instrument, uint256 projectId) external view returns (uint256 generationWh);

    /// @notice Whether `instrument` has a position on `projectId` (opened, or claimed at least once).
    function isOpen(address instrument, uint256 projectId) external view returns (bool);

    /// @notice The active claim of `instrument` on `projectId`, in settlement base units.
    function claimOf(address instrument, uint256 projectId) external view returns (uint256);

    /// @notice The attribution state of `projectId`.
    function project(uint256 projectId) external view returns (ProjectAttribution memory);

    /// @notice Whether `account` is a registered instrument.
    function isInstrument(address account) external view returns (bool);

    /// @notice The smallest claim, in settlement base units.
    function minimumClaim() external view returns (uint256);

    /// @notice Where the verified totals come from.
    function monitoringReports() external view returns (IMonitoringReports);
}
