// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGreenBond} from "../../../contracts/interfaces/IGreenBond.sol";

/// @title BondTerms
/// @notice The series terms the bond suites and unit tests share.
library BondTerms {
    /// @dev Quarterly coupons at 5 % for a year from an issue date 20 days ahead (subscriptions open
    /// now), at least 100 of 1,000 bonds, risk score ≤ 50 %, callable after 182 days at 101 %.
    function quarterlyCallable(bytes32 isin, uint256 denomination) internal view returns (IGreenBond.Terms memory t) {
        uint64 issueDate = uint64(block.timestamp + 20 days);
        t.isin = isin;
        t.denomination = denomination;
        t.issueSize = 1_000;
        t.minimumRaise = 100;
        t.subscriptionStart = uint64(block.timestamp);
        t.issueDate = issueDate;
        t.maturityDate = issueDate + 365 days;
        t.couponRateBps = 500;
        t.couponFrequency = 4;
        t.dayCount = IGreenBond.DayCount.Actual365;
        t.riskLimitBps = 5_000;
        t.callDate = issueDate + 182 days;
        t.callPrice = denomination * 101 / 100;
    }
}
