"""MRVAnchor's Merkle-sum tree on chain, against oracles.sumtree: for any tree an operator could
commit to (any shape, true or false statements at any node, any header in range), a false statement
is disproved by challengeTotals with the proof oracles.false_statement finds, and when every
statement holds no node's opening proves anything (a right total is never disprovable). Paths of
2**20-reading trees verify; longer ones are refused."""

import itertools

import brownie
from brownie import chain
from brownie.test import given
from tests.support.chain import custom_error, event
from hypothesis import settings
from hypothesis import strategies as st
from tests.mrv.support import HOUR, PROJECT, Batch, every_node, sign, signed_tuple, totals_arg
from tests.support.sumtree_strategies import committed_trees, headers

from oracles import SumNode, SumPath, TotalsProof, false_statement, keccak256, open_tree
from oracles.sumtree import MAX_DEPTH, OpenNode, climb

NO_FAULT, REJECTED = 0, 2
# Hypothesis' examples share the module's chain, and it replays simple examples (energies=[0]) more
# than once: each example signs its own sequence numbers, so no two examples commit to one root.
_EXAMPLE_SEQUENCES = itertools.count(0, 16)
WRONG_TOTALS, MALFORMED_TREE = 11, 12


def expected_fault(proof):
    node = proof.node
    if node.reading is None and (node.left.energy_wh + node.right.energy_wh, node.left.count + node.right.count) \
            == (node.energy_wh, node.count):
        return MALFORMED_TREE  # the sums hold; the children are unbalanced
    return WRONG_TOTALS


def anchor_root(anchor, operator, root, t0):
    header = ("0x" + root.hash.hex(), PROJECT, t0, t0 + HOUR, root.energy_wh, root.count, "0x" + "ab" * 32)
    anchor.anchorBatch(header, [], {"from": operator})


@settings(max_examples=40, deadline=None)
@given(data=st.data(), energies=st.lists(st.integers(0, 5_000), min_size=1, max_size=9))
def test_any_false_statement_is_disproved_and_a_true_tree_never(anchor, fleet, oracle_operator, outsider, data,
                                                               energies):
    own, _, t0 = fleet
    base = next(_EXAMPLE_SEQUENCES)
    readings = [sign(anchor, own[i % 3], base + i, t0 + i * 60, t0 + (i + 1) * 60, e) for i, e in enumerate(energies)]
    root = data.draw(headers(data.draw(committed_trees(readings)), readings))
    anchor_root(anchor, oracle_operator, root, t0)
    proof = false_statement(root)
    if proof is None:
        for each in every_node(root):
            assert anchor.totalsFault(root.hash, totals_arg(each)) == NO_FAULT
        return
    assert anchor.totalsFault(root.hash, totals_arg(proof)) == expected_fault(proof)
    tx = anchor.challengeTotals(root.hash, totals_arg(proof), {"from": outsider})
    assert event(tx, "BatchRejected")["fault"] == expected_fault(proof)
    assert anchor.batch(root.hash)[6] == REJECTED


def test_an_unbalanced_tree_with_true_sums_is_malformed(anchor, fleet, oracle_operator, outsider):
    """Three leaves as (a, (b, c)) is balanced; (((a, b), c), d) is not: its depth could grow with n."""
    own, _, t0 = fleet
    a, b, c, d = (sign(anchor, own[0], i, t0 + i * 60, t0 + (i + 1) * 60, 10 * i) for i in range(4))
    ab = open_tree([a, b])
    abc = OpenNode(ab.energy_wh + 20, 3, left=ab, right=open_tree([c]))
    root = OpenNode(abc.energy_wh + 30, 4, left=abc, right=open_tree([d]))
    anchor_root(anchor, oracle_operator, root, t0)
    proof = false_statement(root)
    assert proof.node is root and expected_fault(proof) == MALFORMED_TREE
    assert event(anchor.challengeTotals(root.hash, totals_arg(proof), {"from": outsider}),
                 "BatchRejected")["fault"] == MALFORMED_TREE


def test_a_proof_must_reach_the_anchored_root(anchor, fleet, oracle_operator, outsider):
    own, _, t0 = fleet
    batch = Batch([sign(anchor, own[i], 1, t0, t0 + HOUR, 100 * i) for i in range(3)], PROJECT, t0, t0 + HOUR)
    anchor.anchorBatch(batch.header(energyWh=batch.energy + 1), [], {"from": oracle_operator})
    leaf = open_tree(sorted(batch.items, key=lambda r: r.leaf())[:1])
    stray = TotalsProof(leaf, SumPath((SumNode(keccak256(b"x"), 0, 1),), 0))
    with brownie.reverts(custom_error("NotIncluded", batch.root)):
        anchor.challengeTotals(batch.root, totals_arg(stray), {"from": outsider})


def deep_path(leaf: SumNode, depth: int) -> SumPath:
    """A path of a balanced tree of 2**depth readings: the sibling at height i holds 2**i readings."""
    siblings = tuple(SumNode(keccak256(b"sibling-%d" % i), 1_000 * 2**i, 2**i) for i in range(depth))
    return SumPath(siblings, 0b1010_1010_1010_1010_1010 & (2**depth - 1))


def test_a_reading_of_a_2_20_tree_proves_and_its_misstated_energy_is_disproved(anchor, fleet, oracle_operator,
                                                                            outsider):
    own, _, t0 = fleet
    reading = sign(anchor, own[0], 1, t0, t0 + HOUR, 500)
    path = deep_path(reading.leaf_node(), MAX_DEPTH)
    root = climb(reading.leaf_node(), path)
    assert root.count == 2**20
    anchor.anchorBatch(("0x" + root.hash.hex(), PROJECT, t0, t0 + HOUR, root.energy_wh, root.count, "0x" + "00" * 32),
                       [], {"from": oracle_operator})
    assert anchor.proveReading(root.hash, signed_tuple(reading), path.to_abi())

    stated = SumNode(reading.leaf(), 499, 1)  # the tree says 499 Wh where the reading says 500
    lying_root = climb(stated, path)
    anchor.anchorBatch(("0x" + lying_root.hash.hex(), PROJECT, t0, t0 + HOUR, lying_root.energy_wh, 2**20,
                        "0x" + "00" * 32), [], {"from": oracle_operator})
    proof = TotalsProof(OpenNode(499, 1, reading=reading), path)
    tx = anchor.challengeTotals(lying_root.hash, totals_arg(proof), {"from": outsider})
    assert event(tx, "BatchRejected")["fault"] == WRONG_TOTALS


def test_paths_beyond_max_depth_and_counts_beyond_2_20_are_refused(anchor, fleet, oracle_operator, outsider):
    own, _, t0 = fleet
    reading = sign(anchor, own[0], 1, t0, t0 + HOUR, 500)
    path = deep_path(reading.leaf_node(), MAX_DEPTH + 1)
    root = climb(reading.leaf_node(), path._replace(siblings=path.siblings[:MAX_DEPTH],
                                                    left_sides=path.left_sides & (2**MAX_DEPTH - 1)))
    anchor.anchorBatch(("0x" + root.hash.hex(), PROJECT, t0, t0 + HOUR, root.energy_wh, root.count, "0x" + "00" * 32),
                       [], {"from": oracle_operator})
    with brownie.reverts(custom_error("PathTooLong", MAX_DEPTH + 1, MAX_DEPTH)):
        anchor.challengeReading(root.hash, signed_tuple(reading), path.to_abi(), {"from": outsider})
    with brownie.reverts(custom_error("InvalidReadingCount", 2**20 + 1)):
        anchor.anchorBatch(("0x" + "11" * 32, PROJECT, t0, t0 + HOUR, 1, 2**20 + 1, "0x" + "00" * 32), [],
                           {"from": oracle_operator})
