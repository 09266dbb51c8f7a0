// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {vm} from "../lib/Vm.sol";
import {Vectors} from "../lib/Vectors.sol";
import {MRVAnchor} from "../../../contracts/mrv/MRVAnchor.sol";
import {ParticipantRegistry} from "../../../contracts/registry/ParticipantRegistry.sol";
import {IDeviceRegistry} from "../../../contracts/interfaces/IDeviceRegistry.sol";
import {IMRVAnchor} from "../../../contracts/interfaces/IMRVAnchor.sol";

/// @title OracleCoreDifferential
/// @notice The Python oracle core and the contracts must agree, case by case (10,000 random cases
/// each, from tools/forge_vectors.py): the EIP-712 reading digest (oracles.readings.digest vs
/// MRVAnchor.readingDigest), the Merkle leaf (oracles.codec.leaf_hash vs MRVAnchor.leafOf), trees
/// and proofs (oracles.merkle roots, proofs and multiproofs vs OpenZeppelin's MerkleProof, which
/// MRVAnchor verifies with), and the content hash (greenfi's text_hash vs keccak256 of the bytes).
contract OracleCoreDifferential {
    /// @dev The verifying contract the Python side signed for (tools/forge_vectors.py).
    address internal constant VERIFYING_CONTRACT = 0x00000000000000000000000000000000000A2C40;

    struct ReadingCase {
        IMRVAnchor.Reading reading;
        bytes32 r;
        bytes32 vs;
        bytes32 digest;
        bytes32 leaf;
    }

    struct TreeCase {
        bytes32[] leaves;
        bytes32 root;
        bytes32 leaf;
        bytes32[] proof;
        bytes32[] multiLeaves;
        bytes32[] multiProof;
        bool[] flags;
    }

    struct TextCase {
        string text;
        bytes32 hash;
    }

    MRVAnchor internal anchor;

    function setUp() public {
        ParticipantRegistry registry = new ParticipantRegistry(address(this), address(this), 0);
        MRVAnchor deployed = new MRVAnchor(registry, IDeviceRegistry(address(1)), address(this), address(this), 1);
        vm.etch(VERIFYING_CONTRACT, address(deployed).code);
        anchor = MRVAnchor(VERIFYING_CONTRACT);
    }

    function test_readingDigestAndLeafMatchPython() public view {
        for (uint256 chunk; chunk < Vectors.CHUNKS; ++chunk) {
            this.checkReadings(chunk);
        }
    }

    function test_treesAndProofsMatchPython() public view {
        for (uint256 chunk; chunk < Vectors.CHUNKS; ++chunk) {
            this.checkTrees(chunk);
        }
    }

    function test_contentHashMatchesPython() public view {
        for (uint256 chunk; chunk < Vectors.CHUNKS; ++chunk) {
            this.checkTexts(chunk);
        }
    }

    /// @dev One chunk per external call, so each decodes into fresh memory.
    function checkReadings(uint256 chunk) external view {
        ReadingCase[] memory cases = abi.decode(Vectors.load("readings", chunk), (ReadingCase[]));
        for (uint256 i; i < cases.length; ++i) {
            ReadingCase memory c = cases[i];
            vm.assertEq(anchor.readingDigest(c.reading), c.digest, "reading digest differs from Python");
            vm.assertEq(anchor.leafOf(IMRVAnchor.SignedReading(c.reading, c.r, c.vs)), c.leaf, "leaf differs from Python");
        }
    }

    function checkTrees(uint256 chunk) external view {
        TreeCase[] memory cases = abi.decode(Vectors.load("trees", chunk), (TreeCase[]));
        for (uint256 i; i < cases.length; ++i) {
            TreeCase memory c = cases[i];
            vm.assertEq(MerkleProof.processProof(c.proof, c.leaf), c.root, "proof does not lead to Python's root");
            vm.assertEq(MerkleProof.processMultiProof(c.multiProof, c.flags, c.multiLeaves), c.root, "multiproof differs");
            if (c.leaves.length > 1) {
                // A leaf that is not in the tree must not verify with the proof of one that is.
                vm.assertTrue(!MerkleProof.verify(c.proof, c.root, keccak256(abi.encode(c.leaf))), "a foreign leaf verified");
            }
        }
    }

    function checkTexts(uint256 chunk) external view {
        TextCase[] memory cases = abi.decode(Vectors.load("texts", chunk), (TextCase[]));
        for (uint256 i; i < cases.length; ++i) {
            vm.assertEq(keccak256(bytes(cases[i].text)), cases[i].hash, "content hash differs from Python");
        }
    }
}
