// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../lib/Vm.sol";
import {Actors} from "../lib/Actors.sol";
import {GreenLoan} from "../../../contracts/loan/GreenLoan.sol";
import {GreenLoanFactory} from "../../../contracts/loan/GreenLoanFactory.sol";
import {SettlementToken} from "../../../contracts/token/SettlementToken.sol";
import {ParticipantRegistry} from "../../../contracts/registry/ParticipantRegistry.sol";
import {MockProjectRegistry} from "../../../contracts/mocks/MockProjectRegistry.sol";
import {MockMonitoringReportsForBonds} from "../../../contracts/mocks/MockMonitoringReportsForBonds.sol";
import {MockRiskOracle} from "../../../contracts/mocks/MockRiskOracle.sol";
import {ImpactAttribution} from "../../../contracts/finance/ImpactAttribution.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../../../contracts/interfaces/IProjectRegistry.sol";
import {IGreenLoan} from "../../../contracts/interfaces/IGreenLoan.sol";
import {IGreenLoanFactory} from "../../../contracts/interfaces/IGreenLoanFactory.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title LoanUnit
/// @notice The loan paths the money suite does not drive: every term bound (LoanInvalidTerms names the field),
/// the factory's views and refusals, repricing with its bounded step, the bucket and period views, and the
/// implementation's refusal to be initialized, the Ledger's 128-bit totals. Each refusal is checked for its exact
/// error.
contract LoanUnit {
    GreenLoanFactory internal factory;
    SettlementToken internal token;
    MockRiskOracle internal risk;
    address internal borrower;
    address internal lender;
    GreenLoan internal implementation;

    function setUp() public {
        vm.warp(1_800_000_000);
        address regulator = Actors.make("regulator");
        ParticipantRegistry registry = Actors.registry(address(this), regulator);
        token = new SettlementToken("Settlement", "eCNY", registry, address(this), address(this));
        ImpactAttribution attribution = new ImpactAttribution(new MockMonitoringReportsForBonds(), address(this), 1, 0);
        MockProjectRegistry projects = new MockProjectRegistry();
        risk = new MockRiskOracle();
        implementation = new GreenLoan(registry, token, projects, attribution, risk);
        factory = new GreenLoanFactory(registry, address(implementation));
        attribution.grantRole(attribution.REGISTRAR_ROLE(), address(factory));
        borrower = Actors.make("borrower");
        lender = Actors.make("lender");
        Actors.enrol(registry, regulator, borrower, IParticipantRegistry.Kind.Enterprise);
        Actors.enrol(registry, regulator, lender, IParticipantRegistry.Kind.Bank);
        projects.setProject(1, borrower, IProjectRegistry.ProjectStatus.Active);
        risk.setScore(borrower, 250, 1);
        token.mint(lender, 1e30);
    }

    function _terms() internal view returns (IGreenLoan.Terms memory t) {
        t.projectId = 1;
        t.commitment = 1_000_000e6;
        t.startDate = uint64(block.timestamp);
        t.periodLength = 30 days;
        t.periods = 12;
        t.availabilityEnd = uint64(block.timestamp + 90 days);
        t.baseRateBps = 300;
        t.pdLimitsBps = [uint16(300), 800, 1500, 0];
        t.marginsBps = [uint16(200), 350, 500, 0];
        t.marginFloorBps = 100;
        t.marginCapBps = 800;
        t.maxRepricingStepBps = 100;
        t.minRepricingInterval = 1 days;
        t.observationGrace = 1 days;
        t.lockupDscrBps = 12_000;
        t.defaultDscrBps = 10_000;
        t.defaultPeriods = 2;
        t.trancheAmounts[0] = 1_000_000e6;
    }

    function _expectInvalid(IGreenLoan.Terms memory t, bytes32 field) internal {
        vm.prank(borrower);
        try factory.createLoan(t, lender) {
            revert(string.concat("accepted bad terms: ", string(abi.encodePacked(field))));
        } catch (bytes memory err) {
            vm.assertEq(keccak256(err), keccak256(abi.encodeWithSelector(IGreenLoan.LoanInvalidTerms.selector, field)), "wrong refusal");
        }
    }

    function test_everyTermBoundIsNamed() public {
        IGreenLoan.Terms memory t;
        t = _terms(); t.commitment = 0; _expectInvalid(t, "commitment");
        t = _terms(); t.commitment = 2 ** 96; _expectInvalid(t, "commitment"); // commitments stay below 2^96
        t = _terms(); t.availabilityEnd = uint64(2 ** 40); _expectInvalid(t, "availabilityEnd");
        t = _terms(); t.periodLength = 1 days + 1; _expectInvalid(t, "periodLength");
        t = _terms(); t.periods = 121; _expectInvalid(t, "periods");
        t = _terms(); t.startDate = uint64(2 ** 40); _expectInvalid(t, "startDate");
        t = _terms(); t.availabilityEnd = uint64(block.timestamp); _expectInvalid(t, "availabilityEnd");
        t = _terms(); t.marginFloorBps = 900; _expectInvalid(t, "margin");
        t = _terms(); t.pdLimitsBps[0] = 0; _expectInvalid(t, "pdLimits");
        t = _terms(); t.pdLimitsBps[1] = 300; _expectInvalid(t, "pdLimits");
        t = _terms(); t.pdLimitsBps[3] = 10_001; _expectInvalid(t, "pdLimits");
        t = _terms(); t.marginsBps[2] = 900; _expectInvalid(t, "margins");
        t = _terms(); t.maxRepricingStepBps = 0; _expectInvalid(t, "repricingStep");
        t = _terms(); t.minRepricingInterval = 1; _expectInvalid(t, "repricingInterval");
        t = _terms(); t.ratchetStepBps = 10; _expectInvalid(t, "ratchet");
        t = _terms(); t.kpiTargetWh = 2 ** 128; t.ratchetStepBps = 10; _expectInvalid(t, "kpiTarget");
        t = _terms(); t.lateInterestBps = 2_001; _expectInvalid(t, "lateInterest");
        t = _terms(); t.arrangementFeeBps = 501; _expectInvalid(t, "arrangementFee");
        t = _terms(); t.observationGrace = 60; _expectInvalid(t, "observationGrace");
        t = _terms(); t.tariffPerMWh = 2 ** 128; _expectInvalid(t, "tariff");
        t = _terms(); t.opexPerPeriod = 2 ** 128; _expectInvalid(t, "opex");
        t = _terms(); t.defaultDscrBps = 13_000; _expectInvalid(t, "dscr");
        t = _terms(); t.defaultPeriods = 13; _expectInvalid(t, "defaultPeriods");
        t = _terms(); t.trancheAmounts[1] = 2 ** 97; _expectInvalid(t, "tranches");
        t = _terms(); t.trancheAmounts[1] = 1; _expectInvalid(t, "tranches");
        t = _terms(); t.trancheThresholdsWh[2] = 2 ** 128; _expectInvalid(t, "trancheThresholds");
    }

    function test_factoryViewsAndRefusals() public {
        vm.prank(borrower);
        (uint256 id, address loan) = factory.createLoan(_terms(), lender);
        vm.assertEq(id, 1, "first id");
        vm.assertEq(factory.loanOf(1), loan, "loanOf");
        vm.assertEq(factory.loanCount(), 1, "loanCount");
        vm.assertEq(factory.implementation(), address(implementation), "implementation");
        try factory.loanOf(2) {
            revert("unknown id accepted");
        } catch (bytes memory err) {
            vm.assertEq(keccak256(err), keccak256(abi.encodeWithSelector(IGreenLoanFactory.LoanUnknownId.selector, 2)), "unknown id");
        }
        try new GreenLoanFactory(implementation.registry(), address(0)) {
            revert("zero implementation accepted");
        } catch (bytes memory err) {
            vm.assertEq(keccak256(err), keccak256(abi.encodeWithSelector(IGreenLoanFactory.LoanImplementationZeroAddress.selector)), "zero");
        }
        try implementation.initialize(_terms(), borrower, lender) {
            revert("implementation initialized");
        } catch (bytes memory err) {
            vm.assertEq(keccak256(err), keccak256(abi.encodeWithSelector(IGreenLoan.LoanAlreadyInitialized.selector)), "initialized");
        }
        GreenLoan g = GreenLoan(loan);
        vm.assertEq(g.borrower(), borrower, "borrower");
        vm.assertEq(g.lender(), lender, "lender");
        vm.assertEq(uint256(g.terms().periods), 12, "terms");
        vm.assertEq(uint256(g.marginForScore(800)), 350, "bucket 2");
        try g.marginForScore(1501) {
            revert("score above the buckets accepted");
        } catch (bytes memory err) {
            vm.assertEq(keccak256(err), keccak256(abi.encodeWithSelector(IGreenLoan.LoanScoreAboveLimit.selector, 1501, 1500)), "above");
        }
        vm.assertEq(uint256(g.periodEnd(12)), block.timestamp + 360 days, "maturity");
        try g.periodEnd(13) {
            revert("period 13 accepted");
        } catch (bytes memory err) {
            vm.assertEq(keccak256(err), keccak256(abi.encodeWithSelector(IGreenLoan.LoanUnknownPeriod.selector, 13)), "period");
        }
        try g.scheduledPrincipal(0) {
            revert("period 0 accepted");
        } catch (bytes memory err) {
            vm.assertEq(keccak256(err), keccak256(abi.encodeWithSelector(IGreenLoan.LoanUnknownPeriod.selector, 0)), "period 0");
        }
        vm.assertEq(g.withdrawable(address(this)), 0, "a stranger has nothing");
    }

    function test_repricingMovesByTheBoundedStepFromANewerScoreOnly() public {
        vm.prank(borrower);
        (, address at) = factory.createLoan(_terms(), lender);
        GreenLoan g = GreenLoan(at);
        vm.prank(lender);
        token.approve(at, type(uint256).max);
        vm.prank(lender);
        g.approve();
        vm.assertEq(uint256(g.pricing().rateBps), 500, "priced at base + bucket 1");
        vm.warp(block.timestamp + 2 days);
        risk.setScore(borrower, 1_400, 2); // bucket 3: 500 bps, 300 away
        g.reprice();
        IGreenLoan.Pricing memory p = g.pricing();
        vm.assertEq(uint256(p.creditMarginBps), 300, "one bounded step");
        vm.assertEq(uint256(p.modelVersion), 2, "model recorded");
        vm.warp(block.timestamp + 2 days);
        risk.setScore(borrower, 100, 2); // bucket 1: back down, 100 per repricing
        g.reprice();
        vm.assertEq(uint256(g.pricing().creditMarginBps), 200, "down one step");
        vm.assertEq(uint256(g.pricing().rateBps), 500, "rate follows");
        try g.reprice() {
            revert("early repricing accepted");
        } catch (bytes memory err) {
            vm.assertEq(bytes32(bytes4(err)), bytes32(IGreenLoan.LoanRepricingTooEarly.selector), "too early");
        }
    }

    /// @dev The Ledger's uint128 totals (docs/loans.md, "Money law"): a write-off that keeps written-off below 2^128
    /// is recorded exactly; one that would pass it reverts SafeCastOverflowedUintDowncast and changes nothing.
    function test_ledgerTotalsPast128BitsRevertAndChangeNothing() public {
        GreenLoan below = _calledAtMaximumRate();
        GreenLoan beyond = _calledAtMaximumRate();
        vm.warp(block.timestamp + 2e9 * 365 days); // ~1.1 x 2^95 a year: ~2^126.4 owed
        uint256 owed = below.debt().total;
        vm.assertLe(owed, type(uint128).max, "still representable");
        vm.prank(lender);
        below.writeOff();
        vm.assertEq(below.ledger().writtenOff, owed, "written off exactly");
        vm.warp(block.timestamp + 8e9 * 365 days); // ~2^128.4 owed
        vm.assertGe(beyond.debt().total, uint256(type(uint128).max) + 1, "past 128 bits");
        vm.prank(lender);
        try beyond.writeOff() {
            revert("a write-off past 2^128 was recorded");
        } catch (bytes memory err) {
            vm.assertEq(bytes32(bytes4(err)), bytes32(SafeCast.SafeCastOverflowedUintDowncast.selector), "named error");
        }
        vm.assertEq(uint256(beyond.state()), uint256(IGreenLoan.State.Defaulted), "state unchanged");
        vm.assertEq(beyond.ledger().writtenOff, 0, "nothing written off");
    }

    /// @dev A facility of 2^95 at base 9000 + margin 200 bps and 2000 bps late interest, fully drawn, impaired
    /// after maturity and called: everything is overdue and accrues ~1.1 x principal a year.
    function _calledAtMaximumRate() internal returns (GreenLoan g) {
        IGreenLoan.Terms memory t = _terms();
        t.commitment = 2 ** 95;
        t.trancheAmounts[0] = 2 ** 95;
        t.baseRateBps = 9_000;
        t.lateInterestBps = 2_000;
        vm.prank(borrower);
        (, address at) = factory.createLoan(t, lender);
        g = GreenLoan(at);
        vm.prank(lender);
        token.approve(at, type(uint256).max);
        vm.prank(lender);
        g.approve();
        vm.prank(borrower);
        g.draw(2 ** 95);
        vm.warp(uint256(t.startDate) + uint256(t.periods) * t.periodLength + 1 days);
        vm.prank(lender);
        g.impair();
        vm.prank(lender);
        g.callLoan();
    }
}
