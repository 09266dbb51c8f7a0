"""Batches stay within what MRVAnchor.anchorBatch accepts (reading count and energy), and a batch
the contract refuses is set aside with its reason without stopping the daemon, the other
projects' anchoring, or a restart."""

import json
import logging
from dataclasses import replace

from tests.oracles.fake_chain import FakeChain
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.oracles.support import DOMAIN, T0, directory, make_devices

from oracles.codec import SignedReading
from oracles.readings import Reading
from oracles.sensor.anchor import anchor_batches
from oracles.sensor.batcher import MAX_BATCH_ENERGY_WH, BatchPolicy, cut_batches
from oracles.sensor.daemon import DaemonSettings, SensorDaemon
from oracles.sensor.store import Store
from oracles.signing import sign_reading

DEVICES = make_devices(3)
DEVICES[2].info = replace(DEVICES[2].info, project_id=2)
NOW = T0 + 10**6


def accept(store, items):
    """Store (device index, energy) readings as accepted, sequences counting up per device."""
    counters = {}
    accepted = []
    for index, energy in items:
        device = DEVICES[index]
        sequence = counters[index] = counters.get(index, 0) + 1
        reading = Reading(device.info.device_id, sequence, T0 + sequence * 300, T0 + sequence * 300 + 300, energy)
        accepted.append((SignedReading(reading, sign_reading(device.key, reading, DOMAIN)), device.info.project_id))
    with store.transaction() as db:
        Store.insert_accepted(db, accepted, T0)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(energies=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 5_000)), min_size=1, max_size=30),
       max_readings=st.integers(1, 6), max_energy=st.integers(1, 8_000))
def test_every_batch_is_within_both_limits_and_every_reading_in_one(tmp_path_factory, energies, max_readings, max_energy):
    store = Store(tmp_path_factory.mktemp("cut") / "s.db")
    try:
        accept(store, energies)
        cut_batches(store, BatchPolicy(max_readings, 0, max_energy), lambda: NOW)
        states = store.reading_states()
        assert all(batch is not None for batch, _ in states.values())  # nothing left behind, nothing lost
        for batch in store.batches():
            readings = store.batch_readings(batch.id)
            assert batch.reading_count == len(readings) <= max_readings
            assert batch.total_wh == sum(s.reading.energy_wh for s in readings)
            if batch.status == "set_aside":  # only a reading over the limit on its own
                assert len(readings) == 1 and batch.total_wh > max_energy
                assert batch.reason.startswith("energy_too_large")
            else:
                assert batch.total_wh <= max_energy
        assert sum(b.reading_count for b in store.batches()) == len(energies)
    finally:
        store.close()


def test_the_default_energy_limit_is_the_contracts_uint48():
    assert BatchPolicy().max_energy_wh == MAX_BATCH_ENERGY_WH == 2**48 - 1


def test_a_refused_project_is_set_aside_and_the_others_anchor_across_a_restart(tmp_path, caplog):
    path = tmp_path / "s.db"
    daemon = SensorDaemon(DaemonSettings(path, batch=BatchPolicy(4, 0)), directory(DEVICES), DOMAIN,
                          clock=lambda: NOW)
    chain = FakeChain(daemon.store, now=NOW, refused_projects={2})
    daemon.anchor = chain
    accept(daemon.store, [(0, 100), (2, 100), (1, 100)])
    with caplog.at_level(logging.INFO, logger="greenfi.sensor"):
        daemon.tick()  # cut both, send one, set the other aside
        daemon.tick()  # see the sent one anchored
    assert daemon.failed_reason is None and daemon._failures == 0
    by_project = {b.project_id: b for b in daemon.store.batches()}
    assert by_project[1].status == "anchored" and by_project[1].root in chain.batches
    assert (by_project[2].status, by_project[2].reason) == ("set_aside", "ProjectIdTooLarge(2)")
    logged = [json.loads(r.getMessage()) for r in caplog.records]
    assert {"event": "batch_set_aside", "batch": by_project[2].id, "project": 2,
            "reason": "ProjectIdTooLarge(2)"} in logged
    ok, health = daemon.health()
    assert ok and health["setAside"] == 1 and health["setAsideBatches"][0]["reason"] == "ProjectIdTooLarge(2)"
    daemon.store.close()

    restarted = SensorDaemon(DaemonSettings(path, batch=BatchPolicy(4, 0)), directory(DEVICES), DOMAIN,
                             clock=lambda: NOW)
    chain.store = restarted.store
    restarted.anchor = chain
    calls = []
    chain.refusal = lambda batch: calls.append(batch.id)  # a set-aside batch is never tried again
    for _ in range(3):
        restarted.tick()
    assert calls == [] and restarted._failures == 0
    assert restarted.store.batch(by_project[2].id).status == "set_aside"
    restarted.store.close()


def test_an_operator_refusal_fails_the_round_and_sets_nothing_aside(tmp_path):
    store = Store(tmp_path / "s.db")
    accept(store, [(0, 100)])
    cut_batches(store, BatchPolicy(4, 0), lambda: NOW)
    chain = FakeChain(store, now=NOW, operator_refused=True)
    try:
        anchor_batches(store, chain)
    except Exception as exc:  # noqa: BLE001 - the type is the point
        assert type(exc).__name__ == "OperatorRefused"
    else:
        raise AssertionError("an operator refusal must fail the round")
    assert [b.status for b in store.batches()] == ["built"]
    store.close()
