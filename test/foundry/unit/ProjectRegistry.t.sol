// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../lib/Vm.sol";
import {UnitTest} from "../lib/UnitTest.sol";
import {ProjectRegistry} from "../../../contracts/carbon/ProjectRegistry.sol";
import {ParticipantRegistry} from "../../../contracts/registry/ParticipantRegistry.sol";
import {IProjectRegistry} from "../../../contracts/interfaces/IProjectRegistry.sol";
import {IProjectRegistryWorkflow} from "../../../contracts/interfaces/IProjectRegistryWorkflow.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {ComplianceGuard} from "../../../contracts/compliance/ComplianceGuard.sol";

/// @title ProjectRegistryTest
/// @notice The project workflow (submitted → validated → active ⇄ suspended → closed) with each
/// actor's refusals, and the developer's documents (set, replace, remove by swap-and-pop).
contract ProjectRegistryTest is UnitTest {
    bytes32 private constant METHOD = bytes32("ACM0002");
    bytes32 private constant LOCATION = keccak256("site");

    ProjectRegistry private projects;
    address private developer;
    address private verifier;

    function setUp() public {
        _deployRegistry();
        projects = new ProjectRegistry(registry, admin, regulator);
        developer = _enrolled("developer", IParticipantRegistry.Kind.ProjectDeveloper);
        verifier = _enrolled("verifier", IParticipantRegistry.Kind.Verifier);
    }

    function _submit() private returns (uint256) {
        vm.prank(developer);
        return projects.submitProject(METHOD, keccak256("v1"), IProjectRegistry.CreditClass.VerifiedEmissionReduction, "CN", LOCATION);
    }

    function test_constructor_refuses_zero_addresses() public {
        _expectError(abi.encodeWithSelector(ProjectRegistry.ZeroAddress.selector));
        new ProjectRegistry(registry, admin, address(0));
        _expectError(abi.encodeWithSelector(ComplianceGuard.RegistryZeroAddress.selector));
        new ProjectRegistry(ParticipantRegistry(address(0)), admin, regulator);
    }

    function test_submitProject_records_the_project_and_emits() public {
        vm.expectEmit(address(projects));
        emit IProjectRegistryWorkflow.ProjectSubmitted(
            1, developer, IProjectRegistry.CreditClass.VerifiedEmissionReduction, "CN", METHOD, keccak256("v1"), LOCATION
        );
        vm.expectEmit(address(projects));
        emit IProjectRegistryWorkflow.ProjectStatusChanged(
            1, IProjectRegistry.ProjectStatus.None, IProjectRegistry.ProjectStatus.Submitted, developer, bytes32(0)
        );
        vm.assertEq(_submit(), 1, "first id");
        vm.assertEq(projects.projectCount(), 1, "count");
        IProjectRegistry.ProjectInfo memory p = projects.project(1);
        vm.assertEq(p.developer, developer, "developer");
        vm.assertEq(p.methodologyId, METHOD, "methodology");
        vm.assertEq(p.locationHash, LOCATION, "location");
        vm.assertEq(projects.developerOf(1), developer, "developerOf");
        (address dev, IProjectRegistry.CreditClass cls, IProjectRegistry.ProjectStatus status, bytes2 jurisdiction) =
            projects.issuanceProfile(1);
        vm.assertEq(dev, developer, "profile developer");
        vm.assertEq(uint256(cls), uint256(IProjectRegistry.CreditClass.VerifiedEmissionReduction), "class");
        vm.assertEq(uint256(status), uint256(IProjectRegistry.ProjectStatus.Submitted), "status");
        vm.assertTrue(jurisdiction == "CN", "jurisdiction");
        vm.assertFalse(projects.isActive(1), "not active yet");
    }

    function test_submitProject_refusals() public {
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, verifier, IParticipantRegistry.Reason.WrongKind)
        );
        vm.prank(verifier);
        projects.submitProject(METHOD, 0, IProjectRegistry.CreditClass.VerifiedEmissionReduction, "CN", LOCATION);
        vm.startPrank(developer);
        _expectError(abi.encodeWithSelector(IProjectRegistryWorkflow.InvalidProjectJurisdiction.selector, bytes2("cN")));
        projects.submitProject(METHOD, 0, IProjectRegistry.CreditClass.VerifiedEmissionReduction, "cN", LOCATION);
        _expectError(abi.encodeWithSelector(IProjectRegistryWorkflow.InvalidProjectJurisdiction.selector, bytes2("C1")));
        projects.submitProject(METHOD, 0, IProjectRegistry.CreditClass.VerifiedEmissionReduction, "C1", LOCATION);
        _expectError(abi.encodeWithSelector(IProjectRegistryWorkflow.MissingProjectData.selector));
        projects.submitProject(0, 0, IProjectRegistry.CreditClass.VerifiedEmissionReduction, "CN", LOCATION);
        _expectError(abi.encodeWithSelector(IProjectRegistryWorkflow.MissingProjectData.selector));
        projects.submitProject(METHOD, 0, IProjectRegistry.CreditClass.VerifiedEmissionReduction, "CN", 0);
        vm.stopPrank();
        vm.assertEq(projects.projectCount(), 0, "nothing submitted");
    }

    function test_the_workflow_moves_only_along_its_transitions() public {
        uint256 id = _submit();
        _expectError(abi.encodeWithSelector(IProjectRegistryWorkflow.UnknownProject.selector, 2));
        vm.prank(verifier);
        projects.validate(2, 0);
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, developer, IParticipantRegistry.Reason.WrongKind)
        );
        vm.prank(developer);
        projects.validate(id, 0);
        _expectMissingRole(verifier, projects.REGULATOR_ROLE());
        vm.prank(verifier);
        projects.activate(id, 0);
        vm.startPrank(regulator);
        _expectError(
            abi.encodeWithSelector(
                IProjectRegistryWorkflow.InvalidStatusTransition.selector,
                id,
                IProjectRegistry.ProjectStatus.Submitted,
                IProjectRegistry.ProjectStatus.Active
            )
        );
        projects.activate(id, 0);
        vm.stopPrank();

        vm.expectEmit(address(projects));
        emit IProjectRegistryWorkflow.ProjectStatusChanged(
            id, IProjectRegistry.ProjectStatus.Submitted, IProjectRegistry.ProjectStatus.Validated, verifier, keccak256("report")
        );
        vm.prank(verifier);
        projects.validate(id, keccak256("report"));
        vm.startPrank(regulator);
        projects.activate(id, keccak256("decision"));
        vm.assertTrue(projects.isActive(id), "active");
        projects.suspend(id, 0);
        vm.assertEq(uint256(projects.project(id).status), uint256(IProjectRegistry.ProjectStatus.Suspended), "suspended");
        projects.activate(id, 0); // a suspension can be lifted
        projects.close(id, 0);
        vm.assertEq(uint256(projects.project(id).status), uint256(IProjectRegistry.ProjectStatus.Closed), "closed");
        _expectError(
            abi.encodeWithSelector(
                IProjectRegistryWorkflow.InvalidStatusTransition.selector,
                id,
                IProjectRegistry.ProjectStatus.Closed,
                IProjectRegistry.ProjectStatus.Suspended
            )
        );
        projects.suspend(id, 0);
        vm.stopPrank();
        _expectMissingRole(developer, projects.REGULATOR_ROLE());
        vm.prank(developer);
        projects.suspend(id, 0);
        _expectMissingRole(developer, projects.REGULATOR_ROLE());
        vm.prank(developer);
        projects.close(id, 0);
    }

    function test_documents_are_set_replaced_and_removed_by_the_developer() public {
        uint256 id = _submit();
        _expectError(abi.encodeWithSelector(IProjectRegistryWorkflow.UnknownProject.selector, 9));
        vm.prank(developer);
        projects.setDocument(9, "pdd", "ipfs://pdd", keccak256("pdd"));
        _expectError(abi.encodeWithSelector(IProjectRegistryWorkflow.NotProjectDeveloper.selector, id, verifier));
        vm.prank(verifier);
        projects.setDocument(id, "pdd", "ipfs://pdd", keccak256("pdd"));
        vm.startPrank(developer);
        _expectError(abi.encodeWithSelector(IProjectRegistryWorkflow.InvalidDocument.selector, bytes32(0)));
        projects.setDocument(id, 0, "ipfs://pdd", keccak256("pdd"));
        _expectError(abi.encodeWithSelector(IProjectRegistryWorkflow.InvalidDocument.selector, bytes32("pdd")));
        projects.setDocument(id, "pdd", "ipfs://pdd", 0);

        vm.expectEmit(address(projects));
        emit IProjectRegistryWorkflow.DocumentUpdated(id, "pdd", "ipfs://pdd", keccak256("pdd"));
        projects.setDocument(id, "pdd", "ipfs://pdd", keccak256("pdd"));
        projects.setDocument(id, "map", "ipfs://map", keccak256("map"));
        vm.warp(block.timestamp + 1 days);
        projects.setDocument(id, "pdd", "ipfs://pdd2", keccak256("pdd2")); // replaced, not listed twice
        IProjectRegistryWorkflow.Document memory d = projects.getDocument(id, "pdd");
        vm.assertEq(d.documentHash, keccak256("pdd2"), "replaced hash");
        vm.assertEq(d.uriHash, keccak256("ipfs://pdd2"), "uri hash");
        vm.assertEq(d.lastModified, block.timestamp, "modified");
        bytes32[] memory names = projects.getAllDocuments(id);
        vm.assertEq(names.length, 2, "two names");

        _expectError(abi.encodeWithSelector(IProjectRegistryWorkflow.UnknownDocument.selector, id, bytes32("none")));
        projects.removeDocument(id, "none");
        vm.expectEmit(address(projects));
        emit IProjectRegistryWorkflow.DocumentRemoved(id, "pdd", keccak256("pdd2"));
        projects.removeDocument(id, "pdd"); // the first: "map" moves into its place
        vm.stopPrank();
        names = projects.getAllDocuments(id);
        vm.assertEq(names.length, 1, "one left");
        vm.assertEq(names[0], bytes32("map"), "map kept");
        vm.assertEq(projects.getDocument(id, "pdd").documentHash, 0, "deleted");
        vm.prank(developer);
        projects.removeDocument(id, "map"); // its index was moved correctly
        vm.assertEq(projects.getAllDocuments(id).length, 0, "none left");
    }
}
