// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {GovernedAccessControl, networkAdminDelay} from "../access/GovernedAccessControl.sol";
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
/// Posters must hold OPERATOR_ROLE (a governed role: GOVERNOR_ROLE grants it) and be registered
/// oracle operators in good standing. With a threshold k > 1, a score takes effect only once k
/// operators have posted the same entry (docs/ai-ledger.md#k-of-n-scores). Entries that the chain's
/// state makes moot (an older timestamp than the subject's score, a repeated attestation) are
/// skipped with ScoreSkipped instead of reverting, so no operator can make another's batch revert.
contract RiskOracle is IRiskOracleLedger, GovernedAccessControl, ComplianceGuard {
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    /// @inheritdoc IRiskOracleLedger
    uint256 public constant MAX_BATCH = 256;

    uint256 private constant MAX_BPS = 10_000;
    /// @inheritdoc IRiskOracleLedger
    uint64 public constant MAX_MAX_AGE = 365 days;

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

    /// @dev The fields a batch's entries share, and the quorum they are posted under.
    struct Shared {
        uint256 modelVersion;
        uint64 timestamp;
        uint64 expiry;
        uint8 threshold;
        uint32 epoch;
    }

    /// @dev One entry of a batch: the fields that differ per subject.
    struct Entry {
        address subject;
        uint16 scoreBps;
        bytes32 inputHash;
        bytes32 explanationHash;
    }

    /// @notice The model registry whose approvals gate posting and reading.
    IModelRegistry public immutable modelRegistry;

    /// @dev One slot, read once per batch. `epoch` counts changes of the operator set and of the
    /// threshold: attestations are keyed by it, so a change never completes a pending score.
    struct Config {
        uint64 maxAge;
        uint8 threshold;
        uint32 epoch;
        uint32 operatorCount;
    }

    mapping(address subject => Stored) private _scores;
    Config private _config;
    mapping(bytes32 entryId => uint256) private _attestations;
    mapping(bytes32 entryId => mapping(address operator => bool)) private _attested;

    /// @param registry_ the participant registry. @param modelRegistry_ the model registry.
    /// @param admin receives DEFAULT_ADMIN_ROLE and GOVERNOR_ROLE (grants OPERATOR_ROLE, sets the
    /// staleness limit and the threshold).
    /// @param maxAge_ how old, in seconds, a score may be for `latestScore`. The threshold starts at 1.
    constructor(IParticipantRegistry registry_, IModelRegistry modelRegistry_, address admin, uint64 maxAge_)
        ComplianceGuard(registry_)
        GovernedAccessControl(networkAdminDelay(address(registry_)), admin)
    {
        if (address(modelRegistry_) == address(0)) revert ModelRegistryZeroAddress();
        modelRegistry = modelRegistry_;
        _governRole(OPERATOR_ROLE);
        _config.threshold = 1;
        _setMaxAge(maxAge_);
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
        _postAll(_shared(modelVersion, timestamp, expiry), subjects, scoresBps, inputHashes, explanationHashes);
    }

    /// @dev The batch's shared fields with the quorum in force.
    function _shared(uint256 modelVersion, uint64 timestamp, uint64 expiry) private view returns (Shared memory) {
        Config memory c = _config;
        return Shared(modelVersion, timestamp, expiry, c.threshold, c.epoch);
    }

    function _postAll(
        Shared memory shared,
        address[] calldata subjects,
        uint16[] calldata scoresBps,
        bytes32[] calldata inputHashes,
        bytes32[] calldata explanationHashes
    ) private {
        uint256 n = subjects.length;
        for (uint256 i; i < n;) {
            _post(shared, Entry(subjects[i], scoresBps[i], inputHashes[i], explanationHashes[i]), i);
            // i < n <= MAX_BATCH: cannot overflow.
            unchecked {
                ++i;
            }
        }
    }

    /// @dev Post one entry of a batch whose shared fields are already checked: the caller's own bad
    /// input reverts; what other operators' posts decided is skipped with ScoreSkipped.
    function _post(Shared memory b, Entry memory e, uint256 index) private {
        if (e.subject == address(0)) revert ZeroSubject(index);
        if (e.scoreBps > MAX_BPS) revert ScoreOutOfRange(e.subject, e.scoreBps);
        uint64 timestamp = b.timestamp;
        uint64 stored = _scores[e.subject].timestamp;
        if (timestamp <= stored) {
            emit ScoreSkipped(e.subject, msg.sender, timestamp, stored, SkipReason.NotNewer);
            return;
        }
        if (b.threshold > 1) {
            bytes32 id = _entryId(b.epoch, b.modelVersion, timestamp, b.expiry, e);
            if (_attested[id][msg.sender]) {
                emit ScoreSkipped(e.subject, msg.sender, timestamp, stored, SkipReason.AlreadyAttested);
                return;
            }
            _attested[id][msg.sender] = true;
            uint256 count = _attestations[id] + 1; // at most the operator count
            _attestations[id] = count;
            emit ScoreAttested(id, e.subject, msg.sender, count, b.threshold);
            if (count < b.threshold) return;
        }
        // Approved versions exist, so modelVersion <= versionCount, far below 2**64.
        _scores[e.subject] =
            Stored(e.scoreBps, uint64(b.modelVersion), timestamp, b.expiry, e.inputHash, e.explanationHash);
        emit ScorePosted(
            e.subject, b.modelVersion, msg.sender, e.scoreBps, e.inputHash, e.explanationHash, timestamp, b.expiry
        );
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IRiskOracleLedger
    function setMaxAge(uint64 maxAge_) external onlyRole(GOVERNOR_ROLE) {
        _setMaxAge(maxAge_);
    }

    /// @inheritdoc IRiskOracleLedger
    function setThreshold(uint8 threshold_) external onlyRole(GOVERNOR_ROLE) {
        Config storage c = _config;
        uint32 count = c.operatorCount;
        if (threshold_ == 0 || threshold_ > count) revert InvalidThreshold(threshold_, count);
        c.threshold = threshold_;
        c.epoch += 1;
        emit ThresholdSet(threshold_, c.epoch);
    }

    function _setMaxAge(uint64 maxAge_) private {
        if (maxAge_ == 0 || maxAge_ > MAX_MAX_AGE) revert InvalidMaxAge(maxAge_, MAX_MAX_AGE);
        _config.maxAge = maxAge_;
        emit MaxAgeSet(maxAge_);
    }

    /// @dev Count the operator set, and start a new epoch when it changes (pending attestations lapse).
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (granted && role == OPERATOR_ROLE) _operatorSetChanged(true);
    }

    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == OPERATOR_ROLE) _operatorSetChanged(false);
    }

    function _operatorSetChanged(bool added) private {
        Config storage c = _config;
        c.operatorCount = added ? c.operatorCount + 1 : c.operatorCount - 1;
        c.epoch += 1;
        emit OperatorSetChanged(c.operatorCount, c.epoch);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IRiskOracle
    /// @dev Reverts NoScore, ScoreExpired, ScoreStale, ModelNotApproved, checked in that order.
    function latestScore(address subject) external view returns (Score memory) {
        Stored storage s = _scores[subject];
        uint64 timestamp = s.timestamp;
        if (timestamp == 0) revert NoScore(subject);
        if (block.timestamp >= s.expiry) revert ScoreExpired(subject, s.expiry);
        uint64 limit = _config.maxAge;
        if (block.timestamp > uint256(timestamp) + limit) revert ScoreStale(subject, timestamp, limit);
        if (!modelRegistry.isApproved(s.modelVersion)) revert ModelNotApproved(s.modelVersion);
        return _toScore(s);
    }

    /// @inheritdoc IRiskOracleLedger
    function scoreOf(address subject) external view returns (Score memory) {
        return _toScore(_scores[subject]);
    }

    /// @inheritdoc IRiskOracleLedger
    function maxAge() external view returns (uint64) {
        return _config.maxAge;
    }

    /// @inheritdoc IRiskOracleLedger
    function quorum() external view returns (uint8 threshold, uint32 operatorCount, uint32 epoch) {
        Config memory c = _config;
        return (c.threshold, c.operatorCount, c.epoch);
    }

    /// @inheritdoc IRiskOracleLedger
    function attestations(bytes32 id) external view returns (uint256) {
        return _attestations[id];
    }

    /// @inheritdoc IRiskOracleLedger
    function hasAttested(bytes32 id, address operator) external view returns (bool) {
        return _attested[id][operator];
    }

    /// @inheritdoc IRiskOracleLedger
    function entryId(
        uint256 modelVersion,
        uint64 timestamp,
        uint64 expiry,
        address subject,
        uint16 scoreBps,
        bytes32 inputHash,
        bytes32 explanationHash
    ) external view returns (bytes32) {
        return _entryId(_config.epoch, modelVersion, timestamp, expiry, Entry(subject, scoreBps, inputHash, explanationHash));
    }

    function _entryId(uint32 epoch, uint256 modelVersion, uint64 timestamp, uint64 expiry, Entry memory e)
        private
        pure
        returns (bytes32)
    {
        return keccak256(
            abi.encode(epoch, e.subject, modelVersion, timestamp, expiry, e.scoreBps, e.inputHash, e.explanationHash)
        );
    }

    function _toScore(Stored storage s) private view returns (Score memory) {
        return Score(s.scoreBps, s.modelVersion, s.inputHash, s.explanationHash, s.timestamp, s.expiry);
    }
}
