// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {vm} from "../../lib/Vm.sol";
import {HandlerBase} from "../../lib/HandlerBase.sol";
import {SumTreeModel} from "./SumTreeModel.sol";
import {spread} from "./Seeds.sol";
import {MRVAnchor} from "../../../../contracts/mrv/MRVAnchor.sol";
import {DeviceRegistry} from "../../../../contracts/mrv/DeviceRegistry.sol";
import {ParticipantRegistry} from "../../../../contracts/registry/ParticipantRegistry.sol";
import {ComplianceGuard} from "../../../../contracts/compliance/ComplianceGuard.sol";
import {IParticipantRegistry} from "../../../../contracts/interfaces/IParticipantRegistry.sol";
import {IDeviceRegistry} from "../../../../contracts/interfaces/IDeviceRegistry.sol";
import {IMRVAnchor} from "../../../../contracts/interfaces/IMRVAnchor.sol";

/// @title AnchorHandler
/// @notice Drives the real MRVAnchor and DeviceRegistry: three operators (k = 2 of 3, EIP-712
/// co-signatures via vm.sign) anchor batches of device-signed readings, fresh or replayed from an
/// earlier batch, in honest trees or trees that lie (a false energy or count at any node, an
/// unbalanced root), some holding a forged reading or one of a suspended device; anyone challenges
/// totals (any node opened), readings and "conflicts" that are replays, excludes and restores
/// replays, and finalizes; verifiers suspend and reactivate devices; the regulator freezes parties
/// and pauses the network. Invalid calls on purpose: an outsider or a lone operator anchoring, a
/// duplicate or foreign co-signer, a root anchored twice, a count of 0, an honest node opened, an
/// honest reading challenged, closed or rejected batches, an exclusion of no replay or twice or
/// from the earlier batch, a restoration of nothing, finalization early or twice.
/// @dev Time moves only through `warp`, and before it does a watcher acts as docs/mrv.md asks of
/// one: it challenges every lying or faulty batch whose window is about to close, then (in anchoring
/// order) restores readings counted in a rejected batch and excludes readings an earlier standing
/// batch counts. Every expectation comes from the ghost model, never from the anchor's own views.
contract AnchorHandler is HandlerBase {
    enum Status {
        Anchored,
        Rejected,
        Finalized
    }

    struct Parties {
        address[3] operators;
        uint256[3] operatorKeys;
        address[2] verifiers;
        address challenger;
        address outsider;
        uint256 outsiderKey;
        bytes32[4] deviceIds;
        uint256[4] deviceKeys;
    }

    struct GhostReading {
        IMRVAnchor.SignedReading signed;
        bytes32 digest;
        uint8 device;
        IMRVAnchor.Fault fault; // what challengeReading proves (None, BadSignature, DeviceInactive)
    }

    struct GhostBatch {
        bytes32 id;
        uint48 projectId;
        uint64 windowStart;
        uint64 windowEnd;
        uint64 challengeEnd;
        uint16 signers;
        Status status;
        bool skewed;
        uint8 lieLo;
        uint8 lieHi;
        int64 lieEnergy;
        int8 lieCount;
        uint16[] readings; // per leaf, the reading's index
        bytes32[4] countedIn; // per leaf, the batch counting it instead (0: counted here)
    }

    /// @dev A batch being put together by `anchorBatch`.
    struct Draft {
        uint48 projectId;
        uint16[] readings;
        bool skewed;
        uint8 lieLo;
        uint8 lieHi;
        int64 lieEnergy;
        int8 lieCount;
    }

    uint256 public constant MAX_BATCHES = 48;
    uint256 public constant DEVICES = 4; // devices 0-2: project 1; device 3: project 2
    uint64 internal constant SLOT = 15 minutes;
    uint256 internal constant MAX_SLOT_WH = 2_500; // 10 kW for 15 minutes
    uint256 internal constant FORGER_KEY = 0xF0F0;
    uint256 internal constant BIG_LIE = 1e9;

    MRVAnchor public immutable anchor;
    DeviceRegistry public immutable devices;
    Parties internal _parties;

    GhostReading[] internal _readings;
    GhostBatch[] internal _batches;
    mapping(bytes32 batchId => uint256) internal _indexPlusOne;
    uint64[DEVICES] internal _cursor;
    uint64[DEVICES] internal _sequence;
    uint64[2][][DEVICES] internal _suspensions; // (suspendedAt, resumedAt or 0) per device
    bool[DEVICES] internal _suspended;

    // The governed parameters in force (MRVAnchor's defaults, then `govern`).
    uint8 internal _threshold = 2;
    uint32 internal _challengeWindow = 1 days;

    // What the next call may write: its batches, reading and device (see _fingerprint).
    bytes32[2] internal _focusBatches;
    bytes32 internal _focusDigest;
    uint256 internal _focusDevice;

    /// @notice Ghost: Σ counted energy of each project's finalized batches.
    mapping(uint256 projectId => uint256) public ghostFinalizedWh;

    constructor(
        MRVAnchor anchor_,
        DeviceRegistry devices_,
        ParticipantRegistry registry_,
        address regulator_,
        Parties memory parties_,
        address[] memory actors_
    ) HandlerBase(registry_, regulator_, actors_) {
        anchor = anchor_;
        devices = devices_;
        _parties = parties_;
        for (uint256 d; d < DEVICES; ++d) {
            _cursor[d] = uint64(block.timestamp);
        }
    }

    // ---------------------------------------------------------------- anchoring

    /// @notice Anchor a batch of fresh readings (five in eight) or of readings replayed from an
    /// earlier batch with fresh ones; a lie in one batch of four, signed by a valid pair of
    /// operators in five of eight, else refused for its signers.
    function anchorBatch(uint256 shape, uint256 energySeed, uint256 lieSeed, uint256 signSeed) external {
        if (_batches.length == MAX_BATCHES) return;
        (shape, energySeed, lieSeed, signSeed) = (spread(shape), spread(energySeed), spread(lieSeed), spread(signSeed));
        Draft memory draft = shape % 8 >= 5 && _batches.length != 0 ? _replayDraft(shape, energySeed) : _freshDraft(shape, energySeed);
        if (draft.readings.length == 0) return;
        _chooseLie(draft, lieSeed);
        SumTreeModel.Tree memory t = _tree(draft.readings, draft.skewed, draft.lieLo, draft.lieHi, draft.lieEnergy, draft.lieCount);
        IMRVAnchor.BatchHeader memory header = _header(draft, SumTreeModel.root(t));
        (address submitter, IMRVAnchor.CompactSignature[] memory cosignatures, uint16 signers) = _signers(header, signSeed);
        bytes4 expected = _anchorError(header, submitter, cosignatures);
        _focus(header.merkleRoot, bytes32(0), bytes32(0));
        _call(submitter, address(anchor), abi.encodeCall(anchor.anchorBatch, (header, cosignatures)), expected, "anchorBatch");
        if (expected == SUCCEEDS) _record(draft, header, signers);
    }

    function _freshDraft(uint256 shape, uint256 energySeed) private returns (Draft memory draft) {
        draft.projectId = uint48(1 + (shape >> 8) % 2);
        uint256 n = 1 + (shape >> 16) % 4;
        uint16[] memory picked = new uint16[](n);
        uint256 count;
        for (uint256 k; k < n; ++k) {
            uint256 device = draft.projectId == 2 ? 3 : (shape >> (24 + 2 * k)) % 3;
            // One reading in eight is signed by a key that is not the device's.
            (bool ok, uint16 index) = _newReading(device, energySeed >> (16 * k), (shape >> (40 + 3 * k)) % 8 == 0);
            if (ok) picked[count++] = index;
        }
        draft.readings = _prefix(picked, count);
    }

    /// @dev Up to three honest readings of an earlier batch, not rejected if there is one (a rogue
    /// or redundant operator's replay), with up to two fresh ones of the same project.
    function _replayDraft(uint256 shape, uint256 energySeed) private returns (Draft memory draft) {
        uint256 n = _batches.length;
        uint256 from = (shape >> 8) % n;
        GhostBatch storage old = _batches[from];
        for (uint256 k = 1; k < n && old.status == Status.Rejected; ++k) {
            old = _batches[(from + k) % n];
        }
        draft.projectId = old.projectId;
        uint16[] memory picked = new uint16[](4);
        uint256 count;
        for (uint256 k; k < old.readings.length && count < 3; ++k) {
            uint16 r = old.readings[k];
            if ((shape >> (16 + k)) & 1 == 1 && _readings[r].fault == IMRVAnchor.Fault.None) picked[count++] = r;
        }
        for (uint256 k; k < (shape >> 24) % 3 && count < 4; ++k) {
            uint256 device = draft.projectId == 2 ? 3 : (shape >> (32 + 2 * k)) % 3;
            (bool ok, uint16 index) = _newReading(device, energySeed >> (16 * k), false);
            if (ok) picked[count++] = index;
        }
        draft.readings = _prefix(picked, count);
    }

    /// @dev Honest (five in eight), a false energy or count at a random node (two in eight), or
    /// an unbalanced root (one in eight; a true other shape for three leaves).
    function _chooseLie(Draft memory draft, uint256 lieSeed) private view {
        uint256 kind = lieSeed % 8;
        if (kind == 7) draft.skewed = draft.readings.length >= 3;
        if (kind < 5 || kind == 7) return;
        SumTreeModel.Tree memory honest = _tree(draft.readings, false, 0, 0, 0, 0);
        (uint256 lo, uint256 hi) = SumTreeModel.pick(honest, lieSeed >> 8);
        IMRVAnchor.SumNode memory truth = SumTreeModel.opening(honest, lo, hi);
        (draft.lieLo, draft.lieHi) = (uint8(lo), uint8(hi));
        uint256 what = (lieSeed >> 32) % 5;
        if (what == 0) draft.lieEnergy = 1;
        else if (what == 1) draft.lieEnergy = truth.energyWh >= 1 ? -1 : int64(2);
        else if (what == 2) draft.lieEnergy = int64(int256(BIG_LIE));
        else if (what == 3) draft.lieCount = 1;
        else draft.lieCount = -1; // a count of 0 at the root is refused at anchoring
    }

    function _header(Draft memory draft, IMRVAnchor.SumNode memory root)
        private
        view
        returns (IMRVAnchor.BatchHeader memory header)
    {
        (uint64 start, uint64 end) = _window(draft.readings);
        header = IMRVAnchor.BatchHeader(
            root.hash, draft.projectId, start, end, uint64(root.energyWh), uint32(root.count), keccak256(abi.encode(root.hash))
        );
    }

    /// @dev Who submits and who co-signs: a valid pair (or all three), or one flaw.
    function _signers(IMRVAnchor.BatchHeader memory header, uint256 signSeed)
        private
        view
        returns (address submitter, IMRVAnchor.CompactSignature[] memory cosignatures, uint16 signers)
    {
        uint256 i = (signSeed >> 8) % 3;
        uint256 j = (i + 1 + (signSeed >> 16) % 2) % 3;
        submitter = _parties.operators[i];
        signers = uint16((1 << i) | (1 << j));
        uint256 kind = signSeed % 8;
        if (kind == 4) {
            cosignatures = new IMRVAnchor.CompactSignature[](2);
            cosignatures[0] = _cosign(header, _parties.operatorKeys[(i + 1) % 3]);
            cosignatures[1] = _cosign(header, _parties.operatorKeys[(i + 2) % 3]);
            signers = 7;
            return (submitter, cosignatures, signers);
        }
        if (kind == 5) return (submitter, new IMRVAnchor.CompactSignature[](0), uint16(1 << i)); // a lone operator
        cosignatures = new IMRVAnchor.CompactSignature[](1);
        uint256 key = _parties.operatorKeys[j];
        if (kind == 6) key = _parties.operatorKeys[i]; // the submitter co-signs itself
        else if (kind == 7 && (signSeed >> 24) % 2 == 0) key = _parties.outsiderKey;
        else if (kind == 7) submitter = _parties.outsider;
        cosignatures[0] = _cosign(header, key);
    }

    function _cosign(IMRVAnchor.BatchHeader memory header, uint256 key)
        private
        view
        returns (IMRVAnchor.CompactSignature memory)
    {
        (bytes32 r, bytes32 vs) = _compactSign(key, anchor.attestationDigest(header));
        return IMRVAnchor.CompactSignature(r, vs);
    }

    /// @dev The refusal anchorBatch must give, in the contract's documented order, or SUCCEEDS.
    function _anchorError(
        IMRVAnchor.BatchHeader memory header,
        address submitter,
        IMRVAnchor.CompactSignature[] memory cosignatures
    ) private view returns (bytes4) {
        if (header.readingCount == 0) return IMRVAnchor.InvalidReadingCount.selector;
        if (_indexPlusOne[header.merkleRoot] != 0) return IMRVAnchor.BatchExists.selector;
        uint256 slot = _operatorSlot(submitter);
        if (slot == 3) return IMRVAnchor.NotOperator.selector;
        bytes4 err = _guardError(registry.canActAs(submitter, IParticipantRegistry.Kind.OracleOperator));
        if (err != SUCCEEDS) return err;
        uint256 seen = 1 << slot;
        bytes32 digest = anchor.attestationDigest(header);
        for (uint256 k; k < cosignatures.length; ++k) {
            address cosigner = _recover(digest, cosignatures[k]);
            uint256 s = _operatorSlot(cosigner);
            if (s == 3) return IMRVAnchor.NotOperator.selector;
            if (seen & (1 << s) != 0) return IMRVAnchor.DuplicateSigner.selector;
            err = _guardError(registry.canActAs(cosigner, IParticipantRegistry.Kind.OracleOperator));
            if (err != SUCCEEDS) return err;
            seen |= 1 << s;
        }
        return cosignatures.length + 1 < _threshold ? IMRVAnchor.InsufficientSignatures.selector : SUCCEEDS;
    }

    function _record(Draft memory draft, IMRVAnchor.BatchHeader memory header, uint16 signers) private {
        GhostBatch storage g = _batches.push();
        g.id = header.merkleRoot;
        g.projectId = draft.projectId;
        (g.windowStart, g.windowEnd) = (header.windowStart, header.windowEnd);
        g.challengeEnd = uint64(block.timestamp + _challengeWindow);
        g.signers = signers;
        g.skewed = draft.skewed;
        (g.lieLo, g.lieHi, g.lieEnergy, g.lieCount) = (draft.lieLo, draft.lieHi, draft.lieEnergy, draft.lieCount);
        g.readings = draft.readings;
        _indexPlusOne[g.id] = _batches.length;
    }

    // ---------------------------------------------------------------- challenges

    /// @notice Open one node of a batch's tree: its highest false statement (half the time, when
    /// there is one) or any node; it rejects the batch exactly when the model finds a fault there.
    function challengeTotals(uint256 batchSeed, uint256 nodeSeed, uint256 callerSeed) external {
        if (_batches.length == 0) return;
        uint256 b = batchSeed % _batches.length;
        SumTreeModel.Tree memory t = treeOf(b);
        (bool lying, uint256 lo, uint256 hi) = SumTreeModel.firstFault(t);
        nodeSeed = spread(nodeSeed);
        if (!lying || nodeSeed % 2 == 0) (lo, hi) = SumTreeModel.pick(t, nodeSeed >> 1);
        _challengeTotals(b, t, lo, hi, _anyone(callerSeed));
    }

    function _challengeTotals(uint256 b, SumTreeModel.Tree memory t, uint256 lo, uint256 hi, address caller) private {
        GhostBatch storage g = _batches[b];
        IMRVAnchor.TotalsProof memory proof = SumTreeModel.proof(t, lo, hi, _readings[g.readings[lo]].signed);
        bytes4 expected = _challengeableError(g);
        if (expected == SUCCEEDS && !SumTreeModel.reachesRoot(t, lo, hi, true)) expected = IMRVAnchor.NotIncluded.selector;
        if (expected == SUCCEEDS && SumTreeModel.fault(t, lo, hi) == IMRVAnchor.Fault.None) expected = IMRVAnchor.NoFault.selector;
        _focus(g.id, bytes32(0), bytes32(0));
        _call(caller, address(anchor), abi.encodeCall(anchor.challengeTotals, (g.id, proof)), expected, "challengeTotals");
        if (expected == SUCCEEDS) g.status = Status.Rejected;
    }

    /// @notice Challenge one included reading: it rejects the batch exactly when the reading is
    /// forged or its device was inactive during its period.
    function challengeReading(uint256 batchSeed, uint256 leafSeed, uint256 callerSeed) external {
        if (_batches.length == 0) return;
        uint256 b = batchSeed % _batches.length;
        _challengeReading(b, leafSeed % _batches[b].readings.length, _anyone(callerSeed));
    }

    function _challengeReading(uint256 b, uint256 leaf, address caller) private {
        GhostBatch storage g = _batches[b];
        GhostReading storage rd = _readings[g.readings[leaf]];
        bytes4 expected = _challengeableError(g);
        if (expected == SUCCEEDS && !_includable(g, leaf)) expected = IMRVAnchor.NotIncluded.selector;
        if (expected == SUCCEEDS && rd.fault == IMRVAnchor.Fault.None) expected = IMRVAnchor.NoFault.selector;
        bytes memory data = abi.encodeCall(anchor.challengeReading, (g.id, rd.signed, _leafPath(b, leaf)));
        _focus(g.id, bytes32(0), rd.digest);
        _call(caller, address(anchor), data, expected, "challengeReading");
        if (expected == SUCCEEDS) g.status = Status.Rejected;
    }

    /// @notice A replay presented as a conflict (the same reading in another batch, or at the same
    /// position twice): never a fault.
    function challengeReplayAsConflict(uint256 batchSeed, uint256 leafSeed, uint256 callerSeed) external {
        if (_batches.length == 0) return;
        uint256 b = batchSeed % _batches.length;
        GhostBatch storage g = _batches[b];
        uint256 i = leafSeed % g.readings.length;
        (uint256 o, uint256 j) = _holder(g.readings[i], b, leafSeed >> 8);
        GhostBatch storage other = _batches[o];
        bytes4 expected = _challengeableError(g);
        if (expected == SUCCEEDS && other.status == Status.Rejected) expected = IMRVAnchor.InvalidBatchStatus.selector;
        if (expected == SUCCEEDS && g.challengeEnd < other.challengeEnd) expected = IMRVAnchor.NotLaterBatch.selector;
        if (expected == SUCCEEDS && (!_includable(g, i) || !_includable(other, j))) expected = IMRVAnchor.NotIncluded.selector;
        if (expected == SUCCEEDS) expected = IMRVAnchor.NoFault.selector;
        GhostReading storage rd = _readings[g.readings[i]];
        bytes memory data = abi.encodeCall(
            anchor.challengeConflict, (g.id, rd.signed, _leafPath(b, i), other.id, rd.signed, _leafPath(o, j))
        );
        _focus(g.id, other.id, rd.digest);
        _call(_anyone(callerSeed), address(anchor), data, expected, "challengeConflict (replay)");
    }

    // ---------------------------------------------------------------- replays

    /// @notice Exclude a reading of one batch as counted in another (mostly a batch holding the
    /// same reading, so valid and invalid pairs both occur).
    function excludeReplay(uint256 batchSeed, uint256 leafSeed, uint256 otherSeed, uint256 callerSeed) external {
        if (_batches.length == 0) return;
        uint256 b = batchSeed % _batches.length;
        uint256 i = leafSeed % _batches[b].readings.length;
        otherSeed = spread(otherSeed);
        (uint256 o, uint256 j) = _holder(_batches[b].readings[i], b, otherSeed >> 8);
        if (otherSeed % 4 == 0) {
            o = (otherSeed >> 8) % _batches.length;
            j = (otherSeed >> 16) % _batches[o].readings.length;
        }
        _excludeReplay(b, i, o, j, _anyone(callerSeed));
    }

    function _excludeReplay(uint256 b, uint256 i, uint256 o, uint256 j, address caller) private {
        GhostBatch storage g = _batches[b];
        GhostBatch storage other = _batches[o];
        GhostReading storage rd = _readings[g.readings[i]];
        bytes4 expected = _excludeError(b, i, o, j);
        bytes memory data = abi.encodeCall(
            anchor.excludeReplay,
            (g.id, rd.signed, _leafPath(b, i), other.id, _readings[other.readings[j]].signed, _leafPath(o, j))
        );
        _focus(g.id, other.id, rd.digest);
        _call(caller, address(anchor), data, expected, "excludeReplay");
        if (expected == SUCCEEDS) g.countedIn[i] = other.id;
    }

    /// @dev excludeReplay's refusal in the documented order, or SUCCEEDS.
    function _excludeError(uint256 b, uint256 i, uint256 o, uint256 j) private view returns (bytes4) {
        GhostBatch storage g = _batches[b];
        GhostBatch storage other = _batches[o];
        bytes4 err = _challengeableError(g);
        if (err != SUCCEEDS) return err;
        if (other.status == Status.Rejected) return IMRVAnchor.InvalidBatchStatus.selector;
        if (!_earlier(o, b)) return IMRVAnchor.NotLaterBatch.selector;
        if (!_includable(g, i) || !_includable(other, j)) return IMRVAnchor.NotIncluded.selector;
        GhostReading storage rd = _readings[g.readings[i]];
        if (
            other.projectId != g.projectId || g.readings[i] != other.readings[j] || rd.fault == IMRVAnchor.Fault.BadSignature
        ) return IMRVAnchor.NotReplay.selector;
        if (g.countedIn[i] != 0 || other.countedIn[j] != 0) return IMRVAnchor.AlreadyExcluded.selector;
        (uint256 energy, uint256 count) = countedTotals(b);
        if (energy < rd.signed.reading.energyWh || count == 0) return IMRVAnchor.NotReplay.selector;
        return SUCCEEDS;
    }

    /// @notice Count an excluded reading again: valid exactly when the batch that counted it instead is rejected.
    function restoreReplay(uint256 batchSeed, uint256 leafSeed, uint256 callerSeed) external {
        if (_batches.length == 0) return;
        uint256 b = batchSeed % _batches.length;
        _restoreReplay(b, leafSeed % _batches[b].readings.length, _anyone(callerSeed));
    }

    function _restoreReplay(uint256 b, uint256 i, address caller) private {
        GhostBatch storage g = _batches[b];
        bytes32 countedIn = g.countedIn[i];
        bytes4 expected = _challengeableError(g);
        if (expected == SUCCEEDS && (countedIn == 0 || _batches[_indexPlusOne[countedIn] - 1].status != Status.Rejected)) {
            expected = IMRVAnchor.NotRestorable.selector;
        }
        bytes memory data = abi.encodeCall(anchor.restoreReplay, (g.id, _readings[g.readings[i]].signed.reading));
        _focus(g.id, countedIn, _readings[g.readings[i]].digest);
        _call(caller, address(anchor), data, expected, "restoreReplay");
        if (expected == SUCCEEDS) g.countedIn[i] = 0;
    }

    // ---------------------------------------------------------------- finality and time

    /// @notice Finalize a batch: valid once its window has passed, if neither rejected nor final.
    function finalize(uint256 batchSeed, uint256 callerSeed) external {
        if (_batches.length == 0) return;
        uint256 b = batchSeed % _batches.length;
        GhostBatch storage g = _batches[b];
        bytes4 expected = registry.paused()
            ? ComplianceGuard.NetworkPaused.selector
            : g.status != Status.Anchored
                ? IMRVAnchor.InvalidBatchStatus.selector
                : block.timestamp < g.challengeEnd ? IMRVAnchor.ChallengeWindowOpen.selector : SUCCEEDS;
        _focus(g.id, bytes32(0), bytes32(0));
        _call(_anyone(callerSeed), address(anchor), abi.encodeCall(anchor.finalize, (g.id)), expected, "finalize");
        if (expected != SUCCEEDS) return;
        g.status = Status.Finalized;
        (uint256 energy,) = countedTotals(b);
        ghostFinalizedWh[g.projectId] += energy;
    }

    /// @notice Time passes (1 to 30 hours); first the watcher acts on every batch whose
    /// challenge window closes meanwhile.
    function warp(uint256 seconds_) external {
        uint256 to = block.timestamp + _bound(seconds_, 1 hours, 30 hours);
        _watchBefore(to);
        vm.warp(to);
    }

    /// @dev Reject what is disprovable, then restore and exclude replays, in anchoring order.
    function _watchBefore(uint256 to) private {
        uint256[] memory closing = _closingInOrder(to);
        for (uint256 k; k < closing.length; ++k) {
            uint256 b = closing[k];
            SumTreeModel.Tree memory t = treeOf(b);
            (bool lying, uint256 lo, uint256 hi) = SumTreeModel.firstFault(t);
            if (lying) {
                _challengeTotals(b, t, lo, hi, _parties.challenger);
                continue;
            }
            uint16[] storage leaves = _batches[b].readings;
            for (uint256 i; i < leaves.length; ++i) {
                if (_readings[leaves[i]].fault != IMRVAnchor.Fault.None) {
                    _challengeReading(b, i, _parties.challenger);
                    break;
                }
            }
        }
        for (uint256 k; k < closing.length; ++k) {
            _settleReplays(closing[k]);
        }
    }

    function _settleReplays(uint256 b) private {
        GhostBatch storage g = _batches[b];
        if (g.status != Status.Anchored) return;
        for (uint256 i; i < g.readings.length; ++i) {
            bytes32 countedIn = g.countedIn[i];
            if (countedIn != 0 && _batches[_indexPlusOne[countedIn] - 1].status == Status.Rejected) {
                _restoreReplay(b, i, _parties.challenger);
            }
            if (g.countedIn[i] != 0) continue;
            (bool found, uint256 o, uint256 j) = _firstCounting(g.readings[i], b);
            if (found && _earlier(o, b)) _excludeReplay(b, i, o, j, _parties.challenger);
        }
    }

    // ---------------------------------------------------------------- governance

    /// @notice The regulator (GOVERNOR_ROLE; now and then anyone else) sets the threshold (1 to 3
    /// of 3), the challenge window of later batches (1 hour to 3 days) or the capacity tolerance;
    /// one call in six asks for a value out of range (k = 0 or above the operators, a window of 0
    /// or above 30 days, a tolerance above 100 %).
    function govern(uint256 seed) external {
        seed = spread(seed);
        address caller = (seed >> 8) % 6 == 0 ? _actor(seed >> 16) : regulator;
        bool wrong = (seed >> 24) % 6 == 0;
        uint256 what = seed % 3;
        uint256 value = seed >> 32;
        bytes memory data;
        bytes4 invalid;
        if (what == 0) {
            value = wrong ? ((value & 1) == 0 ? 0 : 4) : 1 + value % 3;
            (data, invalid) = (abi.encodeCall(anchor.setThreshold, (uint8(value))), IMRVAnchor.InvalidThreshold.selector);
        } else if (what == 1) {
            value = wrong ? ((value & 1) == 0 ? 0 : 30 days + 1 + value % 1 days) : 1 hours + value % 3 days;
            (data, invalid) = (abi.encodeCall(anchor.setChallengeWindow, (uint32(value))), IMRVAnchor.InvalidChallengeWindow.selector);
        } else {
            value = wrong ? 10_001 + value % 50_000 : value % 10_001;
            (data, invalid) = (abi.encodeCall(anchor.setCapacityTolerance, (uint16(value))), IMRVAnchor.InvalidTolerance.selector);
        }
        bytes4 expected = caller != regulator ? IAccessControl.AccessControlUnauthorizedAccount.selector : wrong ? invalid : SUCCEEDS;
        _focus(bytes32(0), bytes32(0), bytes32(0));
        _call(caller, address(anchor), data, expected, what == 0 ? "setThreshold" : what == 1 ? "setChallengeWindow" : "setCapacityTolerance");
        if (expected != SUCCEEDS) return;
        if (what == 0) _threshold = uint8(value);
        else if (what == 1) _challengeWindow = uint32(value);
    }

    // ---------------------------------------------------------------- devices

    /// @notice A verifier (or now and then anyone) reactivates the suspended device if there is
    /// one, else suspends a device in one pick of three: one device at a time, so most readings
    /// stay valid. One call in eight asks for the transition the device is not in.
    function toggleDevice(uint256 seed) external {
        seed = spread(seed);
        uint256 d = seed % DEVICES;
        for (uint256 k; k < DEVICES; ++k) {
            if (_suspended[k]) d = k;
        }
        if (!_suspended[d] && (seed >> 40) % 3 != 0) return;
        address caller = (seed >> 8) % 5 == 0 ? _actor(seed >> 16) : _parties.verifiers[(seed >> 24) % 2];
        bool suspend = _suspended[d] == ((seed >> 32) % 8 == 0);
        bytes32 id = _parties.deviceIds[d];
        bytes4 expected = registry.paused() ? ComplianceGuard.NetworkPaused.selector : SUCCEEDS;
        if (expected == SUCCEEDS && suspend == _suspended[d]) expected = IDeviceRegistry.InvalidDeviceStatus.selector;
        if (expected == SUCCEEDS && suspend && _suspensions[d].length == 64) expected = IDeviceRegistry.TooManySuspensions.selector;
        if (expected == SUCCEEDS) expected = _guardError(registry.canActAs(caller, IParticipantRegistry.Kind.Verifier));
        bytes memory data = suspend ? abi.encodeCall(devices.suspend, (id, bytes32(0))) : abi.encodeCall(devices.activate, (id));
        _focus(bytes32(0), bytes32(0), bytes32(0));
        _focusDevice = d;
        _call(caller, address(devices), data, expected, suspend ? "suspend" : "activate");
        if (expected != SUCCEEDS) return;
        _suspended[d] = suspend;
        if (suspend) {
            _suspensions[d].push([uint64(block.timestamp), 0]);
            return;
        }
        uint64[2][] storage history = _suspensions[d];
        if (history[history.length - 1][0] == block.timestamp) history.pop();
        else history[history.length - 1][1] = uint64(block.timestamp);
    }

    // ---------------------------------------------------------------- views for the suites

    function batchCount() external view returns (uint256) {
        return _batches.length;
    }

    function batchAt(uint256 b) external view returns (GhostBatch memory) {
        return _batches[b];
    }

    function readingCount() external view returns (uint256) {
        return _readings.length;
    }

    function readingAt(uint256 r) external view returns (GhostReading memory) {
        return _readings[r];
    }

    function operatorAt(uint256 i) external view returns (address) {
        return _parties.operators[i];
    }

    /// @notice Batch b's tree as its operators committed to it.
    function treeOf(uint256 b) public view returns (SumTreeModel.Tree memory) {
        GhostBatch storage g = _batches[b];
        return _tree(g.readings, g.skewed, g.lieLo, g.lieHi, g.lieEnergy, g.lieCount);
    }

    /// @notice What batch b counts in the model: its header's totals less the readings excluded from it.
    function countedTotals(uint256 b) public view returns (uint256 energy, uint256 count) {
        GhostBatch storage g = _batches[b];
        IMRVAnchor.SumNode memory root = SumTreeModel.root(treeOf(b));
        (energy, count) = (root.energyWh, root.count);
        for (uint256 i; i < g.readings.length; ++i) {
            if (g.countedIn[i] == 0) continue;
            energy -= _readings[g.readings[i]].signed.reading.energyWh;
            count -= 1;
        }
    }

    /// @notice The totals proof and path of leaf `leaf` of batch b (for the suites' checks).
    function leafPath(uint256 b, uint256 leaf) external view returns (IMRVAnchor.SumPath memory) {
        return _leafPath(b, leaf);
    }

    // ---------------------------------------------------------------- model helpers

    function _newReading(uint256 d, uint256 energySeed, bool forged) private returns (bool ok, uint16 index) {
        uint64 start = _cursor[d];
        if (start + 6 hours < block.timestamp) start = uint64(block.timestamp - 6 hours);
        uint64 end = start + SLOT;
        if (end > block.timestamp) return (false, 0);
        _cursor[d] = end;
        IMRVAnchor.Reading memory reading =
            IMRVAnchor.Reading(_parties.deviceIds[d], ++_sequence[d], start, end, uint64(energySeed % (MAX_SLOT_WH + 1)));
        bytes32 digest = anchor.readingDigest(reading);
        (bytes32 r, bytes32 vs) = _compactSign(forged ? FORGER_KEY : _parties.deviceKeys[d], digest);
        IMRVAnchor.Fault fault = _inactiveDuring(d, start, end)
            ? IMRVAnchor.Fault.DeviceInactive
            : forged ? IMRVAnchor.Fault.BadSignature : IMRVAnchor.Fault.None;
        _readings.push(GhostReading(IMRVAnchor.SignedReading(reading, r, vs), digest, uint8(d), fault));
        return (true, uint16(_readings.length - 1));
    }

    /// @dev Whether device d's period [start, end) meets one of its suspensions (docs/mrv.md).
    function _inactiveDuring(uint256 d, uint64 start, uint64 end) private view returns (bool) {
        uint64[2][] storage history = _suspensions[d];
        for (uint256 k; k < history.length; ++k) {
            if (history[k][0] < end && (history[k][1] == 0 || history[k][1] > start)) return true;
        }
        return false;
    }

    function _tree(uint16[] memory readings, bool skewed, uint8 lieLo, uint8 lieHi, int64 lieEnergy, int8 lieCount)
        private
        view
        returns (SumTreeModel.Tree memory t)
    {
        t.leafHashes = new bytes32[](readings.length);
        t.energies = new uint256[](readings.length);
        for (uint256 i; i < readings.length; ++i) {
            GhostReading storage rd = _readings[readings[i]];
            t.leafHashes[i] = keccak256(bytes.concat(keccak256(abi.encode(rd.signed.reading, rd.signed.r, rd.signed.vs))));
            t.energies[i] = rd.signed.reading.energyWh;
        }
        (t.skewed, t.lieLo, t.lieHi, t.lieEnergy, t.lieCount) = (skewed, lieLo, lieHi, lieEnergy, lieCount);
    }

    function _leafPath(uint256 b, uint256 leaf) private view returns (IMRVAnchor.SumPath memory) {
        return SumTreeModel.path(treeOf(b), leaf, leaf + 1);
    }

    /// @dev Whether a reading is included: its leaf climbs to the root (no node above it but the
    /// root states a lie).
    function _includable(GhostBatch storage g, uint256 leaf) private view returns (bool) {
        if (g.lieHi == 0) return true;
        return SumTreeModel.reachesRoot(treeOf(_indexPlusOne[g.id] - 1), leaf, leaf + 1, false);
    }

    /// @dev challengeable(): the batch is anchored (not rejected or final) and its window open.
    function _challengeableError(GhostBatch storage g) private view returns (bytes4) {
        if (g.status != Status.Anchored) return IMRVAnchor.InvalidBatchStatus.selector;
        if (block.timestamp >= g.challengeEnd) return IMRVAnchor.ChallengeWindowClosed.selector;
        return SUCCEEDS;
    }

    /// @dev Whether batch a was anchored before batch b: earlier challenge end, ties by the smaller id.
    function _earlier(uint256 a, uint256 b) private view returns (bool) {
        GhostBatch storage x = _batches[a];
        GhostBatch storage y = _batches[b];
        return x.challengeEnd < y.challengeEnd || (x.challengeEnd == y.challengeEnd && x.id < y.id);
    }

    /// @dev A batch (other than `except`, when another exists) holding reading r, and its leaf;
    /// `seed` picks among them.
    function _holder(uint16 r, uint256 except, uint256 seed) private view returns (uint256, uint256) {
        uint256 n = _batches.length;
        for (uint256 k; k < n; ++k) {
            uint256 o = (seed + k) % n;
            if (o == except) continue;
            uint16[] storage leaves = _batches[o].readings;
            for (uint256 j; j < leaves.length; ++j) {
                if (leaves[j] == r) return (o, j);
            }
        }
        uint16[] storage own = _batches[except].readings;
        for (uint256 j; j < own.length; ++j) {
            if (own[j] == r) return (except, j);
        }
        revert("reading in no batch");
    }

    /// @dev The earliest standing batch other than `except` that counts reading r, and its leaf.
    function _firstCounting(uint16 r, uint256 except) private view returns (bool found, uint256 best, uint256 leaf) {
        for (uint256 o; o < _batches.length; ++o) {
            GhostBatch storage g = _batches[o];
            if (o == except || g.status == Status.Rejected || (found && !_earlier(o, best))) continue;
            for (uint256 j; j < g.readings.length; ++j) {
                if (g.readings[j] == r && g.countedIn[j] == 0) (found, best, leaf) = (true, o, j);
            }
        }
    }

    /// @dev The anchored batches whose window closes by `to`, earliest first.
    function _closingInOrder(uint256 to) private view returns (uint256[] memory closing) {
        uint256[] memory all = new uint256[](_batches.length);
        uint256 n;
        for (uint256 b; b < _batches.length; ++b) {
            GhostBatch storage g = _batches[b];
            if (g.status != Status.Anchored || g.challengeEnd <= block.timestamp || g.challengeEnd > to) continue;
            uint256 k = n++;
            for (; k > 0 && _earlier(b, all[k - 1]); --k) {
                all[k] = all[k - 1];
            }
            all[k] = b;
        }
        closing = new uint256[](n);
        for (uint256 k; k < n; ++k) {
            closing[k] = all[k];
        }
    }

    function _window(uint16[] memory readings) private view returns (uint64 start, uint64 end) {
        start = type(uint64).max;
        for (uint256 i; i < readings.length; ++i) {
            IMRVAnchor.Reading storage rd = _readings[readings[i]].signed.reading;
            if (rd.periodStart < start) start = rd.periodStart;
            if (rd.periodEnd > end) end = rd.periodEnd;
        }
    }

    function _operatorSlot(address account) private view returns (uint256) {
        for (uint256 i; i < 3; ++i) {
            if (_parties.operators[i] == account) return i;
        }
        return 3;
    }

    function _anyone(uint256 seed) private view returns (address) {
        seed = spread(seed);
        return seed % 4 == 0 ? _actor(seed >> 8) : _parties.challenger;
    }

    function _compactSign(uint256 key, bytes32 digest) private pure returns (bytes32 r, bytes32 vs) {
        (uint8 v, bytes32 r_, bytes32 s) = vm.sign(key, digest);
        return (r_, bytes32(uint256(s) | (uint256(v - 27) << 255)));
    }

    function _recover(bytes32 digest, IMRVAnchor.CompactSignature memory sig) private pure returns (address) {
        uint8 v = uint8(uint256(sig.vs) >> 255) + 27;
        bytes32 s = bytes32(uint256(sig.vs) & ((1 << 255) - 1));
        return ecrecover(digest, v, sig.r, s);
    }

    function _prefix(uint16[] memory picked, uint256 count) private pure returns (uint16[] memory out) {
        out = new uint16[](count);
        for (uint256 k; k < count; ++k) {
            out[k] = picked[k];
        }
    }

    function _focus(bytes32 batchId, bytes32 otherId, bytes32 digest) private {
        (_focusBatches[0], _focusBatches[1], _focusDigest, _focusDevice) = (batchId, otherId, digest, 0);
    }

    /// @dev What a refusal must leave as it was: the records of the batches the call names (the
    /// only ones it could write: a new root, the challenged or excluding batch and the other one),
    /// their exclusion of the call's reading, the named device's record and suspensions, every
    /// operator's misbehaviour count, the finalized totals and the configuration. The whole state
    /// is compared with the model by the invariants every 50 calls.
    function _fingerprint() internal view virtual override returns (bytes32 h) {
        for (uint256 k; k < 2; ++k) {
            bytes32 id = _focusBatches[k];
            (uint64 e, uint32 c) = anchor.excluded(id);
            h = keccak256(abi.encode(h, anchor.batch(id), e, c, anchor.countedInstead(id, _focusDigest)));
        }
        bytes32 device = _parties.deviceIds[_focusDevice];
        (uint8 k_, uint8 n_, uint32 window, uint16 tolerance) = anchor.config();
        h = keccak256(abi.encode(h, devices.device(device), devices.suspensions(device).length, k_, n_, window, tolerance));
        for (uint256 i; i < 3; ++i) {
            h = keccak256(abi.encode(h, anchor.misbehaviourCount(_parties.operators[i])));
        }
        h = keccak256(abi.encode(h, anchor.finalizedEnergy(1), anchor.finalizedEnergy(2), ghostAccepted));
    }
}
