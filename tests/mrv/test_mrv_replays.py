"""Replays across batches: the same signed reading anchored in two batches of one project is counted
once, in the batch anchored first; the later batch loses that reading's energy and count
(`excludeReplay`) and is neither rejected nor blamed, whoever anchored first. If the batch that
counted it is rejected, the reading is counted again where it was excluded (`restoreReplay`)."""

import brownie
from brownie import chain
from brownie.test import given
from tests.support.chain import custom_error, event
from hypothesis import assume, settings
from hypothesis import strategies as st
from tests.mrv.support import HOUR, OTHER_PROJECT, PROJECT, Batch, domain, make_device, sign, signed_tuple

from oracles import digest

ANCHORED, REJECTED = 1, 2
NO_FAULT, BAD_SIGNATURE = 0, 7


def anchored(anchor, operator, items, t0, project=PROJECT):
    batch = Batch(items, project, t0, t0 + 4 * HOUR)
    anchor.anchorBatch(batch.header(), [], {"from": operator})
    chain.sleep(10)  # later batches get later challenge ends
    return batch


def exclude(anchor, later, i, earlier, j, sender):
    return anchor.excludeReplay(later.root, signed_tuple(later.items[i]), later.proof(i), earlier.root,
                                signed_tuple(earlier.items[j]), earlier.proof(j), {"from": sender})


def reading_digest(anchor, item):
    return "0x" + digest(item.reading, domain(anchor)).hex()


def test_a_front_run_replay_neither_rejects_nor_blames_the_honest_batch(anchor, fleet, oracle_operator, cosigners,
                                                                      regulator, outsider):
    """A rogue operator anchors one of an honest batch's readings first: the honest batch stands, with
    that reading excluded, and nobody is blamed."""
    own, _, t0 = fleet
    anchor.addOperator(cosigners[0], {"from": regulator})
    honest_items = [sign(anchor, own[0], k, t0 + k * HOUR, t0 + (k + 1) * HOUR, 1_000 + k) for k in range(3)]
    replay = anchored(anchor, cosigners[0], honest_items[1:2], t0)
    honest = anchored(anchor, oracle_operator, honest_items, t0)
    with brownie.reverts(custom_error("NoFault")):
        anchor.challengeConflict(honest.root, signed_tuple(honest.items[1]), honest.proof(1), replay.root,
                                 signed_tuple(replay.items[0]), replay.proof(0), {"from": outsider})
    tx = exclude(anchor, honest, 1, replay, 0, outsider)
    assert event(tx, "ReplayExcluded") == {"batchId": honest.root, "countedIn": replay.root,
                                           "readingDigest": reading_digest(anchor, honest_items[1]), "energyWh": 1_001}
    record = anchor.batch(honest.root)
    assert (record[3], record[4], record[6]) == (1_000 + 1_002, 2, ANCHORED)
    assert tuple(anchor.excluded(honest.root)) == (1_001, 1)
    assert anchor.misbehaviourCount(oracle_operator) == 0 and anchor.misbehaviourCount(cosigners[0]) == 0
    # The anchored totals (counted + excluded) still judge the tree: no totals proof succeeds.
    with brownie.reverts(custom_error("NoFault")):
        anchor.challengeReading(honest.root, signed_tuple(honest.items[0]), honest.proof(0), {"from": outsider})


def test_replay_refusals(anchor, fleet, oracle_operator, outsider):
    own, foreign, t0 = fleet
    a = sign(anchor, own[0], 1, t0, t0 + HOUR, 100)
    b = sign(anchor, own[1], 1, t0, t0 + HOUR, 200)
    first = anchored(anchor, oracle_operator, [a, b], t0)
    second = anchored(anchor, oracle_operator, [a], t0)
    other_project = anchored(anchor, oracle_operator, [a, sign(anchor, foreign, 1, t0, t0 + HOUR, 1)], t0,
                             project=OTHER_PROJECT)
    with brownie.reverts(custom_error("NotLaterBatch", first.root, second.root)):
        exclude(anchor, first, 0, second, 0, outsider)
    with brownie.reverts(custom_error("NotReplay", second.root, first.root)):  # not the same reading
        exclude(anchor, second, 0, first, [item.leaf() for item in first.items].index(b.leaf()), outsider)
    with brownie.reverts(custom_error("NotReplay", other_project.root, first.root)):  # another project
        exclude(anchor, other_project, 0, first, 0, outsider)
    with brownie.reverts(custom_error("NotIncluded", first.root)):
        anchor.excludeReplay(second.root, signed_tuple(a), second.proof(0), first.root, signed_tuple(a),
                             ([], 0), {"from": outsider})
    exclude(anchor, second, 0, first, 0, outsider)
    with brownie.reverts(custom_error("AlreadyExcluded", second.root, reading_digest(anchor, a))):
        exclude(anchor, second, 0, first, 0, outsider)
    with brownie.reverts(custom_error("NotRestorable", second.root, reading_digest(anchor, a))):
        anchor.restoreReplay(second.root, signed_tuple(a)[0], {"from": outsider})  # first is not rejected


pool_indices = st.lists(st.integers(0, 6), min_size=1, max_size=5, unique=True)


@settings(max_examples=25, deadline=None)
@given(batches=st.lists(pool_indices, min_size=2, max_size=4, unique_by=lambda b: tuple(sorted(b))),
       order=st.permutations(range(4)))
def test_every_reading_is_counted_once_and_only_forged_batches_are_blamed(anchor, fleet, oracle_operator, outsider,
                                                                         batches, order):
    """Batches over a pool of readings (index 6 is a forgery): challengers reject the batches holding
    the forgery and exclude every replay, in any order, restoring what a rejection frees, until
    nothing is left to do. Then each reading of a standing batch is counted in exactly one, each
    standing batch's energy is what it counts, and only the forged batches' signers were blamed."""
    own, _, t0 = fleet
    pool = [sign(anchor, own[k % 3], 10 + k, t0 + k * 600, t0 + (k + 1) * 600, 100 * (k + 1)) for k in range(6)]
    pool.append(sign(anchor, own[0], 99, t0, t0 + 600, 7, key=make_device(50).key))
    anchored_batches = [anchored(anchor, oracle_operator, [pool[k] for k in sorted(ks)], t0) for ks in batches]
    counted = {}  # batch root -> set of pool indices it counts
    index_of = {item.leaf(): k for k, item in enumerate(pool)}
    for b in anchored_batches:
        counted[b.root] = {index_of[item.leaf()] for item in b.items}
    rejected = set()

    def position(batch, k):
        return [index_of[item.leaf()] for item in batch.items].index(k)

    steps = [order[i] % len(anchored_batches) for i in range(4)]
    for _ in range(10):  # until a round changes nothing
        changed = False
        for n in steps:
            b = anchored_batches[n]
            if b.root in rejected:
                continue
            if 6 in counted[b.root]:
                anchor.challengeReading(b.root, signed_tuple(pool[6]), b.proof(position(b, 6)), {"from": outsider})
                rejected.add(b.root)
                changed = True
                continue
            for k in sorted(counted[b.root]):
                earlier = next((e for e in anchored_batches[:anchored_batches.index(b)]
                                if e.root not in rejected and k in counted[e.root]), None)
                if earlier is not None:
                    exclude(anchor, b, position(b, k), earlier, position(earlier, k), outsider)
                    counted[b.root].discard(k)
                    changed = True
            for k in set(index_of[item.leaf()] for item in b.items) - counted[b.root]:
                if "0x" + bytes(anchor.countedInstead(b.root, reading_digest(anchor, pool[k]))).hex() in rejected:
                    anchor.restoreReplay(b.root, signed_tuple(pool[k])[0], {"from": outsider})
                    counted[b.root].add(k)
                    changed = True
        if not changed:
            break
    assume(not changed)

    standing_batches = [b for b in anchored_batches if b.root not in rejected]
    in_standing = set().union(*(set(index_of[i.leaf()] for i in b.items) for b in standing_batches)) - {6}
    for k in in_standing:
        assert sum(k in counted[b.root] for b in standing_batches) == 1
    for b in standing_batches:
        record = anchor.batch(b.root)
        assert record[6] == ANCHORED
        assert (record[3], record[4]) == (sum(pool[k].reading.energy_wh for k in counted[b.root]), len(counted[b.root]))
    assert anchor.misbehaviourCount(oracle_operator) == len(rejected)
    assert all(6 in {index_of[i.leaf()] for i in b.items} for b in anchored_batches if b.root in rejected)
