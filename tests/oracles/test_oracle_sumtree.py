"""oracles.sumtree: the Merkle-sum tree's properties, in pure Python (the contract side is
tests/mrv/test_mrv_sumtree.py). For any tree an operator could commit to, a false total always has a
proof of at most ceil(log2 count) levels, and an honest tree has none."""

import math

from tests.support.stateful import scaled_examples
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support.sumtree_strategies import committed_trees, headers, true_totals

from oracles import SumNode, SumTree, false_statement, keccak256, open_tree
from oracles.sumtree import MAX_DEPTH, climb


class FakeReading:
    """What the tree needs of a signed reading: its leaf hash and energy."""

    def __init__(self, i, energy_wh):
        self._leaf = keccak256(b"leaf-%d" % i)
        self.reading = type("R", (), {"energy_wh": energy_wh})()

    def leaf(self):
        return self._leaf


readings_lists = st.lists(st.integers(0, 2**40), min_size=1, max_size=24).map(
    lambda energies: [FakeReading(i, e) for i, e in enumerate(energies)])


@settings(max_examples=scaled_examples(100), deadline=None)  # make test-deep: 1,000
@given(data=st.data(), readings=readings_lists)
def test_a_wrong_total_always_has_a_short_proof_and_a_right_tree_none(data, readings):
    root = data.draw(headers(data.draw(committed_trees(readings)), readings))
    proof = false_statement(root)
    if (root.energy_wh, root.count) != true_totals(readings):
        assert proof is not None
    if proof is None:
        return
    assert not proof.node.statement_holds()
    depth = len(proof.path.siblings)
    assert depth <= max(0, math.ceil(math.log2(root.count))) if root.count else depth == 0
    assert depth <= MAX_DEPTH
    if depth:  # the path reaches the root, whose children state the header's totals
        assert climb(proof.node.committed, proof.path) == SumNode(root.hash, root.energy_wh, root.count)


@settings(max_examples=scaled_examples(100), deadline=None)
@given(readings=readings_lists)
def test_the_honest_tree_has_no_false_statement_and_both_builders_agree(readings):
    root = open_tree(readings)
    assert false_statement(root) is None
    assert (root.energy_wh, root.count) == true_totals(readings)
    tree = SumTree([SumNode(r.leaf(), r.reading.energy_wh, 1) for r in readings])
    assert tree.root == SumNode(root.hash, root.energy_wh, root.count)
    for i, r in enumerate(readings):
        path = tree.path(i)
        assert len(path.siblings) <= math.ceil(math.log2(len(readings)))
        assert climb(SumNode(r.leaf(), r.reading.energy_wh, 1), path) == tree.root


def test_a_stray_side_bit_or_a_too_long_path_is_no_path():
    leaf = SumNode(keccak256(b"x"), 1, 1)
    tree = SumTree([leaf, SumNode(keccak256(b"y"), 2, 1)])
    path = tree.path(0)
    assert climb(leaf, path._replace(left_sides=path.left_sides | 2)) is None
    deep = path._replace(siblings=path.siblings * (MAX_DEPTH + 1))
    try:
        climb(leaf, deep)
    except ValueError as exc:
        assert "at most 20" in str(exc)
    else:
        raise AssertionError("a path above MAX_DEPTH must be refused")
