// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Actors} from "../../lib/Actors.sol";
import {InvariantTest} from "../../lib/InvariantTest.sol";
import {LoanHandler} from "./LoanHandler.sol";
import {GreenLoan} from "../../../../contracts/loan/GreenLoan.sol";
import {GreenLoanFactory} from "../../../../contracts/loan/GreenLoanFactory.sol";
import {SettlementToken} from "../../../../contracts/token/SettlementToken.sol";
import {ParticipantRegistry} from "../../../../contracts/registry/ParticipantRegistry.sol";
import {MockProjectRegistry} from "../../../../contracts/mocks/MockProjectRegistry.sol";
import {MockMonitoringReportsForBonds} from "../../../../contracts/mocks/MockMonitoringReportsForBonds.sol";
import {MockRiskOracle} from "../../../../contracts/mocks/MockRiskOracle.sol";
import {ImpactAttribution} from "../../../../contracts/finance/ImpactAttribution.sol";
import {IParticipantRegistry} from "../../../../contracts/interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../../../../contracts/interfaces/IProjectRegistry.sol";
import {IGreenLoan} from "../../../../contracts/interfaces/IGreenLoan.sol";

/// @title LoanSetup
/// @notice The loan suite's world: one quarterly, amortising, KPI-linked GreenLoan facility cloned by the real
/// factory, with the real registry, settlement token and attribution; the project, verified output and risk
/// score from the test doubles; the borrower (a project developer), the lender (a bank), an outsider.
abstract contract LoanSetup is InvariantTest {
    uint256 internal constant COMMITMENT = 1_000_000e6 + 7; // odd, so a rounding drift would show

    GreenLoan internal loan;
    SettlementToken internal token;
    LoanHandler internal handler;

    function setUp() public {
        address regulator = Actors.make("regulator");
        ParticipantRegistry registry = Actors.registry(address(this), regulator);
        token = new SettlementToken("Settlement", "eCNY", registry, address(this), address(this));
        MockProjectRegistry projects = new MockProjectRegistry();
        MockMonitoringReportsForBonds reports = new MockMonitoringReportsForBonds();
        MockRiskOracle oracle = new MockRiskOracle();
        ImpactAttribution attribution = new ImpactAttribution(reports, address(this), 1e6, 0);
        GreenLoanFactory factory =
            new GreenLoanFactory(registry, address(new GreenLoan(registry, token, projects, attribution, oracle)));
        attribution.grantRole(attribution.REGISTRAR_ROLE(), address(factory));

        address[] memory actors = new address[](3);
        actors[0] = Actors.make("borrower");
        actors[1] = Actors.make("lender");
        actors[2] = Actors.make("outsider");
        Actors.enrol(registry, regulator, actors[0], IParticipantRegistry.Kind.ProjectDeveloper);
        Actors.enrol(registry, regulator, actors[1], IParticipantRegistry.Kind.Bank);
        projects.setProject(1, actors[0], IProjectRegistry.ProjectStatus.Active);
        oracle.setScore(actors[0], 250, 1);

        vm_prank(actors[0]);
        (, address at) = factory.createLoan(_terms(), actors[1]);
        loan = GreenLoan(at);
        for (uint256 i; i < 2; ++i) {
            token.mint(actors[i], 1e24);
            vm_prank(actors[i]);
            token.approve(at, type(uint256).max);
        }
        handler = new LoanHandler(loan, token, registry, reports, oracle, actors[0], actors[1], regulator, actors);
        bytes4[] memory selectors = new bytes4[](14);
        selectors[0] = handler.approve.selector;
        selectors[1] = handler.draw.selector;
        selectors[2] = handler.repay.selector;
        selectors[3] = handler.withdraw.selector;
        selectors[4] = handler.cancelCommitment.selector;
        selectors[5] = handler.cancel.selector;
        selectors[6] = handler.observe.selector;
        selectors[7] = handler.impair.selector;
        selectors[8] = handler.callLoan.selector;
        selectors[9] = handler.writeOff.selector;
        selectors[10] = handler.addOutput.selector;
        selectors[11] = handler.warp.selector;
        selectors[12] = handler.toggleFreeze.selector;
        selectors[13] = handler.togglePause.selector;
        _target(address(handler), selectors);
    }

    /// @dev Eight quarters from now, drawable for two, 3 % + a 200 bps margin, 2 % late interest, 0.5 % fee.
    function _terms() private view returns (IGreenLoan.Terms memory t) {
        t.projectId = 1;
        t.commitment = COMMITMENT;
        t.startDate = uint64(block.timestamp);
        t.periodLength = 91 days;
        t.periods = 8;
        t.availabilityEnd = uint64(block.timestamp + 182 days);
        t.baseRateBps = 300;
        t.pdLimitsBps[0] = 1_000;
        t.marginsBps[0] = 200;
        t.marginFloorBps = 100;
        t.marginCapBps = 400;
        t.maxRepricingStepBps = 50;
        t.minRepricingInterval = 30 days;
        t.ratchetStepBps = 25;
        t.kpiTargetWh = 400_000_000;
        t.observationGrace = 10 days;
        t.tariffPerMWh = 300e6;
        t.opexPerPeriod = 40_000e6;
        t.lockupDscrBps = 12_000;
        t.defaultDscrBps = 10_000;
        t.defaultPeriods = 2;
        t.lateInterestBps = 200;
        t.arrangementFeeBps = 50;
        t.trancheAmounts[0] = COMMITMENT;
    }

    function vm_prank(address who) private {
        _vm().prank(who);
    }

    function _vm() private pure returns (VmPrank) {
        return VmPrank(address(uint160(uint256(keccak256("hevm cheat code")))));
    }

    /// @notice After each run: how many calls of each entry point were accepted and refused (-vv).
    function afterInvariant() public view {
        handler.logCensus();
    }
}

interface VmPrank {
    function prank(address) external;
}
