// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../lib/Vm.sol";
import {LoanMath} from "../../../contracts/loan/LoanMath.sol";
import {IGreenLoan} from "../../../contracts/interfaces/IGreenLoan.sol";

/// @dev Exposes LoanMath's internal functions.
contract LoanMathHarness {
    function interestNumerator(uint256 principal, uint256 rateBps, uint256 elapsed) external pure returns (uint256) {
        return LoanMath.interestNumerator(principal, rateBps, elapsed);
    }

    function whole(uint256 numerator) external pure returns (uint256) {
        return LoanMath.whole(numerator);
    }

    function scheduledPrincipal(IGreenLoan.Repayment r, uint256 drawn, uint256 period, uint256 periods)
        external
        pure
        returns (uint256)
    {
        return LoanMath.scheduledPrincipal(r, drawn, period, periods);
    }

    function bucketMargin(uint16[4] memory limits, uint16[4] memory margins, uint16 score)
        external
        pure
        returns (bool, uint16, uint16)
    {
        return LoanMath.bucketMargin(limits, margins, score);
    }

    function stepToward(uint16 current, uint16 target, uint16 maxStep) external pure returns (uint16) {
        return LoanMath.stepToward(current, target, maxStep);
    }

    function ratchet(int256 current, bool met, uint256 step, uint256 credit, uint256 floor, uint256 cap)
        external
        pure
        returns (int16)
    {
        return LoanMath.ratchet(current, met, step, credit, floor, cap);
    }

    function netCash(uint256 outputWh, uint256 tariff, uint256 opex) external pure returns (uint256) {
        return LoanMath.netCash(outputWh, tariff, opex);
    }

    function dscrBps(uint256 net, uint256 service) external pure returns (uint32) {
        return LoanMath.dscrBps(net, service);
    }

    function debtService(
        IGreenLoan.Repayment r,
        uint256 drawn,
        uint256 period,
        uint256 periods,
        uint256 principal,
        uint256 rateBps,
        uint256 periodLength
    ) external pure returns (uint256) {
        return LoanMath.debtService(r, drawn, period, periods, principal, rateBps, periodLength);
    }
}

/// @title LoanMathTest
/// @notice LoanMath's rules from docs/loans.md at their edges (the differential suite checks them against the
/// Python reference at random): Actual/365F floored to whole units, the schedule's last period, the first
/// bucket that takes a PD and the end of the list, bounded repricing steps, the ratchet's floor/cap clamp, net
/// cash never negative, the DSCR's cap at 2^32 − 1 and its unbounded value without debt service.
contract LoanMathTest {
    IGreenLoan.Repayment private constant AMORTISING = IGreenLoan.Repayment.Amortising;
    IGreenLoan.Repayment private constant BULLET = IGreenLoan.Repayment.Bullet;
    uint256 private constant DENOMINATOR = 10_000 * 365 days;

    LoanMathHarness private math = new LoanMathHarness();

    /// Rule: interest is P × r × s / (10000 × 31,536,000), floored: a year at 10000 bps is the principal; the
    /// fraction of a unit is not owed.
    function test_actual_365_fixed_floored_to_whole_units() public view {
        vm.assertEq(math.interestNumerator(1e6, 10_000, 365 days), 1e6 * DENOMINATOR, "a year at 100 %");
        vm.assertEq(math.whole(math.interestNumerator(1e6, 10_000, 365 days)), 1e6, "is the principal");
        vm.assertEq(math.whole(DENOMINATOR - 1), 0, "a fraction is not owed");
        vm.assertEq(math.whole(DENOMINATOR), 1, "one unit");
        vm.assertEq(math.interestNumerator(0, 10_000, 365 days), 0, "no principal, no interest");
    }

    /// Rule: cumulative principal due by period i is floor(D × i / N) amortising, 0 before the last period as a
    /// bullet, and D from the last period on (either way).
    function test_schedule_edges() public view {
        vm.assertEq(math.scheduledPrincipal(AMORTISING, 100, 1, 3), 33, "floored");
        vm.assertEq(math.scheduledPrincipal(AMORTISING, 100, 2, 3), 66, "floored");
        vm.assertEq(math.scheduledPrincipal(AMORTISING, 100, 3, 3), 100, "all at the last period");
        vm.assertEq(math.scheduledPrincipal(AMORTISING, 100, 0, 3), 0, "nothing before the first");
        vm.assertEq(math.scheduledPrincipal(BULLET, 100, 2, 3), 0, "bullet: nothing before the last");
        vm.assertEq(math.scheduledPrincipal(BULLET, 100, 3, 3), 100, "bullet: all at the last");
        vm.assertEq(math.scheduledPrincipal(BULLET, 100, 4, 3), 100, "and after it");
    }

    /// Rule: the margin of PD p is that of the first bucket with p ≤ its limit; a 0 limit after the first ends
    /// the list; past the last limit no bucket takes it (and the last limit is reported).
    function test_bucket_edges() public view {
        uint16[4] memory limits = [uint16(300), 800, 1500, 10_000];
        uint16[4] memory margins = [uint16(200), 350, 500, 900];
        (bool ok, uint16 margin, uint16 maxBps) = math.bucketMargin(limits, margins, 300);
        vm.assertTrue(ok && margin == 200 && maxBps == 300, "a limit belongs to its bucket");
        (ok, margin, maxBps) = math.bucketMargin(limits, margins, 10_000);
        vm.assertTrue(ok && margin == 900 && maxBps == 10_000, "all four buckets");
        (ok, margin, maxBps) = math.bucketMargin([uint16(300), 800, 0, 1_000], margins, 801);
        vm.assertTrue(!ok && margin == 0 && maxBps == 800, "a 0 limit ends the list");
        (ok, margin, maxBps) = math.bucketMargin([uint16(300), 800, 1_500, 2_000], margins, 2_001);
        vm.assertTrue(!ok && maxBps == 2_000, "past the fourth limit");
    }

    /// Rule: a repricing moves the credit margin toward the target by at most the step, and stops at the target.
    function test_step_toward_edges() public view {
        vm.assertEq(uint256(math.stepToward(200, 500, 100)), 300, "up by the step");
        vm.assertEq(uint256(math.stepToward(450, 500, 100)), 500, "up to the target");
        vm.assertEq(uint256(math.stepToward(500, 200, 100)), 400, "down by the step");
        vm.assertEq(uint256(math.stepToward(250, 200, 100)), 200, "down to the target");
        vm.assertEq(uint256(math.stepToward(200, 200, 100)), 200, "at the target");
    }

    /// Property: the step never overshoots and is never longer than maxStep.
    function testFuzz_step_toward_is_bounded(uint16 current, uint16 target, uint16 maxStep) public view {
        uint16 next = math.stepToward(current, target, maxStep);
        uint256 moved = next > current ? next - current : current - next;
        vm.assertLe(moved, maxStep, "longer than the step");
        vm.assertLe(next > target ? next - target : target - next, current > target ? current - target : target - current, "farther");
        vm.assertTrue((current <= next && next <= target) || (target <= next && next <= current), "overshot or moved away");
    }

    /// Rule: Met steps the ratchet down, anything else up, then credit + ratchet is clamped to [floor, cap].
    function test_ratchet_steps_and_clamps() public view {
        vm.assertTrue(math.ratchet(0, true, 25, 200, 100, 800) == -25, "met: down");
        vm.assertTrue(math.ratchet(0, false, 25, 200, 100, 800) == 25, "missed: up");
        vm.assertTrue(math.ratchet(-90, true, 25, 200, 100, 800) == -100, "clamped at the floor");
        vm.assertTrue(math.ratchet(590, false, 25, 200, 100, 800) == 600, "clamped at the cap");
        vm.assertTrue(math.ratchet(0, true, 500, 0, 0, 10_000) == 0, "a credit margin at the floor stays");
    }

    /// Property: whatever the ratchet, credit + ratchet ends within [floor, cap] (floor ≤ credit ≤ cap ≤ 10000).
    function testFuzz_ratchet_stays_within_floor_and_cap(int16 current, bool met, uint16 step, uint16 a, uint16 b, uint16 c)
        public
        view
    {
        uint256 cap = uint256(c) % 10_001;
        uint256 floor = cap == 0 ? 0 : uint256(a) % (cap + 1);
        uint256 credit = floor + uint256(b) % (cap - floor + 1);
        int256 margin = int256(credit) + math.ratchet(current, met, uint256(step) % 501, credit, floor, cap);
        vm.assertTrue(margin >= int256(floor) && margin <= int256(cap), "margin outside floor and cap");
    }

    /// Rule: net cash = output × tariff / 10^6 − opex, never below 0.
    function test_net_cash_is_never_negative() public view {
        vm.assertEq(math.netCash(144e6, 80e6, 0), 11_520e6, "144 MWh at 80 per MWh");
        vm.assertEq(math.netCash(144e6, 80e6, 1_520e6), 10_000e6, "less opex");
        vm.assertEq(math.netCash(144e6, 80e6, 11_520e6), 0, "opex = cash");
        vm.assertEq(math.netCash(144e6, 80e6, 20_000e6), 0, "opex above cash: 0");
    }

    /// Rule: DSCR = net × 10000 / service, 2^32 − 1 when no debt service is scheduled and capped there.
    function test_dscr_edges() public view {
        vm.assertEq(uint256(math.dscrBps(12_000, 10_000)), 12_000, "1.20x");
        vm.assertEq(uint256(math.dscrBps(0, 10_000)), 0, "no cash");
        vm.assertEq(uint256(math.dscrBps(1, 0)), type(uint32).max, "no debt service: unbounded");
        vm.assertEq(uint256(math.dscrBps(2 ** 128, 1)), type(uint32).max, "capped at 2^32 - 1");
        vm.assertEq(uint256(math.dscrBps(uint256(type(uint32).max) - 1, 10_000)), uint256(type(uint32).max) - 1, "just below the cap");
    }

    /// Rule: a period's debt service is its principal instalment plus one period's interest on the principal now.
    function test_debt_service() public view {
        uint256 interest = uint256(120_000e6) * 500 * 30 days / DENOMINATOR;
        vm.assertEq(math.debtService(AMORTISING, 120_000e6, 1, 12, 120_000e6, 500, 30 days), 10_000e6 + interest, "instalment + interest");
        vm.assertEq(math.debtService(BULLET, 120_000e6, 11, 12, 120_000e6, 500, 30 days), interest, "bullet: interest only");
        vm.assertEq(math.debtService(BULLET, 120_000e6, 12, 12, 120_000e6, 500, 30 days), 120_000e6 + interest, "bullet: all at the last");
        vm.assertEq(math.debtService(AMORTISING, 0, 1, 12, 0, 500, 30 days), 0, "nothing drawn: no service");
    }
}
