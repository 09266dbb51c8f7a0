// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMRVAnchor} from "../interfaces/IMRVAnchor.sol";

/// @title MerkleSum
/// @notice The Merkle-sum tree of MRV batches (docs/mrv.md, "The Merkle-sum tree"). A node is
/// (hash, energyWh, count) as its parent commits to it; an inner node's hash is
/// keccak256(abi.encode(left.hash, left.energyWh, left.count, right.hash, right.energyWh, right.count))
/// (192 bytes), a leaf's the reading's double keccak256 (a 32-byte preimage), so no leaf can pass
/// for an inner node. Pure and storage-free, so the tests call it against the Python core.
library MerkleSum {
    /// @notice Longest path accepted: a tree whose every node is balanced (children counts differ by
    /// at most 1) has depth ceil(log2(count)), i.e. at most 20 for MAX_READINGS = 2**20.
    uint256 internal constant MAX_DEPTH = 20;

    /// @dev The hash of an inner node with children (lh, le, lc) and (rh, re, rc).
    function hashNode(bytes32 lh, uint256 le, uint256 lc, bytes32 rh, uint256 re, uint256 rc)
        internal
        pure
        returns (bytes32 result)
    {
        assembly ("memory-safe") {
            // Scratch space past the free memory pointer: nothing is allocated, so it is left as is.
            let m := mload(0x40)
            mstore(m, lh)
            mstore(add(m, 0x20), le)
            mstore(add(m, 0x40), lc)
            mstore(add(m, 0x60), rh)
            mstore(add(m, 0x80), re)
            mstore(add(m, 0xa0), rc)
            result := keccak256(m, 0xc0)
        }
    }

    /// @dev Climb from a node committed as (h, e, c) along `path`; returns the root's hash and the
    /// sums its children commit to. `ok` is false for a path no tree has: set bits of `leftSides`
    /// above its length, or sums past 2**256 (a parent's committed sum is always exact).
    /// Reverts PathTooLong above MAX_DEPTH levels.
    function climb(bytes32 h, uint256 e, uint256 c, IMRVAnchor.SumPath calldata path)
        internal
        pure
        returns (bytes32, uint256, uint256, bool ok)
    {
        uint256 length = path.siblings.length;
        if (length > MAX_DEPTH) revert IMRVAnchor.PathTooLong(length, MAX_DEPTH);
        uint256 sides = path.leftSides;
        if (sides >> length != 0) return (h, e, c, false);
        for (uint256 i; i < length; ++i) {
            bool overflow;
            (h, e, c, overflow) = _parent(h, e, c, path.siblings[i], (sides >> i) & 1 == 1);
            if (overflow) return (h, e, c, false);
        }
        return (h, e, c, true);
    }

    /// @dev The parent of node (h, e, c) and its sibling `s` (on the left when `siblingLeft`).
    function _parent(bytes32 h, uint256 e, uint256 c, IMRVAnchor.SumNode calldata s, bool siblingLeft)
        private
        pure
        returns (bytes32 ph, uint256 pe, uint256 pc, bool overflow)
    {
        ph = siblingLeft ? hashNode(s.hash, s.energyWh, s.count, h, e, c) : hashNode(h, e, c, s.hash, s.energyWh, s.count);
        (overflow, pe, pc) = _add(e, s.energyWh, c, s.count);
    }

    /// @dev (e1 + e2, c1 + c2), with `overflow` set if either sum passes 2**256.
    function _add(uint256 e1, uint256 e2, uint256 c1, uint256 c2)
        private
        pure
        returns (bool overflow, uint256 e, uint256 c)
    {
        // Wrapping is detected right below, so the unchecked sums are safe to return.
        unchecked {
            e = e1 + e2;
            c = c1 + c2;
        }
        overflow = e < e1 || c < c1;
    }

    /// @dev What the opened inner node's children (l, r) say: their hash, their summed energy and
    /// count (`overflow` if past 2**256), and whether they are balanced (both counts >= 1 and
    /// differing by at most 1).
    function open(IMRVAnchor.SumNode calldata l, IMRVAnchor.SumNode calldata r)
        internal
        pure
        returns (bytes32 h, uint256 e, uint256 c, bool overflow, bool balanced)
    {
        (uint256 lc, uint256 rc) = (l.count, r.count);
        h = hashNode(l.hash, l.energyWh, lc, r.hash, r.energyWh, rc);
        (overflow, e, c) = _add(l.energyWh, r.energyWh, lc, rc);
        balanced = lc != 0 && rc != 0 && (lc > rc ? lc - rc : rc - lc) <= 1;
    }
}
