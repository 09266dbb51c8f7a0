"""MRVAnchor: the Python oracle core and the contract agree on digests, leaves and trees; batches
are anchored at constant cost, proven reading by reading, k-of-n signed, and finalized lazily."""

import brownie
import pytest
from brownie import chain
from tests.support.chain import custom_error, event
from tests.mrv.support import (chain_now, DAY, HOUR, PROJECT, Batch, cosign, digest_of, domain, make_batch, make_device,
                         reading_tuple, sign, signed_tuple)

from greenfi.domain.participants import Reason
from oracles import leaf_hash

NONE, ANCHORED, REJECTED, FINALIZED = range(4)
MAX_CHALLENGE_WINDOW = 30 * DAY


def config(anchor):
    return tuple(int(x) for x in anchor.config())


def anchor_batch(anchor, batch, operator, cosignatures=(), **changes):
    return anchor.anchorBatch(batch.header(**changes), list(cosignatures), {"from": operator})


@pytest.fixture
def batch(anchor, fleet):
    own, _, t0 = fleet
    return make_batch(anchor, own, t0)


# ---------------------------------------------------------------- the two sides agree


def test_digest_and_leaf_match_the_python_oracle_core(anchor, fleet):
    own, _, t0 = fleet
    signed = sign(anchor, own[0], 7, t0, t0 + 900, 1250)
    assert bytes(anchor.readingDigest(reading_tuple(signed.reading))) == digest_of(signed.reading, domain(anchor))
    assert bytes(anchor.leafOf(signed_tuple(signed))) == leaf_hash(*signed)
    assert anchor.READING_TYPEHASH() == "0x" + __import__("oracles").readings.READING_TYPEHASH.hex()


# ---------------------------------------------------------------- anchoring


def test_operator_anchors_a_batch_and_every_reading_proves(anchor, batch, oracle_operator):
    tx = anchor_batch(anchor, batch, oracle_operator)
    assert event(tx, "BatchAnchored") == {
        "batchId": batch.root, "projectId": PROJECT, "submitter": oracle_operator,
        "windowStart": batch.window_start, "windowEnd": batch.window_end, "energyWh": batch.energy,
        "readingCount": len(batch.items), "contentHash": batch.content_hash, "signers": 1,
    }
    assert tuple(anchor.batch(batch.root)) == (PROJECT, batch.window_start, batch.window_end, batch.energy,
                                               len(batch.items), tx.timestamp + DAY, ANCHORED, 1, 500)
    assert not anchor.isFinal(batch.root)
    for i in range(len(batch.items)):
        assert anchor.proveReading(batch.root, *batch.prove_args(i))


@pytest.mark.parametrize("field", [1, 2, 3, 4])
def test_prove_rejects_a_tampered_reading(anchor, batch, oracle_operator, field):
    anchor_batch(anchor, batch, oracle_operator)
    (reading, r, vs), proof = batch.prove_args(0)
    tampered = list(reading)
    tampered[field] += 1
    assert not anchor.proveReading(batch.root, (tuple(tampered), r, vs), proof)


def test_prove_rejects_a_wrong_signature_or_proof(anchor, fleet, batch, oracle_operator):
    anchor_batch(anchor, batch, oracle_operator)
    (reading, r, vs), proof = batch.prove_args(0)
    signed = (reading, r, vs)
    assert not anchor.proveReading(batch.root, (reading, r, "0x" + "11" * 32), proof)
    assert not anchor.proveReading(batch.root, signed, batch.proof(1))
    assert not anchor.proveReading(batch.root, signed, ([], 0))
    siblings, sides = proof
    assert not anchor.proveReading(batch.root, signed, (siblings, sides ^ 1))  # the sibling on the wrong side
    assert not anchor.proveReading(batch.root, signed, (siblings, sides | 1 << len(siblings)))  # a stray side bit
    lying = [(siblings[0][0], siblings[0][1] + 1, siblings[0][2]), *siblings[1:]]
    assert not anchor.proveReading(batch.root, signed, (lying, sides))  # a sibling's sum changed


def test_prove_rejects_an_included_forgery(anchor, fleet, oracle_operator):
    """The leaf is in the tree, but the device's registered key did not sign it."""
    own, _, t0 = fleet
    forged = sign(anchor, own[0], 1, t0, t0 + HOUR, 100, key=make_device(50).key)
    batch = Batch([forged, sign(anchor, own[1], 1, t0, t0 + HOUR, 100)], PROJECT, t0, t0 + HOUR)
    anchor_batch(anchor, batch, oracle_operator)
    assert not anchor.proveReading(batch.root, *batch.prove_args(0))
    assert anchor.proveReading(batch.root, *batch.prove_args(1))


def test_prove_of_an_unknown_batch_reverts(anchor, batch):
    with brownie.reverts(custom_error("UnknownBatch", batch.root)):
        anchor.proveReading(batch.root, *batch.prove_args(0))


def test_a_one_reading_batch_proves_with_an_empty_proof(anchor, fleet, oracle_operator):
    own, _, t0 = fleet
    batch = Batch([sign(anchor, own[0], 1, t0, t0 + HOUR, 100)], PROJECT, t0, t0 + HOUR)
    anchor_batch(anchor, batch, oracle_operator)
    assert batch.proof(0) == ([], 0) and anchor.proveReading(batch.root, *batch.prove_args(0))


def test_anchoring_gas_does_not_grow_with_the_batch(anchor, fleet, oracle_operator):
    own, _, t0 = fleet
    small = make_batch(anchor, own[:1], t0, slots=2)
    large = make_batch(anchor, own, t0 + 2 * HOUR, slots=342, slot_s=60)  # 1,026 readings
    gas_small = anchor_batch(anchor, small, oracle_operator).gas_used
    gas_large = anchor_batch(anchor, large, oracle_operator).gas_used
    assert gas_large <= 80_000 and abs(gas_large - gas_small) < 200  # calldata bytes only
    assert anchor.proveReading.estimate_gas(large.root, *large.prove_args(1000)) <= 60_000


@pytest.mark.parametrize(
    "changes, error",
    [
        (dict(merkleRoot="0x" + "00" * 32), ("ZeroRoot",)),
        (dict(projectId=2**48), ("ProjectIdTooLarge", 2**48)),
        (dict(energyWh=2**48), ("EnergyTooLarge", 2**48)),
        (dict(readingCount=0), ("InvalidReadingCount", 0)),
        (dict(readingCount=2**20 + 1), ("InvalidReadingCount", 2**20 + 1)),
    ],
    ids=["zero-root", "project-id", "energy", "no-readings", "too-many-readings"],
)
def test_anchor_rejects_bad_headers(anchor, batch, oracle_operator, changes, error):
    with brownie.reverts(custom_error(*error)):
        anchor_batch(anchor, batch, oracle_operator, **changes)
    assert anchor.batch(batch.root)[6] == NONE


def test_anchor_rejects_empty_or_future_windows(anchor, batch, oracle_operator):
    start = batch.window_start
    with brownie.reverts(custom_error("InvalidWindow", start, start)):
        anchor_batch(anchor, batch, oracle_operator, windowEnd=start)
    future = chain_now() + HOUR
    with brownie.reverts(custom_error("InvalidWindow", start, future)):
        anchor_batch(anchor, batch, oracle_operator, windowEnd=future)
    assert anchor.batch(batch.root)[6] == NONE


def test_a_root_is_anchored_once(anchor, batch, oracle_operator):
    anchor_batch(anchor, batch, oracle_operator)
    with brownie.reverts(custom_error("BatchExists", batch.root)):
        anchor_batch(anchor, batch, oracle_operator, projectId=2)
    assert anchor.batch(batch.root)[0] == PROJECT


def test_only_eligible_operators_anchor(anchor, mrv_registry, regulator, batch, oracle_operator, cosigners, outsider):
    with brownie.reverts(custom_error("NotOperator", outsider)):
        anchor_batch(anchor, batch, outsider)
    mrv_registry.freeze(oracle_operator, b"\x01" * 32, {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", oracle_operator, Reason.FROZEN)):
        anchor_batch(anchor, batch, oracle_operator)
    mrv_registry.unfreeze(oracle_operator, {"from": regulator})
    mrv_registry.pause({"from": regulator})
    with brownie.reverts(custom_error("NetworkPaused")):
        anchor_batch(anchor, batch, oracle_operator)
    assert anchor.batch(batch.root)[6] == NONE


# ---------------------------------------------------------------- k of n


@pytest.fixture
def two_of_three(anchor, regulator, cosigners):
    for account in cosigners[:2]:
        anchor.addOperator(account, {"from": regulator})
    anchor.setThreshold(2, {"from": regulator})
    return cosigners


def test_two_of_three_needs_a_cosignature(anchor, batch, oracle_operator, two_of_three):
    with brownie.reverts(custom_error("InsufficientSignatures", 1, 2)):
        anchor_batch(anchor, batch, oracle_operator)
    tx = anchor_batch(anchor, batch, oracle_operator, [cosign(anchor, batch.header(), two_of_three[0].private_key)])
    assert event(tx, "BatchAnchored")["signers"] == 0b011
    assert anchor.batch(batch.root)[7] == 0b011


def test_cosigners_must_be_distinct_operators_signing_this_header(anchor, batch, oracle_operator, two_of_three,
                                                                  cosigners):
    header = batch.header()
    a = cosign(anchor, header, cosigners[0].private_key)
    with brownie.reverts(custom_error("DuplicateSigner", cosigners[0])):
        anchor_batch(anchor, batch, oracle_operator, [a, a])
    with brownie.reverts(custom_error("NotOperator", cosigners[2])):  # registered, but not in the set
        anchor_batch(anchor, batch, oracle_operator, [cosign(anchor, header, cosigners[2].private_key)])
    other_header = batch.header(energyWh=batch.energy + 1)
    with brownie.reverts():  # a signature over other figures recovers some other address
        anchor_batch(anchor, batch, oracle_operator, [cosign(anchor, other_header, cosigners[0].private_key)])
    assert anchor.batch(batch.root)[6] == NONE


def test_the_submitter_and_cosigners_count_once_each(anchor, batch, two_of_three):
    submitter = two_of_three[0]
    own = cosign(anchor, batch.header(), submitter.private_key)
    with brownie.reverts(custom_error("DuplicateSigner", submitter)):
        anchor_batch(anchor, batch, submitter, [own])
    tx = anchor_batch(anchor, batch, submitter, [cosign(anchor, batch.header(), two_of_three[1].private_key)])
    assert event(tx, "BatchAnchored")["signers"] == 0b110


def test_a_frozen_cosigner_is_refused(anchor, mrv_registry, regulator, batch, oracle_operator, two_of_three):
    mrv_registry.freeze(two_of_three[0], b"\x01" * 32, {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", two_of_three[0], Reason.FROZEN)):
        anchor_batch(anchor, batch, oracle_operator, [cosign(anchor, batch.header(), two_of_three[0].private_key)])


# ---------------------------------------------------------------- operator set and configuration


def test_operator_set_management(anchor, regulator, oracle_operator, cosigners):
    tx = anchor.addOperator(cosigners[0], {"from": regulator})
    assert event(tx, "OperatorAdded") == {"operator": cosigners[0], "slot": 1}
    assert anchor.isOperator(cosigners[0]) and anchor.config()[1] == 2
    assert list(anchor.operators())[:3] == [oracle_operator, cosigners[0], brownie.ZERO_ADDRESS]
    with brownie.reverts(custom_error("OperatorExists", cosigners[0])):
        anchor.addOperator(cosigners[0], {"from": regulator})

    tx = anchor.removeOperator(oracle_operator, {"from": regulator})
    assert event(tx, "OperatorRemoved") == {"operator": oracle_operator, "slot": 0}
    assert not anchor.isOperator(oracle_operator) and anchor.config()[1] == 1
    with brownie.reverts(custom_error("NotOperator", oracle_operator)):
        anchor.removeOperator(oracle_operator, {"from": regulator})
    # Slot 0 stays reserved for the removed operator's batches until the longest window has passed.
    assert event(anchor.addOperator(cosigners[1], {"from": regulator}), "OperatorAdded")["slot"] == 2
    chain.sleep(MAX_CHALLENGE_WINDOW)
    assert event(anchor.addOperator(oracle_operator, {"from": regulator}), "OperatorAdded")["slot"] == 0


def test_operators_must_be_oracle_operators(anchor, regulator, enterprise, outsider):
    with brownie.reverts(custom_error("ComplianceRefused", enterprise, Reason.WRONG_KIND)):
        anchor.addOperator(enterprise, {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", outsider, Reason.NOT_REGISTERED)):
        anchor.addOperator(outsider, {"from": regulator})
    assert not anchor.isOperator(enterprise)


def test_at_most_sixteen_operators(anchor, mrv_registry, regulator, accounts):
    from greenfi.domain.participants import Kind, jurisdiction
    from tests.support.chain import kyc_expiry
    extra = [accounts.add() for _ in range(16)]
    for account in extra:
        mrv_registry.register(account, Kind.ORACLE_OPERATOR, jurisdiction("DE"), kyc_expiry(), {"from": regulator})
    for account in extra[:15]:
        anchor.addOperator(account, {"from": regulator})
    with brownie.reverts(custom_error("NoFreeOperatorSlot")):
        anchor.addOperator(extra[15], {"from": regulator})
    assert anchor.config()[1] == 16


def test_configuration_is_the_regulators(anchor, regulator, admin, outsider, cosigners):
    # Parameters are GOVERNOR_ROLE's (the regulator and the admin until a timelock takes over,
    # docs/governance.md); the operator set stays the regulator's.
    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", admin, anchor.REGULATOR_ROLE())):
        anchor.addOperator(cosigners[0], {"from": admin})
    for call in (lambda a: anchor.setThreshold(1, {"from": a}), lambda a: anchor.setChallengeWindow(60, {"from": a}),
                 lambda a: anchor.setCapacityTolerance(0, {"from": a})):
        with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", outsider, anchor.GOVERNOR_ROLE())):
            call(outsider)
    assert config(anchor) == (1, 1, DAY, 500)

    for bad in (0, 2):
        with brownie.reverts(custom_error("InvalidThreshold", bad, 1)):
            anchor.setThreshold(bad, {"from": regulator})
    for bad in (0, MAX_CHALLENGE_WINDOW + 1):
        with brownie.reverts(custom_error("InvalidChallengeWindow", bad)):
            anchor.setChallengeWindow(bad, {"from": regulator})
    with brownie.reverts(custom_error("InvalidTolerance", 10_001)):
        anchor.setCapacityTolerance(10_001, {"from": regulator})
    assert config(anchor) == (1, 1, DAY, 500)

    assert event(anchor.setChallengeWindow(HOUR, {"from": regulator}), "ChallengeWindowSet") == {"window": HOUR}
    assert event(anchor.setCapacityTolerance(0, {"from": regulator}), "CapacityToleranceSet") == {"toleranceBps": 0}
    assert config(anchor) == (1, 1, HOUR, 0)


# ---------------------------------------------------------------- finality


def test_finalize_after_the_challenge_window(anchor, batch, oracle_operator, outsider):
    anchor_batch(anchor, batch, oracle_operator)
    end = anchor.batch(batch.root)[5]
    with brownie.reverts(custom_error("ChallengeWindowOpen", batch.root, end)):
        anchor.finalize(batch.root, {"from": outsider})
    chain.sleep(DAY)
    chain.mine()
    assert anchor.isFinal(batch.root)  # usable already; finalize() only counts it
    assert anchor.finalizedEnergy(PROJECT) == 0
    tx = anchor.finalize(batch.root, {"from": outsider})
    assert event(tx, "BatchFinalized") == {"batchId": batch.root, "projectId": PROJECT, "energyWh": batch.energy}
    assert anchor.finalizedEnergy(PROJECT) == batch.energy and anchor.batch(batch.root)[6] == FINALIZED
    with brownie.reverts(custom_error("InvalidBatchStatus", batch.root, FINALIZED)):
        anchor.finalize(batch.root, {"from": outsider})
    assert anchor.finalizedEnergy(PROJECT) == batch.energy


def test_finalize_unknown_or_paused(anchor, mrv_registry, regulator, batch, oracle_operator, outsider):
    with brownie.reverts(custom_error("UnknownBatch", batch.root)):
        anchor.finalize(batch.root, {"from": outsider})
    anchor_batch(anchor, batch, oracle_operator)
    chain.sleep(DAY)
    mrv_registry.pause({"from": regulator})
    with brownie.reverts(custom_error("NetworkPaused")):
        anchor.finalize(batch.root, {"from": outsider})
    assert anchor.finalizedEnergy(PROJECT) == 0


def test_a_shorter_window_applies_to_later_batches(anchor, regulator, fleet, oracle_operator):
    own, _, t0 = fleet
    first, second = make_batch(anchor, own, t0), make_batch(anchor, own, t0 + 4 * HOUR, first_sequence=5)
    anchor_batch(anchor, first, oracle_operator)
    anchor.setChallengeWindow(HOUR, {"from": regulator})
    tx = anchor_batch(anchor, second, oracle_operator)
    assert anchor.batch(second.root)[5] == tx.timestamp + HOUR
    chain.sleep(HOUR)
    chain.mine()
    assert anchor.isFinal(second.root) and not anchor.isFinal(first.root)
