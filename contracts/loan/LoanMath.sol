// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGreenLoan} from "../interfaces/IGreenLoan.sol";

/// @title LoanMath
/// @notice The pure arithmetic of a green loan (docs/loans.md): Actual/365F interest, the principal
/// schedule, PD buckets, bounded repricing steps, the KPI ratchet and the DSCR. Storage-free, so the
/// differential suite (test/foundry/differential/LoanSchedule.diff.t.sol) checks it against the Python
/// reference greenfi/domain/loans.py.
library LoanMath {
    /// @notice One year of the Actual/365 Fixed day count, in seconds.
    uint256 internal constant YEAR = 365 days;
    /// @notice Basis points in one.
    uint256 internal constant BPS = 10_000;
    /// @notice Interest numerator units per base unit: interest = Σ principal × rateBps × seconds / DENOMINATOR.
    uint256 internal constant DENOMINATOR = BPS * YEAR;
    /// @notice Wh per MWh (the tariff is per MWh).
    uint256 internal constant WH_PER_MWH = 1e6;
    /// @notice The DSCR when no debt service is scheduled.
    uint32 internal constant DSCR_UNBOUNDED = type(uint32).max;

    /// @notice The interest numerator of `principal` at `rateBps` per year over `elapsed` seconds.
    function interestNumerator(uint256 principal, uint256 rateBps, uint256 elapsed) internal pure returns (uint256) {
        return principal * rateBps * elapsed;
    }

    /// @notice Whole base units of a numerator (floored: the fraction stays accrued).
    function whole(uint256 numerator) internal pure returns (uint256) {
        return numerator / DENOMINATOR;
    }

    /// @notice Cumulative principal due by the end of `period` of `periods` for `drawn` principal.
    function scheduledPrincipal(IGreenLoan.Repayment repayment, uint256 drawn, uint256 period, uint256 periods)
        internal
        pure
        returns (uint256)
    {
        if (period >= periods) return drawn;
        if (repayment == IGreenLoan.Repayment.Bullet) return 0;
        return drawn * period / periods;
    }

    /// @notice The margin of the first bucket whose limit is ≥ `scoreBps` (`ok` false when none is).
    /// @return ok whether a bucket takes the score
    /// @return marginBps that bucket's margin
    /// @return maxBps the last bucket's limit
    function bucketMargin(uint16[4] memory limits, uint16[4] memory margins, uint16 scoreBps)
        internal
        pure
        returns (bool ok, uint16 marginBps, uint16 maxBps)
    {
        for (uint256 k; k < 4; ++k) {
            uint16 limit = limits[k];
            if (limit == 0 && k != 0) break; // the list ended
            maxBps = limit;
            if (scoreBps <= limit) return (true, margins[k], limit);
        }
        return (false, 0, maxBps);
    }

    /// @notice `current` moved toward `target` by at most `maxStep`.
    function stepToward(uint16 current, uint16 target, uint16 maxStep) internal pure returns (uint16) {
        if (target > current) return target - current > maxStep ? current + maxStep : target;
        return current - target > maxStep ? current - maxStep : target;
    }

    /// @notice The ratchet after one observation: down by `step` when the KPI was met, else up, then clamped
    /// so that floor ≤ credit + ratchet ≤ cap.
    function ratchet(int256 current, bool met, uint256 step, uint256 credit, uint256 floor, uint256 cap)
        internal
        pure
        returns (int16)
    {
        int256 next = met ? current - int256(step) : current + int256(step);
        return clampRatchet(next, credit, floor, cap);
    }

    /// @notice `value` clamped to [floor − credit, cap − credit].
    function clampRatchet(int256 value, uint256 credit, uint256 floor, uint256 cap) internal pure returns (int16) {
        int256 lo = int256(floor) - int256(credit);
        int256 hi = int256(cap) - int256(credit);
        if (value < lo) value = lo;
        if (value > hi) value = hi;
        // |value| ≤ 65535 (floor, cap, credit are uint16) but the terms bound cap ≤ 10000: fits int16
        return int16(value);
    }

    /// @notice Net operating cash of a period: output × tariff − opex (0 when negative).
    function netCash(uint256 outputWh, uint256 tariffPerMWh, uint256 opex) internal pure returns (uint256) {
        uint256 cash = outputWh * tariffPerMWh / WH_PER_MWH;
        return cash > opex ? cash - opex : 0;
    }

    /// @notice DSCR in basis points: net cash × 10000 / debt service, capped at DSCR_UNBOUNDED (also when no
    /// debt service is scheduled).
    function dscrBps(uint256 net, uint256 service) internal pure returns (uint32) {
        if (service == 0) return DSCR_UNBOUNDED;
        uint256 d = net * BPS / service;
        return d >= DSCR_UNBOUNDED ? DSCR_UNBOUNDED : uint32(d);
    }

    /// @notice The scheduled debt service of `period`: its principal instalment plus one period's interest on
    /// `principal` at `rateBps` (floored).
    function debtService(
        IGreenLoan.Repayment repayment,
        uint256 drawn,
        uint256 period,
        uint256 periods,
        uint256 principal,
        uint256 rateBps,
        uint256 periodLength
    ) internal pure returns (uint256) {
        uint256 instalment = scheduledPrincipal(repayment, drawn, period, periods)
            - scheduledPrincipal(repayment, drawn, period - 1, periods);
        return instalment + whole(interestNumerator(principal, rateBps, periodLength));
    }
}
