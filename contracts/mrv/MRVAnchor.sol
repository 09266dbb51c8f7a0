// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {GovernedAccessControl, networkAdminDelay} from "../access/GovernedAccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IDeviceRegistry} from "../interfaces/IDeviceRegistry.sol";
import {IMRVAnchor} from "../interfaces/IMRVAnchor.sol";
import {ComplianceGuard} from "../compliance/ComplianceGuard.sol";
import {MerkleSum} from "./MerkleSum.sol";

/// @title MRVAnchor
/// @notice Anchors Merkle batches of signed device readings and lets anyone challenge them.
///
/// A batch is identified by the root of its Merkle-sum tree and stored in one slot, so anchoring
/// costs the same whatever the number of readings; every sum in the tree can be disproved with one
/// path (challengeTotals). k-of-n: the submitting operator is one signer and brings the
/// EIP-712 signatures of k-1 other operators in the same transaction (none when k = 1), so a batch
/// is accepted or refused atomically and nothing is pending. Sequence order per device cannot be
/// checked at anchor time without per-reading storage: it is enforced by `challengeConflict`, and a
/// reading counted by an earlier batch is excluded from a later one (`excludeReplay`), never blamed.
/// Challenges stay open while the network is paused, so a pause cannot push a bad batch to finality.
contract MRVAnchor is IMRVAnchor, GovernedAccessControl, EIP712, ComplianceGuard {
    bytes32 public constant REGULATOR_ROLE = keccak256("REGULATOR_ROLE");
    bytes32 public constant READING_TYPEHASH =
        keccak256("Reading(bytes32 deviceId,uint64 sequence,uint64 periodStart,uint64 periodEnd,uint64 energyWh)");
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "BatchAttestation(bytes32 merkleRoot,uint256 projectId,uint64 windowStart,uint64 windowEnd,uint64 energyWh,uint32 readingCount,bytes32 contentHash)"
    );
    uint256 public constant MAX_OPERATORS = 16;
    /// @notice Most readings a batch may hold: a totals proof of MerkleSum.MAX_DEPTH levels covers them.
    uint32 public constant MAX_READINGS = uint32(1) << MerkleSum.MAX_DEPTH;
    uint32 public constant MAX_CHALLENGE_WINDOW = 30 days;
    uint16 public constant MAX_TOLERANCE_BPS = 10_000;
    uint256 private constant BPS = 10_000;

    /// @notice Where devices' keys, projects, capacities and statuses are looked up.
    IDeviceRegistry public immutable devices;

    struct Config {
        uint32 challengeWindow;
        uint16 toleranceBps;
        uint8 threshold;
        uint8 operatorCount;
        uint16 occupied; // bitmap of held operator slots
    }

    Config private _config;
    mapping(bytes32 batchId => Batch) private _batches;
    mapping(address account => uint8) private _slotPlusOne; // 0: not an operator
    address[16] private _operatorAt; // holder (or last holder, until reused) of each slot
    uint40[16] private _slotReusableAt;
    mapping(address operator => uint256) private _misbehaviour;
    mapping(uint256 projectId => uint256) private _finalizedEnergy;

    struct Excluded {
        uint48 energyWh;
        uint24 readingCount;
    }

    mapping(bytes32 batchId => Excluded) private _excluded;
    mapping(bytes32 batchId => mapping(bytes32 readingDigest => bytes32 countedIn)) private _countedInstead;

    /// @param admin receives DEFAULT_ADMIN_ROLE and GOVERNOR_ROLE; @param regulator receives
    /// REGULATOR_ROLE (operators) and GOVERNOR_ROLE (threshold, challenge window, tolerance);
    /// @param threshold_ k, 1 .. MAX_OPERATORS (greenfi deploy: 2 on live networks, 1 on local chains);
    /// anchoring needs k operators added. Defaults: a one-day challenge window, 5 % capacity tolerance.
    constructor(
        IParticipantRegistry registry_,
        IDeviceRegistry devices_,
        address admin,
        address regulator,
        uint8 threshold_
    )
        EIP712("greenfi MRV", "1")
        ComplianceGuard(registry_)
        GovernedAccessControl(networkAdminDelay(address(registry_)), admin)
    {
        if (address(devices_) == address(0) || admin == address(0) || regulator == address(0)) {
            revert RegistryZeroAddress();
        }
        if (threshold_ == 0 || threshold_ > MAX_OPERATORS) revert InvalidThreshold(threshold_, MAX_OPERATORS);
        devices = devices_;
        _grantRole(REGULATOR_ROLE, regulator);
        // The regulator set these parameters before GOVERNOR_ROLE existed; on live networks
        // `greenfi deploy` revokes it when the timelock takes the role over.
        _grantRole(GOVERNOR_ROLE, regulator);
        _config = Config({challengeWindow: 1 days, toleranceBps: 500, threshold: threshold_, operatorCount: 0, occupied: 0});
    }

    // ---------------------------------------------------------------- administration

    /// @inheritdoc IMRVAnchor
    function addOperator(address operator) external onlyRole(REGULATOR_ROLE) {
        if (_slotPlusOne[operator] != 0) revert OperatorExists(operator);
        _requireCanActAs(operator, IParticipantRegistry.Kind.OracleOperator);
        Config memory cfg = _config;
        for (uint8 slot; slot < MAX_OPERATORS; ++slot) {
            if (cfg.occupied & (1 << slot) == 0 && block.timestamp >= _slotReusableAt[slot]) {
                _operatorAt[slot] = operator;
                _slotPlusOne[operator] = slot + 1;
                _config.occupied = cfg.occupied | uint16(1 << slot);
                _config.operatorCount = cfg.operatorCount + 1;
                emit OperatorAdded(operator, slot);
                return;
            }
        }
        revert NoFreeOperatorSlot();
    }

    /// @inheritdoc IMRVAnchor
    function removeOperator(address operator) external onlyRole(REGULATOR_ROLE) {
        uint8 slotPlusOne = _slotPlusOne[operator];
        if (slotPlusOne == 0) revert NotOperator(operator);
        uint8 slot = slotPlusOne - 1;
        delete _slotPlusOne[operator];
        // The slot keeps naming `operator` until reuse, so challenges of batches it signed
        // during the longest possible window are still attributed to it.
        _slotReusableAt[slot] = uint40(block.timestamp + MAX_CHALLENGE_WINDOW);
        _config.occupied &= ~uint16(1 << slot);
        _config.operatorCount -= 1;
        emit OperatorRemoved(operator, slot);
    }

    /// @inheritdoc IMRVAnchor
    function setThreshold(uint8 threshold) external onlyRole(GOVERNOR_ROLE) {
        uint8 count = _config.operatorCount;
        if (threshold == 0 || threshold > count) revert InvalidThreshold(threshold, count);
        _config.threshold = threshold;
        emit ThresholdSet(threshold);
    }

    /// @inheritdoc IMRVAnchor
    function setChallengeWindow(uint32 window) external onlyRole(GOVERNOR_ROLE) {
        if (window == 0 || window > MAX_CHALLENGE_WINDOW) revert InvalidChallengeWindow(window);
        _config.challengeWindow = window;
        emit ChallengeWindowSet(window);
    }

    /// @inheritdoc IMRVAnchor
    function setCapacityTolerance(uint16 toleranceBps) external onlyRole(GOVERNOR_ROLE) {
        if (toleranceBps > MAX_TOLERANCE_BPS) revert InvalidTolerance(toleranceBps);
        _config.toleranceBps = toleranceBps;
        emit CapacityToleranceSet(toleranceBps);
    }

    // ---------------------------------------------------------------- anchoring

    /// @inheritdoc IMRVAnchor
    function anchorBatch(BatchHeader calldata header, CompactSignature[] calldata cosignatures) external {
        bytes32 root = header.merkleRoot;
        if (root == bytes32(0)) revert ZeroRoot();
        if (header.projectId > type(uint48).max) revert ProjectIdTooLarge(header.projectId);
        if (header.windowStart >= header.windowEnd || header.windowEnd > block.timestamp) {
            revert InvalidWindow(header.windowStart, header.windowEnd);
        }
        if (header.energyWh > type(uint48).max) revert EnergyTooLarge(header.energyWh);
        if (header.readingCount == 0 || header.readingCount > MAX_READINGS) {
            revert InvalidReadingCount(header.readingCount);
        }
        if (_batches[root].status != BatchStatus.None) revert BatchExists(root);

        // The registry answers SystemPaused while the network is paused, so this also stops anchoring.
        uint256 signers = _operatorBit(msg.sender);
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.OracleOperator);
        if (cosignatures.length != 0) {
            bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(ATTESTATION_TYPEHASH, header)));
            for (uint256 i; i < cosignatures.length; ++i) {
                address cosigner = ECDSA.recover(digest, cosignatures[i].r, cosignatures[i].vs);
                uint256 bit = _operatorBit(cosigner);
                if (signers & bit != 0) revert DuplicateSigner(cosigner);
                _requireCanActAs(cosigner, IParticipantRegistry.Kind.OracleOperator);
                signers |= bit;
            }
        }
        Config memory cfg = _config;
        // Distinct signers were checked above, so the count is the array length plus the sender.
        if (cosignatures.length + 1 < cfg.threshold) {
            revert InsufficientSignatures(cosignatures.length + 1, cfg.threshold);
        }

        // Every narrowing below was range-checked above; windowEnd <= now < 2**32 until 2106.
        _batches[root] = Batch({
            projectId: uint48(header.projectId),
            windowStart: uint32(header.windowStart),
            windowEnd: uint32(header.windowEnd),
            energyWh: uint48(header.energyWh),
            readingCount: uint24(header.readingCount),
            challengeEnd: uint32(block.timestamp + cfg.challengeWindow),
            status: BatchStatus.Anchored,
            signers: uint16(signers),
            toleranceBps: cfg.toleranceBps
        });
        emit BatchAnchored(
            root,
            header.projectId,
            msg.sender,
            header.windowStart,
            header.windowEnd,
            header.energyWh,
            header.readingCount,
            header.contentHash,
            uint16(signers)
        );
    }

    // ---------------------------------------------------------------- challenges

    /// @inheritdoc IMRVAnchor
    function challengeReading(bytes32 batchId, SignedReading calldata signed, SumPath calldata path) external {
        Batch memory b = _challengeable(batchId);
        _requireIncluded(batchId, signed, path);
        Fault fault = _fault(b, signed);
        if (fault == Fault.None) revert NoFault();
        _reject(batchId, b.signers, fault);
    }

    /// @inheritdoc IMRVAnchor
    function challengeConflict(
        bytes32 batchId,
        SignedReading calldata signed,
        SumPath calldata path,
        bytes32 otherBatchId,
        SignedReading calldata otherSigned,
        SumPath calldata otherPath
    ) external {
        (Batch memory b, Batch memory other) = _challengeablePair(batchId, otherBatchId);
        // Of two conflicting batches the later one is rejected.
        if (b.challengeEnd < other.challengeEnd) revert NotLaterBatch(batchId, otherBatchId);
        _requireIncluded(batchId, signed, path);
        _requireIncluded(otherBatchId, otherSigned, otherPath);
        Reading calldata a = signed.reading;
        Reading calldata o = otherSigned.reading;
        // Only readings the device really signed can be in conflict: a forged twin is
        // challengeable on its own, and must not take an honest batch down with it.
        if (a.deviceId != o.deviceId || !_signedByDevice(signed) || !_signedByDevice(otherSigned)) revert NoFault();
        Fault fault;
        if (a.sequence == o.sequence) {
            // The same reading twice: a fault at two positions of one batch (a position is the
            // path's length and sides), a replay across batches (excludeReplay).
            bool same = _readingDigest(a) == _readingDigest(o);
            bool samePosition = path.siblings.length == otherPath.siblings.length && path.leftSides == otherPath.leftSides;
            if (!same || (batchId == otherBatchId && !samePosition)) fault = Fault.DuplicateSequence;
        } else {
            (Reading calldata lo, Reading calldata hi) = a.sequence < o.sequence ? (a, o) : (o, a);
            if (lo.periodEnd > hi.periodStart) fault = Fault.OutOfOrder;
        }
        if (fault == Fault.None) revert NoFault();
        _reject(batchId, b.signers, fault);
    }

    /// @inheritdoc IMRVAnchor
    function challengeTotals(bytes32 batchId, TotalsProof calldata proof) external {
        Batch memory b = _challengeable(batchId);
        Fault fault = _totalsFault(batchId, b, proof);
        if (fault == Fault.None) revert NoFault();
        _reject(batchId, b.signers, fault);
    }

    /// @inheritdoc IMRVAnchor
    function excludeReplay(
        bytes32 batchId,
        SignedReading calldata signed,
        SumPath calldata path,
        bytes32 otherBatchId,
        SignedReading calldata otherSigned,
        SumPath calldata otherPath
    ) external {
        (Batch memory b, Batch memory other) = _challengeablePair(batchId, otherBatchId);
        // A strict order (challenge end, then id), so of two batches only the later can lose the reading.
        if (other.challengeEnd > b.challengeEnd || (other.challengeEnd == b.challengeEnd && otherBatchId >= batchId)) {
            revert NotLaterBatch(batchId, otherBatchId);
        }
        _requireIncluded(batchId, signed, path);
        _requireIncluded(otherBatchId, otherSigned, otherPath);
        bytes32 digest = _readingDigest(signed.reading);
        uint64 energy = signed.reading.energyWh;
        if (
            other.projectId != b.projectId || digest != _readingDigest(otherSigned.reading)
                || !_signedByDevice(signed) || !_signedByDevice(otherSigned)
        ) revert NotReplay(batchId, otherBatchId);
        if (_countedInstead[batchId][digest] != 0) revert AlreadyExcluded(batchId, digest);
        if (_countedInstead[otherBatchId][digest] != 0) revert AlreadyExcluded(otherBatchId, digest);
        // Counted totals below one of the batch's readings: its tree lies, which challengeTotals disproves.
        if (b.energyWh < energy || b.readingCount == 0) revert NotReplay(batchId, otherBatchId);

        _countedInstead[batchId][digest] = otherBatchId;
        _shift(batchId, -int256(uint256(energy)), -1);
        emit ReplayExcluded(batchId, otherBatchId, digest, energy);
    }

    /// @inheritdoc IMRVAnchor
    function restoreReplay(bytes32 batchId, Reading calldata reading) external {
        _challengeable(batchId);
        bytes32 digest = _readingDigest(reading);
        bytes32 countedIn = _countedInstead[batchId][digest];
        if (countedIn == 0 || _batches[countedIn].status != BatchStatus.Rejected) {
            revert NotRestorable(batchId, digest);
        }
        delete _countedInstead[batchId][digest];
        _shift(batchId, int256(uint256(reading.energyWh)), 1);
        emit ReplayRestored(batchId, countedIn, digest, reading.energyWh);
    }

    /// @inheritdoc IMRVAnchor
    function finalize(bytes32 batchId) external whenNetworkActive {
        Batch storage b = _batches[batchId];
        BatchStatus status = b.status;
        if (status == BatchStatus.None) revert UnknownBatch(batchId);
        if (status != BatchStatus.Anchored) revert InvalidBatchStatus(batchId, status);
        if (block.timestamp < b.challengeEnd) revert ChallengeWindowOpen(batchId, b.challengeEnd);
        b.status = BatchStatus.Finalized;
        _finalizedEnergy[b.projectId] += b.energyWh;
        emit BatchFinalized(batchId, b.projectId, b.energyWh);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IMRVAnchor
    function proveReading(bytes32 batchId, SignedReading calldata signed, SumPath calldata path)
        external
        view
        returns (bool)
    {
        BatchStatus status = _batches[batchId].status;
        if (status == BatchStatus.None) revert UnknownBatch(batchId);
        if (status == BatchStatus.Rejected) return false;
        return _included(batchId, signed, path) && _signedByDevice(signed);
    }

    /// @inheritdoc IMRVAnchor
    function readingFault(bytes32 batchId, SignedReading calldata signed, SumPath calldata path)
        external
        view
        returns (Fault)
    {
        Batch memory b = _batches[batchId];
        if (b.status == BatchStatus.None) revert UnknownBatch(batchId);
        _requireIncluded(batchId, signed, path);
        return _fault(b, signed);
    }

    /// @inheritdoc IMRVAnchor
    function totalsFault(bytes32 batchId, TotalsProof calldata proof) external view returns (Fault) {
        Batch memory b = _batches[batchId];
        if (b.status == BatchStatus.None) revert UnknownBatch(batchId);
        return _totalsFault(batchId, b, proof);
    }

    /// @inheritdoc IMRVAnchor
    function excluded(bytes32 batchId) external view returns (uint64 energyWh, uint32 readingCount) {
        Excluded memory e = _excluded[batchId];
        return (e.energyWh, e.readingCount);
    }

    /// @inheritdoc IMRVAnchor
    function countedInstead(bytes32 batchId, bytes32 readingDigest) external view returns (bytes32) {
        return _countedInstead[batchId][readingDigest];
    }

    /// @inheritdoc IMRVAnchor
    function batch(bytes32 batchId) external view returns (Batch memory) {
        return _batches[batchId];
    }

    /// @inheritdoc IMRVAnchor
    function isFinal(bytes32 batchId) external view returns (bool) {
        Batch memory b = _batches[batchId];
        return b.status == BatchStatus.Finalized
            || (b.status == BatchStatus.Anchored && block.timestamp >= b.challengeEnd);
    }

    /// @inheritdoc IMRVAnchor
    function finalizedEnergy(uint256 projectId) external view returns (uint256) {
        return _finalizedEnergy[projectId];
    }

    /// @inheritdoc IMRVAnchor
    function readingDigest(Reading calldata reading) external view returns (bytes32) {
        return _readingDigest(reading);
    }

    /// @inheritdoc IMRVAnchor
    function attestationDigest(BatchHeader calldata header) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(ATTESTATION_TYPEHASH, header)));
    }

    /// @inheritdoc IMRVAnchor
    function leafOf(SignedReading calldata signed) external pure returns (bytes32) {
        return _leaf(signed);
    }

    /// @inheritdoc IMRVAnchor
    function nodeHash(SumNode calldata left, SumNode calldata right) external pure returns (bytes32) {
        return MerkleSum.hashNode(left.hash, left.energyWh, left.count, right.hash, right.energyWh, right.count);
    }

    /// @inheritdoc IMRVAnchor
    function isOperator(address account) external view returns (bool) {
        return _slotPlusOne[account] != 0;
    }

    /// @inheritdoc IMRVAnchor
    function operators() external view returns (address[16] memory list) {
        uint16 occupied = _config.occupied;
        for (uint256 slot; slot < MAX_OPERATORS; ++slot) {
            if (occupied & (1 << slot) != 0) list[slot] = _operatorAt[slot];
        }
    }

    /// @inheritdoc IMRVAnchor
    function config()
        external
        view
        returns (uint8 threshold, uint8 operatorCount, uint32 challengeWindow, uint16 toleranceBps)
    {
        Config memory cfg = _config;
        return (cfg.threshold, cfg.operatorCount, cfg.challengeWindow, cfg.toleranceBps);
    }

    /// @inheritdoc IMRVAnchor
    function misbehaviourCount(address operator) external view returns (uint256) {
        return _misbehaviour[operator];
    }

    // ---------------------------------------------------------------- internals

    function _operatorBit(address account) private view returns (uint256) {
        uint8 slotPlusOne = _slotPlusOne[account];
        if (slotPlusOne == 0) revert NotOperator(account);
        return 1 << (slotPlusOne - 1);
    }

    function _challengeable(bytes32 batchId) private view returns (Batch memory b) {
        b = _batches[batchId];
        if (b.status == BatchStatus.None) revert UnknownBatch(batchId);
        if (b.status != BatchStatus.Anchored) revert InvalidBatchStatus(batchId, b.status);
        if (block.timestamp >= b.challengeEnd) revert ChallengeWindowClosed(batchId, b.challengeEnd);
    }

    /// @dev A challengeable batch and another one, anchored (or final) but not rejected, to compare it with.
    function _challengeablePair(bytes32 batchId, bytes32 otherBatchId)
        private
        view
        returns (Batch memory b, Batch memory other)
    {
        b = _challengeable(batchId);
        other = _batches[otherBatchId];
        if (other.status == BatchStatus.None) revert UnknownBatch(otherBatchId);
        if (other.status == BatchStatus.Rejected) revert InvalidBatchStatus(otherBatchId, other.status);
    }

    function _reject(bytes32 batchId, uint16 signers, Fault fault) private {
        _batches[batchId].status = BatchStatus.Rejected;
        emit BatchRejected(batchId, msg.sender, fault);
        for (uint256 slot; slot < MAX_OPERATORS; ++slot) {
            if (signers & (1 << slot) != 0) {
                address operator = _operatorAt[slot];
                uint256 count = ++_misbehaviour[operator];
                emit OperatorMisbehaved(operator, batchId, count);
            }
        }
    }

    /// @dev The first thing wrong with an included reading, cheapest checks first.
    function _fault(Batch memory b, SignedReading calldata signed) private view returns (Fault) {
        Reading calldata rd = signed.reading;
        if (rd.periodEnd <= rd.periodStart) return Fault.BadPeriod;
        if (rd.periodStart < b.windowStart || rd.periodEnd > b.windowEnd) return Fault.OutsideWindow;
        (IDeviceRegistry.Standing standing, address signer, uint256 projectId, uint64 capacityW) =
            devices.standingDuring(rd.deviceId, rd.periodStart, rd.periodEnd);
        if (standing == IDeviceRegistry.Standing.Unknown) return Fault.UnknownDevice;
        if (projectId != b.projectId) return Fault.ForeignDevice;
        if (standing == IDeviceRegistry.Standing.Revoked) return Fault.DeviceRevoked;
        if (standing == IDeviceRegistry.Standing.Inactive) return Fault.DeviceInactive;
        if (!_isDeviceSignature(rd, signed.r, signed.vs, signer)) return Fault.BadSignature;
        // energyWh > capacityW × duration / 3600 × (1 + tolerance), in integers; all factors are
        // below 2**64 · 2**14, so neither side can overflow 256 bits.
        uint256 duration = rd.periodEnd - rd.periodStart;
        if (uint256(rd.energyWh) * 3600 * BPS > uint256(capacityW) * duration * (BPS + b.toleranceBps)) {
            return Fault.OverCapacity;
        }
        return Fault.None;
    }

    /// @dev What a totals proof shows: the root's children against the anchored totals, then the
    /// opened node's committed sums against its opening, then its balance.
    function _totalsFault(bytes32 batchId, Batch memory b, TotalsProof calldata p) private view returns (Fault) {
        (uint256 anchoredEnergy, uint256 anchoredCount) = _anchoredTotals(batchId, b);
        // The root's statement is the header's; any other node's is in its parent's preimage.
        bool isRoot = p.path.siblings.length == 0;
        uint256 energy = isRoot ? anchoredEnergy : p.energyWh;
        uint256 count = isRoot ? anchoredCount : p.count;
        (bytes32 h, bool sumsHold, bool balanced) = _opening(p, energy, count);
        if (!_rootHolds(batchId, h, energy, count, p.path, anchoredEnergy, anchoredCount)) return Fault.WrongTotals;
        if (!sumsHold) return Fault.WrongTotals;
        if (!balanced) return Fault.MalformedTree;
        return Fault.None;
    }

    /// @dev The batch's totals as anchored: what it counts plus what was excluded as replays.
    function _anchoredTotals(bytes32 batchId, Batch memory b) private view returns (uint256, uint256) {
        Excluded memory ex = _excluded[batchId];
        return (uint256(b.energyWh) + ex.energyWh, uint256(b.readingCount) + ex.readingCount);
    }

    /// @dev The opened node's hash, whether its opening sums to its committed (energy, count), and
    /// whether it is balanced (leaves always are).
    function _opening(TotalsProof calldata p, uint256 energy, uint256 count)
        private
        pure
        returns (bytes32 h, bool sumsHold, bool balanced)
    {
        if (p.isLeaf) return (_leaf(p.reading), energy == p.reading.reading.energyWh && count == 1, true);
        uint256 e;
        uint256 c;
        bool overflow;
        (h, e, c, overflow, balanced) = MerkleSum.open(p.left, p.right);
        sumsHold = !overflow && e == energy && c == count;
    }

    /// @dev Climb to the root (reverting NotIncluded if the path does not reach `batchId`) and tell
    /// whether the root's children sum to the anchored totals.
    function _rootHolds(
        bytes32 batchId,
        bytes32 h,
        uint256 energy,
        uint256 count,
        SumPath calldata path,
        uint256 anchoredEnergy,
        uint256 anchoredCount
    ) private pure returns (bool) {
        (bytes32 root, uint256 rootEnergy, uint256 rootCount, bool ok) = MerkleSum.climb(h, energy, count, path);
        if (!ok || root != batchId) revert NotIncluded(batchId);
        return rootEnergy == anchoredEnergy && rootCount == anchoredCount;
    }

    function _included(bytes32 batchId, SignedReading calldata signed, SumPath calldata path)
        private
        pure
        returns (bool)
    {
        (bytes32 root,,, bool ok) = MerkleSum.climb(_leaf(signed), signed.reading.energyWh, 1, path);
        return ok && root == batchId;
    }

    function _requireIncluded(bytes32 batchId, SignedReading calldata signed, SumPath calldata path) private pure {
        if (!_included(batchId, signed, path)) revert NotIncluded(batchId);
    }

    /// @dev Move a batch's counted totals by (energy, count) and its excluded totals the other way.
    function _shift(bytes32 batchId, int256 energy, int256 count) private {
        Batch storage b = _batches[batchId];
        Excluded storage ex = _excluded[batchId];
        // Exclusions subtract at most what the batch counts (checked by the caller) and restorations
        // add back exactly what was excluded, so every value stays in range.
        b.energyWh = uint48(uint256(int256(uint256(b.energyWh)) + energy));
        b.readingCount = uint24(uint256(int256(uint256(b.readingCount)) + count));
        ex.energyWh = uint48(uint256(int256(uint256(ex.energyWh)) - energy));
        ex.readingCount = uint24(uint256(int256(uint256(ex.readingCount)) - count));
    }

    function _signedByDevice(SignedReading calldata signed) private view returns (bool) {
        return _isDeviceSignature(signed.reading, signed.r, signed.vs, devices.signerOf(signed.reading.deviceId));
    }

    function _isDeviceSignature(Reading calldata reading, bytes32 r, bytes32 vs, address signer)
        private
        view
        returns (bool)
    {
        if (signer == address(0)) return false;
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(_readingDigest(reading), r, vs);
        return err == ECDSA.RecoverError.NoError && recovered == signer;
    }

    function _readingDigest(Reading calldata reading) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(READING_TYPEHASH, reading)));
    }

    function _leaf(SignedReading calldata signed) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(signed.reading, signed.r, signed.vs))));
    }
}
