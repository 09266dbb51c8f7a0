// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../lib/Vm.sol";
import {UnitTest} from "../lib/UnitTest.sol";
import {ModelRegistry} from "../../../contracts/ai/ModelRegistry.sol";
import {RiskOracle} from "../../../contracts/ai/RiskOracle.sol";
import {IModelRegistry} from "../../../contracts/interfaces/IModelRegistry.sol";
import {IRiskOracle} from "../../../contracts/interfaces/IRiskOracle.sol";
import {IRiskOracleLedger} from "../../../contracts/interfaces/IRiskOracleLedger.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {ComplianceGuard} from "../../../contracts/compliance/ComplianceGuard.sol";

/// @title RiskOracleTest
/// @notice Batched postings by registered operators of an approved model, the entries skipped rather
/// than reverted, k-of-n attestation with epochs, the governed limits, and `latestScore`'s refusals in
/// their documented order (NoScore, ScoreExpired, ScoreStale, ModelNotApproved).
contract RiskOracleTest is UnitTest {
    uint64 private constant MAX_AGE = 30 days;
    uint64 private constant NOW = 1_000_000;

    ModelRegistry private models;
    RiskOracle private oracle;
    address private op1;
    address private op2;
    address private auditor;
    address private subject = address(0x5B);
    uint256 private version;

    function setUp() public {
        vm.warp(NOW);
        _deployRegistry();
        models = new ModelRegistry(registry, admin);
        oracle = new RiskOracle(registry, models, admin, MAX_AGE);
        op1 = _enrolled("op1", IParticipantRegistry.Kind.OracleOperator);
        op2 = _enrolled("op2", IParticipantRegistry.Kind.OracleOperator);
        auditor = _enrolled("auditor", IParticipantRegistry.Kind.Auditor);
        models.grantRole(models.MODEL_OPERATOR_ROLE(), op1);
        vm.prank(op1);
        version = models.registerModel(
            IModelRegistry.ModelSpec(
                keccak256("m"), keccak256("d"), keccak256("f"), keccak256("p"), keccak256("c"),
                IModelRegistry.Metrics(8_000, 4_000, 1_500, 7_500)
            ),
            ""
        );
        vm.prank(auditor);
        models.approve(version, keccak256("report"));
        oracle.grantRole(oracle.OPERATOR_ROLE(), op1);
        oracle.grantRole(oracle.OPERATOR_ROLE(), op2);
    }

    function _post(address operator, uint64 timestamp, uint16 score) private {
        address[] memory subjects = new address[](1);
        subjects[0] = subject;
        uint16[] memory scores = new uint16[](1);
        scores[0] = score;
        bytes32[] memory hashes = new bytes32[](1);
        hashes[0] = keccak256("x");
        vm.prank(operator);
        oracle.postScores(version, timestamp, timestamp + 90 days, subjects, scores, hashes, hashes);
    }

    function test_constructor_refusals_and_settings() public {
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.ModelRegistryZeroAddress.selector));
        new RiskOracle(registry, IModelRegistry(address(0)), admin, MAX_AGE);
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.InvalidMaxAge.selector, 0, 365 days));
        new RiskOracle(registry, models, admin, 0);
        vm.assertEq(oracle.maxAge(), MAX_AGE, "max age");
        (uint8 threshold, uint32 operators, uint32 epoch) = oracle.quorum();
        vm.assertEq(threshold, 1, "threshold 1");
        vm.assertEq(operators, 2, "two operators");
        vm.assertEq(epoch, 2, "one epoch per change");
        vm.assertEq(address(oracle.modelRegistry()), address(models), "models");
    }

    function test_a_posted_score_is_read_back() public {
        vm.expectEmit(address(oracle));
        emit IRiskOracleLedger.ScorePosted(subject, version, op1, 420, keccak256("x"), keccak256("x"), NOW, NOW + 90 days);
        _post(op1, NOW, 420);
        IRiskOracle.Score memory s = oracle.latestScore(subject);
        vm.assertEq(s.scoreBps, 420, "score");
        vm.assertEq(s.modelVersion, version, "version");
        vm.assertEq(s.expiry, NOW + 90 days, "expiry");
        vm.assertEq(oracle.scoreOf(subject).timestamp, NOW, "scoreOf");

        vm.expectEmit(address(oracle));
        emit IRiskOracleLedger.ScoreSkipped(subject, op2, NOW, NOW, IRiskOracleLedger.SkipReason.NotNewer);
        _post(op2, NOW, 9_000); // not newer: skipped, the batch does not revert
        vm.assertEq(oracle.latestScore(subject).scoreBps, 420, "unchanged");
    }

    function test_postScores_refusals() public {
        address[] memory one = new address[](1);
        one[0] = subject;
        uint16[] memory scores = new uint16[](1);
        bytes32[] memory hashes = new bytes32[](1);
        _expectMissingRole(auditor, oracle.OPERATOR_ROLE());
        vm.prank(auditor);
        oracle.postScores(version, NOW, NOW + 1, one, scores, hashes, hashes);
        _freeze(op1);
        _expectFrozen(op1);
        vm.prank(op1);
        oracle.postScores(version, NOW, NOW + 1, one, scores, hashes, hashes);

        vm.startPrank(op2);
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.EmptyBatch.selector));
        oracle.postScores(version, NOW, NOW + 1, new address[](0), scores, hashes, hashes);
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.BatchTooLarge.selector, 257, 256));
        oracle.postScores(version, NOW, NOW + 1, new address[](257), scores, hashes, hashes);
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.LengthMismatch.selector));
        oracle.postScores(version, NOW, NOW + 1, one, new uint16[](2), hashes, hashes);
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.LengthMismatch.selector));
        oracle.postScores(version, NOW, NOW + 1, one, scores, new bytes32[](2), hashes);
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.LengthMismatch.selector));
        oracle.postScores(version, NOW, NOW + 1, one, scores, hashes, new bytes32[](2));
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.ModelNotApproved.selector, 9));
        oracle.postScores(9, NOW, NOW + 1, one, scores, hashes, hashes);
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.TimestampInFuture.selector, NOW + 1, NOW));
        oracle.postScores(version, NOW + 1, NOW + 2, one, scores, hashes, hashes);
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.InvalidExpiry.selector, NOW, NOW));
        oracle.postScores(version, NOW, NOW, one, scores, hashes, hashes);
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.ZeroSubject.selector, 0));
        oracle.postScores(version, NOW, NOW + 1, new address[](1), scores, hashes, hashes);
        scores[0] = 10_001;
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.ScoreOutOfRange.selector, subject, 10_001));
        oracle.postScores(version, NOW, NOW + 1, one, scores, hashes, hashes);
        vm.stopPrank();
        vm.assertEq(oracle.scoreOf(subject).timestamp, 0, "nothing stored");
    }

    function test_latestScore_refuses_in_order() public {
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.NoScore.selector, subject));
        oracle.latestScore(subject);
        _post(op1, NOW, 420);
        vm.warp(NOW + MAX_AGE + 1);
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.ScoreStale.selector, subject, NOW, MAX_AGE));
        oracle.latestScore(subject);
        vm.warp(NOW + 90 days);
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.ScoreExpired.selector, subject, NOW + 90 days));
        oracle.latestScore(subject);
        _post(op1, NOW + 90 days, 300);
        vm.prank(auditor);
        models.suspend(version, 0);
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.ModelNotApproved.selector, version));
        oracle.latestScore(subject);
    }

    function test_two_of_two_operators_must_post_the_same_entry() public {
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.InvalidThreshold.selector, 3, 2));
        oracle.setThreshold(3);
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.InvalidThreshold.selector, 0, 2));
        oracle.setThreshold(0);
        _expectMissingRole(op1, oracle.GOVERNOR_ROLE());
        vm.prank(op1);
        oracle.setThreshold(2);
        vm.expectEmit(address(oracle));
        emit IRiskOracleLedger.ThresholdSet(2, 3);
        oracle.setThreshold(2);

        bytes32 id = oracle.entryId(version, NOW, NOW + 90 days, subject, 420, keccak256("x"), keccak256("x"));
        vm.expectEmit(address(oracle));
        emit IRiskOracleLedger.ScoreAttested(id, subject, op1, 1, 2);
        _post(op1, NOW, 420);
        vm.assertEq(oracle.attestations(id), 1, "one attestation");
        vm.assertTrue(oracle.hasAttested(id, op1), "op1 attested");
        vm.assertEq(oracle.scoreOf(subject).timestamp, 0, "not yet in effect");
        vm.expectEmit(address(oracle));
        emit IRiskOracleLedger.ScoreSkipped(subject, op1, NOW, 0, IRiskOracleLedger.SkipReason.AlreadyAttested);
        _post(op1, NOW, 420);
        _post(op2, NOW, 420);
        vm.assertEq(oracle.latestScore(subject).scoreBps, 420, "in effect at two");

        // A change of the operator set starts a new epoch: a pending attestation lapses.
        _post(op1, NOW, 421); // skipped: not newer
        vm.warp(NOW + 1);
        _post(op1, NOW + 1, 500);
        vm.expectEmit(address(oracle));
        emit IRiskOracleLedger.OperatorSetChanged(1, 4);
        oracle.revokeRole(oracle.OPERATOR_ROLE(), op2);
        oracle.setThreshold(1);
        vm.assertEq(oracle.scoreOf(subject).scoreBps, 420, "the lapsed attestation never completed");
    }

    function test_setMaxAge_is_governed_and_bounded() public {
        _expectMissingRole(op1, oracle.GOVERNOR_ROLE());
        vm.prank(op1);
        oracle.setMaxAge(1 days);
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.InvalidMaxAge.selector, 365 days + 1, 365 days));
        oracle.setMaxAge(365 days + 1);
        vm.expectEmit(address(oracle));
        emit IRiskOracleLedger.MaxAgeSet(1 days);
        oracle.setMaxAge(1 days);
        vm.assertEq(oracle.maxAge(), 1 days, "set");
    }
}
