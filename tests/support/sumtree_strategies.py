"""Hypothesis strategies for Merkle-sum trees an operator could commit to: any shape (balanced or
not) over some readings, with true or false statements anywhere, and any header. Shared by the
pure-Python properties (tests/oracles) and the contract ones (tests/mrv)."""

from hypothesis import strategies as st

from oracles import OpenNode

MAX_UINT256 = 2**256 - 1


@st.composite
def lie(draw, true_value):
    """A value stated for `true_value`: mostly itself, sometimes off by a little or absurd."""
    kind = draw(st.sampled_from(["true"] * 6 + ["off", "zero", "huge"]))
    if kind == "true":
        return true_value
    if kind == "off":
        return min(MAX_UINT256, max(0, true_value + draw(st.sampled_from([-2, -1, 1, 2]))))
    return 0 if kind == "zero" else draw(st.sampled_from([MAX_UINT256, 2**64]))


@st.composite
def committed_trees(draw, readings):
    """An OpenNode tree over `readings` (each with .leaf() and .reading.energy_wh) in a drawn shape,
    each node's statement (energy, count) drawn by `lie`. The root's statement is left true: the
    header is drawn apart (`headers`)."""

    def build(items, is_root):
        if len(items) == 1:
            node = OpenNode(items[0].reading.energy_wh, 1, reading=items[0])
        else:
            cut = draw(st.integers(1, len(items) - 1))  # any shape, not only the balanced one
            left, right = build(items[:cut], False), build(items[cut:], False)
            node = OpenNode(left.energy_wh + right.energy_wh, left.count + right.count, left=left, right=right)
        if not is_root:  # a preimage holds 256-bit words: a sum past them can only be misstated
            energy, count = min(node.energy_wh, MAX_UINT256), min(node.count, MAX_UINT256)
            node = _restate(node, draw(lie(energy)), draw(lie(count)))
        return node

    return build(readings, True)


def _restate(node, energy, count):
    return OpenNode(energy, count, reading=node.reading, left=node.left, right=node.right)


def true_totals(readings):
    return sum(r.reading.energy_wh for r in readings), len(readings)


@st.composite
def headers(draw, root, readings, max_energy=2**48 - 1, max_count=2**20):
    """The root restated with a header: the true totals, what the root's children state, or off by a
    little; kept in the anchor's range."""
    true_energy, true_count = true_totals(readings)
    children = (root.energy_wh, root.count)
    energy, count = draw(st.sampled_from([(true_energy, true_count), children, children]))
    energy = min(max_energy, max(0, energy + draw(st.sampled_from([0, 0, 0, -1, 1]))))
    count = min(max_count, max(1, count + draw(st.sampled_from([0, 0, 0, -1, 1]))))
    return _restate(root, energy, count)
