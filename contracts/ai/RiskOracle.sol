// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IRiskOracle} from "../interfaces/IRiskOracle.sol";
import {IRiskOracleLedger} from "../interfaces/IRiskOracleLedger.sol";
import {ComplianceGuard} from "../compliance/ComplianceGuard.sol";

/// @title RiskOracle
/// @notice The second half of the AI decision ledger: the latest risk score of each subject, posted
/// in batches by oracle operators, each posting an event. Consumers read `latestScore`, which only
/// answers with a score that exists, is fresh, has not expired and whose model is still approved.
///
/// Posters must hold OPERATOR_ROLE (the operator set the admin manages) and be registered oracle
/// operators in good standing.
contract RiskOracle is IRiskOracleLedger, AccessControl, ComplianceGuard {
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    /// @inheritdoc IRiskOracleLedger
    uint256 public constant MAX_BATCH = 256;

    uint256 private constant MAX_BPS = 10_000;

    /// @dev A score as stored: three slots. The two hashes fill two slots by themselves; everything
    /// else (score, version, timestamp, expiry: 208 bits) shares the first.
    struct Stored {
        uint16 scoreBps;
        uint64 modelVersion; // versions count up from 1, so 64 bits never run out
        uint64 timestamp;
        uint64 expiry;
        bytes32 inputHash;
        bytes32 explanationHash;
    }

    /// @notice The model registry whose approvals gate posting and reading.
    IModelRegistry public immutable modelRegistry;

    mapping(address subject => Stored) private _scores;
    uint64 private _maxAge;

    /// @param registry_ the participant registry. @param modelRegistry_ the model registry.
    /// @param admin receives DEFAULT_ADMIN_ROLE (manages the operator set and the staleness limit).
    /// @param maxAge_ how old, in seconds, a score may be for `latestScore`.
    constructor(IParticipantRegistry registry_, IModelRegistry modelRegistry_, address admin, uint64 maxAge_)
        ComplianceGuard(registry_)
    {
        if (address(modelRegistry_) == address(0)) revert ModelRegistryZeroAddress();
        if (maxAge_ == 0) revert InvalidMaxAge(maxAge_);
        modelRegistry = modelRegistry_;
        _maxAge = maxAge_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        emit MaxAgeSet(maxAge_);
    }

    // ---------------------------------------------------------------- operator functions

    /// @inheritdoc IRiskOracleLedger
    function postScores(
        uint256 modelVersion,
        uint64 timestamp,
        uint64 expiry,
        address[] calldata subjects,
        uint16[] calldata scoresBps,
        bytes32[] calldata inputHashes,
        bytes32[] calldata explanationHashes
    ) external onlyRole(OPERATOR_ROLE) {
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.OracleOperator);
        uint256 n = subjects.length;
        if (n == 0) revert EmptyBatch();
        if (n > MAX_BATCH) revert BatchTooLarge(n, MAX_BATCH);
        if (scoresBps.length != n || inputHashes.length != n || explanationHashes.length != n) {
            revert LengthMismatch();
        }
        if (!modelRegistry.isApproved(modelVersion)) revert ModelNotApproved(modelVersion);
        if (timestamp > block.timestamp) revert TimestampInFuture(timestamp, block.timestamp);
        if (expiry <= timestamp) revert InvalidExpiry(timestamp, expiry);

        for (uint256 i; i < n;) {
            _record(modelVersion, timestamp, expiry, subjects[i], scoresBps[i], inputHashes[i], explanationHashes[i], i);
            // i < n <= MAX_BATCH: cannot overflow.
            unchecked {
                ++i;
            }
        }
    }

    /// @dev Store and log one entry of a batch whose shared fields are already checked.
    function _record(
        uint256 modelVersion,
        uint64 timestamp,
        uint64 expiry,
        address subject,
        uint16 scoreBps,
        bytes32 inputHash,
        bytes32 explanationHash,
        uint256 index
    ) private {
        if (subject == address(0)) revert ZeroSubject(index);
        if (scoreBps > MAX_BPS) revert ScoreOutOfRange(subject, scoreBps);
        Stored storage s = _scores[subject];
        uint64 stored = s.timestamp;
        if (timestamp <= stored) revert TimestampNotNewer(subject, timestamp, stored);
        // Approved versions exist, so modelVersion <= versionCount, far below 2**64.
        _scores[subject] = Stored(scoreBps, uint64(modelVersion), timestamp, expiry, inputHash, explanationHash);
        emit ScorePosted(subject, modelVersion, msg.sender, scoreBps, inputHash, explanationHash, timestamp, expiry);
    }

    // ---------------------------------------------------------------- admin functions

    /// @inheritdoc IRiskOracleLedger
    function setMaxAge(uint64 maxAge_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (maxAge_ == 0) revert InvalidMaxAge(maxAge_);
        _maxAge = maxAge_;
        emit MaxAgeSet(maxAge_);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IRiskOracle
    /// @dev Reverts NoScore, ScoreExpired, ScoreStale, ModelNotApproved, checked in that order.
    function latestScore(address subject) external view returns (Score memory) {
        Stored storage s = _scores[subject];
        uint64 timestamp = s.timestamp;
        if (timestamp == 0) revert NoScore(subject);
        if (block.timestamp >= s.expiry) revert ScoreExpired(subject, s.expiry);
        if (block.timestamp > uint256(timestamp) + _maxAge) revert ScoreStale(subject, timestamp, _maxAge);
        if (!modelRegistry.isApproved(s.modelVersion)) revert ModelNotApproved(s.modelVersion);
        return _toScore(s);
    }

    /// @inheritdoc IRiskOracleLedger
    function scoreOf(address subject) external view returns (Score memory) {
        return _toScore(_scores[subject]);
    }

    /// @inheritdoc IRiskOracleLedger
    function maxAge() external view returns (uint64) {
        return _maxAge;
    }

    function _toScore(Stored storage s) private view returns (Score memory) {
        return Score(s.scoreBps, s.modelVersion, s.inputHash, s.explanationHash, s.timestamp, s.expiry);
    }
}
