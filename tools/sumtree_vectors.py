"""Merkle-sum tree cases for test/foundry/differential/SumTree.diff.t.sol (tools/forge_vectors.py writes them).

Each case is one tree an operator could commit to, built by the Python oracle core (oracles.sumtree,
oracles.codec) from random readings: 1-16 leaves in the canonical shape or any other, with true
statements or false ones at random nodes (off by a little, zero, 2**64, 2**256 - 1) and a header
that states the true totals, the root's children's sums, or either off by one. The Python side
gives, per case:

- one reading's leaf hash (codec.leaf_hash) and the hash of two random nodes (sumtree.node_hash);
- the root (the batch id) and the header's totals;
- a climb (sumtree.climb) from a random leaf along its path, sometimes with a stray side bit or
  a sibling's sum near 2**256 (no path then);
- a totals proof: the highest false statement (sumtree.false_statement) and the fault it shows
  (WrongTotals, or MalformedTree when its sums hold), else any node's opening and no fault.
"""

from __future__ import annotations

import random

from oracles.codec import SignedReading
from oracles.readings import Reading
from oracles.sumtree import OpenNode, SumNode, SumPath, TotalsProof, climb, false_statement, node_hash

MAX_UINT256 = 2**256 - 1
MAX_HEADER_ENERGY, MAX_HEADER_COUNT = 2**48 - 1, 2**20
NO_FAULT, WRONG_TOTALS, MALFORMED_TREE = 0, 11, 12
SECP256K1_HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0
ZERO_NODE = SumNode(bytes(32), 0, 0)

READING = "(bytes32,uint64,uint64,uint64,uint64)"
SIGNED = f"({READING},bytes32,bytes32)"
NODE = "(bytes32,uint256,uint256)"
PATH = f"({NODE}[],uint256)"
PROOF = f"(uint256,uint256,bool,{SIGNED},{NODE},{NODE},{PATH})"
ABI_TYPE = f"({SIGNED},bytes32,{NODE},{NODE},bytes32,{NODE},{NODE},{PATH},bool,{NODE},{PROOF},uint8)[]"
ZERO_SIGNED = ((bytes(32), 0, 0, 0, 0), bytes(32), bytes(32))


def random_signed(rng: random.Random) -> SignedReading:
    """A reading with a well-formed (low-s) compact signature; nobody needs to have signed it."""
    reading = Reading(rng.randbytes(32), rng.getrandbits(64), rng.getrandbits(64), rng.getrandbits(64),
                      rng.choice((0, rng.getrandbits(16), rng.getrandbits(36))))
    vs = rng.randrange(1, SECP256K1_HALF_N) | rng.getrandbits(1) << 255
    return SignedReading(reading, rng.randbytes(32) + vs.to_bytes(32, "big"))


def _stated(rng: random.Random, true_value: int) -> int:
    """What a lying node states instead of `true_value`."""
    kind = rng.choice(("off", "off", "zero", "huge"))
    if kind == "off":
        return min(MAX_UINT256, max(0, true_value + rng.choice((-2, -1, 1, 2))))
    return 0 if kind == "zero" else rng.choice((2**64, MAX_UINT256))


def _restate(node: OpenNode, energy: int, count: int) -> OpenNode:
    return OpenNode(energy, count, reading=node.reading, left=node.left, right=node.right)


def committed_tree(rng: random.Random, items: list[SignedReading], canonical: bool, lie_rate: float,
                   is_root: bool = True) -> OpenNode:
    """An OpenNode tree over `items`; each node below the root lies with probability `lie_rate`."""
    if len(items) == 1:
        node = OpenNode(items[0].reading.energy_wh, 1, reading=items[0])
    else:
        cut = (len(items) + 1) // 2 if canonical else rng.randint(1, len(items) - 1)
        left = committed_tree(rng, items[:cut], canonical, lie_rate, False)
        right = committed_tree(rng, items[cut:], canonical, lie_rate, False)
        node = OpenNode(left.energy_wh + right.energy_wh, left.count + right.count, left=left, right=right)
    energy, count = min(node.energy_wh, MAX_UINT256), min(node.count, MAX_UINT256)
    if is_root:
        return node
    if rng.random() >= lie_rate:
        # A preimage holds 256-bit words: a sum past them can only be misstated.
        return node if (energy, count) == (node.energy_wh, node.count) else _restate(node, energy, count)
    if rng.random() < 0.5:
        return _restate(node, _stated(rng, energy), count)
    return _restate(node, energy, _stated(rng, count))


def _with_header(rng: random.Random, root: OpenNode, items: list[SignedReading]) -> OpenNode:
    """The root restated by a header: the true totals or the children's sums, maybe off by one, in range."""
    truth = (sum(x.reading.energy_wh for x in items), len(items))
    energy, count = rng.choice((truth, (root.energy_wh, root.count)))
    energy = min(MAX_HEADER_ENERGY, max(0, energy + rng.choice((0, 0, 0, -1, 1))))
    count = min(MAX_HEADER_COUNT, max(1, count + rng.choice((0, 0, 0, -1, 1))))
    return _restate(root, energy, count)


def _every_node(root: OpenNode) -> list[TotalsProof]:
    """Each node of the tree with its path, root first (breadth first)."""
    out, queue = [], [(root, (), 0)]
    while queue:
        node, siblings, sides = queue.pop(0)
        out.append(TotalsProof(node, SumPath(siblings, sides)))
        if node.reading is None:
            queue.append((node.left, (node.right.committed, *siblings), sides << 1))
            queue.append((node.right, (node.left.committed, *siblings), (sides << 1) | 1))
    return out


def _expected_fault(proof: TotalsProof) -> int:
    node = proof.node
    if node.reading is None and (node.left.energy_wh + node.right.energy_wh, node.left.count + node.right.count) \
            == (node.energy_wh, node.count):
        return MALFORMED_TREE
    return WRONG_TOTALS


def _random_node(rng: random.Random) -> SumNode:
    value = lambda: rng.choice((0, 1, rng.getrandbits(64), rng.getrandbits(256), MAX_UINT256))  # noqa: E731
    return SumNode(rng.randbytes(32), value(), value())


def _climb_case(rng: random.Random, nodes: list[TotalsProof]) -> tuple[SumNode, SumPath, SumNode | None]:
    """A leaf's climb along its path, the path sometimes spoilt; the root it reaches, or None."""
    leaf = rng.choice([p for p in nodes if p.node.reading is not None])
    start = leaf.node.reading.leaf_node()
    siblings, sides = list(leaf.path.siblings), leaf.path.left_sides
    spoil = rng.random()
    if spoil < 0.15:
        sides |= 1 << (len(siblings) + rng.randrange(4))  # a side bit above the path
    elif spoil < 0.25 and siblings:
        k = rng.randrange(len(siblings))
        siblings[k] = SumNode(siblings[k].hash, MAX_UINT256 - rng.randrange(4), siblings[k].count)
    path = SumPath(tuple(siblings), sides)
    return start, path, climb(start, path)


def _signed_abi(signed: SignedReading) -> tuple:
    r = signed.reading
    fields = (r.device_id, r.sequence, r.period_start, r.period_end, r.energy_wh)
    return fields, signed.signature[:32], signed.signature[32:]


def _node_abi(node: SumNode) -> tuple:
    return node.hash, node.energy_wh, node.count


def _proof_abi(proof: TotalsProof) -> tuple:
    n, path = proof.node, ([_node_abi(s) for s in proof.path.siblings], proof.path.left_sides)
    if n.reading is not None:
        return n.energy_wh, n.count, True, _signed_abi(n.reading), _node_abi(ZERO_NODE), _node_abi(ZERO_NODE), path
    return n.energy_wh, n.count, False, ZERO_SIGNED, _node_abi(n.left.committed), _node_abi(n.right.committed), path


def sumtree_case(rng: random.Random) -> tuple:
    items = [random_signed(rng) for _ in range(rng.randint(1, 16))]
    honest = rng.random() < 0.4
    tree = committed_tree(rng, items, canonical=rng.random() < 0.6, lie_rate=0.0 if honest else 2 / len(items))
    root = _with_header(rng, tree, items)
    nodes = _every_node(root)
    proof = false_statement(root)
    fault = NO_FAULT if proof is None else _expected_fault(proof)
    if proof is None:
        proof = rng.choice(nodes)
    left, right = _random_node(rng), _random_node(rng)
    start, path, reached = _climb_case(rng, nodes)
    leaf = rng.choice(items)
    return (
        _signed_abi(leaf), leaf.leaf(),
        _node_abi(left), _node_abi(right), node_hash(left, right),
        _node_abi(root.committed),
        _node_abi(start), ([_node_abi(s) for s in path.siblings], path.left_sides),
        reached is not None, _node_abi(reached or ZERO_NODE),
        _proof_abi(proof), fault,
    )
