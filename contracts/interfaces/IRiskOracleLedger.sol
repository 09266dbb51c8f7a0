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
    /// @dev `subject` already has a score at or after `timestamp` (scores are monotonic per subject).
    error TimestampNotNewer(address subject, uint64 timestamp, uint64 storedTimestamp);
    /// @dev `subject` has no score.
    error NoScore(address subject);
    /// @dev `subject`'s latest score expired at `expiry`.
    error ScoreExpired(address subject, uint64 expiry);
    /// @dev `subject`'s latest score, computed at `timestamp`, is older than `maxAge` seconds.
    error ScoreStale(address subject, uint64 timestamp, uint64 maxAge);
    /// @dev A staleness limit of zero.
    error InvalidMaxAge(uint64 maxAge);

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

    // ---------------------------------------------------------------- operator functions

    /// @notice Post a batch of scores computed by `modelVersion` at `timestamp`, usable until `expiry`.
    /// Entry i scores `subjects[i]` with `scoresBps[i]` from `inputHashes[i]`, explained by
    /// `explanationHashes[i]`. All or nothing: one bad entry reverts the batch.
    /// @dev Caller: OPERATOR_ROLE, registered in the participant registry as an oracle operator in
    /// good standing. Reverts AccessControlUnauthorizedAccount, ComplianceRefused, NetworkPaused,
    /// EmptyBatch, BatchTooLarge, LengthMismatch, ModelNotApproved, TimestampInFuture,
    /// InvalidExpiry, ZeroSubject, ScoreOutOfRange, TimestampNotNewer. Emits ScorePosted per entry.
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

    /// @notice Set how old (seconds since its timestamp) a score may be for `latestScore`.
    /// @dev Caller: DEFAULT_ADMIN_ROLE. Reverts InvalidMaxAge. Emits MaxAgeSet.
    function setMaxAge(uint64 maxAge_) external;

    // ---------------------------------------------------------------- views

    /// @notice The stored score of `subject` without any usability check (all zero when none).
    function scoreOf(address subject) external view returns (Score memory);

    /// @notice The staleness limit of `latestScore`, in seconds.
    function maxAge() external view returns (uint64);

    /// @notice The largest batch `postScores` accepts.
    function MAX_BATCH() external view returns (uint256);
}
