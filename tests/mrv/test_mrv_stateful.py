"""Stateful: each project's finalized energy on chain equals, in a plain-Python model, the sum of
the readings counted in its finalized batches, whatever the order of anchoring, replays of earlier
readings, challenges, replay exclusions and restorations, finalizations and time; no batch is ever
counted twice, each batch counts exactly what the model says (a replay excluded in time is counted
once), and only batches holding a forgery are rejected and blamed."""

import brownie
from brownie import chain
from tests.support.stateful import SMOKE_EXAMPLES, run_stateful
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from tests.mrv.support import chain_now, DAY, HOUR, OTHER_PROJECT, PROJECT, Batch, make_device, sign, signed_tuple

NONE, ANCHORED, REJECTED, FINALIZED = range(4)
SLOT = 15 * 60


class AnchorMachine(RuleBasedStateMachine):
    anchor = operator = challenger = own = foreign = t0 = None  # set by run_stateful

    @initialize()
    def start(self):
        # [root, project, counted energy, status, challengeEnd, holds a forgery, batch, counted positions,
        #  {excluded position: root of the batch counting it instead}]
        self.batches = []
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
        self._anchor(batch, project, forged)

    def _anchor(self, batch, project, forged):
        if any(b[0] == batch.root for b in self.batches):
            return
        tx = self.anchor.anchorBatch(batch.header(), [], {"from": self.operator})
        self.batches.append([batch.root, project, batch.energy, ANCHORED, tx.timestamp + DAY, forged, batch,
                             set(range(len(batch.items))), {}])

    @rule(i=st.integers(0, 50), take=st.integers(1, 3), energies=st.lists(st.integers(0, 2_000), max_size=2))
    def replay(self, i, take, energies):
        """Anchor again some honest readings of an earlier batch (as a rogue or a redundant operator
        would), with fresh ones."""
        if not self.batches:
            return
        old = self.batches[i % len(self.batches)]
        honest = old[6].items[1:] if old[5] else old[6].items
        fresh = self._readings(old[1], energies, False).items if energies else []
        items = honest[:take] + fresh
        if not items:
            return
        start = min(x.reading.period_start for x in items)
        self._anchor(Batch(items, old[1], start, max(x.reading.period_end for x in items)), old[1], False)

    def _key(self, b):
        return (b[4], int(b[0], 16))

    def _counted_in(self, item, project):
        """The standing batch that counts `item` first, if any (a batch, position)."""
        for b in sorted(self.batches, key=self._key):
            if b[1] == project and b[3] != REJECTED:
                for k in b[7]:
                    if b[6].items[k] == item:
                        return b, k
        return None

    @rule(i=st.integers(0, 50))
    def exclude_replay(self, i):
        open_batches = [b for b in self.batches if b[3] == ANCHORED and chain_now() < b[4] - 2]
        if not open_batches:
            return
        b = open_batches[i % len(open_batches)]
        for k in sorted(b[7]):
            first = self._counted_in(b[6].items[k], b[1])
            if first is not None and first[0] is not b and first[0][6].items[first[1]].reading == b[6].items[k].reading:
                e, j = first
                self.anchor.excludeReplay(b[0], signed_tuple(b[6].items[k]), b[6].proof(k), e[0],
                                          signed_tuple(e[6].items[j]), e[6].proof(j), {"from": self.challenger})
                b[7].discard(k)
                b[8][k] = e[0]
                b[2] -= b[6].items[k].reading.energy_wh
                return

    @rule(i=st.integers(0, 50))
    def restore_replay(self, i):
        statuses = {b[0]: b[3] for b in self.batches}
        candidates = [(b, k) for b in self.batches if b[3] == ANCHORED and chain_now() < b[4] - 2
                      for k, e in b[8].items() if statuses[e] == REJECTED]
        if not candidates:
            return
        b, k = candidates[i % len(candidates)]
        self.anchor.restoreReplay(b[0], signed_tuple(b[6].items[k])[0], {"from": self.challenger})
        del b[8][k]
        b[7].add(k)
        b[2] += b[6].items[k].reading.energy_wh

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
            record = self.anchor.batch(b[0])
            assert (record[3], record[4], record[6]) == (b[2], len(b[7]), b[3])

    @invariant()
    def only_forgeries_are_blamed(self):
        """Replays (a rule of their own) never reject or blame a batch; only the forgery does."""
        rejected = [b for b in self.batches if b[3] == REJECTED]
        assert all(b[5] for b in rejected)
        assert self.anchor.misbehaviourCount(self.operator) == len(rejected)


def test_finalized_energy_matches_the_readings(anchor, fleet, oracle_operator, outsider):
    own, foreign, t0 = fleet
    # A smoke run: test/foundry/invariant/mrv/MRVAnchor.invariant.t.sol checks this law at depth (docs/quality.md).
    run_stateful(AnchorMachine, examples=SMOKE_EXAMPLES, anchor=anchor, operator=oracle_operator,
                 challenger=outsider, own=own, foreign=foreign, t0=t0)
