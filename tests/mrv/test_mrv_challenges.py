"""MRVAnchor challenges: one invalid reading, two conflicting readings, or wrong totals reject a
batch during its challenge window and count against the operators who signed it."""

import brownie
import pytest
from brownie import chain
from tests.support.chain import custom_error, event
from tests.mrv.support import (chain_now, CAPACITY_W, DAY, HOUR, PROJECT, PV_INVERTER, Batch, cosign, every_node,
                         make_batch, make_device, sign, signed_tuple, totals_arg)

from oracles import false_statement, open_tree

NONE, ANCHORED, REJECTED, FINALIZED = range(4)
(NO_FAULT, BAD_PERIOD, OUTSIDE_WINDOW, UNKNOWN_DEVICE, FOREIGN_DEVICE, DEVICE_INACTIVE, DEVICE_REVOKED, BAD_SIGNATURE,
 OVER_CAPACITY, DUPLICATE_SEQUENCE, OUT_OF_ORDER, WRONG_TOTALS, MALFORMED_TREE) = range(13)
MAX_WH_PER_HOUR = CAPACITY_W * 10_500 // 10_000  # capacity × 1 h × (1 + 5 % default tolerance)
REASON = b"\x42" * 32


def anchored(anchor, operator, items, start, end, project=PROJECT, cosignatures=(), **changes):
    batch = Batch(items, project, start, end)
    anchor.anchorBatch(batch.header(**changes), list(cosignatures), {"from": operator})
    chain.sleep(10)  # later batches get later challenge ends
    return batch


def challenge(anchor, batch, i, challenger):
    return anchor.challengeReading(batch.root, signed_tuple(batch.items[i]), batch.proof(i), {"from": challenger})


def good_readings(anchor, own, t0):
    return [sign(anchor, d, 1, t0, t0 + HOUR, 5_000) for d in own]


# ---------------------------------------------------------------- one invalid reading


def bad_reading(case, anchor, fleet, devices, developer, verifier):
    own, foreign, t0 = fleet
    if case == "forged":
        return sign(anchor, own[0], 2, t0 + HOUR, t0 + 2 * HOUR, 100, key=make_device(50).key), BAD_SIGNATURE
    if case == "other-domain":
        from oracles import Domain, Reading, SignedReading, sign_reading
        reading = Reading(own[0].device_id, 2, t0 + HOUR, t0 + 2 * HOUR, 100)
        return SignedReading(reading, sign_reading(own[0].key, reading, Domain(1, anchor.address))), BAD_SIGNATURE
    if case == "empty-period":
        return sign(anchor, own[0], 2, t0 + HOUR, t0 + HOUR, 0), BAD_PERIOD
    if case == "outside-window":
        return sign(anchor, own[0], 2, t0 + 2 * HOUR, t0 + 3 * HOUR, 100), OUTSIDE_WINDOW
    if case == "unknown-device":
        return sign(anchor, make_device(60), 1, t0, t0 + HOUR, 100), UNKNOWN_DEVICE
    if case == "foreign-device":
        return sign(anchor, foreign, 1, t0, t0 + HOUR, 100), FOREIGN_DEVICE
    if case == "over-capacity":
        return sign(anchor, own[1], 2, t0 + HOUR, t0 + 2 * HOUR, MAX_WH_PER_HOUR + 1), OVER_CAPACITY
    if case == "not-yet-active":
        late = make_device(61)
        devices.registerDevice(late.device_id, PROJECT, late.address, PV_INVERTER, CAPACITY_W, chain_now() - DAY,
                               {"from": developer})
        devices.activate(late.device_id, {"from": verifier})
        return sign(anchor, late, 1, t0, t0 + HOUR, 100), DEVICE_INACTIVE
    if case == "suspended":
        devices.suspend(own[2].device_id, REASON, {"from": verifier})
        start = (chain_now() // HOUR) * HOUR  # the period runs past the suspension
        chain.sleep(2 * HOUR)
        chain.mine()
        return sign(anchor, own[2], 2, start, start + HOUR, 100), DEVICE_INACTIVE
    if case == "revoked":
        devices.revoke(own[2].device_id, REASON, {"from": developer})
        start = (chain_now() // HOUR) * HOUR
        chain.sleep(2 * HOUR)
        chain.mine()
        return sign(anchor, own[2], 2, start, start + HOUR, 100), DEVICE_REVOKED
    raise AssertionError(case)


CASES = ["forged", "other-domain", "empty-period", "outside-window", "unknown-device", "foreign-device",
         "over-capacity", "not-yet-active", "suspended", "revoked"]


@pytest.mark.parametrize("case", CASES)
def test_an_invalid_reading_rejects_its_batch(anchor, fleet, devices, developer, verifier, oracle_operator, outsider,
                                              case):
    own, _, t0 = fleet
    bad, fault = bad_reading(case, anchor, fleet, devices, developer, verifier)
    start, end = t0, t0 + 2 * HOUR
    if case in ("suspended", "revoked"):
        start, end = bad.reading.period_start - HOUR, bad.reading.period_end
    batch = anchored(anchor, oracle_operator, good_readings(anchor, own[:2], start) + [bad], start, end)
    assert anchor.readingFault(batch.root, signed_tuple(bad), batch.proof(2)) == fault

    tx = challenge(anchor, batch, 2, outsider)
    assert event(tx, "BatchRejected") == {"batchId": batch.root, "challenger": outsider, "fault": fault}
    assert event(tx, "OperatorMisbehaved") == {"operator": oracle_operator, "batchId": batch.root, "count": 1}
    assert anchor.batch(batch.root)[6] == REJECTED
    assert anchor.misbehaviourCount(oracle_operator) == 1
    assert not anchor.proveReading(batch.root, *batch.prove_args(0))  # nothing in a rejected batch stands
    assert not anchor.isFinal(batch.root)
    with brownie.reverts(custom_error("InvalidBatchStatus", batch.root, REJECTED)):
        challenge(anchor, batch, 2, outsider)
    chain.sleep(DAY)
    with brownie.reverts(custom_error("InvalidBatchStatus", batch.root, REJECTED)):
        anchor.finalize(batch.root, {"from": outsider})


def test_energy_at_the_capacity_limit_is_valid(anchor, fleet, oracle_operator, outsider):
    own, _, t0 = fleet
    items = [sign(anchor, own[0], 1, t0, t0 + HOUR, MAX_WH_PER_HOUR), sign(anchor, own[1], 1, t0, t0 + HOUR, 0)]
    batch = anchored(anchor, oracle_operator, items, t0, t0 + HOUR)
    for i in range(2):
        assert anchor.readingFault(batch.root, signed_tuple(items[i]), batch.proof(i)) == NO_FAULT
        with brownie.reverts(custom_error("NoFault")):
            challenge(anchor, batch, i, outsider)
    assert anchor.batch(batch.root)[6] == ANCHORED


def test_tolerance_is_configurable(anchor, regulator, fleet, oracle_operator, outsider):
    own, _, t0 = fleet
    anchor.setCapacityTolerance(0, {"from": regulator})
    items = [sign(anchor, own[0], 1, t0, t0 + HOUR, CAPACITY_W + 1), sign(anchor, own[1], 1, t0, t0 + HOUR, CAPACITY_W)]
    batch = anchored(anchor, oracle_operator, items, t0, t0 + HOUR)
    assert anchor.readingFault(batch.root, signed_tuple(items[1]), batch.proof(1)) == NO_FAULT
    assert event(challenge(anchor, batch, 0, outsider), "BatchRejected")["fault"] == OVER_CAPACITY


@pytest.mark.parametrize("after", [0, 10_000])
def test_a_tolerance_change_after_anchoring_does_not_apply(anchor, regulator, fleet, oracle_operator, outsider, after):
    """The batch keeps the 5 % in force when it was anchored: lowering the tolerance does not make an
    honest reading challengeable, raising it does not save one that was over."""
    own, _, t0 = fleet
    items = [sign(anchor, own[0], 1, t0, t0 + HOUR, MAX_WH_PER_HOUR), sign(anchor, own[1], 1, t0, t0 + HOUR,
                                                                            MAX_WH_PER_HOUR + 1)]
    batch = anchored(anchor, oracle_operator, items, t0, t0 + HOUR)
    anchor.setCapacityTolerance(after, {"from": regulator})
    assert anchor.batch(batch.root)[8] == 500
    assert anchor.readingFault(batch.root, signed_tuple(items[0]), batch.proof(0)) == NO_FAULT
    with brownie.reverts(custom_error("NoFault")):
        challenge(anchor, batch, 0, outsider)
    assert event(challenge(anchor, batch, 1, outsider), "BatchRejected")["fault"] == OVER_CAPACITY


def test_revocation_spares_readings_that_ended_before_it(anchor, fleet, devices, developer, oracle_operator, outsider):
    own, _, t0 = fleet
    batch = anchored(anchor, oracle_operator, good_readings(anchor, own, t0), t0, t0 + HOUR)
    devices.revoke(own[0].device_id, REASON, {"from": developer})
    with brownie.reverts(custom_error("NoFault")):
        challenge(anchor, batch, 0, outsider)


def test_challenge_refusals(anchor, fleet, oracle_operator, outsider):
    own, _, t0 = fleet
    batch = anchored(anchor, oracle_operator, good_readings(anchor, own, t0), t0, t0 + HOUR)
    unknown = Batch(good_readings(anchor, own[:1], t0), PROJECT, t0, t0 + HOUR)
    with brownie.reverts(custom_error("UnknownBatch", unknown.root)):
        challenge(anchor, unknown, 0, outsider)
    with brownie.reverts(custom_error("NotIncluded", batch.root)):
        anchor.challengeReading(batch.root, signed_tuple(batch.items[0]), batch.proof(1), {"from": outsider})
    with brownie.reverts(custom_error("NoFault")):
        challenge(anchor, batch, 0, outsider)
    end = anchor.batch(batch.root)[5]
    chain.sleep(DAY)
    with brownie.reverts(custom_error("ChallengeWindowClosed", batch.root, end)):
        challenge(anchor, batch, 0, outsider)
    assert anchor.batch(batch.root)[6] == ANCHORED and anchor.misbehaviourCount(oracle_operator) == 0


def test_challenges_stay_open_during_a_pause(anchor, mrv_registry, regulator, fleet, oracle_operator, outsider):
    own, _, t0 = fleet
    forged = sign(anchor, own[0], 1, t0, t0 + HOUR, 100, key=make_device(50).key)
    batch = anchored(anchor, oracle_operator, [forged], t0, t0 + HOUR)
    mrv_registry.pause({"from": regulator})
    challenge(anchor, batch, 0, outsider)
    assert anchor.batch(batch.root)[6] == REJECTED


def test_every_signer_of_a_rejected_batch_is_recorded(anchor, regulator, fleet, oracle_operator, cosigners, outsider):
    own, _, t0 = fleet
    anchor.addOperator(cosigners[0], {"from": regulator})
    anchor.setThreshold(2, {"from": regulator})
    forged = sign(anchor, own[0], 1, t0, t0 + HOUR, 100, key=make_device(50).key)
    batch = Batch([forged], PROJECT, t0, t0 + HOUR)
    anchor.anchorBatch(batch.header(), [cosign(anchor, batch.header(), cosigners[0].private_key)],
                       {"from": oracle_operator})
    tx = challenge(anchor, batch, 0, outsider)
    assert [e["operator"] for e in tx.events["OperatorMisbehaved"]] == [oracle_operator, cosigners[0]]
    assert anchor.misbehaviourCount(oracle_operator) == 1 and anchor.misbehaviourCount(cosigners[0]) == 1


# ---------------------------------------------------------------- conflicts between two readings


def conflict(anchor, target, i, other, j, challenger):
    return anchor.challengeConflict(target.root, signed_tuple(target.items[i]), target.proof(i),
                                    other.root, signed_tuple(other.items[j]), other.proof(j), {"from": challenger})


def test_a_duplicate_sequence_across_two_batches_rejects_the_later(anchor, fleet, oracle_operator, outsider):
    own, _, t0 = fleet
    first = anchored(anchor, oracle_operator, [sign(anchor, own[0], 4, t0, t0 + HOUR, 100)], t0, t0 + HOUR)
    second = anchored(anchor, oracle_operator, [sign(anchor, own[0], 4, t0 + HOUR, t0 + 2 * HOUR, 200),
                                                sign(anchor, own[1], 1, t0 + HOUR, t0 + 2 * HOUR, 200)],
                      t0 + HOUR, t0 + 2 * HOUR)
    with brownie.reverts(custom_error("NotLaterBatch", first.root, second.root)):
        conflict(anchor, first, 0, second, 0, outsider)
    tx = conflict(anchor, second, 0, first, 0, outsider)
    assert event(tx, "BatchRejected")["fault"] == DUPLICATE_SEQUENCE
    assert anchor.batch(second.root)[6] == REJECTED and anchor.batch(first.root)[6] == ANCHORED
    assert anchor.misbehaviourCount(oracle_operator) == 1


def test_the_same_reading_in_two_batches_is_a_replay_not_a_conflict(anchor, fleet, oracle_operator, outsider):
    """Replays are taken out of the later batch (tests/mrv/test_mrv_replays.py), never blamed."""
    own, _, t0 = fleet
    readings = good_readings(anchor, own, t0)
    first = anchored(anchor, oracle_operator, readings, t0, t0 + HOUR)
    replay = anchored(anchor, oracle_operator, readings[:1], t0, t0 + HOUR)
    with brownie.reverts(custom_error("NoFault")):
        conflict(anchor, replay, 0, first, 0, outsider)


@pytest.mark.parametrize("others", [1, 2, 3, 6])
def test_a_leaf_twice_in_one_batch_is_a_duplicate(anchor, fleet, oracle_operator, outsider, others):
    own, _, t0 = fleet
    reading = sign(anchor, own[0], 1, t0, t0 + HOUR, 100)
    fillers = [sign(anchor, own[1], k, t0 + k * 60, t0 + (k + 1) * 60, 10) for k in range(others)]
    batch = anchored(anchor, oracle_operator, [reading, reading] + fillers, t0, t0 + HOUR)
    assert batch.proof(0) != batch.proof(1)  # two positions
    with brownie.reverts(custom_error("NoFault")):  # one leaf at one position
        conflict(anchor, batch, 0, batch, 0, outsider)
    assert event(conflict(anchor, batch, 0, batch, 1, outsider), "BatchRejected")["fault"] == DUPLICATE_SEQUENCE


def test_a_single_leaf_is_no_duplicate_of_itself(anchor, fleet, oracle_operator, outsider):
    own, _, t0 = fleet
    batch = anchored(anchor, oracle_operator, good_readings(anchor, own, t0), t0, t0 + HOUR)
    for i in range(3):
        with brownie.reverts(custom_error("NoFault")):
            conflict(anchor, batch, i, batch, i, outsider)
    single = anchored(anchor, oracle_operator, [sign(anchor, own[0], 9, t0, t0 + HOUR, 1)], t0, t0 + HOUR)
    with brownie.reverts(custom_error("NoFault")):
        conflict(anchor, single, 0, single, 0, outsider)


@pytest.mark.parametrize(
    "second_period",
    [(-HOUR, 0), (HOUR // 2, HOUR + HOUR // 2), (0, HOUR)],
    ids=["earlier-period", "overlapping", "same-period"],
)
def test_sequence_and_period_order_must_agree(anchor, fleet, oracle_operator, outsider, second_period):
    own, _, t0 = fleet
    base = t0 + HOUR
    items = [sign(anchor, own[0], 1, base, base + HOUR, 100),
             sign(anchor, own[0], 2, base + second_period[0], base + second_period[1], 100)]
    batch = anchored(anchor, oracle_operator, items, t0, t0 + 3 * HOUR)
    assert event(conflict(anchor, batch, 1, batch, 0, outsider), "BatchRejected")["fault"] == OUT_OF_ORDER


def test_ordered_readings_and_other_devices_are_no_conflict(anchor, fleet, oracle_operator, outsider):
    own, _, t0 = fleet
    items = [sign(anchor, own[0], 1, t0, t0 + HOUR, 100), sign(anchor, own[0], 5, t0 + HOUR, t0 + 2 * HOUR, 100),
             sign(anchor, own[1], 1, t0, t0 + HOUR, 100)]
    batch = anchored(anchor, oracle_operator, items, t0, t0 + 2 * HOUR)
    for i, j in [(0, 1), (1, 0), (0, 2)]:
        with brownie.reverts(custom_error("NoFault")):
            conflict(anchor, batch, i, batch, j, outsider)
    assert anchor.batch(batch.root)[6] == ANCHORED


def test_a_forged_twin_cannot_take_down_an_honest_batch(anchor, fleet, oracle_operator, outsider):
    own, _, t0 = fleet
    honest = anchored(anchor, oracle_operator, good_readings(anchor, own, t0), t0, t0 + HOUR)
    forged = sign(anchor, own[0], 1, t0, t0 + HOUR, 9_999, key=make_device(50).key)
    rogue = anchored(anchor, oracle_operator, [forged], t0, t0 + HOUR)
    with brownie.reverts(custom_error("NoFault")):
        conflict(anchor, rogue, 0, honest, 0, outsider)
    assert event(challenge(anchor, rogue, 0, outsider), "BatchRejected")["fault"] == BAD_SIGNATURE
    assert anchor.batch(honest.root)[6] == ANCHORED


def test_conflict_refusals(anchor, fleet, oracle_operator, outsider):
    own, _, t0 = fleet
    first = anchored(anchor, oracle_operator, [sign(anchor, own[0], 1, t0, t0 + HOUR, 100)], t0, t0 + HOUR)
    forged = sign(anchor, own[1], 1, t0, t0 + HOUR, 100, key=make_device(50).key)
    rejected = anchored(anchor, oracle_operator, [forged, sign(anchor, own[0], 1, t0, t0 + HOUR, 100)], t0, t0 + HOUR)
    challenge(anchor, rejected, 0, outsider)
    later = anchored(anchor, oracle_operator, [sign(anchor, own[0], 1, t0, t0 + HOUR, 101)], t0, t0 + HOUR)
    unknown = Batch([sign(anchor, own[2], 1, t0, t0 + HOUR, 1)], PROJECT, t0, t0 + HOUR)
    with brownie.reverts(custom_error("UnknownBatch", unknown.root)):
        conflict(anchor, later, 0, unknown, 0, outsider)
    with brownie.reverts(custom_error("InvalidBatchStatus", rejected.root, REJECTED)):
        conflict(anchor, later, 0, rejected, 1, outsider)
    with brownie.reverts(custom_error("NotIncluded", first.root)):
        anchor.challengeConflict(later.root, signed_tuple(later.items[0]), later.proof(0), first.root,
                                 signed_tuple(forged), ([], 0), {"from": outsider})
    assert anchor.batch(later.root)[6] == ANCHORED


# ---------------------------------------------------------------- totals (fuzzed: test_mrv_sumtree.py)


@pytest.mark.parametrize("field, delta", [("energyWh", 1), ("energyWh", -1), ("readingCount", 1), ("readingCount", -1)])
def test_a_wrong_header_total_is_disproved_by_opening_the_root(anchor, fleet, oracle_operator, outsider, field, delta):
    own, _, t0 = fleet
    batch = make_batch(anchor, own, t0, slots=5)  # 15 readings
    true_total = batch.energy if field == "energyWh" else len(batch.items)
    anchor.anchorBatch(batch.header(**{field: true_total + delta}), [], {"from": oracle_operator})
    root = open_tree(sorted(batch.items, key=lambda item: item.leaf()))
    root.energy_wh, root.count = (batch.energy + delta, 15) if field == "energyWh" else (batch.energy, 15 + delta)
    proof = false_statement(root)
    assert proof.path.siblings == ()  # the root's own statement is false
    tx = anchor.challengeTotals(batch.root, totals_arg(proof), {"from": outsider})
    assert event(tx, "BatchRejected")["fault"] == WRONG_TOTALS


def test_correct_totals_are_no_fault_at_any_node(anchor, fleet, oracle_operator, outsider):
    own, _, t0 = fleet
    batch = anchored(anchor, oracle_operator, make_batch(anchor, own, t0, slots=3).items, t0, t0 + 3 * HOUR)
    root = open_tree(sorted(batch.items, key=lambda item: item.leaf()))
    for proof in every_node(root):
        assert anchor.totalsFault(batch.root, totals_arg(proof)) == NO_FAULT
    with brownie.reverts(custom_error("NoFault")):
        anchor.challengeTotals(batch.root, totals_arg(proof), {"from": outsider})
    assert anchor.batch(batch.root)[6] == ANCHORED
