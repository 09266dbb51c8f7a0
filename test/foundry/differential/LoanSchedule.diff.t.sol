// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../lib/Vm.sol";
import {Actors} from "../lib/Actors.sol";
import {Vectors} from "../lib/Vectors.sol";
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

/// @title LoanScheduleDifferential
/// @notice GreenLoan's interest (Actual/365F, exact numerator, late interest on the overdue amount), fees, the
/// waterfall and the principal schedule against the plain Python reference greenfi/domain/loans.py
/// (tools/forge_vectors.py), 10,000 random facilities: amortising or bullet, 1-120 periods of 1-366 days,
/// commitments up to 2^96, base + margin up to 100 %, late interest up to 20 %, fees up to 5 %; each drawn once,
/// repaid once (nothing, one unit, the overdue, the fees or a random part of the debt) and read at a later time
/// (up to twice the tenor past maturity); plus one period's scheduled principal.
contract LoanScheduleDifferential {
    uint256 private constant BASE = 2_000_000_000; // tools/forge_vectors.py LOAN_BASE

    struct TermsCase {
        uint8 repayment;
        uint16 periods;
        uint32 periodLength;
        uint256 commitment;
        uint16 baseRateBps;
        uint16 marginBps;
        uint16 lateBps;
        uint16 feeBps;
        uint64 startDate;
    }

    struct Times {
        uint64 drawAt;
        uint256 draw;
        uint64 repayAt;
        uint256 repay;
        uint64 queryAt;
        uint256 period;
    }

    struct Expected {
        uint256 principal;
        uint256 fees;
        uint256 interest;
        uint256 overdue;
        uint256 scheduled;
    }

    struct LoanCase {
        TermsCase terms;
        Times times;
        Expected expected;
    }

    GreenLoanFactory internal factory;
    SettlementToken internal token;
    MockRiskOracle internal risk;
    address internal borrower;
    address internal lender;
    MockProjectRegistry internal projects;
    uint256 internal serial; // one project per facility: each claims up to 2^96 of its project's output

    function setUp() public {
        vm.warp(BASE);
        address regulator = Actors.make("regulator");
        ParticipantRegistry registry = Actors.registry(address(this), regulator);
        token = new SettlementToken("Settlement", "eCNY", registry, address(this), address(this));
        ImpactAttribution attribution = new ImpactAttribution(new MockMonitoringReportsForBonds(), address(this), 1, 0);
        projects = new MockProjectRegistry();
        risk = new MockRiskOracle();
        GreenLoan implementation = new GreenLoan(registry, token, projects, attribution, risk);
        factory = new GreenLoanFactory(registry, address(implementation));
        attribution.grantRole(attribution.REGISTRAR_ROLE(), address(factory));
        borrower = Actors.make("borrower");
        lender = Actors.make("lender");
        // KYC for a millennium: the cases run up to 480 years past the base time
        vm.startPrank(regulator);
        registry.register(borrower, IParticipantRegistry.Kind.ProjectDeveloper, "CN", uint64(BASE + 1000 * 365 days));
        registry.register(lender, IParticipantRegistry.Kind.Bank, "CN", uint64(BASE + 1000 * 365 days));
        vm.stopPrank();
        token.mint(lender, type(uint128).max);
        token.mint(borrower, 2 ** 200); // repayments of all 10,000 cases come out of one balance
    }

    function test_debtAndScheduleMatchPython() public {
        for (uint256 chunk; chunk < Vectors.CHUNKS; ++chunk) {
            this.checkLoans(chunk);
        }
    }

    function checkLoans(uint256 chunk) external {
        LoanCase[] memory cases = abi.decode(Vectors.load("loans", chunk), (LoanCase[]));
        for (uint256 i; i < cases.length; ++i) {
            _check(cases[i]);
        }
    }

    function _check(LoanCase memory c) private {
        vm.warp(BASE);
        risk.setScore(borrower, 100, 1);
        projects.setProject(++serial, borrower, IProjectRegistry.ProjectStatus.Active);
        vm.prank(borrower);
        (, address at) = factory.createLoan(_terms(c.terms, serial), lender);
        GreenLoan loan = GreenLoan(at);
        vm.prank(lender);
        token.approve(at, type(uint256).max);
        vm.prank(borrower);
        token.approve(at, type(uint256).max);
        vm.prank(lender);
        loan.approve();
        vm.warp(c.times.drawAt);
        risk.setScore(borrower, 100, 1);
        vm.prank(borrower);
        loan.draw(c.times.draw);
        if (c.times.repay != 0) {
            vm.warp(c.times.repayAt);
            vm.prank(borrower);
            loan.repay(c.times.repay);
        }
        vm.warp(c.times.queryAt);
        IGreenLoan.Debt memory d = loan.debt();
        vm.assertEq(d.principal, c.expected.principal, "principal differs from the reference");
        vm.assertEq(d.fees, c.expected.fees, "fees differ from the reference");
        vm.assertEq(d.interest, c.expected.interest, "interest differs from the reference");
        vm.assertEq(d.overdue, c.expected.overdue, "overdue differs from the reference");
        vm.assertEq(loan.scheduledPrincipal(c.times.period), c.expected.scheduled, "schedule differs from the reference");
    }

    function _terms(TermsCase memory c, uint256 projectId) private pure returns (IGreenLoan.Terms memory t) {
        t.projectId = projectId;
        t.commitment = c.commitment;
        t.startDate = c.startDate;
        t.periodLength = c.periodLength;
        t.periods = c.periods;
        t.availabilityEnd = uint64(c.startDate + uint256(c.periods) * c.periodLength);
        t.repayment = IGreenLoan.Repayment(c.repayment);
        t.baseRateBps = c.baseRateBps;
        t.pdLimitsBps[0] = 10_000;
        t.marginsBps[0] = c.marginBps;
        t.marginCapBps = c.marginBps;
        t.maxRepricingStepBps = 1;
        t.minRepricingInterval = 1 days;
        t.observationGrace = 1 days;
        t.defaultPeriods = 1;
        t.lateInterestBps = c.lateBps;
        t.arrangementFeeBps = c.feeBps;
        t.trancheAmounts[0] = c.commitment;
    }
}
