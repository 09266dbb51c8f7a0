"""Merkle-sum trees of MRV batches, byte for byte as MRVAnchor builds and checks them.

A node is (hash, energy_wh, count) as its parent commits to it. A leaf is
(leaf_hash(reading, signature), reading.energy_wh, 1); an inner node's hash is

    keccak256(abi.encode(left.hash, left.energy_wh, left.count, right.hash, right.energy_wh, right.count))

(six 32-byte words), so no leaf (whose last hash has a 32-byte preimage) can pass for an inner node.
The canonical tree over n leaves in a given order splits them in two halves, the left one taking the
extra leaf: left = first ceil(n/2). Every inner node is then balanced (children counts differ by at
most 1), and the depth is ceil(log2 n). The contract accepts any tree shape but rejects, with an
O(depth) proof, any false statement in it: a node whose committed energy or count differs from what
its reading or children say, or an unbalanced node (docs/mrv.md, "The Merkle-sum tree").

`SumTree` is the fast honest builder; `OpenNode` describes any committed tree, honest or not, and
`false_statement` finds the proof a challenger sends (`MRVAnchor.challengeTotals`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from oracles.keccak import keccak256

__all__ = [
    "MAX_DEPTH",
    "MAX_READINGS",
    "OpenNode",
    "SumNode",
    "SumPath",
    "SumTree",
    "TotalsProof",
    "climb",
    "false_statement",
    "node_hash",
    "open_tree",
    "parent",
]

MAX_DEPTH = 20  # MerkleSum.MAX_DEPTH: paths longer than this are refused (PathTooLong)
MAX_READINGS = 1 << MAX_DEPTH  # MRVAnchor.MAX_READINGS: a batch holds at most this many readings
_WORD = 1 << 256


class SumNode(NamedTuple):
    """A node as its parent commits to it."""

    hash: bytes
    energy_wh: int
    count: int

    def to_abi(self) -> tuple[str, int, int]:
        return ("0x" + self.hash.hex(), self.energy_wh, self.count)


def node_hash(left: SumNode, right: SumNode) -> bytes:
    """MerkleSum.hashNode: keccak256 of the six words (hash, energy, count) of left, then right."""
    return keccak256(left.hash + left.energy_wh.to_bytes(32, "big") + left.count.to_bytes(32, "big")
                     + right.hash + right.energy_wh.to_bytes(32, "big") + right.count.to_bytes(32, "big"))


def parent(left: SumNode, right: SumNode) -> SumNode:
    """The honest parent of two nodes: its hash and the sums of theirs."""
    return SumNode(node_hash(left, right), left.energy_wh + right.energy_wh, left.count + right.count)


class SumPath(NamedTuple):
    """A node's path to the root: siblings from its own level up; bit i of `left_sides` is set when
    siblings[i] is the left child."""

    siblings: tuple[SumNode, ...]
    left_sides: int

    def to_abi(self) -> tuple[list[tuple[str, int, int]], int]:
        return ([s.to_abi() for s in self.siblings], self.left_sides)


def climb(node: SumNode, path: SumPath) -> SumNode | None:
    """MerkleSum.climb: the root reached from `node` (its hash and the sums its children commit to),
    or None for a path no tree has (stray side bits, sums past 2**256). Longer paths than MAX_DEPTH
    raise ValueError, as the contract reverts PathTooLong."""
    if len(path.siblings) > MAX_DEPTH:
        raise ValueError(f"path of {len(path.siblings)} levels, at most {MAX_DEPTH}")
    if path.left_sides >> len(path.siblings):
        return None
    for i, sibling in enumerate(path.siblings):
        node = parent(sibling, node) if path.left_sides >> i & 1 else parent(node, sibling)
        if node.energy_wh >= _WORD or node.count >= _WORD:
            return None
    return node


class SumTree:
    """The canonical tree over leaf nodes in the given order (see the module docstring)."""

    __slots__ = ("_leaves", "_nodes")

    def __init__(self, leaves: Sequence[SumNode]):
        if not leaves:
            raise ValueError("a Merkle-sum tree needs at least one leaf")
        self._leaves = list(leaves)
        self._nodes: dict[tuple[int, int], SumNode] = {}
        self._build(0, len(self._leaves))

    def _build(self, lo: int, hi: int) -> SumNode:
        if hi - lo == 1:
            node = self._leaves[lo]
        else:
            mid = lo + (hi - lo + 1) // 2
            node = parent(self._build(lo, mid), self._build(mid, hi))
        self._nodes[(lo, hi)] = node
        return node

    @property
    def root(self) -> SumNode:
        return self._nodes[(0, len(self._leaves))]

    def __len__(self) -> int:
        return len(self._leaves)

    def path(self, index: int) -> SumPath:
        """The path of the leaf at `index` (in the tree's order)."""
        if type(index) is not int or not 0 <= index < len(self._leaves):
            raise IndexError(f"leaf index {index!r} out of range for {len(self._leaves)} leaves")
        lo, hi, top_down = 0, len(self._leaves), []
        while hi - lo > 1:
            mid = lo + (hi - lo + 1) // 2
            if index < mid:
                top_down.append((self._nodes[(mid, hi)], False))
                hi = mid
            else:
                top_down.append((self._nodes[(lo, mid)], True))
                lo = mid
        siblings = tuple(node for node, _ in reversed(top_down))
        sides = sum(1 << i for i, (_, left) in enumerate(reversed(top_down)) if left)
        return SumPath(siblings, sides)


@dataclass(eq=False)
class OpenNode:
    """A node of a committed tree, honest or not, with what it is made of: `reading` (a leaf: any
    object with `.leaf()` and `.reading.energy_wh`, e.g. codec.SignedReading) or `left` and `right`.
    `energy_wh` and `count` are what its parent (or, for the root, the header) states about it."""

    energy_wh: int
    count: int
    reading: Any = None
    left: OpenNode | None = None
    right: OpenNode | None = None
    hash: bytes = field(init=False)

    def __post_init__(self) -> None:
        if self.reading is not None:
            self.hash = self.reading.leaf()
        else:
            self.hash = node_hash(self.left.committed, self.right.committed)

    @property
    def committed(self) -> SumNode:
        return SumNode(self.hash, self.energy_wh, self.count)

    def statement_holds(self) -> bool:
        """Whether what is stated about this node is true of its opening (and it is balanced)."""
        if self.reading is not None:
            return self.energy_wh == self.reading.reading.energy_wh and self.count == 1
        lc, rc = self.left.count, self.right.count
        return (self.left.energy_wh + self.right.energy_wh == self.energy_wh and lc + rc == self.count
                and lc >= 1 and rc >= 1 and abs(lc - rc) <= 1)


def open_tree(readings: Sequence[Any]) -> OpenNode:
    """The canonical tree over `readings` in the given order, every statement true (the root's
    energy and count are the totals an honest header states)."""
    if not readings:
        raise ValueError("a Merkle-sum tree needs at least one leaf")
    if len(readings) == 1:
        return OpenNode(readings[0].reading.energy_wh, 1, reading=readings[0])
    mid = (len(readings) + 1) // 2
    left, right = open_tree(readings[:mid]), open_tree(readings[mid:])
    return OpenNode(left.energy_wh + right.energy_wh, left.count + right.count, left=left, right=right)


class TotalsProof(NamedTuple):
    """MRVAnchor.challengeTotals' proof: one node opened, with its path to the root."""

    node: OpenNode
    path: SumPath

    def to_abi(self, zero_reading: tuple) -> tuple:
        """The TotalsProof struct; `zero_reading` fills the unused SignedReading of an inner node
        (its ABI tuple shape is the caller's, e.g. the tests' signed_tuple)."""
        n, empty = self.node, SumNode(bytes(32), 0, 0).to_abi()
        if n.reading is not None:
            return (n.energy_wh, n.count, True, zero_reading, empty, empty, self.path.to_abi())
        return (n.energy_wh, n.count, False, zero_reading, n.left.committed.to_abi(), n.right.committed.to_abi(),
                self.path.to_abi())


def false_statement(root: OpenNode) -> TotalsProof | None:
    """The highest node whose statement is false (breadth first, so every ancestor's holds and its
    path is at most ceil(log2 count) <= MAX_DEPTH long), as a proof; None if every statement holds,
    i.e. the stated totals are the true sums of a balanced tree. `root` carries the header's totals."""
    queue: deque[tuple[OpenNode, tuple[SumNode, ...], int]] = deque([(root, (), 0)])
    while queue:
        node, siblings, sides = queue.popleft()
        if not node.statement_holds():
            return TotalsProof(node, SumPath(siblings, sides))
        if node.reading is None:
            # A child's path: its sibling below the parent's path; bit 0 marks a left sibling.
            queue.append((node.left, (node.right.committed, *siblings), sides << 1))
            queue.append((node.right, (node.left.committed, *siblings), (sides << 1) | 1))
    return None
