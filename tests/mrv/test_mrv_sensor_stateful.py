"""Stateful: through the sensor daemon's store and anchoring against the real MRVAnchor, the anchored
energy per device equals the energy of the accepted readings, whatever the order of submissions
(valid, forged, replayed), batch cuts, anchoring rounds and crashes (mid-anchoring included) and
restarts; no root is anchored twice and nothing accepted is lost."""

import tempfile
from collections import Counter
from pathlib import Path

from brownie import web3
from tests.support.stateful import run_stateful
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from tests.mrv.support import chain_now, domain, make_device, sign
from tests.mrv.sensor_process import anchored_events

from greenfi.chain.signers import UnlockedSigner
from oracles.codec import batch_tree
from oracles.sensor.anchor import AnchorClient, anchor_batches
from oracles.sensor.batcher import BatchPolicy, cut_batches
from oracles.sensor.chain_directory import ChainDirectory
from oracles.sensor.daemon import DaemonSettings, SensorDaemon

SLOT = 300
POLICY = BatchPolicy(max_readings=3, window_s=10**9)  # cut by count here; `cut_all` closes the rest


class SensorMachine(RuleBasedStateMachine):
    anchor = registry = operator = own = foreign = t0 = None  # set by run_stateful

    @initialize()
    def start(self):
        self.workdir = tempfile.TemporaryDirectory(prefix="greenfi-mrv-stateful-")
        self.db = Path(self.workdir.name) / "sensor.db"
        self.daemon = self._open()
        self.devices = self.own + [self.foreign]
        self.next = {d.device_id: (1, self.t0) for d in self.devices}  # next sequence and period start
        self.accepted = Counter()  # device id -> energy the daemon acknowledged

    def _open(self):
        settings = DaemonSettings(self.db, batch=POLICY)
        return SensorDaemon(settings, ChainDirectory(web3, self.registry.address), domain(self.anchor),
                            clock=chain_now, anchor=AnchorClient(web3, self.anchor.address, UnlockedSigner(self.operator)))

    # ------------------------------------------------------------------ rules

    @rule(i=st.integers(0, 3), energy=st.integers(0, 800), kind=st.sampled_from(["valid", "valid", "forged", "replay"]))
    def submit(self, i, energy, kind):
        device = self.devices[i]
        sequence, start = self.next[device.device_id]
        if kind == "replay" and sequence > 1:
            sequence, start = sequence - 1, start - SLOT
        key = make_device(77).key if kind == "forged" else None
        signed = sign(self.anchor, device, sequence, start, start + SLOT, energy, key=key)
        [outcome] = self.daemon.intake.submit([signed.to_json_obj()])
        assert outcome.accepted == (kind == "valid" or (kind == "replay" and sequence == self.next[device.device_id][0]))
        if outcome.accepted:
            self.accepted[device.device_id] += energy
            self.next[device.device_id] = (sequence + 1, start + SLOT)

    @rule()
    def cut(self):
        cut_batches(self.daemon.store, POLICY, chain_now)

    @rule()
    def cut_all(self):
        cut_batches(self.daemon.store, BatchPolicy(POLICY.max_readings, 0), chain_now)

    @rule()
    def anchor_round(self):
        anchor_batches(self.daemon.store, self.daemon.anchor)

    @rule(moment=st.sampled_from(["idle", "after_reserving_nonce", "after_sending"]))
    def crash_and_restart(self, moment):
        built = self.daemon.store.batches("built")
        if moment != "idle" and built:
            batch, nonce = built[0], max(self.daemon.anchor.mined_nonce(), (self.daemon.store.max_nonce() or -1) + 1)
            self.daemon.store.mark_sending(batch.id, nonce)
            if moment == "after_sending":
                self.daemon.anchor.send(self.daemon.store.batch(batch.id), nonce)  # dies before recording the hash
        self.daemon.store.close()
        self.daemon = self._open()

    # ------------------------------------------------------------------ invariants

    @invariant()
    def nothing_accepted_is_lost(self):
        stored = Counter()
        with self.daemon.store.lock:
            for device_id, energy in self.daemon.store._db.execute("SELECT device_id, energy_wh FROM readings"):
                stored[bytes(device_id)] += energy
        assert +stored == +self.accepted

    @invariant()
    def anchored_energy_per_device_is_the_accepted_energy(self):
        batches = self.daemon.store.batches()
        roots = {b.root: b for b in batches}
        events = [e for e in anchored_events(self.anchor.address) if e["root"] in roots]
        assert len({e["root"] for e in events}) == len(events), "a root was anchored twice"
        per_device = Counter()
        for event in events:
            leaves = self.daemon.store.batch_readings(roots[event["root"]].id)
            assert batch_tree(leaves).root == event["root"]
            assert event["energy"] == sum(s.reading.energy_wh for s in leaves)
            for s in leaves:
                per_device[s.reading.device_id] += s.reading.energy_wh
        for device_id, energy in per_device.items():
            assert energy <= self.accepted[device_id]
        if self.daemon.store.reading_count(batched=False) == 0 and all(b.status == "anchored" for b in batches):
            assert +per_device == +self.accepted  # drained: every accepted reading is anchored, once

    @rule()
    def drain(self):
        """Cut everything and anchor until nothing is pending: the invariant then checks equality."""
        self.cut_all()
        for _ in range(3):
            anchor_batches(self.daemon.store, self.daemon.anchor)
        assert all(b.status == "anchored" for b in self.daemon.store.batches())


def test_anchored_energy_per_device_equals_accepted_readings(anchor, devices, fleet, oracle_operator):
    own, foreign, t0 = fleet
    run_stateful(SensorMachine, anchor=anchor, registry=devices, operator=oracle_operator.address, own=own,
                 foreign=foreign, t0=t0)  # after the fleet's activation, as the contract requires
