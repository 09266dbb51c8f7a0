// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IDeviceRegistry} from "../interfaces/IDeviceRegistry.sol";
import {IMRVAnchor} from "../interfaces/IMRVAnchor.sol";
import {ComplianceGuard} from "../compliance/ComplianceGuard.sol";

/// @title MRVAnchor
/// @notice Anchors Merkle batches of signed device readings and lets anyone challenge them.
///
/// A batch is identified by its Merkle root and stored in one slot, so anchoring costs the same
/// whatever the number of readings. k-of-n: the submitting operator is one signer and brings the
/// EIP-712 signatures of k-1 other operators in the same transaction (none when k = 1), so a batch
/// is accepted or refused atomically and nothing is pending. Sequence order per device cannot be
/// checked at anchor time without per-reading storage: it is enforced by `challengeConflict`.
/// Challenges stay open while the network is paused, so a pause cannot push a bad batch to finality.
contract MRVAnchor is IMRVAnchor, AccessControl, EIP712, ComplianceGuard {
    bytes32 public constant REGULATOR_ROLE = keccak256("REGULATOR_ROLE");
    bytes32 public constant READING_TYPEHASH =
        keccak256("Reading(bytes32 deviceId,uint64 sequence,uint64 periodStart,uint64 periodEnd,uint64 energyWh)");
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "BatchAttestation(bytes32 merkleRoot,uint256 projectId,uint64 windowStart,uint64 windowEnd,uint64 energyWh,uint32 readingCount,bytes32 contentHash)"
    );
    uint256 public constant MAX_OPERATORS = 16;
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

    /// @param admin receives DEFAULT_ADMIN_ROLE; @param regulator receives REGULATOR_ROLE.
    /// Defaults: k = 1, a one-day challenge window, 5 % capacity tolerance.
    constructor(IParticipantRegistry registry_, IDeviceRegistry devices_, address admin, address regulator)
        EIP712("greenfi MRV", "1")
        ComplianceGuard(registry_)
    {
        if (address(devices_) == address(0) || admin == address(0) || regulator == address(0)) {
            revert RegistryZeroAddress();
        }
        devices = devices_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(REGULATOR_ROLE, regulator);
        _config = Config({challengeWindow: 1 days, toleranceBps: 500, threshold: 1, operatorCount: 0, occupied: 0});
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
    function setThreshold(uint8 threshold) external onlyRole(REGULATOR_ROLE) {
        uint8 count = _config.operatorCount;
        if (threshold == 0 || threshold > count) revert InvalidThreshold(threshold, count);
        _config.threshold = threshold;
        emit ThresholdSet(threshold);
    }

    /// @inheritdoc IMRVAnchor
    function setChallengeWindow(uint32 window) external onlyRole(REGULATOR_ROLE) {
        if (window == 0 || window > MAX_CHALLENGE_WINDOW) revert InvalidChallengeWindow(window);
        _config.challengeWindow = window;
        emit ChallengeWindowSet(window);
    }

    /// @inheritdoc IMRVAnchor
    function setCapacityTolerance(uint16 toleranceBps) external onlyRole(REGULATOR_ROLE) {
        if (toleranceBps > MAX_TOLERANCE_BPS) revert InvalidTolerance(toleranceBps);
        _config.toleranceBps = toleranceBps;
        emit CapacityToleranceSet(toleranceBps);
    }

    // ---------------------------------------------------------------- anchoring

    /// @inheritdoc IMRVAnchor
    function anchorBatch(BatchHeader calldata header, CompactSignature[] calldata cosignatures) external {
        bytes32 root = header.merkleRoot;
        if (root == bytes32(0)) revert ZeroRoot();
        if (header.projectId > type(uint64).max) revert ProjectIdTooLarge(header.projectId);
        if (header.windowStart >= header.windowEnd || header.windowEnd > block.timestamp) {
            revert InvalidWindow(header.windowStart, header.windowEnd);
        }
        if (header.energyWh > type(uint48).max) revert EnergyTooLarge(header.energyWh);
        if (header.readingCount == 0 || header.readingCount > type(uint24).max) {
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
            projectId: uint64(header.projectId),
            windowStart: uint32(header.windowStart),
            windowEnd: uint32(header.windowEnd),
            energyWh: uint48(header.energyWh),
            readingCount: uint24(header.readingCount),
            challengeEnd: uint32(block.timestamp + cfg.challengeWindow),
            status: BatchStatus.Anchored,
            signers: uint16(signers)
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
    function challengeReading(bytes32 batchId, SignedReading calldata signed, bytes32[] calldata proof) external {
        Batch memory b = _challengeable(batchId);
        if (!MerkleProof.verifyCalldata(proof, batchId, _leaf(signed))) revert NotIncluded(batchId);
        Fault fault = _fault(b, signed);
        if (fault == Fault.None) revert NoFault();
        _reject(batchId, b.signers, fault);
    }

    /// @inheritdoc IMRVAnchor
    function challengeConflict(
        bytes32 batchId,
        SignedReading calldata signed,
        bytes32[] calldata proof,
        bytes32 otherBatchId,
        SignedReading calldata otherSigned,
        bytes32[] calldata otherProof
    ) external {
        Batch memory b = _challengeable(batchId);
        Batch memory other = _batches[otherBatchId];
        if (other.status == BatchStatus.None) revert UnknownBatch(otherBatchId);
        if (other.status == BatchStatus.Rejected) revert InvalidBatchStatus(otherBatchId, other.status);
        // Of two conflicting batches the later one is rejected, so replaying an honest batch's
        // leaves in a new batch can only get the new batch rejected.
        if (b.challengeEnd < other.challengeEnd) revert NotLaterBatch(batchId, otherBatchId);
        bytes32 leaf = _leaf(signed);
        bytes32 otherLeaf = _leaf(otherSigned);
        if (!MerkleProof.verifyCalldata(proof, batchId, leaf)) revert NotIncluded(batchId);
        if (!MerkleProof.verifyCalldata(otherProof, otherBatchId, otherLeaf)) revert NotIncluded(otherBatchId);
        // One leaf at one position is no conflict. It occurs twice in one tree if two distinct
        // proofs verify (another path to the same root would be a hash collision) or if its
        // sibling is itself (twin leaves are adjacent in the sorted tree, often siblings).
        if (
            batchId == otherBatchId && leaf == otherLeaf && (proof.length == 0 || proof[0] != leaf)
                && keccak256(abi.encode(proof)) == keccak256(abi.encode(otherProof))
        ) revert NoFault();
        Reading calldata a = signed.reading;
        Reading calldata o = otherSigned.reading;
        // Only readings the device really signed can be in conflict: a forged twin is
        // challengeable on its own, and must not take an honest batch down with it.
        if (a.deviceId != o.deviceId || !_signedByDevice(signed) || !_signedByDevice(otherSigned)) revert NoFault();
        Fault fault;
        if (a.sequence == o.sequence) {
            fault = Fault.DuplicateSequence;
        } else {
            (Reading calldata lo, Reading calldata hi) = a.sequence < o.sequence ? (a, o) : (o, a);
            if (lo.periodEnd > hi.periodStart) fault = Fault.OutOfOrder;
        }
        if (fault == Fault.None) revert NoFault();
        _reject(batchId, b.signers, fault);
    }

    /// @inheritdoc IMRVAnchor
    function challengeTotals(bytes32 batchId, SignedReading[] calldata readings, bool[] calldata proofFlags) external {
        Batch memory b = _challengeable(batchId);
        uint256 count = readings.length;
        // No proof hashes: every flag must take a computed node, which makes the leaves the whole tree.
        if (count == 0 || proofFlags.length + 1 != count) revert NotIncluded(batchId);
        for (uint256 i; i < proofFlags.length; ++i) {
            if (!proofFlags[i]) revert NotIncluded(batchId);
        }
        bytes32[] memory leaves = new bytes32[](count);
        uint256 energy;
        for (uint256 i; i < count; ++i) {
            leaves[i] = _leaf(readings[i]);
            energy += readings[i].reading.energyWh;
        }
        if (!MerkleProof.multiProofVerify(new bytes32[](0), proofFlags, batchId, leaves)) revert NotIncluded(batchId);
        if (count == b.readingCount && energy == b.energyWh) revert NoFault();
        _reject(batchId, b.signers, Fault.WrongTotals);
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
    function proveReading(bytes32 batchId, Reading calldata reading, bytes32 r, bytes32 vs, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        BatchStatus status = _batches[batchId].status;
        if (status == BatchStatus.None) revert UnknownBatch(batchId);
        if (status == BatchStatus.Rejected) return false;
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(reading, r, vs))));
        if (!MerkleProof.verifyCalldata(proof, batchId, leaf)) return false;
        return _isDeviceSignature(reading, r, vs, devices.signerOf(reading.deviceId));
    }

    /// @inheritdoc IMRVAnchor
    function readingFault(bytes32 batchId, SignedReading calldata signed, bytes32[] calldata proof)
        external
        view
        returns (Fault)
    {
        Batch memory b = _batches[batchId];
        if (b.status == BatchStatus.None) revert UnknownBatch(batchId);
        if (!MerkleProof.verifyCalldata(proof, batchId, _leaf(signed))) revert NotIncluded(batchId);
        return _fault(b, signed);
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
        if (uint256(rd.energyWh) * 3600 * BPS > uint256(capacityW) * duration * (BPS + _config.toleranceBps)) {
            return Fault.OverCapacity;
        }
        return Fault.None;
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
