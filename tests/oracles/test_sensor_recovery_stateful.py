"""Property: across random streams of readings, batch cuts, anchoring, challenges that reject
batches, expiring challenge windows and crashes (kill -9 modelled as an exception at any chain
call, then a fresh Store on the same file), every accepted honest reading is in exactly one live
batch or still pending: never lost, never held, never counted in two unrejected batches on chain.
After the daemon settles, every honest reading is anchored exactly once and every challenged
faulty reading is quarantined with its fault."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from tests.oracles.fake_chain import Crash, FakeChain
from tests.support.stateful import scaled_examples
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from tests.oracles.support import DOMAIN, T0, make_devices

from oracles.codec import SignedReading
from oracles.readings import Reading
from oracles.signing import sign_reading
from oracles.sensor.anchor import BATCH_STATUS_ANCHORED, anchor_batches
from oracles.sensor.batcher import BatchPolicy, cut_batches
from oracles.sensor.store import HOLD_QUARANTINED, LIVE_STATUSES, Store
from oracles.sensor.watch import watch_batches

DEVICES = make_devices(4)
DEVICES[3].info = replace(DEVICES[3].info, project_id=2)
POLICY = BatchPolicy(max_readings=4, window_s=0, max_energy_wh=3_000)
HIGH_SEQUENCE = (1 << 63) - 2  # sequences cross the signed 64-bit boundary SQLite integers have


class Recovery(RuleBasedStateMachine):
    @initialize(high=st.booleans())
    def setup(self, high):
        self.dir = tempfile.TemporaryDirectory(prefix="greenfi-sensor-stateful-")
        self.path = Path(self.dir.name) / "sensor.db"
        self.store = Store(self.path)
        self.chain = FakeChain(self.store)
        self.next_sequence = {d.info.device_id: (HIGH_SEQUENCE if high else 1) for d in DEVICES}
        self.honest: dict[tuple[bytes, int], SignedReading] = {}
        self.faulty: dict[tuple[bytes, int], SignedReading] = {}
        self.challenged: set[tuple[bytes, int]] = set()
        self.visible: set[tuple[bytes, int]] = set()  # faulty readings the local judge can see

    def judge(self, readings):
        """The local judge (oracles.sensor.standing in the daemon): sees some faults, not all."""
        return ["DeviceInactive" if (s.reading.device_id, s.reading.sequence) in self.visible else None
                for s in readings]

    def teardown(self):
        if hasattr(self, "store"):
            self.store.close()
            self.dir.cleanup()

    # ------------------------------------------------------------------ the world

    @rule(picks=st.lists(st.tuples(st.integers(0, len(DEVICES) - 1), st.integers(0, 2_000), st.booleans(),
                                   st.booleans()), min_size=1, max_size=6))
    def readings_accepted(self, picks):
        """Readings the intake accepted; a faulty one is one the contract will find at fault (a
        device standing the intake's cached record did not show, say), visible or not to the judge
        that re-checks batches before sending."""
        accepted = []
        for index, energy, faulty, visible in picks:
            device = DEVICES[index]
            sequence = self.next_sequence[device.info.device_id]
            self.next_sequence[device.info.device_id] = sequence + 1
            start = T0 + (sequence % 100_000) * 300
            reading = Reading(device.info.device_id, sequence, start, start + 300, energy)
            signed = SignedReading(reading, sign_reading(device.key, reading, DOMAIN))
            accepted.append((signed, device.info.project_id))
            (self.faulty if faulty else self.honest)[(device.info.device_id, sequence)] = signed
            if faulty and visible:
                self.visible.add((device.info.device_id, sequence))
        with self.store.transaction() as db:
            Store.insert_accepted(db, accepted, self.chain.now)

    @rule(first=st.booleans())
    def challenge(self, first):
        """A challenger proves a faulty reading of an anchored batch (not every challenger's
        transaction can be decoded: sometimes the daemon learns only that the batch was rejected)."""
        for root, record in list(self.chain.batches.items()):
            bad = [s for s in record.leaves if (s.reading.device_id, s.reading.sequence) in self.faulty]
            if bad and record.status == BATCH_STATUS_ANCHORED:
                target = bad[0] if first else bad[-1]
                if self.chain.challenge(root, "DeviceInactive", target if first else None):
                    self.challenged.add((target.reading.device_id, target.reading.sequence))
                return

    @rule(seconds=st.integers(0, 2_000))
    def time_passes(self, seconds):
        self.chain.now += seconds

    # ------------------------------------------------------------------ the daemon

    @rule(crash_at=st.one_of(st.none(), st.integers(0, 12)))
    def tick(self, crash_at):
        """One daemon round (as SensorDaemon.tick: watch, cut, anchor); with crash_at, kill -9 at
        that chain call, then a restart."""
        self.chain.crash_after_calls = crash_at
        try:
            watch_batches(self.store, self.chain, self.judge)
            cut_batches(self.store, POLICY, lambda: self.chain.now)
            anchor_batches(self.store, self.chain, judge=self.judge)
        except Crash:
            self.restart()
        self.chain.crash_after_calls = None

    @rule()
    def restart(self):
        self.store.close()
        self.store = Store(self.path)
        self.chain.store = self.store

    @precondition(lambda self: hasattr(self, "store"))
    @rule()
    def settle(self):
        """Challenge every faulty reading still anchored, run rounds until nothing moves, then check liveness."""
        for _ in range(200):
            self.challenge(True)
            self.tick(None)
            states = self.store.reading_states()
            pending = [k for k, (batch, hold) in states.items() if batch is None and hold is None]
            unsent = [b for b in self.store.batches() if b.status in ("built", "sending", "sent")]
            faulty_live = [r for r in self.chain.batches.values() if r.status == BATCH_STATUS_ANCHORED
                           and self.chain.now < r.challenge_end  # past it, nobody can challenge any more
                           and any((s.reading.device_id, s.reading.sequence) in self.faulty for s in r.leaves)]
            unwatched = [b for b in self.store.batches("anchored")
                         if self.chain.batches[b.root].status != BATCH_STATUS_ANCHORED]
            if not pending and not unsent and not faulty_live and not unwatched:
                break
        else:
            raise AssertionError("the daemon did not settle")
        for key, signed in self.honest.items():
            assert self.chain.live_roots_of(signed.leaf()) == 1, f"honest reading {key} anchored not exactly once"
        states = self.store.reading_states()
        status = {b.id: (b.status, b.reason) for b in self.store.batches()}
        for key in self.challenged | self.visible:
            assert states[key][1] == HOLD_QUARANTINED, (key in self.visible, states[key], status.get(states[key][0]))

    # ------------------------------------------------------------------ invariants

    @invariant()
    def honest_readings_are_live_or_pending(self):
        if not hasattr(self, "store"):
            return
        states = self.store.reading_states()
        status = {b.id: b.status for b in self.store.batches()}
        for key in self.honest:
            batch, hold = states[key]
            assert hold is None, f"honest reading {key} held: {hold}"
            assert batch is None or status[batch] in LIVE_STATUSES, f"honest reading {key} in a {status[batch]} batch"
        for key, (batch, _) in states.items():
            assert batch is None or status[batch] != "rejected", f"{key} still points at a rejected batch"

    @invariant()
    def nothing_is_counted_twice_on_chain(self):
        if not hasattr(self, "store"):
            return
        for signed in self.honest.values():
            assert self.chain.live_roots_of(signed.leaf()) <= 1
        for record in self.chain.batches.values():
            assert not any((s.reading.device_id, s.reading.sequence) in self.visible for s in record.leaves), \
                "a reading the judge finds at fault was anchored"
            assert record.count == len(record.leaves) <= POLICY.max_readings
            assert record.energy_wh == sum(s.reading.energy_wh for s in record.leaves) <= POLICY.max_energy_wh


TestRecovery = Recovery.TestCase
TestRecovery.settings = settings(max_examples=scaled_examples(20), stateful_step_count=30, deadline=None, database=None,
                                 suppress_health_check=list(HealthCheck))
