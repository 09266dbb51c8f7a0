// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../../lib/Vm.sol";
import {Actors} from "../../lib/Actors.sol";
import {InvariantTest} from "../../lib/InvariantTest.sol";
import {CarbonHandler} from "./CarbonHandler.sol";
import {CarbonCredits} from "../../../../contracts/carbon/CarbonCredits.sol";
import {CarbonMarket} from "../../../../contracts/carbon/CarbonMarket.sol";
import {ProjectRegistry} from "../../../../contracts/carbon/ProjectRegistry.sol";
import {SettlementToken} from "../../../../contracts/token/SettlementToken.sol";
import {ParticipantRegistry} from "../../../../contracts/registry/ParticipantRegistry.sol";
import {MockMonitoringReportsForCarbon} from "../../../../contracts/mocks/MockMonitoringReportsForCarbon.sol";
import {IParticipantRegistry} from "../../../../contracts/interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../../../../contracts/interfaces/IProjectRegistry.sol";

/// @title CarbonSetup
/// @notice The carbon suites' world: the real registry, projects, credits (10 % buffer), market
/// (2.5 % fee) and settlement token; monitoring reports from the test double; two developers with
/// one active green-electricity project each, three traders, an outsider, two treasuries.
abstract contract CarbonSetup is InvariantTest {
    CarbonCredits internal credits;
    CarbonMarket internal market;
    SettlementToken internal token;
    CarbonHandler internal handler;

    function setUp() public {
        address regulator = Actors.make("regulator");
        ParticipantRegistry registry = Actors.registry(address(this), regulator);
        ProjectRegistry projects = new ProjectRegistry(registry, address(this), regulator);
        MockMonitoringReportsForCarbon reports = new MockMonitoringReportsForCarbon();
        credits = new CarbonCredits(registry, projects, reports, address(this), regulator, 1_000);
        token = new SettlementToken("Settlement", "eCNY", registry, address(this), address(this));
        address[2] memory treasuries = [Actors.make("treasury0"), Actors.make("treasury1")];
        Actors.enrol(registry, regulator, treasuries[0], IParticipantRegistry.Kind.Enterprise);
        Actors.enrol(registry, regulator, treasuries[1], IParticipantRegistry.Kind.Enterprise);
        market = new CarbonMarket(registry, credits, token, address(this), treasuries[0], 250);
        credits.grantRole(credits.MARKET_ROLE(), address(market));

        address verifier = Actors.make("verifier");
        Actors.enrol(registry, regulator, verifier, IParticipantRegistry.Kind.Verifier);
        address[] memory actors = new address[](6);
        address[2] memory developers;
        uint256[2] memory projectIds;
        for (uint256 i; i < 2; ++i) {
            developers[i] = Actors.make(string.concat("developer", vm.toString(i)));
            Actors.enrol(registry, regulator, developers[i], IParticipantRegistry.Kind.ProjectDeveloper);
            projectIds[i] = _activeProject(projects, developers[i], verifier, regulator);
            actors[i] = developers[i];
        }
        for (uint256 i = 2; i < 5; ++i) {
            actors[i] = Actors.make(string.concat("trader", vm.toString(i)));
            Actors.enrol(registry, regulator, actors[i], IParticipantRegistry.Kind.Enterprise);
        }
        actors[5] = Actors.make("outsider");
        for (uint256 i; i < 6; ++i) {
            if (i < 5) token.mint(actors[i], 1e24);
            vm.prank(actors[i]);
            credits.setApprovalForAll(address(market), true);
            vm.prank(actors[i]);
            token.approve(address(market), type(uint256).max);
        }
        handler = new CarbonHandler(
            credits, market, token, registry, reports, regulator, address(this), actors, developers, projectIds, treasuries
        );
        bytes4[] memory selectors = new bytes4[](13);
        selectors[0] = handler.issue.selector;
        selectors[1] = handler.transfer.selector;
        selectors[2] = handler.retire.selector;
        selectors[3] = handler.cancel.selector;
        selectors[4] = handler.reverse.selector;
        selectors[5] = handler.list.selector;
        selectors[6] = handler.fill.selector;
        selectors[7] = handler.cancelListing.selector;
        selectors[8] = handler.withdraw.selector;
        selectors[9] = handler.setFee.selector;
        selectors[10] = handler.warp.selector;
        selectors[11] = handler.toggleFreeze.selector;
        selectors[12] = handler.togglePause.selector;
        _target(address(handler), selectors);
        // The handler acts as the market governor (setFee) and the regulator acts through it.
        market.grantRole(market.GOVERNOR_ROLE(), address(handler)); // setFee is GOVERNOR_ROLE's (issue 15)
    }

    function _activeProject(ProjectRegistry projects, address developer, address verifier, address regulator)
        private
        returns (uint256 projectId)
    {
        vm.prank(developer);
        projectId = projects.submitProject(
            bytes32("AMS-I.D"), bytes32(0), IProjectRegistry.CreditClass.GreenElectricityCertificate, "CN", bytes32("site")
        );
        vm.prank(verifier);
        projects.validate(projectId, bytes32(0));
        vm.prank(regulator);
        projects.activate(projectId, bytes32(0));
    }
}
