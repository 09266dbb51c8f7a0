// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {vm} from "../lib/Vm.sol";
import {LoanWorld} from "../lib/LoanWorld.sol";
import {GreenLoan} from "../../../contracts/loan/GreenLoan.sol";
import {IGreenLoan} from "../../../contracts/interfaces/IGreenLoan.sol";

/// @title LoanTermsTest
/// @notice The term bounds of docs/loans.md ("Terms and units"), through the factory and, for the parties the
/// factory's compliance checks refuse first, through a fresh clone's `initialize`: each bad field reverts
/// LoanInvalidTerms(its name) and creates nothing, and every bound is inclusive where the table says so.
contract LoanTermsTest is LoanWorld {
    /// Rule: each field out of bounds is named (the first one, in the table's order).
    function test_every_term_bound_is_named() public {
        IGreenLoan.Terms memory t;
        t = _terms(); t.commitment = 0; _refused(t, "commitment");
        t = _terms(); t.commitment = 2 ** 96; _refused(t, "commitment"); // commitments stay below 2^96
        t = _terms(); t.periodLength = 0; _refused(t, "periodLength");
        t = _terms(); t.periodLength = 1 days + 1; _refused(t, "periodLength"); // whole days
        t = _terms(); t.periodLength = 367 days; _refused(t, "periodLength");
        t = _terms(); t.periods = 0; _refused(t, "periods");
        t = _terms(); t.periods = 121; _refused(t, "periods");
        t = _terms(); t.startDate = uint64(2 ** 40); _refused(t, "startDate");
        t = _terms(); t.availabilityEnd = uint64(block.timestamp); _refused(t, "availabilityEnd"); // after now
        t = _terms(); t.availabilityEnd = t.startDate + 12 * PERIOD + 1; _refused(t, "availabilityEnd"); // ≤ maturity
        t = _terms(); t.availabilityEnd = uint64(2 ** 40); _refused(t, "availabilityEnd");
        t = _terms(); t.marginFloorBps = 900; _refused(t, "margin"); // floor > cap
        t = _terms(); t.baseRateBps = 9_201; _refused(t, "margin"); // base + cap > 10000
        t = _terms(); t.pdLimitsBps[0] = 0; _refused(t, "pdLimits");
        t = _terms(); t.pdLimitsBps[1] = 300; _refused(t, "pdLimits"); // not ascending
        t = _terms(); t.pdLimitsBps[3] = 10_001; _refused(t, "pdLimits");
        t = _terms(); t.marginsBps[2] = 900; _refused(t, "margins"); // above the cap
        t = _terms(); t.marginsBps[0] = 50; _refused(t, "margins"); // below the floor
        t = _terms(); t.maxRepricingStepBps = 0; _refused(t, "repricingStep");
        t = _terms(); t.maxRepricingStepBps = 1_001; _refused(t, "repricingStep");
        t = _terms(); t.minRepricingInterval = 1 days - 1; _refused(t, "repricingInterval");
        t = _terms(); t.ratchetStepBps = 10; _refused(t, "ratchet"); // a step without a target
        t = _terms(); t.kpiTargetWh = 1; _refused(t, "ratchet"); // a target without a step
        t = _terms(); t.kpiTargetWh = 1; t.ratchetStepBps = 501; _refused(t, "ratchet");
        t = _terms(); t.kpiTargetWh = 2 ** 128; t.ratchetStepBps = 10; _refused(t, "kpiTarget");
        t = _terms(); t.lateInterestBps = 2_001; _refused(t, "lateInterest");
        t = _terms(); t.arrangementFeeBps = 501; _refused(t, "arrangementFee");
        t = _terms(); t.observationGrace = 1 hours - 1; _refused(t, "observationGrace");
        t = _terms(); t.observationGrace = PERIOD + 1; _refused(t, "observationGrace");
        t = _terms(); t.tariffPerMWh = 2 ** 128; _refused(t, "tariff");
        t = _terms(); t.opexPerPeriod = 2 ** 128; _refused(t, "opex");
        t = _terms(); t.defaultDscrBps = 12_001; _refused(t, "dscr"); // above the lock-up level
        t = _terms(); t.defaultPeriods = 0; _refused(t, "defaultPeriods");
        t = _terms(); t.defaultPeriods = 13; _refused(t, "defaultPeriods");
        t = _terms(); t.trancheAmounts[1] = 2 ** 96 + 1; _refused(t, "tranches");
        t = _terms(); t.trancheAmounts[1] = 1; _refused(t, "tranches"); // Σ ≠ commitment
        t = _terms(); t.trancheThresholdsWh[2] = 2 ** 128; _refused(t, "trancheThresholds");
        vm.assertEq(factory.loanCount(), 0, "nothing created");
    }

    /// Rule: the parties are non-zero and different (`borrower`, `lender`). The factory refuses such parties by
    /// their registry standing first, so the bound is shown on a registered clone's own `initialize`.
    function test_parties_are_non_zero_and_different() public {
        _refusedParties(address(0), lender, "borrower");
        _refusedParties(borrower, borrower, "borrower");
        _refusedParties(borrower, address(0), "lender");
    }

    /// Rule: every bound is inclusive where the table says ≤ (and the list of buckets may use all four): terms at
    /// every limit at once are accepted.
    function test_terms_at_every_limit_are_accepted() public {
        IGreenLoan.Terms memory t = _terms();
        t.commitment = 2 ** 96 - 1;
        t.trancheAmounts = [uint256(2 ** 94), 2 ** 94, 2 ** 94, 2 ** 94 - 1];
        t.trancheThresholdsWh = [uint256(0), 1, 2, 2 ** 128 - 1];
        t.periodLength = 366 days;
        t.periods = 120;
        t.availabilityEnd = t.startDate + 120 * uint64(366 days);
        t.baseRateBps = 2_000;
        t.marginFloorBps = 0;
        t.marginCapBps = 8_000;
        t.pdLimitsBps = [uint16(1), 2, 3, 10_000];
        t.marginsBps = [uint16(0), 100, 1_000, 8_000];
        t.maxRepricingStepBps = 1_000;
        t.minRepricingInterval = 1 days;
        t.ratchetStepBps = 500;
        t.kpiTargetWh = 2 ** 128 - 1;
        t.observationGrace = 366 days;
        t.tariffPerMWh = 2 ** 128 - 1;
        t.opexPerPeriod = 2 ** 128 - 1;
        t.lockupDscrBps = 10_000;
        t.defaultDscrBps = 10_000;
        t.defaultPeriods = 12;
        t.lateInterestBps = 2_000;
        t.arrangementFeeBps = 500;
        GreenLoan loan = _proposed(t);
        vm.assertEq(loan.terms().commitment, 2 ** 96 - 1, "accepted");
        vm.assertEq(uint256(loan.marginForScore(10_000)), 8_000, "the fourth bucket is used");

        t = _terms();
        t.observationGrace = 1 hours;
        t.availabilityEnd = t.startDate + 12 * PERIOD; // the availability may run to maturity
        vm.assertEq(_proposed(t).terms().observationGrace, 1 hours, "the shortest grace");
    }

    /// Rule: a 0 limit after the first ends the list of buckets: what follows it is neither checked nor used.
    function test_a_zero_limit_ends_the_bucket_list() public {
        IGreenLoan.Terms memory t = _terms();
        t.pdLimitsBps = [uint16(300), 0, 5, 0];
        t.marginsBps = [uint16(200), 0, 9_999, 0];
        GreenLoan loan = _proposed(t);
        vm.assertEq(uint256(loan.marginForScore(300)), 200, "the only bucket");
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanScoreAboveLimit.selector, 301, 300));
        loan.marginForScore(301);
    }

    function _refused(IGreenLoan.Terms memory t, bytes32 field) private {
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanInvalidTerms.selector, field));
        vm.prank(borrower);
        factory.createLoan(t, lender);
    }

    function _refusedParties(address borrower_, address lender_, bytes32 field) private {
        GreenLoan clone = GreenLoan(Clones.clone(address(implementation)));
        attribution.grantRole(attribution.REGISTRAR_ROLE(), admin);
        attribution.registerInstrument(address(clone));
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanInvalidTerms.selector, field));
        clone.initialize(_terms(), borrower_, lender_);
    }
}
