// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title VoucherIds
/// @notice Voucher node ids that carry their place in the tree, so no node stores its parent or root.
///
/// A root id is a counter in the low 64 bits. A child's id is its parent's id with one more 4-bit
/// digit (its part index + 1, never 0) above them: child i of a node at depth d is
/// `parent | (i + 1) << (64 + 4 d)`. So the root is `id & (2^64 − 1)`, the parent clears the
/// highest digit, and 192 bits leave room for 48 levels. Written as a path, `1.2.1` is the first
/// part of the second part of root 1.
library VoucherIds {
    uint256 internal constant ROOT_BITS = 64;
    uint256 internal constant DIGIT_BITS = 4;
    uint256 internal constant MAX_DEPTH = 48;
    uint256 internal constant MAX_INDEX = 14; // digits run 1..15

    /// @dev The root of `id`.
    function rootOf(uint256 id) internal pure returns (uint256) {
        return id & type(uint64).max;
    }

    /// @dev The id of part `index` (0-based, ≤ MAX_INDEX) of `parentId`, a node at `parentDepth` (< MAX_DEPTH).
    function childOf(uint256 parentId, uint256 parentDepth, uint256 index) internal pure returns (uint256) {
        return parentId | ((index + 1) << (ROOT_BITS + DIGIT_BITS * parentDepth));
    }

    /// @dev The parent of `id`, a node at `depth` (0 for a root, whose parent is 0).
    function parentOf(uint256 id, uint256 depth) internal pure returns (uint256) {
        if (depth == 0) return 0;
        return id & ~(uint256(0xF) << (ROOT_BITS + DIGIT_BITS * (depth - 1)));
    }
}
