// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IMRVAnchor
/// @notice Oracle operators anchor batches of signed device readings: per project and window, a
/// Merkle root over the readings (the batch's id), the window's total energy and reading count,
/// and the hash of the published batch document. Per-reading detail lives only in the leaves, so
/// anchoring costs the same for 1 or 100,000 readings. During a challenge window anyone can prove
/// an included reading invalid (or two readings in conflict, or the totals wrong) and so reject
/// the batch; afterwards it is final. Formats: docs/oracle-readings.md; design: docs/mrv.md.
interface IMRVAnchor {
    /// @notice The device reading as signed (EIP-712 type
    /// `Reading(bytes32 deviceId,uint64 sequence,uint64 periodStart,uint64 periodEnd,uint64 energyWh)`).
    struct Reading {
        bytes32 deviceId;
        uint64 sequence;
        uint64 periodStart; // unix seconds, inclusive
        uint64 periodEnd; // unix seconds, exclusive
        uint64 energyWh;
    }

    /// @notice A reading with its device's EIP-2098 compact signature (r, vs).
    struct SignedReading {
        Reading reading;
        bytes32 r;
        bytes32 vs;
    }

    /// @notice An EIP-2098 compact signature.
    struct CompactSignature {
        bytes32 r;
        bytes32 vs;
    }

    /// @notice What operators attest (EIP-712 type `BatchAttestation(bytes32 merkleRoot,uint256
    /// projectId,uint64 windowStart,uint64 windowEnd,uint64 energyWh,uint32 readingCount,bytes32 contentHash)`).
    struct BatchHeader {
        bytes32 merkleRoot; // becomes the batch id
        uint256 projectId; // < 2**64
        uint64 windowStart; // unix seconds, inclusive
        uint64 windowEnd; // unix seconds, exclusive; not in the future
        uint64 energyWh; // sum of the readings' energy, < 2**48
        uint32 readingCount; // number of leaves, 1 .. 2**24-1
        bytes32 contentHash; // keccak256 of the canonical batch document (oracles.batch_content_hash)
    }

    enum BatchStatus {
        None,
        Anchored, // in (or past) its challenge window
        Rejected, // a challenge succeeded
        Finalized // finalize() was called after the window: counted in the project's total
    }

    /// @notice Why a challenge rejected a batch.
    enum Fault {
        None,
        BadPeriod, // periodEnd <= periodStart
        OutsideWindow, // the reading's period is not inside the batch window
        UnknownDevice,
        ForeignDevice, // the device belongs to another project
        DeviceInactive, // not yet activated, or suspended, during the period
        DeviceRevoked, // the period ends after the device's revocation
        BadSignature, // not signed by the device's registered key (or malformed / high-s)
        OverCapacity, // energy above rated capacity × duration (+ tolerance)
        DuplicateSequence, // two leaves of one device with the same sequence number
        OutOfOrder, // a device's later sequence does not cover a later, disjoint period
        WrongTotals // the leaves do not add up to the anchored energy and count
    }

    /// @notice One batch, packed into a single storage slot (its id, the root, is the key).
    struct Batch {
        uint64 projectId;
        uint32 windowStart;
        uint32 windowEnd;
        uint48 energyWh;
        uint24 readingCount;
        uint32 challengeEnd; // challenges are accepted strictly before this time
        BatchStatus status;
        uint16 signers; // bitmap of the operator slots that signed the batch
    }

    // ---------------------------------------------------------------- errors

    /// @dev `account` is not in the anchor's operator set.
    error NotOperator(address account);
    /// @dev `account` is already an operator.
    error OperatorExists(address account);
    /// @dev All MAX_OPERATORS slots are held (or freed too recently to be reused).
    error NoFreeOperatorSlot();
    /// @dev The threshold must lie in [1, operator count].
    error InvalidThreshold(uint256 threshold, uint256 operatorCount);
    /// @dev The challenge window must lie in (0, MAX_CHALLENGE_WINDOW].
    error InvalidChallengeWindow(uint256 window);
    /// @dev The capacity tolerance must not exceed MAX_TOLERANCE_BPS.
    error InvalidTolerance(uint256 toleranceBps);
    /// @dev The Merkle root (batch id) is zero.
    error ZeroRoot();
    /// @dev A project id must fit in 64 bits.
    error ProjectIdTooLarge(uint256 projectId);
    /// @dev The window must be non-empty and end no later than now.
    error InvalidWindow(uint64 windowStart, uint64 windowEnd);
    /// @dev A batch's energy must be below 2**48 Wh.
    error EnergyTooLarge(uint64 energyWh);
    /// @dev A batch holds 1 .. 2**24-1 readings.
    error InvalidReadingCount(uint32 readingCount);
    /// @dev A batch with this root already exists.
    error BatchExists(bytes32 batchId);
    /// @dev `signer` appears twice among the batch's signers.
    error DuplicateSigner(address signer);
    /// @dev Fewer operators signed than the threshold requires.
    error InsufficientSignatures(uint256 signatures, uint256 threshold);
    /// @dev No batch has this id.
    error UnknownBatch(bytes32 batchId);
    /// @dev The batch is not in the status the call needs.
    error InvalidBatchStatus(bytes32 batchId, BatchStatus status);
    /// @dev The batch's challenge window closed at `challengeEnd`.
    error ChallengeWindowClosed(bytes32 batchId, uint256 challengeEnd);
    /// @dev The batch's challenge window is open until `challengeEnd`.
    error ChallengeWindowOpen(bytes32 batchId, uint256 challengeEnd);
    /// @dev The Merkle proof does not prove the reading's inclusion in the batch.
    error NotIncluded(bytes32 batchId);
    /// @dev The challenge proves nothing wrong with the batch.
    error NoFault();
    /// @dev `batchId` was anchored before `otherBatchId`: of two conflicting batches, challenge the later.
    error NotLaterBatch(bytes32 batchId, bytes32 otherBatchId);

    // ---------------------------------------------------------------- events

    event OperatorAdded(address indexed operator, uint8 slot);
    event OperatorRemoved(address indexed operator, uint8 slot);
    event ThresholdSet(uint8 threshold);
    event ChallengeWindowSet(uint32 window);
    event CapacityToleranceSet(uint16 toleranceBps);
    event BatchAnchored(
        bytes32 indexed batchId,
        uint256 indexed projectId,
        address indexed submitter,
        uint64 windowStart,
        uint64 windowEnd,
        uint64 energyWh,
        uint32 readingCount,
        bytes32 contentHash,
        uint16 signers
    );
    event BatchRejected(bytes32 indexed batchId, address indexed challenger, Fault fault);
    event OperatorMisbehaved(address indexed operator, bytes32 indexed batchId, uint256 count);
    event BatchFinalized(bytes32 indexed batchId, uint256 indexed projectId, uint64 energyWh);

    // ---------------------------------------------------------------- administration

    /// @notice Add a Kind.OracleOperator participant to the operator set.
    /// @dev Caller: REGULATOR_ROLE. Reverts OperatorExists, NoFreeOperatorSlot, ComplianceRefused.
    /// Emits OperatorAdded.
    function addOperator(address operator) external;

    /// @notice Remove an operator; its slot is reusable MAX_CHALLENGE_WINDOW later, so batches it
    /// signed are still attributed to it if challenged.
    /// @dev Caller: REGULATOR_ROLE. Reverts NotOperator. Emits OperatorRemoved.
    function removeOperator(address operator) external;

    /// @notice Number of operators (k) that must sign a batch.
    /// @dev Caller: REGULATOR_ROLE. Reverts InvalidThreshold. Emits ThresholdSet.
    function setThreshold(uint8 threshold) external;

    /// @notice Challenge window of batches anchored from now on, in seconds.
    /// @dev Caller: REGULATOR_ROLE. Reverts InvalidChallengeWindow. Emits ChallengeWindowSet.
    function setChallengeWindow(uint32 window) external;

    /// @notice Tolerance above rated capacity before a reading counts as over capacity, in bps.
    /// @dev Caller: REGULATOR_ROLE. Reverts InvalidTolerance. Emits CapacityToleranceSet.
    function setCapacityTolerance(uint16 toleranceBps) external;

    // ---------------------------------------------------------------- anchoring

    /// @notice Anchor a batch. The caller is one signer; `cosignatures` are EIP-712
    /// BatchAttestation signatures of other operators (none when the threshold is 1).
    /// @dev Caller: an operator of the set, eligible as Kind.OracleOperator (so are the
    /// co-signers). Reverts ZeroRoot, ProjectIdTooLarge, InvalidWindow, EnergyTooLarge,
    /// InvalidReadingCount, BatchExists, NotOperator, DuplicateSigner, InsufficientSignatures,
    /// ComplianceRefused, NetworkPaused, ECDSAInvalidSignature*. Emits BatchAnchored.
    function anchorBatch(BatchHeader calldata header, CompactSignature[] calldata cosignatures) external;

    /// @notice Reject batch `batchId` by proving that one of its readings is invalid.
    /// @dev Caller: anyone, before the batch's challenge end (also while the network is paused).
    /// Reverts UnknownBatch, InvalidBatchStatus, ChallengeWindowClosed, NotIncluded, NoFault.
    /// Emits BatchRejected and OperatorMisbehaved per signer.
    function challengeReading(bytes32 batchId, SignedReading calldata signed, bytes32[] calldata proof) external;

    /// @notice Reject batch `batchId` by proving one of its readings conflicts with a reading of
    /// `otherBatchId` (the same batch or another, not rejected): same device and same sequence
    /// (a duplicate), or sequence and period order disagree (out of order or overlapping periods).
    /// Both readings must carry the device's valid signature; `batchId` must not have been
    /// anchored before `otherBatchId` (same challenge end or later).
    /// @dev Caller: anyone, before `batchId`'s challenge end. Reverts UnknownBatch,
    /// InvalidBatchStatus, ChallengeWindowClosed, NotLaterBatch, NotIncluded, NoFault. Emits BatchRejected and
    /// OperatorMisbehaved per signer.
    function challengeConflict(
        bytes32 batchId,
        SignedReading calldata signed,
        bytes32[] calldata proof,
        bytes32 otherBatchId,
        SignedReading calldata otherSigned,
        bytes32[] calldata otherProof
    ) external;

    /// @notice Reject batch `batchId` by publishing all its leaves (a multiproof with no proof
    /// hashes, `proofFlags` as OpenZeppelin's) whose count or energy differs from the anchored totals.
    /// @dev Caller: anyone, before the batch's challenge end. Reverts UnknownBatch,
    /// InvalidBatchStatus, ChallengeWindowClosed, NotIncluded, NoFault. Emits BatchRejected and
    /// OperatorMisbehaved per signer.
    function challengeTotals(bytes32 batchId, SignedReading[] calldata readings, bool[] calldata proofFlags) external;

    /// @notice Count batch `batchId`'s energy into its project's finalized total once its challenge
    /// window has passed.
    /// @dev Caller: anyone. Reverts UnknownBatch, InvalidBatchStatus (not Anchored),
    /// ChallengeWindowOpen, NetworkPaused. Emits BatchFinalized.
    function finalize(bytes32 batchId) external;

    // ---------------------------------------------------------------- views

    /// @notice Whether `signed` is a leaf of batch `batchId` (not rejected) and signed by its
    /// device's registered key. Reverts UnknownBatch.
    function proveReading(bytes32 batchId, Reading calldata reading, bytes32 r, bytes32 vs, bytes32[] calldata proof)
        external
        view
        returns (bool);

    /// @notice What a challenge of this included reading would find (Fault.None: nothing).
    /// Reverts UnknownBatch, NotIncluded.
    function readingFault(bytes32 batchId, SignedReading calldata signed, bytes32[] calldata proof)
        external
        view
        returns (Fault);

    /// @notice The batch record (status None when unknown).
    function batch(bytes32 batchId) external view returns (Batch memory);

    /// @notice Whether the batch is usable: Finalized, or Anchored with its challenge window passed.
    function isFinal(bytes32 batchId) external view returns (bool);

    /// @notice Sum of the energy of the project's Finalized batches, in Wh.
    function finalizedEnergy(uint256 projectId) external view returns (uint256);

    /// @notice The EIP-712 digest a device signs for `reading`.
    function readingDigest(Reading calldata reading) external view returns (bytes32);

    /// @notice The EIP-712 digest co-signing operators sign for `header`.
    function attestationDigest(BatchHeader calldata header) external view returns (bytes32);

    /// @notice The Merkle leaf of a signed reading.
    function leafOf(SignedReading calldata signed) external pure returns (bytes32);

    /// @notice Whether `account` is in the operator set.
    function isOperator(address account) external view returns (bool);

    /// @notice The operator set as (slot → address), address(0) for free slots.
    function operators() external view returns (address[16] memory);

    /// @notice Current configuration: threshold k, operator count n, challenge window (s), tolerance (bps).
    function config() external view returns (uint8 threshold, uint8 operatorCount, uint32 challengeWindow, uint16 toleranceBps);

    /// @notice How many rejected batches `operator` signed.
    function misbehaviourCount(address operator) external view returns (uint256);
}
