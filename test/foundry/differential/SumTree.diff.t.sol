// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../lib/Vm.sol";
import {Vectors} from "../lib/Vectors.sol";
import {MerkleSum} from "../../../contracts/mrv/MerkleSum.sol";
import {MRVAnchor} from "../../../contracts/mrv/MRVAnchor.sol";
import {ParticipantRegistry} from "../../../contracts/registry/ParticipantRegistry.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {IDeviceRegistry} from "../../../contracts/interfaces/IDeviceRegistry.sol";
import {IMRVAnchor} from "../../../contracts/interfaces/IMRVAnchor.sol";

/// @title MerkleSumHarness
/// @notice MerkleSum.climb (internal, on calldata paths) as an external call.
contract MerkleSumHarness {
    function climb(bytes32 h, uint256 e, uint256 c, IMRVAnchor.SumPath calldata path)
        external
        pure
        returns (bytes32, uint256, uint256, bool)
    {
        return MerkleSum.climb(h, e, c, path);
    }
}

/// @title SumTreeDifferential
/// @notice The Python oracle core's Merkle-sum trees (oracles.sumtree, oracles.codec) and the
/// contracts must agree, case by case (10,000 random trees from tools/sumtree_vectors.py, any shape,
/// true or false statements, any header): the leaf hash (MRVAnchor.leafOf), the node hash
/// (MRVAnchor.nodeHash), a climb along a path, spoilt or not (MerkleSum.climb), and the totals
/// proof: each tree is anchored with its header and the proof Python finds (its highest false
/// statement, else any node) must show MRVAnchor.totalsFault the same fault; a faulty one rejects
/// the batch through challengeTotals.
contract SumTreeDifferential {
    struct SumTreeCase {
        IMRVAnchor.SignedReading leaf;
        bytes32 leafHash;
        IMRVAnchor.SumNode left;
        IMRVAnchor.SumNode right;
        bytes32 parentHash;
        IMRVAnchor.SumNode root; // the batch id and the header's totals
        IMRVAnchor.SumNode climbFrom;
        IMRVAnchor.SumPath climbPath;
        bool climbOk;
        IMRVAnchor.SumNode climbTo;
        IMRVAnchor.TotalsProof proof;
        uint8 fault;
    }

    MRVAnchor internal anchor;
    MerkleSumHarness internal harness;

    function setUp() public {
        vm.warp(30 days);
        ParticipantRegistry registry = new ParticipantRegistry(address(this), address(this), 0);
        registry.register(address(this), IParticipantRegistry.Kind.OracleOperator, "CN", uint64(block.timestamp + 365 days));
        anchor = new MRVAnchor(registry, IDeviceRegistry(address(1)), address(this), address(this), 1);
        anchor.addOperator(address(this));
        harness = new MerkleSumHarness();
    }

    function test_sumTreesAndTotalsProofsMatchPython() public {
        for (uint256 chunk; chunk < Vectors.CHUNKS; ++chunk) {
            this.checkSumTrees(chunk);
        }
    }

    /// @dev One chunk per external call, so each decodes into fresh memory.
    function checkSumTrees(uint256 chunk) external {
        SumTreeCase[] memory cases = abi.decode(Vectors.load("sumtrees", chunk), (SumTreeCase[]));
        for (uint256 i; i < cases.length; ++i) {
            SumTreeCase memory c = cases[i];
            vm.assertEq(anchor.leafOf(c.leaf), c.leafHash, "leaf hash differs from Python");
            vm.assertEq(anchor.nodeHash(c.left, c.right), c.parentHash, "node hash differs from Python");
            _checkClimb(c);
            _checkTotals(c);
        }
    }

    function _checkClimb(SumTreeCase memory c) private view {
        IMRVAnchor.SumNode memory from = c.climbFrom;
        (bytes32 h, uint256 e, uint256 n, bool ok) = harness.climb(from.hash, from.energyWh, from.count, c.climbPath);
        vm.assertEq(ok, c.climbOk, "climb: a path Python refuses, or the reverse");
        if (!ok) return;
        vm.assertEq(h, c.climbTo.hash, "climb: root hash differs from Python");
        vm.assertEq(e, c.climbTo.energyWh, "climb: root energy differs from Python");
        vm.assertEq(n, c.climbTo.count, "climb: root count differs from Python");
    }

    function _checkTotals(SumTreeCase memory c) private {
        uint64 t = uint64(block.timestamp);
        IMRVAnchor.BatchHeader memory header =
            IMRVAnchor.BatchHeader(c.root.hash, 1, t - 2, t - 1, uint64(c.root.energyWh), uint32(c.root.count), bytes32(0));
        anchor.anchorBatch(header, new IMRVAnchor.CompactSignature[](0));
        vm.assertEq(uint256(anchor.totalsFault(c.root.hash, c.proof)), c.fault, "totals proof: fault differs from Python");
        if (c.fault == 0) return;
        anchor.challengeTotals(c.root.hash, c.proof);
        vm.assertEq(uint256(anchor.batch(c.root.hash).status), uint256(IMRVAnchor.BatchStatus.Rejected), "a disproved batch stands");
    }
}
