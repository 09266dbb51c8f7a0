// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../lib/Vm.sol";
import {MerkleSum} from "../../../contracts/mrv/MerkleSum.sol";
import {IMRVAnchor} from "../../../contracts/interfaces/IMRVAnchor.sol";

/// @dev MerkleSum's internal functions as external calls (calldata paths, as MRVAnchor passes them).
contract MerkleSumHarness {
    function hashNode(bytes32 lh, uint256 le, uint256 lc, bytes32 rh, uint256 re, uint256 rc) external pure returns (bytes32) {
        return MerkleSum.hashNode(lh, le, lc, rh, re, rc);
    }

    function climb(bytes32 h, uint256 e, uint256 c, IMRVAnchor.SumPath calldata path)
        external
        pure
        returns (bytes32, uint256, uint256, bool)
    {
        return MerkleSum.climb(h, e, c, path);
    }

    function open(IMRVAnchor.SumNode calldata l, IMRVAnchor.SumNode calldata r)
        external
        pure
        returns (bytes32 h, uint256 e, uint256 c, bool overflow, bool balanced)
    {
        return MerkleSum.open(l, r);
    }
}

/// @title MerkleSumTest
/// @notice docs/mrv.md, "The Merkle-sum tree": an inner node's hash is keccak256 of its children's
/// six words, left then right; climbing a path computes each parent as (hash of the two, e + e',
/// c + c'), refuses more than MAX_DEPTH (20) levels with PathTooLong, and is no path with a side bit
/// at or above its length or sums past 2^256; an opened node is balanced when both children count
/// at least 1 and their counts differ by at most 1.
contract MerkleSumTest {
    MerkleSumHarness private sum = new MerkleSumHarness();

    function _node(uint256 i, uint256 e, uint256 c) private pure returns (IMRVAnchor.SumNode memory) {
        return IMRVAnchor.SumNode(keccak256(abi.encode("node", i)), e, c);
    }

    function _ref(IMRVAnchor.SumNode memory l, IMRVAnchor.SumNode memory r) private pure returns (bytes32) {
        return keccak256(abi.encode(l.hash, l.energyWh, l.count, r.hash, r.energyWh, r.count));
    }

    /// @notice The assembly hash is the documented abi.encode hash, for any six words (2,000 cases:
    /// SumTree.diff.t.sol compares 10,000 nodes with Python's).
    /// forge-config: default.fuzz.runs = 2000
    /// forge-config: deep.fuzz.runs = 20000
    function testFuzz_hashNode_is_the_documented_hash(bytes32 lh, uint256 le, uint256 lc, bytes32 rh, uint256 re, uint256 rc)
        public
        view
    {
        vm.assertEq(sum.hashNode(lh, le, lc, rh, re, rc), keccak256(abi.encode(lh, le, lc, rh, re, rc)), "node hash");
    }

    /// @notice Each level hashes the node with its sibling on the side bit i names, and adds the sums.
    function test_climb_hashes_each_level_on_its_side_and_adds_the_sums() public view {
        IMRVAnchor.SumNode memory start = _node(0, 5, 1);
        IMRVAnchor.SumPath memory path;
        (bytes32 h, uint256 e, uint256 c, bool ok) = sum.climb(start.hash, 5, 1, path);
        vm.assertTrue(ok && h == start.hash && e == 5 && c == 1, "an empty path is the node itself");

        path.siblings = new IMRVAnchor.SumNode[](2);
        path.siblings[0] = _node(1, 7, 1); // on the right
        path.siblings[1] = _node(2, 30, 2); // on the left
        path.leftSides = 2;
        IMRVAnchor.SumNode memory parent = IMRVAnchor.SumNode(_ref(start, path.siblings[0]), 12, 2);
        (h, e, c, ok) = sum.climb(start.hash, 5, 1, path);
        vm.assertTrue(ok, "a path");
        vm.assertEq(h, _ref(path.siblings[1], parent), "root hash");
        vm.assertEq(e, 42, "root energy");
        vm.assertEq(c, 4, "root count");
    }

    /// @notice Not a path: a set side bit at or above its length, or sums past 2^256.
    function test_climb_refuses_stray_side_bits_and_overflowing_sums() public view {
        IMRVAnchor.SumPath memory path;
        path.siblings = new IMRVAnchor.SumNode[](1);
        path.siblings[0] = _node(1, 7, 1);
        path.leftSides = 2;
        (,,, bool ok) = sum.climb(bytes32(0), 5, 1, path);
        vm.assertFalse(ok, "side bit 1 on a one-level path");
        path.leftSides = 0;
        path.siblings[0] = _node(1, type(uint256).max, 1);
        (,,, ok) = sum.climb(bytes32(0), 1, 1, path);
        vm.assertFalse(ok, "energy past 2^256");
        path.siblings[0] = _node(1, 1, type(uint256).max);
        (,,, ok) = sum.climb(bytes32(0), 1, 1, path);
        vm.assertFalse(ok, "count past 2^256");
    }

    /// @notice 20 levels climb; 21 are PathTooLong(21, 20).
    function test_climb_takes_at_most_twenty_levels() public {
        IMRVAnchor.SumPath memory path;
        path.siblings = new IMRVAnchor.SumNode[](20);
        (,,, bool ok) = sum.climb(bytes32(0), 1, 1, path);
        vm.assertTrue(ok, "20 levels");
        path.siblings = new IMRVAnchor.SumNode[](21);
        vm.expectRevert(abi.encodeWithSelector(IMRVAnchor.PathTooLong.selector, 21, 20));
        sum.climb(bytes32(0), 1, 1, path);
    }

    /// @notice An opened node: its hash, its children's sums (overflow flagged), and whether it is
    /// balanced, for any children.
    /// forge-config: default.fuzz.runs = 2000
    /// forge-config: deep.fuzz.runs = 20000
    function testFuzz_open_matches_the_rule(uint256 le, uint256 lc, uint256 re, uint256 rc) public view {
        lc %= 8; // small counts, so the balance rule's edges come up often
        rc %= 8;
        IMRVAnchor.SumNode memory l = _node(1, le, lc);
        IMRVAnchor.SumNode memory r = _node(2, re, rc);
        (bytes32 h, uint256 e, uint256 c, bool overflow, bool balanced) = sum.open(l, r);
        vm.assertEq(h, _ref(l, r), "hash");
        bool wraps = le > type(uint256).max - re;
        vm.assertEq(overflow, wraps, "overflow");
        unchecked {
            vm.assertEq(e, le + re, "energy");
        }
        vm.assertEq(c, lc + rc, "count");
        bool expected = lc >= 1 && rc >= 1 && (lc > rc ? lc - rc : rc - lc) <= 1;
        vm.assertEq(balanced, expected, "balanced");
    }

    /// @notice The balance rule's edges, named.
    function test_open_balance_edges() public view {
        uint256[2][7] memory cases = [[uint256(1), 1], [uint256(2), 1], [uint256(1), 2], [uint256(3), 1], [uint256(1), 3], [uint256(0), 1], [uint256(1), 0]];
        bool[7] memory balanced = [true, true, true, false, false, false, false];
        for (uint256 i; i < cases.length; ++i) {
            (,,,, bool b) = sum.open(_node(1, 1, cases[i][0]), _node(2, 1, cases[i][1]));
            vm.assertEq(b, balanced[i], string.concat("case ", vm.toString(i)));
        }
        (,,, bool overflow,) = sum.open(_node(1, type(uint256).max, 1), _node(2, 0, type(uint256).max));
        vm.assertTrue(overflow, "count past 2^256");
    }
}
