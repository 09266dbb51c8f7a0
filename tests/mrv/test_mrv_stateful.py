"""Stateful: each project's finalized energy on chain equals, in a plain-Python model, the sum of
the readings anchored in its finalized batches, whatever the order of anchoring, challenges,
finalizations and time; no batch is ever counted twice."""

import brownie
from brownie import chain
from helpers import run_stateful
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from mrv_helpers import chain_now, DAY, HOUR, OTHER_PROJECT, PROJECT, Batch, make_device, sign, signed_tuple

NONE, ANCHORED, REJECTED, FINALIZED = range(4)
SLOT = 15 * 60


class AnchorMachine(RuleBasedStateMachine):
    anchor = operator = challenger = own = foreign = t0 = None  # set by run_stateful

    @initialize()
    def start(self):
        self.batches = []  # [root, project, readings' energy, status, challengeEnd, holds a forgery, batch]
        self.cursor = {PROJECT: self.t0, OTHER_PROJECT: self.t0}  # next window start per project
        self.sequence = {}  # device id -> last sequence used

    def _readings(self, project, energies, forged):
        devices = self.own if project == PROJECT else [self.foreign]
        start = self.cursor[project]
        items = []
        for k, energy in enumerate(energies):
            device = devices[k % len(devices)]
            seq = self.sequence[device.device_id] = self.sequence.get(device.device_id, 0) + 1
            key = make_device(50).key if forged and k == 0 else None
            items.append(sign(self.anchor, device, seq, start + k * SLOT, start + (k + 1) * SLOT, energy, key=key))
        self.cursor[project] = start + len(energies) * SLOT
        return Batch(items, project, start, start + len(energies) * SLOT)

    @rule(project=st.sampled_from([PROJECT, OTHER_PROJECT]), energies=st.lists(st.integers(0, 2_000), min_size=1,
                                                                              max_size=4), forged=st.booleans())
    def anchor_batch(self, project, energies, forged):
        batch = self._readings(project, energies, forged)
        tx = self.anchor.anchorBatch(batch.header(), [], {"from": self.operator})
        end = tx.timestamp + DAY
        self.batches.append([batch.root, project, sum(energies), ANCHORED, end, forged, batch])

    @rule(i=st.integers(0, 50))
    def challenge_forgery(self, i):
        forged = [b for b in self.batches if b[5]]
        if not forged:
            return
        b = forged[i % len(forged)]
        batch = b[6]
        args = (b[0], signed_tuple(batch.items[0]), batch.proof(0), {"from": self.challenger})
        self._expect(b, b[3] == ANCHORED and chain_now() < b[4], REJECTED, self.anchor.challengeReading, args)

    @rule(i=st.integers(0, 50))
    def finalize(self, i):
        if not self.batches:
            return
        b = self.batches[i % len(self.batches)]
        # Refused while the window is open, once rejected, and once already counted.
        self._expect(b, b[3] == ANCHORED and chain_now() >= b[4], FINALIZED, self.anchor.finalize,
                     (b[0], {"from": self.challenger}))

    def _expect(self, b, succeeds, new_status, call, args):
        """Send `call`; it must succeed (moving `b` to `new_status`) exactly when the model says so.
        Within two seconds of the window's end the next block's timestamp is not predictable, so
        there the chain's answer is taken and checked for consistency instead."""
        if b[3] == ANCHORED and abs(chain_now() - b[4]) <= 2:
            try:
                call(*args)
                b[3] = new_status
            except brownie.exceptions.VirtualMachineError:
                pass
        elif succeeds:
            call(*args)
            b[3] = new_status
        else:
            with brownie.reverts():
                call(*args)

    @rule(seconds=st.integers(HOUR, 2 * DAY))
    def time_passes(self, seconds):
        chain.sleep(seconds)
        chain.mine()

    @invariant()
    def finalized_energy_matches_the_model(self):
        for project in (PROJECT, OTHER_PROJECT):
            expected = sum(b[2] for b in self.batches if b[1] == project and b[3] == FINALIZED)
            assert self.anchor.finalizedEnergy(project) == expected

    @invariant()
    def statuses_match_the_model(self):
        for b in self.batches:
            assert self.anchor.batch(b[0])[6] == b[3]


def test_finalized_energy_matches_the_readings(anchor, fleet, oracle_operator, outsider):
    own, foreign, t0 = fleet
    run_stateful(AnchorMachine, anchor=anchor, operator=oracle_operator, challenger=outsider, own=own,
                 foreign=foreign, t0=t0)
