// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {vm} from "../lib/Vm.sol";
import {MRVWorld} from "../lib/MRVWorld.sol";
import {MRVAnchor} from "../../../contracts/mrv/MRVAnchor.sol";
import {DeviceRegistry} from "../../../contracts/mrv/DeviceRegistry.sol";
import {ComplianceGuard} from "../../../contracts/compliance/ComplianceGuard.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {IMRVAnchor} from "../../../contracts/interfaces/IMRVAnchor.sol";

/// @title MRVAnchorTest
/// @notice docs/mrv.md, MRVAnchor: the operator set and its slots, the parameters (for batches
/// anchored afterwards only), anchoring (range checks, k of n co-signatures made with `vm.sign`),
/// every challenge (each reading fault, conflicts, totals proofs of the Merkle-sum tree) with the
/// rejection and the blame it records, replays excluded and restored, finality, and the views.
/// Each refusal with its exact error and arguments.
contract MRVAnchorTest is MRVWorld {
    // ---------------------------------------------------------------- helpers

    function _noCosignatures() private pure returns (IMRVAnchor.CompactSignature[] memory) {
        return new IMRVAnchor.CompactSignature[](0);
    }

    /// @dev An honest reading of DEVICE, `hour` hours after T0, 5 kWh.
    function _honest(uint64 hour) private view returns (IMRVAnchor.SignedReading memory) {
        return _hourly(DEVICE, DEVICE_KEY, hour, 5_000);
    }

    function _expectStatus(bytes32 id, IMRVAnchor.BatchStatus status) private {
        _expectError(abi.encodeWithSelector(IMRVAnchor.InvalidBatchStatus.selector, id, status));
    }

    /// @dev Expects the rejection of `id` for `fault` by `outsider`, blaming operator 0.
    function _expectRejection(bytes32 id, IMRVAnchor.Fault fault) private {
        uint256 count = anchor.misbehaviourCount(operators[0]) + 1;
        vm.expectEmit(address(anchor));
        emit IMRVAnchor.BatchRejected(id, outsider, fault);
        vm.expectEmit(address(anchor));
        emit IMRVAnchor.OperatorMisbehaved(operators[0], id, count);
        vm.prank(outsider);
    }

    /// @dev A batch of an honest reading and `bad`: `readingFault` names `fault`, and anyone's
    /// challenge rejects the batch and blames its operator; a second challenge finds it rejected.
    function _assertRejectedFor(IMRVAnchor.SignedReading memory bad, IMRVAnchor.Fault fault, string memory what) private {
        (bytes32 id, IMRVAnchor.SumPath memory honestPath, IMRVAnchor.SumPath memory badPath) = _anchorTwo(_honest(23), bad);
        vm.assertEq(uint256(anchor.readingFault(id, _honest(23), honestPath)), 0, "the honest reading has no fault");
        vm.assertEq(uint256(anchor.readingFault(id, bad, badPath)), uint256(fault), what);
        _expectError(abi.encodeWithSelector(IMRVAnchor.NoFault.selector));
        anchor.challengeReading(id, _honest(23), honestPath);
        uint256 blamed = anchor.misbehaviourCount(operators[0]);
        _expectRejection(id, fault);
        anchor.challengeReading(id, bad, badPath);
        vm.assertEq(_status(id), uint256(IMRVAnchor.BatchStatus.Rejected), what);
        vm.assertEq(anchor.misbehaviourCount(operators[0]), blamed + 1, "operator blamed");
        vm.assertFalse(anchor.proveReading(id, _honest(23), honestPath), "a rejected batch proves nothing");
        _expectStatus(id, IMRVAnchor.BatchStatus.Rejected);
        anchor.challengeReading(id, bad, badPath);
    }

    function _expectNoFaultAtRoot(bytes32 id, IMRVAnchor.SignedReading memory a, IMRVAnchor.SignedReading memory b) private {
        (IMRVAnchor.SumNode memory la, IMRVAnchor.SumNode memory lb) = (_leaf(a), _leaf(b));
        _expectError(abi.encodeWithSelector(IMRVAnchor.NoFault.selector));
        anchor.challengeTotals(id, _openNode(_parent(la, lb), la, lb, _noPath()));
    }

    function _assertExcluded(bytes32 id, uint256 energyWh, uint256 count) private view {
        (uint64 exWh, uint32 exCount) = anchor.excluded(id);
        vm.assertEq(exWh, energyWh, "excluded energy");
        vm.assertEq(exCount, count, "excluded count");
    }

    function _path2(IMRVAnchor.SumNode memory s0, bool left0, IMRVAnchor.SumNode memory s1, bool left1)
        private
        pure
        returns (IMRVAnchor.SumPath memory p)
    {
        p.siblings = new IMRVAnchor.SumNode[](2);
        (p.siblings[0], p.siblings[1]) = (s0, s1);
        p.leftSides = (left0 ? 1 : 0) | (left1 ? 2 : 0);
    }

    function _openNode(IMRVAnchor.SumNode memory stated, IMRVAnchor.SumNode memory l, IMRVAnchor.SumNode memory r, IMRVAnchor.SumPath memory path)
        private
        pure
        returns (IMRVAnchor.TotalsProof memory p)
    {
        (p.energyWh, p.count, p.left, p.right, p.path) = (stated.energyWh, stated.count, l, r, path);
    }

    function _openLeaf(IMRVAnchor.SumNode memory stated, IMRVAnchor.SignedReading memory reading, IMRVAnchor.SumPath memory path)
        private
        pure
        returns (IMRVAnchor.TotalsProof memory p)
    {
        (p.energyWh, p.count, p.isLeaf, p.reading, p.path) = (stated.energyWh, stated.count, true, reading, path);
    }

    /// @dev A node stating (energy, count) with an arbitrary hash.
    function _node(string memory name, uint256 energy, uint256 count) private pure returns (IMRVAnchor.SumNode memory) {
        return IMRVAnchor.SumNode(keccak256(bytes(name)), energy, count);
    }

    // ---------------------------------------------------------------- construction

    function test_constructor_refusals_and_defaults() public {
        _expectError(abi.encodeWithSelector(ComplianceGuard.RegistryZeroAddress.selector));
        new MRVAnchor(registry, DeviceRegistry(address(0)), admin, regulator, 1);
        _expectError(abi.encodeWithSelector(ComplianceGuard.RegistryZeroAddress.selector));
        new MRVAnchor(registry, devices, admin, address(0), 1);
        _expectError(abi.encodeWithSelector(IMRVAnchor.InvalidThreshold.selector, 0, 16));
        new MRVAnchor(registry, devices, admin, regulator, 0);
        _expectError(abi.encodeWithSelector(IMRVAnchor.InvalidThreshold.selector, 17, 16));
        new MRVAnchor(registry, devices, admin, regulator, 17);
        (uint8 k, uint8 n, uint32 window, uint16 tolerance) = anchor.config();
        vm.assertEq(k, 1, "k");
        vm.assertEq(n, 3, "three operators");
        vm.assertEq(window, 1 days, "one-day window");
        vm.assertEq(tolerance, 500, "5 % tolerance");
        vm.assertEq(address(anchor.devices()), address(devices), "devices");
        vm.assertTrue(anchor.hasRole(anchor.GOVERNOR_ROLE(), regulator), "the regulator governs");
    }

    // ---------------------------------------------------------------- the operator set

    /// @notice The regulator adds OracleOperator participants to the first free slot.
    function test_addOperator_takes_the_first_free_slot() public {
        address newcomer = vm.addr(0x0A20);
        _enrolAt(newcomer, IParticipantRegistry.Kind.OracleOperator);
        _expectMissingRole(outsider, anchor.REGULATOR_ROLE());
        vm.prank(outsider);
        anchor.addOperator(newcomer);
        vm.startPrank(regulator);
        _expectError(abi.encodeWithSelector(IMRVAnchor.OperatorExists.selector, operators[0]));
        anchor.addOperator(operators[0]);
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, developer, IParticipantRegistry.Reason.WrongKind)
        );
        anchor.addOperator(developer);
        vm.expectEmit(address(anchor));
        emit IMRVAnchor.OperatorAdded(newcomer, 3);
        anchor.addOperator(newcomer);
        vm.stopPrank();
        vm.assertTrue(anchor.isOperator(newcomer), "operator");
        vm.assertFalse(anchor.isOperator(developer), "not an operator");
        address[16] memory list = anchor.operators();
        vm.assertEq(list[3], newcomer, "slot 3");
        vm.assertEq(list[4], address(0), "slot 4 free");
        (, uint8 n,,) = anchor.config();
        vm.assertEq(n, 4, "four");
    }

    /// @notice At most MAX_OPERATORS (16) slots.
    function test_the_seventeenth_operator_finds_no_slot() public {
        vm.startPrank(regulator);
        for (uint256 i = 3; i < 16; ++i) {
            address op = vm.addr(0x0A11 + i);
            registry.register(op, IParticipantRegistry.Kind.OracleOperator, "CN", uint64(block.timestamp + 365 days));
            anchor.addOperator(op);
        }
        address extra = vm.addr(0x0AFF);
        registry.register(extra, IParticipantRegistry.Kind.OracleOperator, "CN", uint64(block.timestamp + 365 days));
        _expectError(abi.encodeWithSelector(IMRVAnchor.NoFreeOperatorSlot.selector));
        anchor.addOperator(extra);
        vm.stopPrank();
        (, uint8 n,,) = anchor.config();
        vm.assertEq(n, 16, "sixteen");
    }

    /// @notice A removed operator's slot is not reused for MAX_CHALLENGE_WINDOW (30 days), so a late
    /// challenge still blames the operator that signed.
    function test_a_removed_operators_slot_waits_thirty_days_and_its_batches_still_blame_it() public {
        bytes32 id = _anchorOne(_hourly(DEVICE, FORGER_KEY, 0, 1_000));
        _expectMissingRole(outsider, anchor.REGULATOR_ROLE());
        vm.prank(outsider);
        anchor.removeOperator(operators[0]);
        vm.expectEmit(address(anchor));
        emit IMRVAnchor.OperatorRemoved(operators[0], 0);
        vm.prank(regulator);
        anchor.removeOperator(operators[0]);
        vm.assertFalse(anchor.isOperator(operators[0]), "removed");
        vm.assertEq(anchor.operators()[0], address(0), "slot 0 shown free");
        _expectError(abi.encodeWithSelector(IMRVAnchor.NotOperator.selector, operators[0]));
        vm.prank(regulator);
        anchor.removeOperator(operators[0]);

        address newcomer = vm.addr(0x0A20);
        _enrolAt(newcomer, IParticipantRegistry.Kind.OracleOperator);
        vm.expectEmit(address(anchor));
        emit IMRVAnchor.OperatorAdded(newcomer, 3);
        vm.prank(regulator);
        anchor.addOperator(newcomer); // slot 0 is not reusable yet

        _expectRejection(id, IMRVAnchor.Fault.BadSignature);
        anchor.challengeReading(id, _hourly(DEVICE, FORGER_KEY, 0, 1_000), _noPath());
        vm.assertEq(anchor.misbehaviourCount(operators[0]), 1, "the removed operator is blamed");

        vm.warp(block.timestamp + 30 days);
        address later = vm.addr(0x0A21);
        _enrolAt(later, IParticipantRegistry.Kind.OracleOperator);
        vm.expectEmit(address(anchor));
        emit IMRVAnchor.OperatorAdded(later, 0);
        vm.prank(regulator);
        anchor.addOperator(later);
    }

    // ---------------------------------------------------------------- parameters

    function test_setThreshold_lies_between_one_and_the_operator_count() public {
        _expectMissingRole(outsider, anchor.GOVERNOR_ROLE());
        vm.prank(outsider);
        anchor.setThreshold(2);
        vm.startPrank(regulator);
        _expectError(abi.encodeWithSelector(IMRVAnchor.InvalidThreshold.selector, 0, 3));
        anchor.setThreshold(0);
        _expectError(abi.encodeWithSelector(IMRVAnchor.InvalidThreshold.selector, 4, 3));
        anchor.setThreshold(4);
        vm.expectEmit(address(anchor));
        emit IMRVAnchor.ThresholdSet(3);
        anchor.setThreshold(3);
        vm.stopPrank();
        (uint8 k,,,) = anchor.config();
        vm.assertEq(k, 3, "k = 3");
    }

    /// @notice The challenge window (0, 30 days] in force at anchoring applies to the batch.
    function test_setChallengeWindow_applies_to_batches_anchored_afterwards() public {
        bytes32 before = _anchorOne(_honest(0));
        _expectMissingRole(outsider, anchor.GOVERNOR_ROLE());
        vm.prank(outsider);
        anchor.setChallengeWindow(1 hours);
        vm.startPrank(regulator);
        _expectError(abi.encodeWithSelector(IMRVAnchor.InvalidChallengeWindow.selector, 0));
        anchor.setChallengeWindow(0);
        _expectError(abi.encodeWithSelector(IMRVAnchor.InvalidChallengeWindow.selector, 30 days + 1));
        anchor.setChallengeWindow(30 days + 1);
        vm.expectEmit(address(anchor));
        emit IMRVAnchor.ChallengeWindowSet(30 days);
        anchor.setChallengeWindow(30 days);
        vm.stopPrank();
        bytes32 afterwards = _anchorOne(_honest(1));
        vm.assertEq(anchor.batch(before).challengeEnd, block.timestamp + 1 days, "the old window");
        vm.assertEq(anchor.batch(afterwards).challengeEnd, block.timestamp + 30 days, "the new window");
    }

    /// @notice The capacity tolerance (≤ 100 %) in force at anchoring judges the batch: lowering it
    /// later never makes an anchored honest reading challengeable.
    function test_setCapacityTolerance_judges_only_later_batches() public {
        // 10 kW for an hour with 5 %: 10,500 Wh is the most a reading may state.
        IMRVAnchor.SignedReading memory atLimit = _hourly(DEVICE, DEVICE_KEY, 0, 10_500);
        bytes32 id = _anchorOne(atLimit);
        _expectMissingRole(outsider, anchor.GOVERNOR_ROLE());
        vm.prank(outsider);
        anchor.setCapacityTolerance(0);
        vm.startPrank(regulator);
        _expectError(abi.encodeWithSelector(IMRVAnchor.InvalidTolerance.selector, 10_001));
        anchor.setCapacityTolerance(10_001);
        vm.expectEmit(address(anchor));
        emit IMRVAnchor.CapacityToleranceSet(0);
        anchor.setCapacityTolerance(0);
        vm.stopPrank();
        vm.assertEq(anchor.batch(id).toleranceBps, 500, "the batch keeps its tolerance");
        vm.assertEq(uint256(anchor.readingFault(id, atLimit, _noPath())), 0, "still no fault");
        _expectError(abi.encodeWithSelector(IMRVAnchor.NoFault.selector));
        anchor.challengeReading(id, atLimit, _noPath());
        // The same energy in a batch anchored now is over capacity.
        (bytes32 later,, IMRVAnchor.SumPath memory p) = _anchorTwo(_honest(1), atLimit);
        vm.assertEq(anchor.batch(later).toleranceBps, 0, "anchored at 0");
        vm.assertEq(uint256(anchor.readingFault(later, atLimit, p)), uint256(IMRVAnchor.Fault.OverCapacity), "over now");
    }

    // ---------------------------------------------------------------- anchoring

    /// @notice A batch is one packed slot keyed by its root; its content hash is in the event only.
    function test_anchorBatch_stores_the_header_and_emits() public {
        IMRVAnchor.SumNode memory root = _parent(_leaf(_honest(0)), _leaf(_honest(1)));
        IMRVAnchor.BatchHeader memory h = _header(root);
        vm.expectEmit(address(anchor));
        emit IMRVAnchor.BatchAnchored(root.hash, PROJECT, operators[0], T0, T0 + 1 days, 10_000, 2, CONTENT, 1);
        _anchor(h);
        IMRVAnchor.Batch memory b = anchor.batch(root.hash);
        vm.assertEq(b.projectId, PROJECT, "project");
        vm.assertEq(b.windowStart, T0, "window start");
        vm.assertEq(b.windowEnd, T0 + 1 days, "window end");
        vm.assertEq(b.energyWh, 10_000, "energy");
        vm.assertEq(b.readingCount, 2, "count");
        vm.assertEq(b.challengeEnd, block.timestamp + 1 days, "challenge end");
        vm.assertEq(uint256(b.status), uint256(IMRVAnchor.BatchStatus.Anchored), "anchored");
        vm.assertEq(b.signers, 1, "slot 0 signed");
        vm.assertEq(b.toleranceBps, 500, "tolerance");
        vm.assertFalse(anchor.isFinal(root.hash), "not final in its window");
        vm.warp(b.challengeEnd);
        vm.assertTrue(anchor.isFinal(root.hash), "final once the window has passed (lazily)");
        vm.assertFalse(anchor.isFinal(keccak256("nothing")), "unknown is not final");
    }

    /// @notice Range limits of the header, each with its named error, and a root anchored once.
    function test_anchorBatch_header_refusals() public {
        IMRVAnchor.BatchHeader memory h = _header(_leaf(_honest(0)));
        IMRVAnchor.BatchHeader memory bad = _header(_leaf(_honest(0)));
        vm.startPrank(operators[0]);
        bad.merkleRoot = 0;
        _expectError(abi.encodeWithSelector(IMRVAnchor.ZeroRoot.selector));
        anchor.anchorBatch(bad, _noCosignatures());
        bad = _header(_leaf(_honest(0)));
        bad.projectId = 1 << 48;
        _expectError(abi.encodeWithSelector(IMRVAnchor.ProjectIdTooLarge.selector, 1 << 48));
        anchor.anchorBatch(bad, _noCosignatures());
        bad = _header(_leaf(_honest(0)));
        bad.windowStart = bad.windowEnd;
        _expectError(abi.encodeWithSelector(IMRVAnchor.InvalidWindow.selector, bad.windowEnd, bad.windowEnd));
        anchor.anchorBatch(bad, _noCosignatures());
        bad = _header(_leaf(_honest(0)));
        bad.windowEnd = uint64(block.timestamp + 1);
        _expectError(abi.encodeWithSelector(IMRVAnchor.InvalidWindow.selector, T0, block.timestamp + 1));
        anchor.anchorBatch(bad, _noCosignatures());
        bad = _header(_leaf(_honest(0)));
        bad.energyWh = 1 << 48;
        _expectError(abi.encodeWithSelector(IMRVAnchor.EnergyTooLarge.selector, 1 << 48));
        anchor.anchorBatch(bad, _noCosignatures());
        bad = _header(_leaf(_honest(0)));
        bad.readingCount = 0;
        _expectError(abi.encodeWithSelector(IMRVAnchor.InvalidReadingCount.selector, 0));
        anchor.anchorBatch(bad, _noCosignatures());
        bad.readingCount = (1 << 20) + 1;
        _expectError(abi.encodeWithSelector(IMRVAnchor.InvalidReadingCount.selector, (1 << 20) + 1));
        anchor.anchorBatch(bad, _noCosignatures());
        bad.readingCount = 1 << 20; // the most a batch may hold
        anchor.anchorBatch(bad, _noCosignatures());
        vm.stopPrank();
        _expectError(abi.encodeWithSelector(IMRVAnchor.BatchExists.selector, h.merkleRoot));
        vm.prank(operators[1]);
        anchor.anchorBatch(h, _noCosignatures());
    }

    /// @notice Only an operator of the set, eligible as OracleOperator, anchors, and not under the pause.
    function test_anchorBatch_submitter_refusals() public {
        IMRVAnchor.BatchHeader memory h = _header(_leaf(_honest(0)));
        _expectError(abi.encodeWithSelector(IMRVAnchor.NotOperator.selector, outsider));
        vm.prank(outsider);
        anchor.anchorBatch(h, _noCosignatures());
        _freeze(operators[0]);
        _expectFrozen(operators[0]);
        vm.prank(operators[0]);
        anchor.anchorBatch(h, _noCosignatures());
        _pause();
        _expectPaused();
        vm.prank(operators[1]);
        anchor.anchorBatch(h, _noCosignatures());
        vm.assertEq(_status(h.merkleRoot), 0, "nothing anchored");
    }

    /// @notice k of n in one transaction: the submitter and k − 1 distinct co-signing operators,
    /// each eligible, sign the header (EIP-712 BatchAttestation); the signers' slots are recorded.
    function test_k_of_n_cosignatures() public {
        vm.prank(regulator);
        anchor.setThreshold(2);
        IMRVAnchor.BatchHeader memory h = _header(_leaf(_honest(0)));
        IMRVAnchor.CompactSignature[] memory one = new IMRVAnchor.CompactSignature[](1);

        _expectError(abi.encodeWithSelector(IMRVAnchor.InsufficientSignatures.selector, 1, 2));
        vm.prank(operators[0]);
        anchor.anchorBatch(h, _noCosignatures());

        one[0] = _cosign(operatorKeys[0], h); // the submitter's own signature does not count twice
        _expectError(abi.encodeWithSelector(IMRVAnchor.DuplicateSigner.selector, operators[0]));
        vm.prank(operators[0]);
        anchor.anchorBatch(h, one);

        one[0] = _cosign(FORGER_KEY, h);
        _expectError(abi.encodeWithSelector(IMRVAnchor.NotOperator.selector, vm.addr(FORGER_KEY)));
        vm.prank(operators[0]);
        anchor.anchorBatch(h, one);

        // A co-signature over another header recovers to some other address: not an operator.
        IMRVAnchor.BatchHeader memory other = _header(_leaf(_honest(1)));
        one[0] = _cosign(operatorKeys[1], other);
        address stranger = ECDSA.recover(_attestationDigest(h), one[0].r, one[0].vs);
        _expectError(abi.encodeWithSelector(IMRVAnchor.NotOperator.selector, stranger));
        vm.prank(operators[0]);
        anchor.anchorBatch(h, one);

        one[0] = IMRVAnchor.CompactSignature(0, 0);
        _expectError(abi.encodeWithSelector(ECDSA.ECDSAInvalidSignature.selector));
        vm.prank(operators[0]);
        anchor.anchorBatch(h, one);

        IMRVAnchor.CompactSignature[] memory twice = new IMRVAnchor.CompactSignature[](2);
        (twice[0], twice[1]) = (_cosign(operatorKeys[1], h), _cosign(operatorKeys[1], h));
        _expectError(abi.encodeWithSelector(IMRVAnchor.DuplicateSigner.selector, operators[1]));
        vm.prank(operators[0]);
        anchor.anchorBatch(h, twice);

        one[0] = _cosign(operatorKeys[1], h);
        _freeze(operators[1]);
        _expectFrozen(operators[1]);
        vm.prank(operators[0]);
        anchor.anchorBatch(h, one);
        vm.prank(regulator);
        registry.unfreeze(operators[1]);

        vm.expectEmit(address(anchor));
        emit IMRVAnchor.BatchAnchored(h.merkleRoot, PROJECT, operators[0], T0, T0 + 1 days, 5_000, 1, CONTENT, 0x3);
        vm.prank(operators[0]);
        anchor.anchorBatch(h, one);
        vm.assertEq(anchor.batch(h.merkleRoot).signers, 0x3, "slots 0 and 1");
    }

    /// @notice A rejected batch blames every operator that signed it.
    function test_a_rejected_k_of_n_batch_blames_each_signer() public {
        vm.prank(regulator);
        anchor.setThreshold(3);
        IMRVAnchor.SignedReading memory forged = _hourly(DEVICE, FORGER_KEY, 0, 1_000);
        IMRVAnchor.BatchHeader memory h = _header(_leaf(forged));
        IMRVAnchor.CompactSignature[] memory two = new IMRVAnchor.CompactSignature[](2);
        (two[0], two[1]) = (_cosign(operatorKeys[2], h), _cosign(operatorKeys[0], h));
        vm.prank(operators[1]);
        anchor.anchorBatch(h, two);
        vm.assertEq(anchor.batch(h.merkleRoot).signers, 0x7, "three signers");
        vm.expectEmit(address(anchor));
        emit IMRVAnchor.BatchRejected(h.merkleRoot, outsider, IMRVAnchor.Fault.BadSignature);
        for (uint256 i; i < 3; ++i) {
            vm.expectEmit(address(anchor));
            emit IMRVAnchor.OperatorMisbehaved(operators[i], h.merkleRoot, 1);
        }
        vm.prank(outsider);
        anchor.challengeReading(h.merkleRoot, forged, _noPath());
        // Removing operators below k stops anchoring until k is lowered.
        vm.prank(regulator);
        anchor.removeOperator(operators[2]);
        IMRVAnchor.BatchHeader memory next = _header(_leaf(_honest(1)));
        IMRVAnchor.CompactSignature[] memory one = new IMRVAnchor.CompactSignature[](1);
        one[0] = _cosign(operatorKeys[1], next);
        _expectError(abi.encodeWithSelector(IMRVAnchor.InsufficientSignatures.selector, 2, 3));
        vm.prank(operators[0]);
        anchor.anchorBatch(next, one);
    }

    // ---------------------------------------------------------------- reading challenges

    /// @notice Each reading fault of docs/mrv.md rejects its batch and blames its operator.
    function test_challengeReading_rejects_for_each_fault_of_the_reading() public {
        _assertRejectedFor(_sign(DEVICE_KEY, _reading(DEVICE, 1, T0 + 10, T0 + 10, 1)), IMRVAnchor.Fault.BadPeriod, "empty period");
        _assertRejectedFor(_sign(DEVICE_KEY, _reading(DEVICE, 1, T0 - HOUR, T0, 1)), IMRVAnchor.Fault.OutsideWindow, "before the window");
        _assertRejectedFor(
            _sign(DEVICE_KEY, _reading(DEVICE, 1, T0 + 1 days - 10, T0 + 1 days + 10, 1)), IMRVAnchor.Fault.OutsideWindow, "past the window"
        );
        _assertRejectedFor(_hourly(keccak256("nobody"), DEVICE_KEY, 1, 1), IMRVAnchor.Fault.UnknownDevice, "unknown device");
        _assertRejectedFor(_hourly(FOREIGN_DEVICE, FOREIGN_DEVICE_KEY, 1, 1), IMRVAnchor.Fault.ForeignDevice, "another project's");
        _assertRejectedFor(_hourly(DEVICE, FORGER_KEY, 1, 1), IMRVAnchor.Fault.BadSignature, "not the device's key");
        IMRVAnchor.SignedReading memory malformed = _hourly(DEVICE, DEVICE_KEY, 2, 1);
        (malformed.r, malformed.vs) = (0, 0);
        _assertRejectedFor(malformed, IMRVAnchor.Fault.BadSignature, "malformed signature");
        _assertRejectedFor(_hourly(DEVICE, DEVICE_KEY, 3, 10_501), IMRVAnchor.Fault.OverCapacity, "one Wh over the limit");
    }

    /// @notice A reading of a device suspended at any time during its period is DeviceInactive,
    /// even after the device is active again; one ending after a revocation is DeviceRevoked.
    function test_challengeReading_judges_suspended_and_revoked_devices_on_their_history() public {
        vm.warp(T0 + 5 * HOUR);
        vm.prank(verifier);
        devices.suspend(DEVICE, keccak256("tamper"));
        vm.warp(T0 + 6 * HOUR);
        vm.prank(verifier);
        devices.activate(DEVICE);
        vm.warp(T0 + 9 * HOUR);
        vm.prank(developer);
        devices.revoke(DEVICE2, 0);
        vm.warp(T0 + 1 days);
        _assertRejectedFor(_hourly(DEVICE, DEVICE_KEY, 5, 1_000), IMRVAnchor.Fault.DeviceInactive, "during the suspension");
        _assertRejectedFor(_hourly(DEVICE2, DEVICE2_KEY, 9, 1_000), IMRVAnchor.Fault.DeviceRevoked, "after the revocation");
        (bytes32 id, IMRVAnchor.SumPath memory p6, IMRVAnchor.SumPath memory p8) =
            _anchorTwo(_hourly(DEVICE, DEVICE_KEY, 6, 1_000), _hourly(DEVICE2, DEVICE2_KEY, 8, 1_000));
        vm.assertEq(uint256(anchor.readingFault(id, _hourly(DEVICE, DEVICE_KEY, 6, 1_000), p6)), 0, "after the resumption");
        vm.assertEq(uint256(anchor.readingFault(id, _hourly(DEVICE2, DEVICE2_KEY, 8, 1_000), p8)), 0, "before the revocation");
    }

    /// @notice Challenges need a known, anchored batch in its window and an included reading; they
    /// stay open under the pause.
    function test_challengeReading_refusals_and_the_pause() public {
        IMRVAnchor.SignedReading memory forged = _hourly(DEVICE, FORGER_KEY, 0, 1_000);
        bytes32 unknown = keccak256("nothing");
        _expectError(abi.encodeWithSelector(IMRVAnchor.UnknownBatch.selector, unknown));
        anchor.challengeReading(unknown, forged, _noPath());
        (bytes32 id, IMRVAnchor.SumPath memory pHonest, IMRVAnchor.SumPath memory pForged) = _anchorTwo(_honest(0), forged);
        _expectError(abi.encodeWithSelector(IMRVAnchor.NotIncluded.selector, id));
        anchor.challengeReading(id, forged, pHonest); // the other leaf's path
        IMRVAnchor.SumPath memory stray = _path(_leaf(_honest(0)), true);
        stray.leftSides |= 2; // a side bit above the path's length
        _expectError(abi.encodeWithSelector(IMRVAnchor.NotIncluded.selector, id));
        anchor.challengeReading(id, forged, stray);
        IMRVAnchor.SumPath memory tooLong;
        tooLong.siblings = new IMRVAnchor.SumNode[](21);
        _expectError(abi.encodeWithSelector(IMRVAnchor.PathTooLong.selector, 21, 20));
        anchor.challengeReading(id, forged, tooLong);

        uint256 challengeEnd = anchor.batch(id).challengeEnd;
        vm.warp(challengeEnd);
        _expectError(abi.encodeWithSelector(IMRVAnchor.ChallengeWindowClosed.selector, id, challengeEnd));
        anchor.challengeReading(id, forged, pForged);
        vm.warp(challengeEnd - 1);
        _pause();
        _expectRejection(id, IMRVAnchor.Fault.BadSignature);
        anchor.challengeReading(id, forged, pForged); // in the last second, under the pause
        vm.assertEq(_status(id), uint256(IMRVAnchor.BatchStatus.Rejected), "rejected");
    }

    /// @notice A finalized batch cannot be challenged any more.
    function test_a_finalized_batch_is_out_of_reach() public {
        IMRVAnchor.SignedReading memory forged = _hourly(DEVICE, FORGER_KEY, 0, 1_000);
        bytes32 id = _anchorOne(forged);
        vm.warp(block.timestamp + 1 days);
        anchor.finalize(id);
        _expectStatus(id, IMRVAnchor.BatchStatus.Finalized);
        anchor.challengeReading(id, forged, _noPath());
    }

    // ---------------------------------------------------------------- conflicts

    /// @notice Two validly signed, different readings of one device with one sequence: the later
    /// batch is rejected (DuplicateSequence); the earlier one cannot be.
    function test_challengeConflict_rejects_the_later_of_two_batches_with_one_sequence() public {
        IMRVAnchor.SignedReading memory first = _honest(0);
        IMRVAnchor.SignedReading memory twin = _hourly(DEVICE, DEVICE_KEY, 0, 4_000); // same sequence 0
        bytes32 earlier = _anchorOne(first);
        vm.warp(block.timestamp + 1);
        bytes32 later = _anchorOne(twin);
        _expectError(abi.encodeWithSelector(IMRVAnchor.NotLaterBatch.selector, earlier, later));
        anchor.challengeConflict(earlier, first, _noPath(), later, twin, _noPath());
        _expectError(abi.encodeWithSelector(IMRVAnchor.NotIncluded.selector, earlier));
        anchor.challengeConflict(later, twin, _noPath(), earlier, twin, _noPath());
        _expectRejection(later, IMRVAnchor.Fault.DuplicateSequence);
        anchor.challengeConflict(later, twin, _noPath(), earlier, first, _noPath());
        // A rejected batch is no witness any more.
        bytes32 third = _anchorOne(_hourly(DEVICE, DEVICE_KEY, 0, 3_000));
        _expectStatus(later, IMRVAnchor.BatchStatus.Rejected);
        anchor.challengeConflict(third, _hourly(DEVICE, DEVICE_KEY, 0, 3_000), _noPath(), later, twin, _noPath());
        bytes32 unknown = keccak256("nothing");
        _expectError(abi.encodeWithSelector(IMRVAnchor.UnknownBatch.selector, unknown));
        anchor.challengeConflict(third, _hourly(DEVICE, DEVICE_KEY, 0, 3_000), _noPath(), unknown, twin, _noPath());
    }

    /// @notice A finalized batch still witnesses a conflict (it is final, not rejected).
    function test_challengeConflict_against_a_final_batch() public {
        IMRVAnchor.SignedReading memory first = _honest(0);
        bytes32 earlier = _anchorOne(first);
        vm.warp(block.timestamp + 1 days);
        anchor.finalize(earlier);
        IMRVAnchor.SignedReading memory twin = _hourly(DEVICE, DEVICE_KEY, 0, 4_000);
        bytes32 later = _anchorOne(twin);
        _expectRejection(later, IMRVAnchor.Fault.DuplicateSequence);
        anchor.challengeConflict(later, twin, _noPath(), earlier, first, _noPath());
    }

    /// @notice Sequence and period must agree: a higher sequence covers a later, disjoint period.
    function test_challengeConflict_rejects_out_of_order_readings_either_way() public {
        IMRVAnchor.SignedReading memory seq1Late = _sign(DEVICE_KEY, _reading(DEVICE, 1, T0 + 2 * HOUR, T0 + 3 * HOUR, 100));
        IMRVAnchor.SignedReading memory seq2Early = _sign(DEVICE_KEY, _reading(DEVICE, 2, T0 + HOUR, T0 + 2 * HOUR, 100));
        (bytes32 id, IMRVAnchor.SumPath memory p1, IMRVAnchor.SumPath memory p2) = _anchorTwo(seq1Late, seq2Early);
        vm.assertEq(uint256(anchor.readingFault(id, seq1Late, p1)), 0, "each reading alone is fine");
        _expectRejection(id, IMRVAnchor.Fault.OutOfOrder);
        anchor.challengeConflict(id, seq1Late, p1, id, seq2Early, p2); // the lower sequence first

        (bytes32 other, IMRVAnchor.SumPath memory q1,) = _anchorTwo(seq1Late, _honest(5));
        IMRVAnchor.SignedReading memory seq2Overlapping = _sign(DEVICE_KEY, _reading(DEVICE, 2, T0 + 2 * HOUR + 1, T0 + 4 * HOUR, 100));
        bytes32 overlapping = _anchorOne(seq2Overlapping);
        _expectRejection(overlapping, IMRVAnchor.Fault.OutOfOrder);
        anchor.challengeConflict(overlapping, seq2Overlapping, _noPath(), other, seq1Late, q1); // the lower second
    }

    /// @notice Not conflicts: readings in order, of two devices, the same reading at one position,
    /// or a replay across batches (excludeReplay's business); nobody is rejected or blamed.
    function test_challengeConflict_finds_no_fault_where_there_is_none() public {
        IMRVAnchor.SignedReading memory a = _honest(0);
        (bytes32 id, IMRVAnchor.SumPath memory pa, IMRVAnchor.SumPath memory pb) = _anchorTwo(a, _honest(1));
        _expectError(abi.encodeWithSelector(IMRVAnchor.NoFault.selector));
        anchor.challengeConflict(id, a, pa, id, _honest(1), pb); // in order
        _expectError(abi.encodeWithSelector(IMRVAnchor.NoFault.selector));
        anchor.challengeConflict(id, a, pa, id, a, pa); // one position
        IMRVAnchor.SignedReading memory d2 = _hourly(DEVICE2, DEVICE2_KEY, 0, 5_000);
        (bytes32 mixed, IMRVAnchor.SumPath memory pd1, IMRVAnchor.SumPath memory pd2) = _anchorTwo(a, d2);
        _expectError(abi.encodeWithSelector(IMRVAnchor.NoFault.selector));
        anchor.challengeConflict(mixed, d2, pd2, id, a, pa); // two devices
        _expectError(abi.encodeWithSelector(IMRVAnchor.NoFault.selector));
        anchor.challengeConflict(mixed, a, pd1, id, a, pa); // a replay, not a conflict
        vm.assertEq(_status(id) + _status(mixed), 2 * uint256(IMRVAnchor.BatchStatus.Anchored), "nothing rejected");
        vm.assertEq(anchor.misbehaviourCount(operators[0]), 0, "nobody blamed");
    }

    /// @notice A forged twin (not the device's signature) conflicts with nothing, on either side:
    /// it is challengeable on its own as BadSignature and takes no honest batch with it.
    function test_a_forged_twin_is_no_conflict() public {
        IMRVAnchor.SignedReading memory a = _honest(0);
        bytes32 id = _anchorOne(a);
        IMRVAnchor.SignedReading memory forgedTwin = _hourly(DEVICE, FORGER_KEY, 0, 4_000);
        bytes32 forged = _anchorOne(forgedTwin);
        _expectError(abi.encodeWithSelector(IMRVAnchor.NoFault.selector));
        anchor.challengeConflict(forged, forgedTwin, _noPath(), id, a, _noPath());
        _expectError(abi.encodeWithSelector(IMRVAnchor.NoFault.selector));
        anchor.challengeConflict(id, a, _noPath(), forged, forgedTwin, _noPath());
        vm.assertEq(_status(id), uint256(IMRVAnchor.BatchStatus.Anchored), "the honest batch stands");
        _expectRejection(forged, IMRVAnchor.Fault.BadSignature);
        anchor.challengeReading(forged, forgedTwin, _noPath());
    }

    /// @notice The same reading at two positions of one batch is DuplicateSequence.
    function test_challengeConflict_rejects_one_reading_at_two_positions() public {
        IMRVAnchor.SignedReading memory a = _honest(0);
        (bytes32 id, IMRVAnchor.SumPath memory left, IMRVAnchor.SumPath memory right) = _anchorTwo(a, a);
        _expectRejection(id, IMRVAnchor.Fault.DuplicateSequence);
        anchor.challengeConflict(id, a, left, id, a, right);
    }

    // ---------------------------------------------------------------- totals

    /// @notice A header whose totals are not its root's children's sums is WrongTotals, disproved at
    /// the root or from any leaf (the climb recomputes the root's sums).
    function test_challengeTotals_disproves_a_false_header() public {
        IMRVAnchor.SignedReading memory a = _honest(0);
        IMRVAnchor.SignedReading memory b = _honest(1);
        (IMRVAnchor.SumNode memory la, IMRVAnchor.SumNode memory lb) = (_leaf(a), _leaf(b));
        IMRVAnchor.SumNode memory root = _parent(la, lb);
        root.energyWh += 1; // the header overstates by one Wh
        bytes32 id = _anchor(_header(root));
        IMRVAnchor.TotalsProof memory atRoot = _openNode(root, la, lb, _noPath());
        IMRVAnchor.TotalsProof memory fromLeaf = _openLeaf(la, a, _path(lb, false));
        vm.assertEq(uint256(anchor.totalsFault(id, atRoot)), uint256(IMRVAnchor.Fault.WrongTotals), "at the root");
        vm.assertEq(uint256(anchor.totalsFault(id, fromLeaf)), uint256(IMRVAnchor.Fault.WrongTotals), "from a leaf");
        _expectRejection(id, IMRVAnchor.Fault.WrongTotals);
        anchor.challengeTotals(id, fromLeaf);
        _expectStatus(id, IMRVAnchor.BatchStatus.Rejected);
        anchor.challengeTotals(id, atRoot);
        bytes32 unknown = keccak256("nothing");
        _expectError(abi.encodeWithSelector(IMRVAnchor.UnknownBatch.selector, unknown));
        anchor.totalsFault(unknown, atRoot);
        _expectError(abi.encodeWithSelector(IMRVAnchor.UnknownBatch.selector, unknown));
        anchor.challengeTotals(unknown, atRoot);
    }

    /// @notice In a tree of four whose left node states one Wh too many (and the header agrees with
    /// it), that node's opening is WrongTotals; the honest root and siblings prove nothing.
    function test_challengeTotals_disproves_a_false_inner_node_and_nothing_else() public {
        IMRVAnchor.SumNode memory l0 = _leaf(_honest(0));
        IMRVAnchor.SumNode memory l1 = _leaf(_honest(1));
        IMRVAnchor.SumNode memory l2 = _leaf(_honest(2));
        IMRVAnchor.SumNode memory l3 = _leaf(_honest(3));
        IMRVAnchor.SumNode memory left = _parent(l0, l1);
        left.energyWh += 1;
        IMRVAnchor.SumNode memory right = _parent(l2, l3);
        IMRVAnchor.SumNode memory root = _parent(left, right);
        bytes32 id = _anchor(_header(root));
        _expectError(abi.encodeWithSelector(IMRVAnchor.NoFault.selector));
        anchor.challengeTotals(id, _openNode(root, left, right, _noPath()));
        _expectError(abi.encodeWithSelector(IMRVAnchor.NoFault.selector));
        anchor.challengeTotals(id, _openNode(right, l2, l3, _path(left, true)));
        _expectError(abi.encodeWithSelector(IMRVAnchor.NoFault.selector));
        anchor.challengeTotals(id, _openLeaf(l3, _honest(3), _path2(l2, true, left, true)));
        // A leaf below the lie cannot climb to the root: its parent's true sums are not the stated ones.
        _expectError(abi.encodeWithSelector(IMRVAnchor.NotIncluded.selector, id));
        anchor.challengeTotals(id, _openLeaf(l0, _honest(0), _path2(l1, false, right, false)));
        _expectRejection(id, IMRVAnchor.Fault.WrongTotals);
        anchor.challengeTotals(id, _openNode(left, l0, l1, _path(right, false)));
    }

    /// @notice A leaf must state (its reading's energy, 1).
    function test_challengeTotals_disproves_a_misstated_leaf() public {
        IMRVAnchor.SignedReading memory a = _honest(0);
        IMRVAnchor.SumNode memory la = _leaf(a);
        IMRVAnchor.SumNode memory lb = _leaf(_honest(1));
        IMRVAnchor.SumNode memory wrongCount = IMRVAnchor.SumNode(lb.hash, lb.energyWh, 2);
        bytes32 id = _anchor(_header(_parent(la, wrongCount)));
        _expectRejection(id, IMRVAnchor.Fault.WrongTotals);
        anchor.challengeTotals(id, _openLeaf(wrongCount, _honest(1), _path(la, true)));

        IMRVAnchor.SumNode memory wrongEnergy = IMRVAnchor.SumNode(la.hash, 1, 1);
        bytes32 other = _anchor(_header(_parent(wrongEnergy, _leaf(_honest(2)))));
        _expectError(abi.encodeWithSelector(IMRVAnchor.NoFault.selector));
        anchor.challengeTotals(other, _openLeaf(_leaf(_honest(2)), _honest(2), _path(wrongEnergy, true)));
        _expectRejection(other, IMRVAnchor.Fault.WrongTotals);
        anchor.challengeTotals(other, _openLeaf(wrongEnergy, a, _path(_leaf(_honest(2)), false)));
    }

    /// @notice Unbalanced children (a count of 0, or counts apart by more than 1) are MalformedTree,
    /// even when every sum holds; children whose sums pass 2^256 state no true total.
    function test_challengeTotals_disproves_unbalanced_and_overflowing_nodes() public {
        IMRVAnchor.SumNode memory la = _leaf(_honest(0));
        IMRVAnchor.SumNode memory empty = _node("empty", 0, 0);
        IMRVAnchor.SumNode memory root = _parent(la, empty);
        bytes32 id = _anchor(_header(root));
        _expectRejection(id, IMRVAnchor.Fault.MalformedTree);
        anchor.challengeTotals(id, _openNode(root, la, empty, _noPath()));

        root = _parent(empty, la);
        id = _anchor(_header(root));
        vm.assertEq(uint256(anchor.totalsFault(id, _openNode(root, empty, la, _noPath()))), uint256(IMRVAnchor.Fault.MalformedTree), "0 on the left");

        // One leaf against a true node of three: every sum holds, the root is unbalanced.
        IMRVAnchor.SumNode memory three = _parent(_parent(_leaf(_honest(1)), _leaf(_honest(2))), _leaf(_honest(3)));
        root = _parent(la, three);
        id = _anchor(_header(root));
        vm.assertEq(uint256(anchor.totalsFault(id, _openNode(root, la, three, _noPath()))), uint256(IMRVAnchor.Fault.MalformedTree), "1 against 3");

        IMRVAnchor.SumNode memory huge = _node("huge", type(uint256).max, 1);
        root = IMRVAnchor.SumNode(_nodeHash(huge, la), 4_999, 2); // the header states the wrapped sum
        id = _anchor(_header(root));
        _expectRejection(id, IMRVAnchor.Fault.WrongTotals);
        anchor.challengeTotals(id, _openNode(root, huge, la, _noPath()));
    }

    // ---------------------------------------------------------------- replays

    /// @notice The same reading in two batches of one project counts once, in the batch anchored
    /// first: `excludeReplay` takes it out of the later one, which is neither rejected nor blamed.
    /// If the earlier batch is rejected, `restoreReplay` counts it in the later one again.
    function test_a_replay_is_excluded_then_restored_when_the_batch_counting_it_falls() public {
        IMRVAnchor.SignedReading memory r = _honest(0);
        IMRVAnchor.SignedReading memory forged = _hourly(DEVICE2, FORGER_KEY, 3, 1_000);
        (bytes32 earlier, IMRVAnchor.SumPath memory pEarlier, IMRVAnchor.SumPath memory pForged) = _anchorTwo(r, forged);
        vm.warp(block.timestamp + 1);
        (bytes32 later, IMRVAnchor.SumPath memory pLater,) = _anchorTwo(r, _honest(1));
        bytes32 digest = _readingDigest(r.reading);

        _expectError(abi.encodeWithSelector(IMRVAnchor.NotRestorable.selector, later, digest));
        anchor.restoreReplay(later, r.reading);
        vm.expectEmit(address(anchor));
        emit IMRVAnchor.ReplayExcluded(later, earlier, digest, 5_000);
        vm.prank(outsider);
        anchor.excludeReplay(later, r, pLater, earlier, r, pEarlier);
        IMRVAnchor.Batch memory b = anchor.batch(later);
        vm.assertEq(b.energyWh, 5_000, "counts the other reading only");
        vm.assertEq(b.readingCount, 1, "one reading counted");
        vm.assertEq(uint256(b.status), uint256(IMRVAnchor.BatchStatus.Anchored), "not rejected");
        _assertExcluded(later, 5_000, 1);
        vm.assertEq(anchor.countedInstead(later, digest), earlier, "counted in the earlier batch");
        vm.assertEq(anchor.misbehaviourCount(operators[0]), 0, "nobody blamed");
        // The header is still the batch's statement: a totals proof at the root finds nothing.
        _expectNoFaultAtRoot(later, r, _honest(1));

        _expectError(abi.encodeWithSelector(IMRVAnchor.AlreadyExcluded.selector, later, digest));
        anchor.excludeReplay(later, r, pLater, earlier, r, pEarlier);
        _expectError(abi.encodeWithSelector(IMRVAnchor.NotRestorable.selector, later, digest));
        anchor.restoreReplay(later, r.reading); // the earlier batch still stands

        anchor.challengeReading(earlier, forged, pForged);
        vm.expectEmit(address(anchor));
        emit IMRVAnchor.ReplayRestored(later, earlier, digest, 5_000);
        anchor.restoreReplay(later, r.reading);
        b = anchor.batch(later);
        vm.assertEq(b.energyWh, 10_000, "counted again");
        vm.assertEq(b.readingCount, 2, "two readings again");
        _assertExcluded(later, 0, 0);
        vm.assertEq(anchor.countedInstead(later, digest), 0, "cleared");
        vm.warp(b.challengeEnd);
        _expectError(abi.encodeWithSelector(IMRVAnchor.ChallengeWindowClosed.selector, later, b.challengeEnd));
        anchor.restoreReplay(later, r.reading);
    }

    /// @notice Of two batches anchored in the same second, the one with the larger id is the later.
    function test_excludeReplay_breaks_a_tie_by_the_smaller_id() public {
        IMRVAnchor.SignedReading memory r = _honest(0);
        (bytes32 x, IMRVAnchor.SumPath memory px,) = _anchorTwo(r, _honest(1));
        (bytes32 y, IMRVAnchor.SumPath memory py,) = _anchorTwo(r, _honest(2));
        (bytes32 lo, bytes32 hi) = x < y ? (x, y) : (y, x);
        (IMRVAnchor.SumPath memory pLo, IMRVAnchor.SumPath memory pHi) = x < y ? (px, py) : (py, px);
        _expectError(abi.encodeWithSelector(IMRVAnchor.NotLaterBatch.selector, lo, hi));
        anchor.excludeReplay(lo, r, pLo, hi, r, pHi);
        anchor.excludeReplay(hi, r, pHi, lo, r, pLo);
        vm.assertEq(anchor.countedInstead(hi, _readingDigest(r.reading)), lo, "counted in the smaller id");
    }

    /// @notice Only the later batch loses the reading, and only to a batch of its project holding
    /// the very same reading, validly signed, while its own counted totals still hold it.
    function test_excludeReplay_refuses_what_is_no_replay() public {
        IMRVAnchor.SignedReading memory r = _honest(0);
        IMRVAnchor.SignedReading memory copy = _sign(FORGER_KEY, r.reading); // same digest, not the device's signature
        (bytes32 earlier, IMRVAnchor.SumPath memory pEarlier,) = _anchorTwo(r, _honest(1));
        IMRVAnchor.BatchHeader memory foreign = _header(_leaf(r));
        foreign.projectId = OTHER_PROJECT;
        bytes32 foreignId = _anchor(foreign);
        bytes32 forgedWitness = _anchorOne(copy);
        vm.warp(block.timestamp + 1);
        (bytes32 later, IMRVAnchor.SumPath memory pLater, IMRVAnchor.SumPath memory pSecond) = _anchorTwo(r, _honest(3));

        _expectError(abi.encodeWithSelector(IMRVAnchor.NotLaterBatch.selector, earlier, later));
        anchor.excludeReplay(earlier, r, pEarlier, later, r, pLater);
        _expectError(abi.encodeWithSelector(IMRVAnchor.NotIncluded.selector, earlier));
        anchor.excludeReplay(later, r, pLater, earlier, r, pLater);
        _expectError(abi.encodeWithSelector(IMRVAnchor.NotReplay.selector, later, earlier));
        anchor.excludeReplay(later, _honest(3), pSecond, earlier, r, pEarlier); // another reading
        _expectError(abi.encodeWithSelector(IMRVAnchor.NotReplay.selector, later, foreignId));
        anchor.excludeReplay(later, r, pLater, foreignId, r, _noPath()); // another project's batch
        _expectError(abi.encodeWithSelector(IMRVAnchor.NotReplay.selector, later, forgedWitness));
        anchor.excludeReplay(later, r, pLater, forgedWitness, copy, _noPath()); // a forged witness
        vm.assertEq(anchor.batch(later).energyWh, 10_000, "nothing excluded");
    }

    /// @notice A forged copy cannot be excluded (it is BadSignature), nor a reading from a batch
    /// whose counted energy is already below it (its tree lies: challengeTotals).
    function test_excludeReplay_refuses_forged_copies_and_lying_totals() public {
        IMRVAnchor.SignedReading memory r = _honest(0);
        (bytes32 earlier, IMRVAnchor.SumPath memory pEarlier,) = _anchorTwo(r, _honest(1));
        vm.warp(block.timestamp + 1);
        IMRVAnchor.SignedReading memory copy = _sign(FORGER_KEY, r.reading);
        (bytes32 forgedCopy, IMRVAnchor.SumPath memory pCopy,) = _anchorTwo(copy, _honest(4));
        _expectError(abi.encodeWithSelector(IMRVAnchor.NotReplay.selector, forgedCopy, earlier));
        anchor.excludeReplay(forgedCopy, copy, pCopy, earlier, r, pEarlier);
        IMRVAnchor.SumNode memory understated = _parent(_leaf(r), _leaf(_honest(5)));
        understated.energyWh = 100;
        bytes32 lying = _anchor(_header(understated));
        _expectError(abi.encodeWithSelector(IMRVAnchor.NotReplay.selector, lying, earlier));
        anchor.excludeReplay(lying, r, _path(_leaf(_honest(5)), false), earlier, r, pEarlier);
        vm.assertEq(anchor.batch(lying).energyWh, 100, "unchanged");
    }

    /// @notice A reading excluded from a batch is not counted there, so it is no witness for
    /// excluding it from a third batch.
    function test_excludeReplay_refuses_a_witness_that_no_longer_counts_the_reading() public {
        IMRVAnchor.SignedReading memory r = _honest(0);
        (bytes32 earlier, IMRVAnchor.SumPath memory pEarlier,) = _anchorTwo(r, _honest(1));
        vm.warp(block.timestamp + 1);
        (bytes32 later, IMRVAnchor.SumPath memory pLater,) = _anchorTwo(r, _honest(3));
        anchor.excludeReplay(later, r, pLater, earlier, r, pEarlier);
        vm.warp(block.timestamp + 1);
        (bytes32 third, IMRVAnchor.SumPath memory pThird,) = _anchorTwo(r, _honest(6));
        bytes32 digest = _readingDigest(r.reading);
        _expectError(abi.encodeWithSelector(IMRVAnchor.AlreadyExcluded.selector, later, digest));
        anchor.excludeReplay(third, r, pThird, later, r, pLater);
        vm.assertEq(anchor.batch(third).energyWh, 10_000, "unchanged");
    }

    // ---------------------------------------------------------------- finality

    /// @notice After its window anyone finalizes a batch once: its counted energy joins the
    /// project's finalized total. Not inside the window, not twice, not a rejected batch, not paused.
    function test_finalize_counts_a_batch_once_after_its_window() public {
        bytes32 id = _anchorOne(_honest(0));
        uint256 challengeEnd = anchor.batch(id).challengeEnd;
        _expectError(abi.encodeWithSelector(IMRVAnchor.ChallengeWindowOpen.selector, id, challengeEnd));
        anchor.finalize(id);
        bytes32 unknown = keccak256("nothing");
        _expectError(abi.encodeWithSelector(IMRVAnchor.UnknownBatch.selector, unknown));
        anchor.finalize(unknown);
        IMRVAnchor.SignedReading memory forged = _hourly(DEVICE, FORGER_KEY, 1, 1_000);
        bytes32 rejected = _anchorOne(forged);
        anchor.challengeReading(rejected, forged, _noPath());

        vm.warp(challengeEnd);
        _pause();
        _expectPaused();
        anchor.finalize(id);
        vm.prank(regulator);
        registry.unpause();
        vm.expectEmit(address(anchor));
        emit IMRVAnchor.BatchFinalized(id, PROJECT, 5_000);
        vm.prank(outsider);
        anchor.finalize(id);
        vm.assertEq(anchor.finalizedEnergy(PROJECT), 5_000, "finalized energy");
        vm.assertEq(anchor.finalizedEnergy(OTHER_PROJECT), 0, "the other project's");
        vm.assertTrue(anchor.isFinal(id), "final");
        _expectStatus(id, IMRVAnchor.BatchStatus.Finalized);
        anchor.finalize(id);
        _expectStatus(rejected, IMRVAnchor.BatchStatus.Rejected);
        anchor.finalize(rejected);
        vm.assertFalse(anchor.isFinal(rejected), "a rejected batch is never final");
        vm.assertEq(anchor.finalizedEnergy(PROJECT), 5_000, "counted once");
    }

    // ---------------------------------------------------------------- views

    /// @notice proveReading: true iff the leaf is in the (unrejected) batch and the device's key
    /// signed it; it does not judge standing or capacity (readingFault does).
    function test_proveReading_and_readingFault() public {
        IMRVAnchor.SignedReading memory a = _honest(0);
        IMRVAnchor.SignedReading memory unknownDevice = _hourly(keccak256("nobody"), DEVICE_KEY, 1, 1);
        (bytes32 id, IMRVAnchor.SumPath memory pa, IMRVAnchor.SumPath memory pu) = _anchorTwo(a, unknownDevice);
        vm.assertTrue(anchor.proveReading(id, a, pa), "included and signed");
        vm.assertFalse(anchor.proveReading(id, a, pu), "wrong path");
        vm.assertFalse(anchor.proveReading(id, unknownDevice, pu), "no registered key");
        vm.assertFalse(anchor.proveReading(id, _hourly(DEVICE, FORGER_KEY, 0, 5_000), pa), "another signature");
        IMRVAnchor.SignedReading memory tooMuch = _hourly(DEVICE, DEVICE_KEY, 2, 20_000);
        bytes32 over = _anchorOne(tooMuch);
        vm.assertTrue(anchor.proveReading(over, tooMuch, _noPath()), "capacity is not proveReading's concern");
        vm.assertEq(uint256(anchor.readingFault(over, tooMuch, _noPath())), uint256(IMRVAnchor.Fault.OverCapacity), "readingFault's");
        bytes32 unknown = keccak256("nothing");
        _expectError(abi.encodeWithSelector(IMRVAnchor.UnknownBatch.selector, unknown));
        anchor.proveReading(unknown, a, pa);
        _expectError(abi.encodeWithSelector(IMRVAnchor.UnknownBatch.selector, unknown));
        anchor.readingFault(unknown, a, pa);
        _expectError(abi.encodeWithSelector(IMRVAnchor.NotIncluded.selector, id));
        anchor.readingFault(id, a, pu);
    }

    /// @notice The on-chain hashes are docs/mrv.md's: the EIP-712 reading digest and the double
    /// keccak256 leaf; an inner node hashes its children's six words, left then right.
    function test_the_hash_views_follow_the_documented_formulas() public view {
        IMRVAnchor.SignedReading memory a = _honest(0);
        vm.assertEq(anchor.readingDigest(a.reading), _readingDigest(a.reading), "EIP-712 reading digest");
        IMRVAnchor.BatchHeader memory h = _header(_leaf(a));
        vm.assertEq(anchor.attestationDigest(h), _attestationDigest(h), "EIP-712 attestation digest");
        vm.assertEq(anchor.leafOf(a), _leaf(a).hash, "leaf");
        IMRVAnchor.SumNode memory l = _node("l", 1, 1);
        IMRVAnchor.SumNode memory r = _node("r", 2, 1);
        vm.assertEq(anchor.nodeHash(l, r), _nodeHash(l, r), "node");
        vm.assertFalse(anchor.nodeHash(l, r) == anchor.nodeHash(r, l), "ordered, not sorted");
        vm.assertEq(
            anchor.READING_TYPEHASH(),
            keccak256("Reading(bytes32 deviceId,uint64 sequence,uint64 periodStart,uint64 periodEnd,uint64 energyWh)"),
            "reading type"
        );
        vm.assertEq(uint256(anchor.MAX_READINGS()), 1 << 20, "2^20 readings");
    }
}
