// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMRVAnchor} from "../../../../contracts/interfaces/IMRVAnchor.sol";

/// @title SumTreeModel
/// @notice The anchor suite's own Merkle-sum trees of at most four leaves, honest or not, written
/// from docs/mrv.md without MerkleSum: a node [lo, hi) of the leaves splits at the canonical middle
/// (the left half takes the extra leaf), or after the first leaf at the root of a `skewed` tree (an
/// unbalanced root for four leaves, another true shape for three); one node may state a lie
/// (energy or count off from what its opening sums to). The model judges any node's opening as
/// challengeTotals must: a statement that is not its opening's sums is WrongTotals, unbalanced
/// children MalformedTree, otherwise nothing.
library SumTreeModel {
    struct Tree {
        bytes32[] leafHashes;
        uint256[] energies;
        bool skewed;
        // The lying node [lieLo, lieHi) (lieHi == 0: none) and what it states beyond its opening.
        uint256 lieLo;
        uint256 lieHi;
        int256 lieEnergy;
        int256 lieCount;
    }

    /// @dev Where node [lo, hi) splits into its children.
    function split(Tree memory t, uint256 lo, uint256 hi) internal pure returns (uint256) {
        if (t.skewed && lo == 0 && hi == t.leafHashes.length) return 1;
        return lo + (hi - lo + 1) / 2;
    }

    /// @dev Node [lo, hi) as its parent (or, for the root, the header) states it.
    function node(Tree memory t, uint256 lo, uint256 hi) internal pure returns (IMRVAnchor.SumNode memory n) {
        n = opening(t, lo, hi);
        if (lo == t.lieLo && hi == t.lieHi) {
            n.energyWh = uint256(int256(n.energyWh) + t.lieEnergy);
            n.count = uint256(int256(n.count) + t.lieCount);
        }
    }

    /// @dev What node [lo, hi)'s opening says: its hash, and the sums of its reading (energy, 1) or
    /// of its children's statements.
    function opening(Tree memory t, uint256 lo, uint256 hi) internal pure returns (IMRVAnchor.SumNode memory) {
        if (hi - lo == 1) return IMRVAnchor.SumNode(t.leafHashes[lo], t.energies[lo], 1);
        (IMRVAnchor.SumNode memory l, IMRVAnchor.SumNode memory r) = children(t, lo, hi);
        return IMRVAnchor.SumNode(hashPair(l, r), l.energyWh + r.energyWh, l.count + r.count);
    }

    function children(Tree memory t, uint256 lo, uint256 hi)
        internal
        pure
        returns (IMRVAnchor.SumNode memory l, IMRVAnchor.SumNode memory r)
    {
        uint256 mid = split(t, lo, hi);
        (l, r) = (node(t, lo, mid), node(t, mid, hi));
    }

    /// @dev docs/mrv.md: keccak256 of the six words (hash, energy, count) of the left child, then the right.
    function hashPair(IMRVAnchor.SumNode memory l, IMRVAnchor.SumNode memory r) internal pure returns (bytes32) {
        return keccak256(abi.encode(l.hash, l.energyWh, l.count, r.hash, r.energyWh, r.count));
    }

    function root(Tree memory t) internal pure returns (IMRVAnchor.SumNode memory) {
        return node(t, 0, t.leafHashes.length);
    }

    /// @dev The fault opening node [lo, hi) proves (Fault.None: nothing), for a node that reaches
    /// the root: first, whatever is opened, a header that is not the root's opening sums (the climb
    /// recomputes the root's sums); then the node's own statement; then its balance.
    function fault(Tree memory t, uint256 lo, uint256 hi) internal pure returns (IMRVAnchor.Fault) {
        if (t.lieLo == 0 && t.lieHi == t.leafHashes.length) return IMRVAnchor.Fault.WrongTotals;
        IMRVAnchor.SumNode memory stated = node(t, lo, hi);
        IMRVAnchor.SumNode memory opened = opening(t, lo, hi);
        if (stated.energyWh != opened.energyWh || stated.count != opened.count) return IMRVAnchor.Fault.WrongTotals;
        if (hi - lo == 1) return IMRVAnchor.Fault.None;
        (IMRVAnchor.SumNode memory l, IMRVAnchor.SumNode memory r) = children(t, lo, hi);
        uint256 gap = l.count > r.count ? l.count - r.count : r.count - l.count;
        if (l.count == 0 || r.count == 0 || gap > 1) return IMRVAnchor.Fault.MalformedTree;
        return IMRVAnchor.Fault.None;
    }

    /// @dev The highest node whose opening proves a fault, breadth first (found = false: none).
    function firstFault(Tree memory t) internal pure returns (bool found, uint256 lo, uint256 hi) {
        uint256[2][8] memory queue;
        (uint256 head, uint256 tail) = (0, 1);
        queue[0] = [uint256(0), t.leafHashes.length];
        while (head < tail) {
            (lo, hi) = (queue[head][0], queue[head][1]);
            ++head;
            if (fault(t, lo, hi) != IMRVAnchor.Fault.None) return (true, lo, hi);
            if (hi - lo > 1) {
                uint256 mid = split(t, lo, hi);
                queue[tail++] = [lo, mid];
                queue[tail++] = [mid, hi];
            }
        }
        return (false, 0, 0);
    }

    /// @dev Whether climbing from node [lo, hi), committed with its true sums (`stated` false: a
    /// reading's leaf) or with its statement (`stated`: a totals proof), reaches the root. A climb
    /// recomputes each parent's sums, so it cannot pass a lower node that states a lie.
    function reachesRoot(Tree memory t, uint256 lo, uint256 hi, bool stated) internal pure returns (bool) {
        bool lieBelowRoot = t.lieHi != 0 && !(t.lieLo == 0 && t.lieHi == t.leafHashes.length);
        if (!lieBelowRoot || lo < t.lieLo || hi > t.lieHi) return true;
        return stated && lo == t.lieLo && hi == t.lieHi;
    }

    /// @dev A node of the tree picked by `seed`: from the root, down a few levels on random sides.
    function pick(Tree memory t, uint256 seed) internal pure returns (uint256 lo, uint256 hi) {
        (lo, hi) = (0, t.leafHashes.length);
        for (uint256 levels = seed % 4; levels > 0 && hi - lo > 1; --levels) {
            uint256 mid = split(t, lo, hi);
            seed >>= 2;
            if (seed & 1 == 0) hi = mid;
            else lo = mid;
        }
    }

    /// @dev The totals proof opening node [lo, hi); `leaf` is its reading when it is a leaf.
    function proof(Tree memory t, uint256 lo, uint256 hi, IMRVAnchor.SignedReading memory leaf)
        internal
        pure
        returns (IMRVAnchor.TotalsProof memory p)
    {
        IMRVAnchor.SumNode memory stated = node(t, lo, hi);
        p.energyWh = stated.energyWh;
        p.count = stated.count;
        p.isLeaf = hi - lo == 1;
        if (p.isLeaf) p.reading = leaf;
        else (p.left, p.right) = children(t, lo, hi);
        p.path = path(t, lo, hi);
    }

    /// @dev Node [lo, hi)'s path: siblings from its own level up, bit i set for a left sibling.
    function path(Tree memory t, uint256 lo, uint256 hi) internal pure returns (IMRVAnchor.SumPath memory p) {
        IMRVAnchor.SumNode[4] memory topDown;
        bool[4] memory leftSibling;
        uint256 depth;
        (uint256 a, uint256 b) = (0, t.leafHashes.length);
        while (a != lo || b != hi) {
            uint256 mid = split(t, a, b);
            if (hi <= mid) {
                (topDown[depth], leftSibling[depth]) = (node(t, mid, b), false);
                b = mid;
            } else {
                (topDown[depth], leftSibling[depth]) = (node(t, a, mid), true);
                a = mid;
            }
            ++depth;
        }
        p.siblings = new IMRVAnchor.SumNode[](depth);
        for (uint256 i; i < depth; ++i) {
            p.siblings[i] = topDown[depth - 1 - i];
            if (leftSibling[depth - 1 - i]) p.leftSides |= 1 << i;
        }
    }
}
