"""Merkle trees verifiable by OpenZeppelin v5 `MerkleProof` (verify and multiProofVerify).

The tree is built exactly like OpenZeppelin's JavaScript `StandardMerkleTree`: leaves are sorted
by hash and stored, in reverse, at the tail of a complete binary tree in array form (node i has
children 2i+1 and 2i+2), and an inner node is the commutative keccak256 of its children (the
smaller 32-byte word first). Callers supply leaf hashes; for readings see `codec.leaf_hash`,
which double-hashes so no leaf can be confused with a 64-byte inner-node preimage.

`process_proof` and `process_multiproof` are line-by-line ports of the Solidity functions, so
a proof that passes here passes on chain and vice versa.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from greenfi.errors import GreenfiError
from oracles.keccak import keccak256

__all__ = [
    "MerkleError",
    "MerkleTree",
    "MultiProof",
    "hash_pair",
    "multiproof_verify",
    "process_multiproof",
    "process_proof",
    "verify",
]

_ZERO = bytes(32)


class MerkleError(GreenfiError, ValueError):
    """Invalid tree input, unknown leaf, or a multiproof Solidity would revert on."""


class MultiProof(NamedTuple):
    """Arguments for `MerkleProof.multiProofVerify(proof, proofFlags, root, leaves)`."""

    leaves: list[bytes]
    proof: list[bytes]
    proof_flags: list[bool]


def _check_node(node: object) -> bytes:
    if not isinstance(node, bytes) or len(node) != 32:
        raise MerkleError(f"Merkle nodes are 32 bytes, got {node!r}")
    return node


def hash_pair(a: bytes, b: bytes) -> bytes:
    """OpenZeppelin `Hashes.commutativeKeccak256`: keccak256 of the sorted pair."""
    return keccak256(a + b) if a < b else keccak256(b + a)


def process_proof(proof: Sequence[bytes], leaf: bytes) -> bytes:
    """`MerkleProof.processProof`: the root rebuilt from `leaf` and its sibling path."""
    computed = _check_node(leaf)
    for sibling in proof:
        computed = hash_pair(computed, _check_node(sibling))
    return computed


def verify(proof: Sequence[bytes], root: bytes, leaf: bytes) -> bool:
    """`MerkleProof.verify`: True iff `proof` proves `leaf` is in the tree with `root`."""
    return process_proof(proof, leaf) == root


def process_multiproof(proof: Sequence[bytes], proof_flags: Sequence[bool], leaves: Sequence[bytes]) -> bytes:
    """`MerkleProof.processMultiProof`, including its quirks (see the Solidity NOTE/CAUTION).

    Raises MerkleError where Solidity reverts: MerkleProofInvalidMultiproof, or the out-of-bounds
    panic (0x32) that malformed flags can trigger.
    """
    for node in (*leaves, *proof):
        _check_node(node)
    leaves_len, flags_len = len(leaves), len(proof_flags)
    if leaves_len + len(proof) != flags_len + 1:
        raise MerkleError("invalid multiproof: leaves + proof != proofFlags + 1")
    hashes = [_ZERO] * flags_len  # Solidity memory arrays start zeroed; unwritten slots read as 0
    leaf_pos = hash_pos = proof_pos = 0
    try:
        for i in range(flags_len):
            if leaf_pos < leaves_len:
                a, leaf_pos = leaves[leaf_pos], leaf_pos + 1
            else:
                a, hash_pos = hashes[hash_pos], hash_pos + 1
            if not proof_flags[i]:
                b, proof_pos = proof[proof_pos], proof_pos + 1
            elif leaf_pos < leaves_len:
                b, leaf_pos = leaves[leaf_pos], leaf_pos + 1
            else:
                b, hash_pos = hashes[hash_pos], hash_pos + 1
            hashes[i] = hash_pair(a, b)
    except IndexError:
        raise MerkleError("invalid multiproof: array index out of bounds (Solidity panic 0x32)") from None
    if flags_len > 0:
        if proof_pos != len(proof):
            raise MerkleError("invalid multiproof: proof elements left unused")
        return hashes[flags_len - 1]
    return leaves[0] if leaves_len > 0 else proof[0]


def multiproof_verify(proof: Sequence[bytes], proof_flags: Sequence[bool], root: bytes,
                      leaves: Sequence[bytes]) -> bool:
    """`MerkleProof.multiProofVerify`; malformed multiproofs raise MerkleError (Solidity reverts)."""
    return process_multiproof(proof, proof_flags, leaves) == root


class MerkleTree:
    """A StandardMerkleTree-compatible tree over 32-byte leaf hashes.

    Leaves keep the index they had in the input (like StandardMerkleTree values), so
    `proof(i)` proves `leaves[i]` whatever its position after sorting.
    """

    __slots__ = ("_nodes", "_tree_index", "_leaf_index")

    def __init__(self, nodes: list[bytes], tree_index: list[int]) -> None:
        """Use `from_leaves`; this trusts `nodes` to be a well-formed tree."""
        self._nodes = nodes
        self._tree_index = tree_index  # input position -> node index
        self._leaf_index: dict[bytes, int] = {}
        for position in range(len(tree_index) - 1, -1, -1):  # first occurrence wins on duplicates
            self._leaf_index[nodes[tree_index[position]]] = position

    @classmethod
    def from_leaves(cls, leaves: Iterable[bytes]) -> MerkleTree:
        """Build the tree; raises MerkleError for no leaves or a leaf that is not 32 bytes."""
        leaves = [_check_node(leaf) for leaf in leaves]
        count = len(leaves)
        if count == 0:
            raise MerkleError("a Merkle tree needs at least one leaf")
        size = 2 * count - 1
        nodes = [_ZERO] * size
        tree_index = [0] * count
        for rank, position in enumerate(sorted(range(count), key=leaves.__getitem__)):
            tree_index[position] = size - 1 - rank
            nodes[size - 1 - rank] = leaves[position]
        for i in range(size - 1 - count, -1, -1):
            left, right = nodes[2 * i + 1], nodes[2 * i + 2]
            nodes[i] = keccak256(left + right) if left < right else keccak256(right + left)
        return cls(nodes, tree_index)

    @property
    def root(self) -> bytes:
        return self._nodes[0]

    @property
    def leaves(self) -> list[bytes]:
        """Leaf hashes in input order."""
        return [self._nodes[i] for i in self._tree_index]

    @property
    def nodes(self) -> tuple[bytes, ...]:
        """The whole tree in array form, root first (StandardMerkleTree's `dump().tree`)."""
        return tuple(self._nodes)

    def __len__(self) -> int:
        return len(self._tree_index)

    def _node_index(self, index_or_leaf: int | bytes) -> int:
        if isinstance(index_or_leaf, bytes):
            position = self._leaf_index.get(index_or_leaf)
            if position is None:
                raise MerkleError(f"leaf 0x{index_or_leaf.hex()} is not in the tree")
            return self._tree_index[position]
        if type(index_or_leaf) is not int or not 0 <= index_or_leaf < len(self._tree_index):
            raise MerkleError(f"leaf index {index_or_leaf!r} out of range for {len(self)} leaves")
        return self._tree_index[index_or_leaf]

    def proof(self, index_or_leaf: int | bytes) -> list[bytes]:
        """Sibling path for `MerkleProof.verify`, by input index or by leaf hash."""
        node, path = self._node_index(index_or_leaf), []
        while node > 0:
            path.append(self._nodes[node - 1 if node % 2 == 0 else node + 1])
            node = (node - 1) // 2
        return path

    def multiproof(self, indices_or_leaves: Iterable[int | bytes]) -> MultiProof:
        """Multiproof for `MerkleProof.multiProofVerify` (StandardMerkleTree.getMultiProof).

        The returned `leaves` are in the order the proof consumes them, which is generally not
        the order asked for.
        """
        indices = sorted((self._node_index(x) for x in indices_or_leaves), reverse=True)
        if any(a == b for a, b in zip(indices, indices[1:])):
            raise MerkleError("cannot prove the same leaf twice in one multiproof")
        stack, proof, flags = list(indices), [], []
        head = 0  # stack is consumed from the front; a cursor avoids O(n) pops
        while head < len(stack) and stack[head] > 0:
            j = stack[head]
            head += 1
            sibling = j - 1 if j % 2 == 0 else j + 1
            if head < len(stack) and stack[head] == sibling:
                flags.append(True)
                head += 1
            else:
                flags.append(False)
                proof.append(self._nodes[sibling])
            stack.append((j - 1) // 2)
        if not indices:
            proof.append(self._nodes[0])
        return MultiProof([self._nodes[i] for i in indices], proof, flags)
