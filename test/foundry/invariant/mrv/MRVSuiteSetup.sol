// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../../lib/Vm.sol";
import {Actors} from "../../lib/Actors.sol";
import {InvariantTest} from "../../lib/InvariantTest.sol";
import {ReportsHandlerBase} from "./ReportsHandlerBase.sol";
import {MRVReports} from "../../../../contracts/mrv/MRVReports.sol";
import {ParticipantRegistry} from "../../../../contracts/registry/ParticipantRegistry.sol";
import {MockProjectRegistry} from "../../../../contracts/mocks/MockProjectRegistry.sol";
import {IParticipantRegistry} from "../../../../contracts/interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../../../../contracts/interfaces/IProjectRegistry.sol";

/// @title MRVSuiteSetup
/// @notice The start both MRV suites share (MRVReportsInvariants over AnchorStub, MRVAnchorInvariants
/// over the real anchor): 30 days in, a participant registry with its regulator, a project registry
/// double, and MRVReports' parties: two developers with one Active project each (ids 1 and 2, grid
/// factor 581,000 g/MWh), two verifiers and the issuer (ISSUER_ROLE).
abstract contract MRVSuiteSetup is InvariantTest {
    function _world() internal returns (ParticipantRegistry registry, address regulator, MockProjectRegistry projects) {
        vm.warp(30 days);
        regulator = Actors.make("regulator");
        registry = Actors.registry(address(this), regulator);
        projects = new MockProjectRegistry();
    }

    function _reportParties(ParticipantRegistry registry, address regulator, MockProjectRegistry projects, MRVReports reports)
        internal
        returns (ReportsHandlerBase.ReportParties memory p)
    {
        for (uint256 i; i < 2; ++i) {
            p.developers[i] = Actors.make(string.concat("developer", vm.toString(i)));
            p.verifiers[i] = Actors.make(string.concat("verifier", vm.toString(i)));
            Actors.enrol(registry, regulator, p.developers[i], IParticipantRegistry.Kind.ProjectDeveloper);
            Actors.enrol(registry, regulator, p.verifiers[i], IParticipantRegistry.Kind.Verifier);
            projects.setProject(1 + i, p.developers[i], IProjectRegistry.ProjectStatus.Active);
            vm.prank(regulator);
            reports.setEmissionFactor(1 + i, 581_000, bytes32(0));
        }
        p.issuer = Actors.make("issuer");
        reports.grantRole(reports.ISSUER_ROLE(), p.issuer);
    }
}
