// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "./Vm.sol";
import {UnitTest} from "./UnitTest.sol";
import {GreenLoan} from "../../../contracts/loan/GreenLoan.sol";
import {GreenLoanFactory} from "../../../contracts/loan/GreenLoanFactory.sol";
import {SettlementToken} from "../../../contracts/token/SettlementToken.sol";
import {ImpactAttribution} from "../../../contracts/finance/ImpactAttribution.sol";
import {ModelRegistry} from "../../../contracts/ai/ModelRegistry.sol";
import {RiskOracle} from "../../../contracts/ai/RiskOracle.sol";
import {MockProjectRegistry} from "../../../contracts/mocks/MockProjectRegistry.sol";
import {MockMonitoringReportsForBonds} from "../../../contracts/mocks/MockMonitoringReportsForBonds.sol";
import {IModelRegistry} from "../../../contracts/interfaces/IModelRegistry.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../../../contracts/interfaces/IProjectRegistry.sol";
import {IGreenLoan} from "../../../contracts/interfaces/IGreenLoan.sol";

/// @title LoanWorld
/// @notice The loan unit tests' world: the real registry, settlement token, ImpactAttribution, factory and AI
/// decision ledger (ModelRegistry + RiskOracle, so the score errors are the oracle's own: NoScore, ScoreStale,
/// ScoreExpired, ModelNotApproved); project 1 (active, developed by the borrower) and its verified output from
/// the reports test double. `_terms` is a monthly 12-period amortising facility of 1,000,000 units priced from
/// three PD buckets; `_proposed`, `_approved` and `_active` take a facility that far.
abstract contract LoanWorld is UnitTest {
    uint64 internal constant NOW = 1_800_000_000;
    uint64 internal constant MAX_AGE = 30 days;
    uint256 internal constant COMMITMENT = 1_000_000e6;
    uint32 internal constant PERIOD = 30 days;
    /// @dev Interest numerator units per base unit (docs/loans.md: Actual/365F, 10000 × 31,536,000).
    uint256 internal constant DENOMINATOR = 10_000 * 365 days;
    bytes32 internal constant INPUT = keccak256("features");
    bytes32 internal constant WHY = keccak256("explanation");

    SettlementToken internal token;
    MockProjectRegistry internal projects;
    MockMonitoringReportsForBonds internal reports;
    ImpactAttribution internal attribution;
    ModelRegistry internal models;
    RiskOracle internal oracle;
    GreenLoan internal implementation;
    GreenLoanFactory internal factory;
    uint256 internal modelVersion;

    address internal borrower;
    address internal lender;
    address internal operator;
    address internal auditor;
    address internal stranger;

    function setUp() public virtual {
        vm.warp(NOW);
        _deployRegistry();
        token = new SettlementToken("Settlement", "eCNY", registry, admin, admin);
        projects = new MockProjectRegistry();
        reports = new MockMonitoringReportsForBonds();
        attribution = new ImpactAttribution(reports, admin, 1, 0);
        models = new ModelRegistry(registry, admin);
        oracle = new RiskOracle(registry, models, admin, MAX_AGE);
        implementation = new GreenLoan(registry, token, projects, attribution, oracle);
        factory = new GreenLoanFactory(registry, address(implementation));
        attribution.grantRole(attribution.REGISTRAR_ROLE(), address(factory));

        borrower = _enrolled("borrower", IParticipantRegistry.Kind.Enterprise);
        lender = _enrolled("lender", IParticipantRegistry.Kind.Bank);
        operator = _enrolled("operator", IParticipantRegistry.Kind.OracleOperator);
        auditor = _enrolled("auditor", IParticipantRegistry.Kind.Auditor);
        stranger = _enrolled("stranger", IParticipantRegistry.Kind.Enterprise);
        projects.setProject(1, borrower, IProjectRegistry.ProjectStatus.Active);

        models.grantRole(models.MODEL_OPERATOR_ROLE(), operator);
        vm.prank(operator);
        modelVersion = models.registerModel(
            IModelRegistry.ModelSpec(
                keccak256("m"), keccak256("d"), keccak256("f"), keccak256("p"), keccak256("c"),
                IModelRegistry.Metrics(8_000, 4_000, 1_500, 7_500)
            ),
            ""
        );
        vm.prank(auditor);
        models.approve(modelVersion, keccak256("report"));
        oracle.grantRole(oracle.OPERATOR_ROLE(), operator);
        _score(250);

        token.mint(lender, 1e30);
        token.mint(borrower, 1e24);
    }

    /// @dev Posts the borrower's PD `pd` computed now (valid for a year, stale after MAX_AGE).
    function _score(uint16 pd) internal {
        address[] memory subjects = new address[](1);
        subjects[0] = borrower;
        uint16[] memory scores = new uint16[](1);
        scores[0] = pd;
        bytes32[] memory inputs = new bytes32[](1);
        inputs[0] = INPUT;
        bytes32[] memory whys = new bytes32[](1);
        whys[0] = WHY;
        vm.prank(operator);
        oracle.postScores(modelVersion, uint64(block.timestamp), uint64(block.timestamp + 365 days), subjects, scores, inputs, whys);
    }

    /// @dev Monthly, 12 periods from now, amortising; PD ≤ 3 % → 200 bps, ≤ 8 % → 350, ≤ 15 % → 500; base 300 bps;
    /// margin within 100..800; DSCR lock-up 1.20x, default 1.00x twice; no fee, no late interest, no KPI link.
    function _terms() internal view returns (IGreenLoan.Terms memory t) {
        t.projectId = 1;
        t.commitment = COMMITMENT;
        t.startDate = uint64(block.timestamp);
        t.periodLength = PERIOD;
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
        t.trancheAmounts[0] = COMMITMENT;
    }

    /// @dev A facility on `t` proposed by the borrower; both parties allow it to pull their tokens.
    function _proposed(IGreenLoan.Terms memory t) internal returns (GreenLoan loan) {
        vm.prank(borrower);
        (, address at) = factory.createLoan(t, lender);
        loan = GreenLoan(at);
        vm.prank(lender);
        token.approve(at, type(uint256).max);
        vm.prank(borrower);
        token.approve(at, type(uint256).max);
    }

    /// @dev `t`'s facility approved (and funded) by the lender now.
    function _approved(IGreenLoan.Terms memory t) internal returns (GreenLoan loan) {
        loan = _proposed(t);
        vm.prank(lender);
        loan.approve();
    }

    /// @dev `t`'s facility approved, and `amount` drawn, now.
    function _active(IGreenLoan.Terms memory t, uint256 amount) internal returns (GreenLoan loan) {
        loan = _approved(t);
        vm.prank(borrower);
        loan.draw(amount);
    }

    /// @dev Whole base units of interest on `principal` at `rateBps` over `elapsed` seconds (Actual/365F, floored).
    function _interest(uint256 principal, uint256 rateBps, uint256 elapsed) internal pure returns (uint256) {
        return principal * rateBps * elapsed / DENOMINATOR;
    }

    function _expectWrongState(IGreenLoan.State actual) internal {
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanWrongState.selector, actual));
    }

    function _expectUnauthorized(address caller, address expected) internal {
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanUnauthorized.selector, caller, expected));
    }

    function _assertState(GreenLoan loan, IGreenLoan.State expected, string memory message) internal view {
        vm.assertEq(uint256(loan.state()), uint256(expected), message);
    }
}
