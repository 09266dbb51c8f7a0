// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGreenLoan} from "../interfaces/IGreenLoan.sol";

/// @title LoanTerms
/// @notice The bounds every green loan's terms must respect (docs/loans.md, "Terms"). A bad field reverts
/// IGreenLoan.LoanInvalidTerms(field name).
library LoanTerms {
    /// @notice At most this many periods.
    uint256 internal constant MAX_PERIODS = 120;
    /// @notice Commitments stay below this (ImpactAttribution's MAX_TOTAL_CLAIM), so every amount bounded by the
    /// commitment fits 96 bits of storage.
    uint256 internal constant MAX_COMMITMENT = 2 ** 96;
    /// @notice The longest period.
    uint256 internal constant MAX_PERIOD_LENGTH = 366 days;
    /// @notice Dates stay below 2^40 seconds (year 36812), so date arithmetic never overflows.
    uint256 internal constant MAX_DATE = 2 ** 40;
    uint256 internal constant MAX_RATE_BPS = 10_000;
    uint256 internal constant MAX_REPRICING_STEP_BPS = 1_000;
    uint256 internal constant MIN_REPRICING_INTERVAL = 1 days;
    uint256 internal constant MAX_RATCHET_STEP_BPS = 500;
    uint256 internal constant MIN_OBSERVATION_GRACE = 1 hours;
    uint256 internal constant MAX_DEFAULT_PERIODS = 12;
    uint256 internal constant MAX_LATE_INTEREST_BPS = 2_000;
    uint256 internal constant MAX_ARRANGEMENT_FEE_BPS = 500;
    /// @notice Tariff, opex and thresholds stay below 2^128, so the DSCR products never overflow.
    uint256 internal constant MAX_AMOUNT = 2 ** 128;

    /// @notice Reverts LoanInvalidTerms(field) on the first field out of bounds.
    function validate(IGreenLoan.Terms calldata t, address borrower, address lender) internal view {
        if (borrower == address(0) || borrower == lender) _invalid("borrower");
        if (lender == address(0)) _invalid("lender");
        if (t.commitment == 0 || t.commitment >= MAX_COMMITMENT) _invalid("commitment");
        if (t.periodLength == 0 || t.periodLength % 1 days != 0 || t.periodLength > MAX_PERIOD_LENGTH) {
            _invalid("periodLength");
        }
        if (t.periods == 0 || t.periods > MAX_PERIODS) _invalid("periods");
        if (t.startDate >= MAX_DATE) _invalid("startDate");
        uint256 maturity = uint256(t.startDate) + uint256(t.periods) * t.periodLength;
        if (t.availabilityEnd <= block.timestamp || t.availabilityEnd > maturity || t.availabilityEnd >= MAX_DATE) {
            _invalid("availabilityEnd");
        }
        _validatePricing(t);
        _validateCovenants(t);
        _validateTranches(t);
    }

    function _validatePricing(IGreenLoan.Terms calldata t) private pure {
        if (t.marginFloorBps > t.marginCapBps || uint256(t.baseRateBps) + t.marginCapBps > MAX_RATE_BPS) {
            _invalid("margin");
        }
        uint16 previous = 0;
        for (uint256 k; k < 4; ++k) {
            uint16 limit = t.pdLimitsBps[k];
            if (limit == 0 && k != 0) break;
            if (limit > MAX_RATE_BPS || (k != 0 && limit <= previous) || (k == 0 && limit == 0)) _invalid("pdLimits");
            uint16 m = t.marginsBps[k];
            if (m < t.marginFloorBps || m > t.marginCapBps) _invalid("margins");
            previous = limit;
        }
        if (t.maxRepricingStepBps == 0 || t.maxRepricingStepBps > MAX_REPRICING_STEP_BPS) _invalid("repricingStep");
        if (t.minRepricingInterval < MIN_REPRICING_INTERVAL) _invalid("repricingInterval");
        if (t.ratchetStepBps > MAX_RATCHET_STEP_BPS || (t.kpiTargetWh == 0) != (t.ratchetStepBps == 0)) {
            _invalid("ratchet");
        }
        if (t.kpiTargetWh >= MAX_AMOUNT) _invalid("kpiTarget");
        if (t.lateInterestBps > MAX_LATE_INTEREST_BPS) _invalid("lateInterest");
        if (t.arrangementFeeBps > MAX_ARRANGEMENT_FEE_BPS) _invalid("arrangementFee");
    }

    function _validateCovenants(IGreenLoan.Terms calldata t) private pure {
        if (t.observationGrace < MIN_OBSERVATION_GRACE || t.observationGrace > t.periodLength) {
            _invalid("observationGrace");
        }
        if (t.tariffPerMWh >= MAX_AMOUNT) _invalid("tariff");
        if (t.opexPerPeriod >= MAX_AMOUNT) _invalid("opex");
        if (t.defaultDscrBps > t.lockupDscrBps) _invalid("dscr");
        if (t.defaultPeriods == 0 || t.defaultPeriods > MAX_DEFAULT_PERIODS) _invalid("defaultPeriods");
    }

    function _validateTranches(IGreenLoan.Terms calldata t) private pure {
        uint256 sum = 0;
        for (uint256 k; k < 4; ++k) {
            if (t.trancheThresholdsWh[k] >= MAX_AMOUNT) _invalid("trancheThresholds");
            if (t.trancheAmounts[k] > MAX_COMMITMENT) _invalid("tranches");
            sum += t.trancheAmounts[k]; // ≤ 4 × 2^96: no overflow
        }
        if (sum != t.commitment) _invalid("tranches");
    }

    function _invalid(bytes32 field) private pure {
        revert IGreenLoan.LoanInvalidTerms(field);
    }
}
