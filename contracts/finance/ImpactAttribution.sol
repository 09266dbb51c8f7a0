// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {GovernedAccessControl} from "../access/GovernedAccessControl.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IMonitoringReports} from "../interfaces/IMonitoringReports.sol";
import {IImpactAttribution} from "../interfaces/IImpactAttribution.sol";

/// @title ImpactAttribution
/// @notice Splits each project's newly verified output between the instruments that finance it, pro rata
/// to their claims (see IImpactAttribution for the rule), so no verified Wh or gram is counted twice.
/// @dev A per-project accumulator of output per claimed base unit, as staking-reward distributors keep:
/// claims change only through claim/release, which first take in the output verified since the last change,
/// so every increment is split by the claims that stood while it was verified. O(1) per call, no loops.
contract ImpactAttribution is IImpactAttribution, GovernedAccessControl {
    /// @notice Factories that may register the instruments they create.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    /// @dev Fixed-point scale of the per-base-unit accumulators. Increments are split rounding the
    /// accumulator up and each credit down: Σ credits ≤ Σ increments + (#increments × MAX_TOTAL_CLAIM) / _SCALE,
    /// which stays below one unit for any count of increments below 10^16, so Σ credits ≤ Σ increments (whole
    /// units), and a sole claimant receives every unit exactly.
    uint256 private constant _SCALE = 1e45;
    /// @notice The largest sum of claims on one project, in settlement base units (2^96).
    uint256 public constant MAX_TOTAL_CLAIM = 2 ** 96;

    /// @inheritdoc IImpactAttribution
    IMonitoringReports public immutable monitoringReports;
    /// @inheritdoc IImpactAttribution
    uint256 public immutable minimumClaim;

    /// @dev Output per claimed base unit, scaled by _SCALE, since the project's first claim.
    struct Accumulator {
        uint256 perUnitWh;
        uint256 perUnitGrams;
    }

    /// @dev One instrument's stake in one project.
    struct Position {
        uint256 claimed;
        uint256 creditedWh; // attributed up to `paid`
        uint256 creditedGrams;
        Accumulator paid; // the accumulator the credit was settled at
    }

    mapping(address account => bool) private _instruments;
    mapping(uint256 projectId => ProjectAttribution) private _projects;
    mapping(uint256 projectId => Accumulator) private _accumulators;
    mapping(address instrument => mapping(uint256 projectId => Position)) private _positions;

    /// @param reports The verified totals (MRVReports).
    /// @param admin Holds DEFAULT_ADMIN_ROLE (two-step, delayed transfer) and, until a timelock takes it
    /// over, GOVERNOR_ROLE, which grants the governed REGISTRAR_ROLE to the instrument factories.
    /// @param minimumClaim_ The smallest claim in settlement base units (> 0): dust buys no share.
    /// @param adminDelay Seconds between the two steps of a default-admin transfer (the suite's
    /// setting, docs/governance.md; 0 only on local chains). This contract has no participant
    /// registry to read it from.
    constructor(IMonitoringReports reports, address admin, uint256 minimumClaim_, uint48 adminDelay)
        GovernedAccessControl(adminDelay, admin)
    {
        if (address(reports) == address(0) || admin == address(0)) revert ImpactAttributionZeroAddress();
        if (minimumClaim_ == 0) revert ImpactAttributionInvalidMinimum(minimumClaim_);
        monitoringReports = reports;
        minimumClaim = minimumClaim_;
        _governRole(REGISTRAR_ROLE);
    }

    // ---------------------------------------------------------------- registration

    /// @inheritdoc IImpactAttribution
    function registerInstrument(address instrument) external onlyRole(REGISTRAR_ROLE) {
        if (instrument == address(0) || _instruments[instrument]) {
            revert ImpactAttributionCannotRegister(instrument, _instruments[instrument]);
        }
        _instruments[instrument] = true;
        emit InstrumentRegistered(instrument, msg.sender);
    }

    // ---------------------------------------------------------------- claims

    /// @inheritdoc IImpactAttribution
    function claim(uint256 projectId, uint256 amount) external {
        _onlyInstrument();
        if (amount < minimumClaim) revert ImpactAttributionClaimBelowMinimum(amount, minimumClaim);
        ProjectAttribution storage p = _projects[projectId];
        uint256 total = p.totalClaimed + amount;
        if (total > MAX_TOTAL_CLAIM) revert ImpactAttributionClaimAboveMaximum(total, MAX_TOTAL_CLAIM);
        Position storage position = _takeIn(projectId, msg.sender);
        position.claimed += amount;
        p.totalClaimed += amount;
        emit ClaimIncreased(msg.sender, projectId, amount, position.claimed, p.totalClaimed);
    }

    /// @inheritdoc IImpactAttribution
    function release(uint256 projectId, uint256 amount) external {
        _onlyInstrument();
        uint256 claimed = _positions[msg.sender][projectId].claimed;
        if (amount > claimed) revert ImpactAttributionExceedsClaim(amount, claimed);
        Position storage position = _takeIn(projectId, msg.sender);
        ProjectAttribution storage p = _projects[projectId];
        position.claimed = claimed - amount;
        p.totalClaimed -= amount;
        emit ClaimReleased(msg.sender, projectId, amount, position.claimed, p.totalClaimed);
    }

    /// @dev Splits the output verified since the last change between the standing claims, then brings the
    /// instrument's credit up to date, so its claim can change without touching the past.
    function _takeIn(uint256 projectId, address instrument) private returns (Position storage position) {
        (uint256 wh, uint256 grams) = _verifiedTotals(projectId);
        ProjectAttribution storage p = _projects[projectId];
        if (!p.claimed) {
            // The first claim: everything verified so far predates all financing.
            p.claimed = true;
            (p.baselineWh, p.baselineGrams, p.seenWh, p.seenGrams) = (wh, grams, wh, grams);
        } else {
            (uint256 newWh, uint256 newGrams) = (_above(wh, p.seenWh), _above(grams, p.seenGrams));
            if (newWh != 0 || newGrams != 0) {
                Accumulator storage acc = _accumulators[projectId];
                (acc.perUnitWh, acc.perUnitGrams) = _advanced(acc, newWh, newGrams, p.totalClaimed);
                if (newWh != 0) p.seenWh = wh;
                if (newGrams != 0) p.seenGrams = grams;
                emit OutputAttributed(projectId, newWh, newGrams, p.totalClaimed);
            }
        }
        position = _positions[instrument][projectId];
        Accumulator memory now_ = _accumulators[projectId];
        (position.creditedWh, position.creditedGrams) = _credited(position, now_);
        position.paid = now_;
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IImpactAttribution
    function attributed(address instrument, uint256 projectId)
        external
        view
        returns (uint256 generationWh, uint256 reductionGrams)
    {
        Position storage position = _positions[instrument][projectId];
        ProjectAttribution storage p = _projects[projectId];
        if (!p.claimed) return (0, 0);
        (uint256 wh, uint256 grams) = _verifiedTotals(projectId);
        Accumulator memory acc = _accumulators[projectId];
        (acc.perUnitWh, acc.perUnitGrams) =
            _advanced(acc, _above(wh, p.seenWh), _above(grams, p.seenGrams), p.totalClaimed);
        return _credited(position, acc);
    }

    /// @inheritdoc IImpactAttribution
    function claimOf(address instrument, uint256 projectId) external view returns (uint256) {
        return _positions[instrument][projectId].claimed;
    }

    /// @inheritdoc IImpactAttribution
    function project(uint256 projectId) external view returns (ProjectAttribution memory) {
        return _projects[projectId];
    }

    /// @inheritdoc IImpactAttribution
    function isInstrument(address account) external view returns (bool) {
        return _instruments[account];
    }

    // ---------------------------------------------------------------- internals

    function _onlyInstrument() private view {
        if (!_instruments[msg.sender]) revert ImpactAttributionNotInstrument(msg.sender);
    }

    function _verifiedTotals(uint256 projectId) private view returns (uint256, uint256) {
        try monitoringReports.verifiedTotals(projectId) returns (uint256 wh, uint256 grams) {
            return (wh, grams);
        } catch {
            revert ImpactAttributionReportsUnavailable(projectId);
        }
    }

    /// @dev Output above the highest total seen: a reversal followed by a recovery is not counted twice.
    function _above(uint256 total, uint256 seen) private pure returns (uint256) {
        return total > seen ? total - seen : 0;
    }

    /// @dev The accumulators after splitting an increment between `totalClaimed` base units (see _SCALE for
    /// why the shares never add up to more than the increment). Nobody claims: nobody's.
    function _advanced(Accumulator memory acc, uint256 newWh, uint256 newGrams, uint256 totalClaimed)
        private
        pure
        returns (uint256, uint256)
    {
        if (totalClaimed == 0) return (acc.perUnitWh, acc.perUnitGrams);
        return (
            acc.perUnitWh + Math.mulDiv(newWh, _SCALE, totalClaimed, Math.Rounding.Ceil),
            acc.perUnitGrams + Math.mulDiv(newGrams, _SCALE, totalClaimed, Math.Rounding.Ceil)
        );
    }

    function _credited(Position storage position, Accumulator memory acc) private view returns (uint256, uint256) {
        uint256 claimed = position.claimed;
        return (
            position.creditedWh + Math.mulDiv(claimed, acc.perUnitWh - position.paid.perUnitWh, _SCALE),
            position.creditedGrams + Math.mulDiv(claimed, acc.perUnitGrams - position.paid.perUnitGrams, _SCALE)
        );
    }
}
