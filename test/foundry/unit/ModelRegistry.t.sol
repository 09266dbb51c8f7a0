// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../lib/Vm.sol";
import {UnitTest} from "../lib/UnitTest.sol";
import {ModelRegistry} from "../../../contracts/ai/ModelRegistry.sol";
import {IModelRegistry} from "../../../contracts/interfaces/IModelRegistry.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {ComplianceGuard} from "../../../contracts/compliance/ComplianceGuard.sol";

/// @title ModelRegistryTest
/// @notice Registration by an operator of the right kind with every hash and metric checked, and the
/// reviewers' workflow (Registered → Approved ⇄ Suspended → Retired) with its refusals.
contract ModelRegistryTest is UnitTest {
    ModelRegistry private models;
    address private oracleOperator;
    address private enterprise;
    address private auditor;

    function setUp() public {
        _deployRegistry();
        models = new ModelRegistry(registry, admin);
        oracleOperator = _enrolled("oracleOperator", IParticipantRegistry.Kind.OracleOperator);
        enterprise = _enrolled("enterprise", IParticipantRegistry.Kind.Enterprise);
        auditor = _enrolled("auditor", IParticipantRegistry.Kind.Auditor);
        _enrolRegulator();
        models.grantRole(models.MODEL_OPERATOR_ROLE(), oracleOperator);
        models.grantRole(models.MODEL_OPERATOR_ROLE(), enterprise);
    }

    /// @dev The regulator reviews as a participant of kind Regulator.
    function _enrolRegulator() private {
        vm.prank(regulator);
        registry.register(regulator, IParticipantRegistry.Kind.Regulator, "CN", uint64(block.timestamp + 365 days));
    }

    function _spec(bytes32 seed) private pure returns (IModelRegistry.ModelSpec memory) {
        return IModelRegistry.ModelSpec(
            keccak256(abi.encode(seed, "model")),
            keccak256("data"),
            keccak256("schema"),
            keccak256("params"),
            keccak256("card"),
            IModelRegistry.Metrics(8_100, 4_200, 1_500, 7_900)
        );
    }

    function _register(address operator, bytes32 seed) private returns (uint256) {
        vm.prank(operator);
        return models.registerModel(_spec(seed), "ipfs://card");
    }

    function _expectTransitionRefused(uint256 version, IModelRegistry.Status from, IModelRegistry.Status to) private {
        _expectError(abi.encodeWithSelector(IModelRegistry.InvalidStatusTransition.selector, version, from, to));
    }

    function test_registerModel_records_the_version() public {
        IModelRegistry.ModelSpec memory spec = _spec("a");
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelRegistered(1, oracleOperator, spec, "ipfs://card");
        vm.assertEq(_register(oracleOperator, "a"), 1, "first version");
        vm.assertEq(_register(enterprise, "b"), 2, "an enterprise operator too");
        IModelRegistry.ModelVersion memory v = models.modelVersion(1);
        vm.assertEq(v.modelHash, spec.modelHash, "model hash");
        vm.assertEq(v.operator, oracleOperator, "operator");
        vm.assertEq(v.metrics.aucBps, 8_100, "auc");
        vm.assertEq(v.metrics.accuracyBps, 7_900, "accuracy");
        vm.assertEq(uint256(v.status), uint256(IModelRegistry.Status.Registered), "registered");
        vm.assertEq(models.versionOf(spec.modelHash), 1, "versionOf");
        vm.assertEq(models.versionCount(), 2, "count");
        vm.assertFalse(models.isApproved(1), "not approved yet");
    }

    function test_registerModel_refusals() public {
        IModelRegistry.ModelSpec memory spec = _spec("a");
        _expectMissingRole(auditor, models.MODEL_OPERATOR_ROLE());
        vm.prank(auditor);
        models.registerModel(spec, "");
        models.grantRole(models.MODEL_OPERATOR_ROLE(), auditor);
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, auditor, IParticipantRegistry.Reason.WrongKind)
        );
        vm.prank(auditor);
        models.registerModel(spec, "");
        _freeze(oracleOperator);
        _expectFrozen(oracleOperator);
        vm.prank(oracleOperator);
        models.registerModel(spec, "");

        vm.startPrank(enterprise);
        for (uint256 field; field < 5; ++field) {
            IModelRegistry.ModelSpec memory s = _spec("a");
            if (field == 0) s.modelHash = 0;
            if (field == 1) s.trainingDataHash = 0;
            if (field == 2) s.featureSchemaHash = 0;
            if (field == 3) s.parametersHash = 0;
            if (field == 4) s.cardHash = 0;
            _expectError(abi.encodeWithSelector(IModelRegistry.MissingHash.selector, IModelRegistry.HashField(field)));
            models.registerModel(s, "");
        }
        for (uint256 metric; metric < 4; ++metric) {
            IModelRegistry.ModelSpec memory s = _spec("a");
            if (metric == 0) s.metrics.aucBps = 10_001;
            if (metric == 1) s.metrics.ksBps = 10_001;
            if (metric == 2) s.metrics.brierBps = 10_001;
            if (metric == 3) s.metrics.accuracyBps = 10_001;
            _expectError(abi.encodeWithSelector(IModelRegistry.MetricOutOfRange.selector, 10_001));
            models.registerModel(s, "");
        }
        models.registerModel(spec, "");
        _expectError(abi.encodeWithSelector(IModelRegistry.ModelAlreadyRegistered.selector, spec.modelHash, 1));
        models.registerModel(spec, "");
        vm.stopPrank();
        vm.assertEq(models.versionCount(), 1, "one version");
    }

    function test_reviewers_move_a_version_through_its_workflow() public {
        uint256 version = _register(oracleOperator, "a");
        _expectError(abi.encodeWithSelector(IModelRegistry.MissingValidationReport.selector, version));
        vm.prank(auditor);
        models.approve(version, 0);
        _expectTransitionRefused(version, IModelRegistry.Status.Registered, IModelRegistry.Status.Suspended);
        vm.prank(auditor);
        models.suspend(version, 0);

        vm.expectEmit(address(models));
        emit IModelRegistry.ModelStatusChanged(
            version, IModelRegistry.Status.Registered, IModelRegistry.Status.Approved, auditor, keccak256("report")
        );
        vm.prank(auditor);
        models.approve(version, keccak256("report"));
        vm.assertTrue(models.isApproved(version), "approved");
        vm.prank(regulator); // the regulator reviews too
        models.suspend(version, keccak256("drift"));
        vm.assertEq(uint256(models.statusOf(version)), uint256(IModelRegistry.Status.Suspended), "suspended");
        vm.prank(auditor);
        models.approve(version, keccak256("report2"));
        vm.prank(auditor);
        models.retire(version, 0);
        _expectTransitionRefused(version, IModelRegistry.Status.Retired, IModelRegistry.Status.Retired);
        vm.prank(auditor);
        models.retire(version, 0);
        _expectTransitionRefused(version, IModelRegistry.Status.Retired, IModelRegistry.Status.Approved);
        vm.prank(auditor);
        models.approve(version, keccak256("report3"));
    }

    function test_review_refusals() public {
        uint256 version = _register(oracleOperator, "a");
        _expectError(abi.encodeWithSelector(IModelRegistry.NotModelReviewer.selector, enterprise));
        vm.prank(enterprise);
        models.approve(version, keccak256("r"));
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, address(0xBAD), IParticipantRegistry.Reason.NotRegistered)
        );
        vm.prank(address(0xBAD));
        models.retire(version, 0);
        _freeze(auditor);
        _expectFrozen(auditor);
        vm.prank(auditor);
        models.retire(version, 0);
        _expectError(abi.encodeWithSelector(IModelRegistry.UnknownModelVersion.selector, 9));
        vm.prank(regulator);
        models.retire(9, 0);
        _expectError(abi.encodeWithSelector(IModelRegistry.UnknownModelVersion.selector, 9));
        models.modelVersion(9);
        vm.assertEq(uint256(models.statusOf(9)), 0, "None");
    }
}
