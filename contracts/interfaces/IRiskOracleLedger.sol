// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRiskOracle} from "./IRiskOracle.sol";

/// @title IRiskOracleLedger
/// @notice The posting side of the risk oracle: registered oracle operators post AI risk scores in
/// batches, each score an event (the ledger of AI decisions). Extends the consumer view IRiskOracle.
/// Implemented by RiskOracle.
interface IRiskOracleLedger is IRiskOracle {
    // ---------------------------------------------------------------- errors

    /// @dev The model registry address is zero.
    error ModelRegistryZeroAddress();
    /// @dev A batch holds no scores.
    error EmptyBatch();
    /// @dev A batch holds more than `maxLength` scores.
    error BatchTooLarge(uint256 length, uint256 maxLength);
    /// @dev The batch's arrays differ in length.
    error LengthMismatch();
    /// @dev Model version `modelVersion` is not approved in the model registry.
    error ModelNotApproved(uint256 modelVersion);
    /// @dev A score's timestamp lies after the block's.
    error TimestampInFuture(uint64 timestamp, uint256 blockTimestamp);
    /// @dev A score's expiry is not after its timestamp.
    error InvalidExpiry(uint64 timestamp, uint64 expiry);
    /// @dev The batch's entry `index` has the zero address as subject.
    error ZeroSubject(uint256 index);
    /// @dev A score above 10000 basis points.
    error ScoreOutOfRange(address subject, uint256 scoreBps);
    /// @dev `subject` has no score.
    error NoScore(address subject);
    /// @dev `subject`'s latest score expired at `expiry`.
    error ScoreExpired(address subject, uint64 expiry);
    /// @dev `subject`'s latest score, computed at `timestamp`, is older than `maxAge` seconds.
    error ScoreStale(address subject, uint64 timestamp, uint64 maxAge);
    /// @notice Thrown when a staleness limit is zero or above the hard bound `maxMaxAge` (MAX_MAX_AGE).
    error InvalidMaxAge(uint64 maxAge, uint64 maxMaxAge);
    /// @notice Thrown when a threshold is zero or above `operatorCount`, the operators holding OPERATOR_ROLE.
    error InvalidThreshold(uint8 threshold, uint32 operatorCount);

    // ---------------------------------------------------------------- types

    /// @notice Why an entry of a batch was skipped rather than applied.
    enum SkipReason {
        NotNewer, // the subject already has a score at or after the entry's timestamp
        AlreadyAttested // this operator already attested this entry in the current epoch
    }

    // ---------------------------------------------------------------- events

    /// @notice One AI decision: `operator` posted `scoreBps` for `subject`, produced by `modelVersion`
    /// from the features hashed in `inputHash`, with the reason codes hashed in `explanationHash`.
    event ScorePosted(
        address indexed subject,
        uint256 indexed modelVersion,
        address indexed operator,
        uint16 scoreBps,
        bytes32 inputHash,
        bytes32 explanationHash,
        uint64 timestamp,
        uint64 expiry
    );
    /// @notice The staleness limit of `latestScore` changed.
    event MaxAgeSet(uint64 maxAge);
    /// @notice Emitted when an entry of `operator`'s batch for `subject` at `timestamp` was skipped
    /// (nothing stored) because `storedTimestamp` is not older, or the operator already attested it.
    event ScoreSkipped(
        address indexed subject, address indexed operator, uint64 timestamp, uint64 storedTimestamp, SkipReason reason
    );
    /// @notice Emitted when `operator` attests entry `entryId` for `subject` (threshold > 1): `count` of
    /// the `threshold` attestations it needs. The attestation that reaches the threshold also emits ScorePosted.
    event ScoreAttested(
        bytes32 indexed entryId, address indexed subject, address indexed operator, uint256 count, uint8 threshold
    );
    /// @notice Emitted when the threshold k became `threshold`; attestations of earlier epochs lapse.
    event ThresholdSet(uint8 threshold, uint32 epoch);
    /// @notice Emitted when OPERATOR_ROLE was granted or revoked: `operatorCount` operators now, new `epoch`.
    event OperatorSetChanged(uint32 operatorCount, uint32 epoch);

    // ---------------------------------------------------------------- operator functions

    /// @notice Post a batch of scores computed by `modelVersion` at `timestamp`, usable until `expiry`.
    /// Entry i scores `subjects[i]` with `scoresBps[i]` from `inputHashes[i]`, explained by
    /// `explanationHashes[i]`. The caller's own bad input (a bad batch shape or a bad entry) reverts
    /// the whole batch. An entry the chain's state makes moot is skipped with ScoreSkipped and the
    /// rest of the batch applies: the subject already has a score at or after `timestamp`
    /// (NotNewer), or the caller already attested the same entry this epoch (AlreadyAttested). So
    /// no other operator's post can make this batch revert.
    /// With threshold 1 an entry takes effect at once (ScorePosted). With threshold k > 1 each post
    /// is an attestation of the entry (ScoreAttested); the k-th matching attestation of the same
    /// epoch stores it and emits ScorePosted with the completing operator.
    /// @dev Caller: OPERATOR_ROLE, registered in the participant registry as an oracle operator in
    /// good standing. Reverts AccessControlUnauthorizedAccount, ComplianceRefused, NetworkPaused,
    /// EmptyBatch, BatchTooLarge, LengthMismatch, ModelNotApproved, TimestampInFuture,
    /// InvalidExpiry, ZeroSubject, ScoreOutOfRange. Emits ScorePosted, ScoreAttested or ScoreSkipped
    /// per entry.
    function postScores(
        uint256 modelVersion,
        uint64 timestamp,
        uint64 expiry,
        address[] calldata subjects,
        uint16[] calldata scoresBps,
        bytes32[] calldata inputHashes,
        bytes32[] calldata explanationHashes
    ) external;

    // ---------------------------------------------------------------- admin functions

    /// @notice Set how old (seconds since its timestamp) a score may be for `latestScore`, at most
    /// MAX_MAX_AGE. Consumers read it when they use a score; a bond records the score it settled on.
    /// @dev Caller: GOVERNOR_ROLE (the timelock on live networks). Reverts InvalidMaxAge. Emits MaxAgeSet.
    function setMaxAge(uint64 maxAge_) external;

    /// @notice Require `threshold` matching operator posts (k of n) before a score takes effect.
    /// Starts a new epoch: attestations not yet at the old threshold lapse and are never completed
    /// under the new one (forward-only).
    /// @dev Caller: GOVERNOR_ROLE (the timelock on live networks). Reverts InvalidThreshold
    /// (0, or more than the operators holding OPERATOR_ROLE). Emits ThresholdSet.
    function setThreshold(uint8 threshold) external;

    // ---------------------------------------------------------------- views

    /// @notice The stored score of `subject` without any usability check (all zero when none).
    function scoreOf(address subject) external view returns (Score memory);

    /// @notice The staleness limit of `latestScore`, in seconds.
    function maxAge() external view returns (uint64);

    /// @notice The hard bound of `maxAge`: 365 days.
    function MAX_MAX_AGE() external view returns (uint64);

    /// @notice The threshold k, the number n of operators holding OPERATOR_ROLE, and the current
    /// epoch (bumped by every threshold or operator-set change).
    function quorum() external view returns (uint8 threshold, uint32 operatorCount, uint32 epoch);

    /// @notice The id under which operators attest an entry in the current epoch: keccak256 of
    /// abi.encode(epoch, subject, modelVersion, timestamp, expiry, scoreBps, inputHash, explanationHash).
    function entryId(
        uint256 modelVersion,
        uint64 timestamp,
        uint64 expiry,
        address subject,
        uint16 scoreBps,
        bytes32 inputHash,
        bytes32 explanationHash
    ) external view returns (bytes32);

    /// @notice How many operators attested entry `id` (threshold > 1 only).
    function attestations(bytes32 id) external view returns (uint256);

    /// @notice Whether `operator` attested entry `id`.
    function hasAttested(bytes32 id, address operator) external view returns (bool);

    /// @notice The largest batch `postScores` accepts.
    function MAX_BATCH() external view returns (uint256);
}
