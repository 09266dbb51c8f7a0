"""Merkle trees, proofs and multiproofs against OpenZeppelin's reference outputs, plus the
Merkle leaf and batch content hash of signed readings."""

from __future__ import annotations

import random

import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak as reference_keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from oracles import (
    MerkleError,
    MerkleTree,
    Reading,
    SignedReading,
    batch_content_hash,
    batch_tree,
    canonical_batch_bytes,
    hash_pair,
    leaf_hash,
    multiproof_verify,
    process_multiproof,
    process_proof,
    sign_reading,
    to_json,
    to_rsv,
    verify,
)
from oracles.readings import Domain

# OpenZeppelin/merkle-tree src/standard.test.ts.md, "dump (with seed=0)", snapshot 1: a sorted
# 12-leaf StandardMerkleTree. Only the leaves matter here; they are tree[11:].
OZ_SNAPSHOT_TREE = [bytes.fromhex(h) for h in """
157e9c38a2614a4493a0e4c38e84a1b43a932665e4d42fa2bf345824b9f101b7
cd255af645cd649e62c7e56d324bc8b525a39bd311e05a1a5de00d73ff1fe253
cdf36ec033d7950f6d6e01f9a66a67c3940ea15650a1300a5015d068c4543cf3
276d63ffce14279caf791d010be5c715c64ec407dba2857628a9741fcd18bcd4
f1e0e7f88a5f498d37d5a40af968ad629eabc52b908b9575f3a9735b3cf3a28b
cd9fc8f6b33a02d7a601b0c77e7d36f230bc7871623435fe9aecb52887efefc1
70ce5864fbf25654a2d3319cab6df02731e260754370f6444c03678b7e5b616a
c9487ccb1a15e20f708fd5d6a93b049034d1ec516624b927b5f88ab37f20d06d
ada38b6fdf007666bf5b19773191f484c99c249e44e1b07d5218f9eefb5ff9b3
0b592340f8a37b1fd772c131d85d1fe11f5b5a14ff1575163be1f48cdb569b60
18c5e1f567b176b912f504943387285ba231aba9fab91569f5d90e3d72e881ba
fff0acc0b7c7dd4dca88db8b9ea4cb251797946d4bf09314f9487d079cbc8168
f37f0986a1809cffdf18075f7ff12bdfbc6b46ac4966cbc1dbecf50e59b8146f
c141a2c1fa419824b43dbded51a5087ffe99d20964d995f96fb619781a6662d2
b2ec04776c599a72b9b1d2dfdee91560dc9f479643e201020ded568f68c06a80
a596ffee17c3519d0311edb25ac6d28e08407856a2c6fd1db81a9260295f2851
8cf4ffe7174807707948cd21858ba8360b8f37a69e12696a722c9a500970b7dd
6de05019198fcc90ba19896fca48ba0c8f9dd00b7264c7a22284351f3652ea5c
67c6abdc93cb48b54a8f8e02762d6582ba99455b1112824fa2913e51c14610a3
53e63148bd7b5c974996c9469d0fcc9e764d34ddafec28eabb4a93399eb8b882
53722a4093d3d803b22250c797e0d4fdda3aebfd9c151c8c775ffa8b440f4629
4bda3fa8b7e83fdab2048e0faa3fc2edc803df4f2df2996309c71d9d560ea667
02ad059b3cbe14ca74695645b9287bab95865054a44f35870ccb3224d57ae497
""".split()]

leaf_sets = st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=70, unique=True)


def _flip(node: bytes) -> bytes:
    return bytes((node[0] ^ 1,)) + node[1:]


# --- tree layout against OpenZeppelin --------------------------------------------------------

def test_tree_matches_openzeppelin_standard_merkle_tree_snapshot():
    leaves = OZ_SNAPSHOT_TREE[11:]
    random.Random(0).shuffle(leaves)  # input order must not matter
    tree = MerkleTree.from_leaves(leaves)
    assert tree.nodes == tuple(OZ_SNAPSHOT_TREE)
    assert tree.leaves == leaves


def test_standard_leaf_hash_and_value_order_match_a_dumped_openzeppelin_tree():
    # A StandardMerkleTree.dump() of three (address, uint256) values and the treeIndex of each.
    values = [("0x80d628ff4AC2aFf620C3474663F1e559234bbE0c", n) for n in range(3)]
    leaves = [reference_keccak(reference_keccak(abi_encode(["address", "uint256"], v))) for v in values]
    tree = MerkleTree.from_leaves(leaves)
    assert [n.hex() for n in tree.nodes] == [
        "0fecce441c7468f17e3fe4a5f211b77a15b27c9ab3d33317df385dfbe5487034",
        "636ab2686ee3036244cf3d6b5574e051e4b20a3577b008975dbcca6dde2897d2",
        "d90245da324d7908326a3d56a9659741551a4603c397bf4dd373976bd85660e7",
        "36fb17c97ec80bb961ff0adff1af4a2a34847ecc40653c162e327117a76e3ec9",
        "1867c4ebd455913e429523a5c2d4b3a79f58068b5a25af911956245ed03a659d",
    ]
    assert [tree.nodes.index(leaf) for leaf in tree.leaves] == [4, 3, 2]


def test_hash_pair_is_commutative_keccak_of_the_sorted_pair():
    a, b = b"\x01" * 32, b"\x02" * 32
    assert hash_pair(a, b) == hash_pair(b, a) == reference_keccak(a + b)
    assert hash_pair(a, a) == reference_keccak(a + a)


# --- single proofs ---------------------------------------------------------------------------

@settings(max_examples=80, deadline=None)
@given(leaves=leaf_sets)
def test_every_leaf_proves_and_tampering_fails(leaves):
    tree = MerkleTree.from_leaves(leaves)
    assert len(tree) == len(leaves)
    for index, leaf in enumerate(leaves):
        proof = tree.proof(index)
        assert proof == tree.proof(leaf)
        assert verify(proof, tree.root, leaf)
        assert process_proof(proof, leaf) == tree.root
        assert not verify(proof, tree.root, _flip(leaf))
        if proof:
            for k in range(len(proof)):
                assert not verify(proof[:k] + [_flip(proof[k])] + proof[k + 1:], tree.root, leaf)
            assert not verify(proof[:-1], tree.root, leaf)


def test_single_leaf_tree_root_is_the_leaf_and_proof_is_empty():
    leaf = b"\xab" * 32
    tree = MerkleTree.from_leaves([leaf])
    assert tree.root == leaf
    assert tree.proof(0) == []
    assert verify([], leaf, leaf)


def test_duplicate_leaves_are_allowed_like_openzeppelin():
    a, b = b"\x01" * 32, b"\x02" * 32
    tree = MerkleTree.from_leaves([a, b, a])
    for index in range(3):
        assert verify(tree.proof(index), tree.root, tree.leaves[index])


@pytest.mark.parametrize("leaves", [[], [b"\x01" * 31], ["0x" + "01" * 32]])
def test_invalid_trees_are_errors(leaves):
    with pytest.raises(MerkleError):
        MerkleTree.from_leaves(leaves)


@pytest.mark.parametrize("key", [2, -1, True, b"\x09" * 32])
def test_proof_of_unknown_leaf_or_index_is_an_error(key):
    tree = MerkleTree.from_leaves([b"\x01" * 32, b"\x02" * 32])
    with pytest.raises(MerkleError):
        tree.proof(key)


def test_building_1024_leaves_takes_milliseconds():
    import time

    leaves = [reference_keccak(i.to_bytes(32, "big")) for i in range(1024)]
    start = time.perf_counter()
    MerkleTree.from_leaves(leaves)
    assert time.perf_counter() - start < 0.05  # ~1 ms measured; generous for slow CI machines


# --- multiproofs -----------------------------------------------------------------------------

@settings(max_examples=80, deadline=None)
@given(data=st.data(), leaves=leaf_sets)
def test_multiproofs_verify_for_any_subset(data, leaves):
    tree = MerkleTree.from_leaves(leaves)
    chosen = data.draw(st.lists(st.sampled_from(range(len(leaves))), unique=True))
    multi = tree.multiproof(chosen)
    assert sorted(multi.leaves) == sorted(leaves[i] for i in chosen)
    assert len(multi.leaves) + len(multi.proof) == len(multi.proof_flags) + 1
    assert multiproof_verify(multi.proof, multi.proof_flags, tree.root, multi.leaves)
    if multi.leaves:
        tampered = [_flip(multi.leaves[0]), *multi.leaves[1:]]
        assert not multiproof_verify(multi.proof, multi.proof_flags, tree.root, tampered)


def test_multiproof_of_all_leaves_needs_no_proof_nodes():
    leaves = [bytes((i,)) * 32 for i in range(1, 8)]
    tree = MerkleTree.from_leaves(leaves)
    multi = tree.multiproof(leaves)
    assert multi.proof == [] and all(multi.proof_flags)
    assert process_multiproof(multi.proof, multi.proof_flags, multi.leaves) == tree.root


def test_multiproof_rejects_duplicates():
    tree = MerkleTree.from_leaves([b"\x01" * 32, b"\x02" * 32])
    with pytest.raises(MerkleError, match="twice"):
        tree.multiproof([0, b"\x01" * 32])


def test_process_multiproof_mirrors_solidity_edge_cases():
    a, b, p = b"\x01" * 32, b"\x02" * 32, b"\x03" * 32
    # The documented no-op: no leaves and proof == [root] "proves" the empty set.
    assert process_multiproof([p], [], []) == p
    assert process_multiproof([], [], [a]) == a
    assert process_multiproof([], [True], [a, b]) == hash_pair(a, b)
    with pytest.raises(MerkleError, match="leaves \\+ proof"):  # MerkleProofInvalidMultiproof
        process_multiproof([p], [True], [a, b])
    with pytest.raises(MerkleError, match="left unused"):  # MerkleProofInvalidMultiproof
        process_multiproof([p], [True], [a])
    with pytest.raises(MerkleError, match="out of bounds"):  # Solidity panic 0x32
        process_multiproof([a, b, p], [False, True], [])


# --- leaves and batches of signed readings ---------------------------------------------------

KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
DOMAIN = Domain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")


def _signed(n: int) -> list[SignedReading]:
    readings = [Reading(bytes((i % 3,)) * 32, i, 1_000 * i, 1_000 * i + 900, 7 * i) for i in range(n)]
    return [SignedReading(r, sign_reading(KEY, r, DOMAIN)) for r in readings]


def test_leaf_hash_is_the_double_hashed_abi_encoding_of_reading_and_signature():
    reading, signature = _signed(2)[1]
    encoded = abi_encode(
        ["bytes32", "uint64", "uint64", "uint64", "uint64", "bytes32", "bytes32"],
        [reading.device_id, reading.sequence, reading.period_start, reading.period_end, reading.energy_wh,
         signature[:32], signature[32:]],
    )
    expected = reference_keccak(reference_keccak(encoded))
    assert leaf_hash(reading, signature) == expected
    assert leaf_hash(reading, to_rsv(signature)) == expected  # same leaf whichever form came in


def test_batch_tree_proves_each_reading_by_input_position():
    """The batch tree is the Merkle-sum tree (oracles.sumtree); its paths climb to the root."""
    from oracles.sumtree import climb
    batch = _signed(9)
    tree = batch_tree(batch)
    assert (tree.energy_wh, tree.count) == (sum(item.reading.energy_wh for item in batch), 9)
    for index, item in enumerate(batch):
        assert climb(item.leaf_node(), tree.path(index)).hash == tree.root


def test_batch_content_hash_covers_readings_sorted_as_leaves():
    batch = _signed(5)
    ordered = sorted(batch, key=SignedReading.leaf)
    document = canonical_batch_bytes(batch)
    assert document == ("[" + ",".join(to_json(item) for item in ordered) + "]").encode()
    assert batch_content_hash(batch) == reference_keccak(document)
    assert batch_content_hash(list(reversed(batch))) == batch_content_hash(batch)
    assert batch_content_hash(batch[:4]) != batch_content_hash(batch)
    # Same order as the tree's leaves: the i-th leaf in document order has the i-th path of the tree.
    tree = batch_tree(batch)
    assert [tree.tree.path(i) for i in range(5)] == [tree.path(batch.index(item)) for item in ordered]


def test_empty_batch_is_an_error():
    with pytest.raises(ValueError):
        batch_content_hash([])
