"""Differential: the daemon's standing judge (oracles.sensor.standing.reading_fault, fed by the
chain directory's fresh record) against MRVAnchor.readingFault on the real contracts. Each example
draws a device history (activation, any number of suspensions and resumptions, some in the same
second, a revocation), readings over and around it (periods, energies at and past the capacity
limit, foreign batches, forged signatures, unknown devices), a batch window and a tolerance at
anchoring that is changed right after: every verdict must be the contract's."""

from brownie import chain, web3
from brownie.test import given
from hypothesis import settings
from hypothesis import strategies as st
from tests.mrv.support import (CAPACITY_W, HOUR, OTHER_PROJECT, PROJECT, PV_INVERTER, Batch, chain_now, domain, make_device,
                         sign, signed_tuple)

from oracles import digest
from oracles.sensor.chain_directory import ChainDirectory
from oracles.sensor.standing import BatchRules, Fault, reading_fault
from oracles.signing import recover_signer

REASON = b"\x42" * 32
SUBJECT = make_device(400)
STRANGER = make_device(401)  # never registered

# A device's life after registration: each step is (action, seconds to wait before it).
steps = st.lists(st.tuples(st.sampled_from(["activate", "activate", "suspend", "suspend", "revoke"]),
                           st.sampled_from([0, 0, 1, 600, HOUR])), min_size=2, max_size=10)


def readings(times):
    """Readings around the device's transition times, so periods fall before, across and after each."""
    return st.lists(st.tuples(
        st.sampled_from(times), st.integers(-HOUR, HOUR),  # start: a transition time, moved
        st.sampled_from([0, 60, 300, HOUR, 3 * HOUR]),  # length
        st.sampled_from([0, 0.5, 1.0, 1.049, 1.05, "limit", "limit+1", 1.2]),  # energy, in rated output
        st.sampled_from(["device"] * 6 + ["forged", "stranger"]),
    ), min_size=1, max_size=8)


def live(history, devices, verifier, developer):
    """Apply the drawn steps that the status machine allows; returns the suspensions the model expects
    and the times of the transitions."""
    status, suspensions, times = "registered", [], []
    for action, wait in history:
        if wait:
            chain.sleep(wait)
        if action == "activate" and status in ("registered", "suspended"):
            t = devices.activate(SUBJECT.device_id, {"from": verifier}).timestamp
            times.append(t)
            if status == "suspended":
                start, _ = suspensions[-1]
                suspensions[-1] = (start, t)
                if start == t:
                    suspensions.pop()  # resumed in the second it began: it covered no time
            status = "active"
        elif action == "suspend" and status == "active":
            suspensions.append((devices.suspend(SUBJECT.device_id, REASON, {"from": verifier}).timestamp, 0))
            times.append(suspensions[-1][0])
            status = "suspended"
        elif action == "revoke" and status != "revoked":
            times.append(devices.revoke(SUBJECT.device_id, REASON, {"from": developer}).timestamp)
            status = "revoked"
    return suspensions, times


def energy_of(kind, length, tolerance_bps):
    if kind == "limit":  # the largest energy within capacity × duration × (1 + tolerance)
        return CAPACITY_W * length * (10_000 + tolerance_bps) // (3600 * 10_000)
    if kind == "limit+1":
        return CAPACITY_W * length * (10_000 + tolerance_bps) // (3600 * 10_000) + 1
    return int(CAPACITY_W * length / 3600 * kind)


@settings(max_examples=50, deadline=None)
@given(data=st.data(), history=steps, tolerance=st.sampled_from([0, 500, 1_000]),
       later_tolerance=st.sampled_from([0, 500, 10_000]), foreign=st.booleans(),
       trim=st.tuples(st.sampled_from([0, 0, 1_800]), st.sampled_from([0, 0, 1_800])))
def test_the_daemon_judges_every_reading_as_the_contract(anchor, devices, developer, verifier, regulator,
                                                         oracle_operator, data, history, tolerance, later_tolerance,
                                                         foreign, trim):
    registered = devices.registerDevice(SUBJECT.device_id, PROJECT, SUBJECT.address, PV_INVERTER, CAPACITY_W,
                                        chain_now() - HOUR, {"from": developer}).timestamp
    expected_suspensions, times = live(history, devices, verifier, developer)
    chain.sleep(12 * HOUR)
    chain.mine()

    items = []
    for n, (at, offset, length, energy, who) in enumerate(data.draw(readings([registered, *times]))):
        start = at + offset
        device = STRANGER if who == "stranger" else SUBJECT
        key = make_device(402).key if who == "forged" else None
        items.append(sign(anchor, device, n + 1, start, start + length, energy_of(energy, length, tolerance), key=key))
    window = (min(i.reading.period_start for i in items) + trim[0], max(i.reading.period_end for i in items) - trim[1])
    if window[0] >= window[1]:
        window = (window[0], window[0] + 1)
    batch = Batch(items, OTHER_PROJECT if foreign else PROJECT, *window)
    anchor.setCapacityTolerance(tolerance, {"from": regulator})
    anchor.anchorBatch(batch.header(energyWh=min(batch.energy, 2**48 - 1)), [], {"from": oracle_operator})
    anchor.setCapacityTolerance(later_tolerance, {"from": regulator})  # forward only: must not matter

    directory = ChainDirectory(web3, devices.address)
    record = directory.fresh(SUBJECT.device_id)
    assert list(record.suspensions) == expected_suspensions
    rules = BatchRules(batch.project, *window, tolerance)
    for i, item in enumerate(items):
        signer = recover_signer(digest(item.reading, domain(anchor)), item.signature)
        ours = reading_fault(item.reading, signer, directory.fresh(item.reading.device_id), rules)
        theirs = anchor.readingFault(batch.root, signed_tuple(item), batch.proof(i))
        assert ours == Fault(theirs), (item.reading, ours, Fault(theirs))
