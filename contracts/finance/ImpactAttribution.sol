// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {GovernedAccessControl} from "../access/GovernedAccessControl.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IMonitoringReports} from "../interfaces/IMonitoringReports.sol";
import {IImpactAttribution} from "../interfaces/IImpactAttribution.sol";

/// @title ImpactAttribution
/// @notice Splits each project's newly verified output between the instruments that finance it, pro rata
/// to their claims (see IImpactAttribution for the rule), so no verified Wh or gram is counted twice.
/// @dev A per-project accumulator of output per claimed base unit, as staking-reward distributors keep:
/// claims change only through claim/release, which first take in the output verified since the last change,
/// so every increment is split by the claims that stood while it was verified. O(1) per call, no loops.
/// Storage is packed for gas: totals, claims and credits in 120- and 128-bit fields (a verified generation
/// total above 2^120 − 1 Wh or reduction total above 2^128 − 1 g reverts SafeCastOverflowedUintDowncast), and the accumulators start at 1, not 0, so an opened position's
/// slots are never zero and the claim that follows writes only warm, non-zero slots (credits use differences
/// of accumulators, so the offset cancels out).
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

    /// @dev One instrument's stake in one project; `opened` keeps the first slot non-zero once it exists.
    struct Position {
        bool opened;
        uint120 claimed; // ≤ MAX_TOTAL_CLAIM
        uint128 creditedWh; // attributed up to `paid` (≤ the verified total)
        uint128 creditedGrams;
        Accumulator paid; // the accumulator the credit was settled at
    }

    /// @dev ProjectAttribution in three slots. The first holds all that a generation read needs and is non-zero
    /// from the first claim on, so later claims and take-ins write it warm.
    struct ProjectSlots {
        bool claimed;
        uint120 seenWh; // highest verified generation taken in (< 2^120)
        uint128 totalClaimed; // ≤ MAX_TOTAL_CLAIM
        uint128 seenGrams;
        uint128 baselineWh;
        uint128 baselineGrams;
    }

    mapping(address account => bool) private _instruments;
    mapping(uint256 projectId => ProjectSlots) private _projects;
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
    function open(uint256 projectId) external {
        _onlyInstrument();
        Position storage position = _positions[msg.sender][projectId];
        if (position.opened) revert ImpactAttributionPositionOpen(msg.sender, projectId);
        // No claim and no take-in: the project's claims, output and every other position stay as they are.
        position.opened = true;
        position.paid = _startedAccumulator(projectId);
        emit PositionOpened(msg.sender, projectId);
    }

    /// @inheritdoc IImpactAttribution
    function claim(uint256 projectId, uint256 amount) external {
        _onlyInstrument();
        if (amount < minimumClaim) revert ImpactAttributionClaimBelowMinimum(amount, minimumClaim);
        ProjectSlots storage p = _projects[projectId];
        uint256 total = p.totalClaimed + amount;
        if (total > MAX_TOTAL_CLAIM) revert ImpactAttributionClaimAboveMaximum(total, MAX_TOTAL_CLAIM);
        Position storage position = _takeIn(projectId, msg.sender);
        uint256 claimed = position.claimed + amount; // ≤ total ≤ MAX_TOTAL_CLAIM: fits uint120
        position.claimed = uint120(claimed);
        p.totalClaimed = uint128(total);
        emit ClaimIncreased(msg.sender, projectId, amount, claimed, total);
    }

    /// @inheritdoc IImpactAttribution
    function release(uint256 projectId, uint256 amount) external {
        _onlyInstrument();
        uint256 claimed = _positions[msg.sender][projectId].claimed;
        if (amount > claimed) revert ImpactAttributionExceedsClaim(amount, claimed);
        Position storage position = _takeIn(projectId, msg.sender);
        ProjectSlots storage p = _projects[projectId];
        position.claimed = uint120(claimed - amount);
        uint256 total = p.totalClaimed - amount; // amount ≤ claimed ≤ totalClaimed
        p.totalClaimed = uint128(total);
        emit ClaimReleased(msg.sender, projectId, amount, claimed - amount, total);
    }

    /// @dev Splits the output verified since the last change between the standing claims, then brings the
    /// instrument's credit up to date, so its claim can change without touching the past.
    function _takeIn(uint256 projectId, address instrument) private returns (Position storage position) {
        (uint256 wh, uint256 grams) = _verifiedTotals(projectId);
        ProjectSlots storage p = _projects[projectId];
        Accumulator memory now_;
        if (!p.claimed) {
            // The first claim: everything verified so far predates all financing.
            p.claimed = true;
            (uint120 wh120, uint128 grams128) = (SafeCast.toUint120(wh), SafeCast.toUint128(grams));
            (p.baselineWh, p.baselineGrams, p.seenWh, p.seenGrams) = (wh120, grams128, wh120, grams128);
            now_ = _startedAccumulator(projectId);
        } else {
            now_ = _accumulators[projectId];
            (uint256 newWh, uint256 newGrams) = (_above(wh, p.seenWh), _above(grams, p.seenGrams));
            if (newWh != 0 || newGrams != 0) {
                uint256 totalClaimed = p.totalClaimed;
                (now_.perUnitWh, now_.perUnitGrams) = _advanced(now_, newWh, newGrams, totalClaimed);
                _accumulators[projectId] = now_;
                if (newWh != 0) p.seenWh = SafeCast.toUint120(wh);
                if (newGrams != 0) p.seenGrams = SafeCast.toUint128(grams);
                emit OutputAttributed(projectId, newWh, newGrams, totalClaimed);
            }
        }
        position = _positions[instrument][projectId];
        (uint256 creditedWh, uint256 creditedGrams) = _credited(position, now_);
        // credits ≤ the verified totals (see _SCALE), which fit 128 bits (checked above)
        (position.opened, position.creditedWh, position.creditedGrams) = (true, uint128(creditedWh), uint128(creditedGrams));
        position.paid = now_;
    }

    /// @dev The project's accumulator, started at 1 the first time a position or a claim needs it: the offset
    /// keeps positions' slots non-zero and cancels out of every credit.
    function _startedAccumulator(uint256 projectId) private returns (Accumulator memory acc) {
        acc = _accumulators[projectId];
        if (acc.perUnitWh == 0) {
            acc = Accumulator(1, 1);
            _accumulators[projectId] = acc;
        }
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IImpactAttribution
    function attributed(address instrument, uint256 projectId)
        external
        view
        returns (uint256 generationWh, uint256 reductionGrams)
    {
        Position storage position = _positions[instrument][projectId];
        ProjectSlots storage p = _projects[projectId];
        if (!p.claimed) return (0, 0);
        (uint256 wh, uint256 grams) = _verifiedTotals(projectId);
        Accumulator memory acc = _accumulators[projectId];
        (acc.perUnitWh, acc.perUnitGrams) =
            _advanced(acc, _above(wh, p.seenWh), _above(grams, p.seenGrams), p.totalClaimed);
        return _credited(position, acc);
    }

    /// @inheritdoc IImpactAttribution
    function attributedWh(address instrument, uint256 projectId) external view returns (uint256) {
        ProjectSlots storage p = _projects[projectId];
        if (!p.claimed) return 0;
        Position storage position = _positions[instrument][projectId];
        (uint256 wh,) = _verifiedTotals(projectId);
        uint256 increment = _above(wh, p.seenWh);
        uint256 perUnitWh = _accumulators[projectId].perUnitWh;
        uint256 totalClaimed = p.totalClaimed;
        if (increment != 0 && totalClaimed != 0) {
            perUnitWh += Math.mulDiv(increment, _SCALE, totalClaimed, Math.Rounding.Ceil);
        }
        return position.creditedWh + Math.mulDiv(position.claimed, perUnitWh - position.paid.perUnitWh, _SCALE);
    }

    /// @inheritdoc IImpactAttribution
    function claimOf(address instrument, uint256 projectId) external view returns (uint256) {
        return _positions[instrument][projectId].claimed;
    }

    /// @inheritdoc IImpactAttribution
    function isOpen(address instrument, uint256 projectId) external view returns (bool) {
        return _positions[instrument][projectId].opened;
    }

    /// @inheritdoc IImpactAttribution
    function project(uint256 projectId) external view returns (ProjectAttribution memory) {
        ProjectSlots storage p = _projects[projectId];
        return ProjectAttribution(p.claimed, p.totalClaimed, p.baselineWh, p.baselineGrams, p.seenWh, p.seenGrams);
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
        uint256 claimed = position.claimed; // 0 for a position that was only opened: it is credited nothing
        return (
            position.creditedWh + Math.mulDiv(claimed, acc.perUnitWh - position.paid.perUnitWh, _SCALE),
            position.creditedGrams + Math.mulDiv(claimed, acc.perUnitGrams - position.paid.perUnitGrams, _SCALE)
        );
    }
}
