// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IMRVAnchor
/// @notice Oracle operators anchor batches of signed device readings: per project and window, the
/// root of a Merkle-sum tree over the readings (the batch's id; every node commits to its hash,
/// energy and reading count), the window's total energy and reading count, and the hash of the
/// published batch document. Per-reading detail lives only in the leaves, so anchoring costs the
/// same for 1 or 2**20 readings. During a challenge window anyone can prove an included reading
/// invalid, two readings in conflict, or a false sum anywhere in the tree (O(log n) proofs) and so
/// reject the batch, or exclude a reading another batch counted first; afterwards it is final.
/// Formats: docs/oracle-readings.md; design, tree and proofs: docs/mrv.md.
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
        uint256 projectId; // < 2**48
        uint64 windowStart; // unix seconds, inclusive
        uint64 windowEnd; // unix seconds, exclusive; not in the future
        uint64 energyWh; // sum of the readings' energy, < 2**48
        uint32 readingCount; // number of leaves, 1 .. MAX_READINGS (2**20)
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
        WrongTotals, // a node's (or the header's) energy or count differs from what its children sum to
        MalformedTree // an inner node's children are unbalanced (counts differ by more than 1, or one is 0)
    }

    /// @notice One batch, packed into a single storage slot (its id, the root, is the key).
    /// `energyWh` and `readingCount` are what counts: the anchored totals minus excluded replays.
    struct Batch {
        uint48 projectId;
        uint32 windowStart;
        uint32 windowEnd;
        uint48 energyWh;
        uint24 readingCount;
        uint32 challengeEnd; // challenges are accepted strictly before this time
        BatchStatus status;
        uint16 signers; // bitmap of the operator slots that signed the batch
        uint16 toleranceBps; // the capacity tolerance in force at anchoring, which judges the batch
    }

    /// @notice A node of the Merkle-sum tree as its parent commits to it. A leaf is
    /// (leafOf(reading), reading.energyWh, 1); an inner node's hash is
    /// keccak256(abi.encode(left.hash, left.energyWh, left.count, right.hash, right.energyWh, right.count)).
    struct SumNode {
        bytes32 hash;
        uint256 energyWh;
        uint256 count;
    }

    /// @notice The path from a node to the root: `siblings[i]` is the sibling at height i (the
    /// node's own sibling first), and bit i of `leftSides` is set when `siblings[i]` is the left child.
    struct SumPath {
        SumNode[] siblings;
        uint256 leftSides;
    }

    /// @notice A totals proof: one node of the tree opened, with its path to the root. The node's
    /// committed sums are `energyWh` and `count` (its parent's statement; for the root, with an empty
    /// path, the header's). The opening is the node's reading when `isLeaf`, else its two children.
    struct TotalsProof {
        uint256 energyWh;
        uint256 count;
        bool isLeaf;
        SignedReading reading;
        SumNode left;
        SumNode right;
        SumPath path;
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
    /// @dev A project id must fit in 48 bits.
    error ProjectIdTooLarge(uint256 projectId);
    /// @dev The window must be non-empty and end no later than now.
    error InvalidWindow(uint64 windowStart, uint64 windowEnd);
    /// @dev A batch's energy must be below 2**48 Wh.
    error EnergyTooLarge(uint64 energyWh);
    /// @dev A batch holds 1 .. MAX_READINGS (2**20) readings: what a totals proof of MAX_DEPTH levels covers.
    error InvalidReadingCount(uint32 readingCount);
    /// @dev A path longer than MAX_DEPTH (20) levels: no consistent tree of at most 2**20 readings has one.
    error PathTooLong(uint256 length, uint256 maxDepth);
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
    /// @dev The two readings are not the same reading (device, sequence, period and energy), both
    /// validly signed, in two batches of one project.
    error NotReplay(bytes32 batchId, bytes32 otherBatchId);
    /// @dev The reading (by EIP-712 digest) is already excluded from `batchId`, or was excluded from
    /// `otherBatchId` and so is not counted there.
    error AlreadyExcluded(bytes32 batchId, bytes32 readingDigest);
    /// @dev The reading `readingDigest` is not excluded from `batchId`, or the batch it was counted in
    /// instead is not rejected.
    error NotRestorable(bytes32 batchId, bytes32 readingDigest);

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
    /// @notice Emitted when a reading that `countedIn` (anchored earlier) also holds is taken out of
    /// `batchId`'s totals; nobody is blamed.
    event ReplayExcluded(
        bytes32 indexed batchId, bytes32 indexed countedIn, bytes32 indexed readingDigest, uint64 energyWh
    );
    /// @notice Emitted when an excluded reading is counted in `batchId` again because `countedIn` was rejected.
    event ReplayRestored(bytes32 indexed batchId, bytes32 indexed countedIn, bytes32 indexed readingDigest, uint64 energyWh);
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

    /// @notice Anchor a batch; the capacity tolerance in force now is recorded with it. The caller is one signer; `cosignatures` are EIP-712
    /// BatchAttestation signatures of other operators (none when the threshold is 1).
    /// @dev Caller: an operator of the set, eligible as Kind.OracleOperator (so are the
    /// co-signers). Reverts ZeroRoot, ProjectIdTooLarge, InvalidWindow, EnergyTooLarge,
    /// InvalidReadingCount, BatchExists, NotOperator, DuplicateSigner, InsufficientSignatures,
    /// ComplianceRefused, NetworkPaused, ECDSAInvalidSignature*. Emits BatchAnchored.
    function anchorBatch(BatchHeader calldata header, CompactSignature[] calldata cosignatures) external;

    /// @notice Reject batch `batchId` by proving that one of its readings is invalid, judged with
    /// the rules in force at anchoring (the batch's `toleranceBps`) and the device's whole history.
    /// @dev Caller: anyone, before the batch's challenge end (also while the network is paused).
    /// Reverts UnknownBatch, InvalidBatchStatus, ChallengeWindowClosed, PathTooLong, NotIncluded, NoFault.
    /// Emits BatchRejected and OperatorMisbehaved per signer.
    function challengeReading(bytes32 batchId, SignedReading calldata signed, SumPath calldata path) external;

    /// @notice Reject batch `batchId` by proving one of its readings conflicts with a reading of
    /// `otherBatchId` (the same batch or another, not rejected): the same device and sequence with a
    /// different reading (DuplicateSequence), the very same reading at two positions of one batch
    /// (DuplicateSequence), or sequence and period order disagreeing (OutOfOrder). Both readings must
    /// carry the device's valid signature; `batchId` must not have been anchored before
    /// `otherBatchId` (same challenge end or later). The same reading in two batches is a replay,
    /// not a conflict: see `excludeReplay`.
    /// @dev Caller: anyone, before `batchId`'s challenge end. Reverts UnknownBatch,
    /// InvalidBatchStatus, ChallengeWindowClosed, NotLaterBatch, PathTooLong, NotIncluded, NoFault.
    /// Emits BatchRejected and OperatorMisbehaved per signer.
    function challengeConflict(
        bytes32 batchId,
        SignedReading calldata signed,
        SumPath calldata path,
        bytes32 otherBatchId,
        SignedReading calldata otherSigned,
        SumPath calldata otherPath
    ) external;

    /// @notice Reject batch `batchId` by opening one node of its Merkle-sum tree: the header's totals
    /// differ from what the root's children sum to, or the opened node's committed energy or count
    /// differs from its reading's (energyWh, 1) or its children's sums, or its children are
    /// unbalanced. O(depth) calldata and gas, whatever the batch size.
    /// @dev Caller: anyone, before the batch's challenge end. Reverts UnknownBatch,
    /// InvalidBatchStatus, ChallengeWindowClosed, PathTooLong, NotIncluded, NoFault. Emits
    /// BatchRejected (WrongTotals or MalformedTree) and OperatorMisbehaved per signer.
    function challengeTotals(bytes32 batchId, TotalsProof calldata proof) external;

    /// @notice Take a replayed reading out of batch `batchId`'s totals: the same reading (same
    /// EIP-712 digest), validly signed, is counted in `otherBatchId`, a batch of the same project
    /// anchored earlier (smaller challenge end, ties broken by the smaller id) and not rejected.
    /// The batch is neither rejected nor blamed; its energy and count drop by the reading's.
    /// @dev Caller: anyone, before `batchId`'s challenge end. Reverts UnknownBatch,
    /// InvalidBatchStatus, ChallengeWindowClosed, NotLaterBatch, PathTooLong, NotIncluded, NotReplay,
    /// AlreadyExcluded. Emits ReplayExcluded.
    function excludeReplay(
        bytes32 batchId,
        SignedReading calldata signed,
        SumPath calldata path,
        bytes32 otherBatchId,
        SignedReading calldata otherSigned,
        SumPath calldata otherPath
    ) external;

    /// @notice Count an excluded reading in batch `batchId` again because the batch it was counted
    /// in instead has since been rejected.
    /// @dev Caller: anyone, before `batchId`'s challenge end. Reverts UnknownBatch,
    /// InvalidBatchStatus, ChallengeWindowClosed, NotRestorable. Emits ReplayRestored.
    function restoreReplay(bytes32 batchId, Reading calldata reading) external;

    /// @notice Count batch `batchId`'s energy into its project's finalized total once its challenge
    /// window has passed.
    /// @dev Caller: anyone. Reverts UnknownBatch, InvalidBatchStatus (not Anchored),
    /// ChallengeWindowOpen, NetworkPaused. Emits BatchFinalized.
    function finalize(bytes32 batchId) external;

    // ---------------------------------------------------------------- views

    /// @notice Whether `signed` is a leaf of batch `batchId` (not rejected) and signed by its
    /// device's registered key. Reverts UnknownBatch, PathTooLong.
    function proveReading(bytes32 batchId, SignedReading calldata signed, SumPath calldata path)
        external
        view
        returns (bool);

    /// @notice What a challenge of this included reading would find (Fault.None: nothing).
    /// Reverts UnknownBatch, PathTooLong, NotIncluded.
    function readingFault(bytes32 batchId, SignedReading calldata signed, SumPath calldata path)
        external
        view
        returns (Fault);

    /// @notice What `challengeTotals(batchId, proof)` would find (Fault.None: nothing).
    /// Reverts UnknownBatch, PathTooLong, NotIncluded.
    function totalsFault(bytes32 batchId, TotalsProof calldata proof) external view returns (Fault);

    /// @notice The energy and count excluded from `batchId` as replays (anchored totals = batch + excluded).
    function excluded(bytes32 batchId) external view returns (uint64 energyWh, uint32 readingCount);

    /// @notice The batch a reading excluded from `batchId` is counted in instead (zero if not excluded).
    function countedInstead(bytes32 batchId, bytes32 readingDigest) external view returns (bytes32);

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

    /// @notice The Merkle leaf hash of a signed reading (its node is (leaf, energyWh, 1)).
    function leafOf(SignedReading calldata signed) external pure returns (bytes32);

    /// @notice The hash of an inner node with children `left` and `right`.
    function nodeHash(SumNode calldata left, SumNode calldata right) external pure returns (bytes32);

    /// @notice Whether `account` is in the operator set.
    function isOperator(address account) external view returns (bool);

    /// @notice The operator set as (slot → address), address(0) for free slots.
    function operators() external view returns (address[16] memory);

    /// @notice Current configuration: threshold k, operator count n, challenge window (s), tolerance (bps).
    function config() external view returns (uint8 threshold, uint8 operatorCount, uint32 challengeWindow, uint16 toleranceBps);

    /// @notice How many rejected batches `operator` signed.
    function misbehaviourCount(address operator) external view returns (uint256);
}
