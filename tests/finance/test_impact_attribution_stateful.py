"""Stateful: whatever claims, releases and verified output come in, for every project the output attributed to
all instruments together never exceeds the output verified since the project's first claim (above the highest
total taken in), dust claims are refused and change nothing, and each instrument's share matches an exact
rational model of the rule (docs/bonds.md, "Impact is attributed once"):

    attributed_i = Σ over increments Δ of  Δ × claim_i / Σ claims,

to within one unit per claim change of the instrument (the contract rounds each credit down), never above it.
"""

from fractions import Fraction

import brownie
from tests.finance.support import MINIMUM
from tests.support.chain import custom_error
from tests.support.stateful import run_stateful
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

PROJECTS = (1, 2)
claims = st.sampled_from([1, MINIMUM - 1, MINIMUM, 3 * MINIMUM + 7, 10**12 + 1, 2**90])
increments = st.sampled_from([0, 1, 7, 999_983, 10**9 + 3, 10**15])


class AttributionMachine(RuleBasedStateMachine):
    attribution = totals = instruments = None  # set by run_stateful

    @initialize()
    def start(self):
        self.verified = {p: [0, 0] for p in PROJECTS}  # what the reports say now (Wh, grams)
        self.first = {}  # project -> verified totals at its first claim
        self.seen = {}  # project -> highest totals taken in (at claims and releases)
        self.high = {}  # project -> highest totals verified since the first claim
        self.claim = {(i, p): 0 for i in range(len(self.instruments)) for p in PROJECTS}
        self.exact = {key: [Fraction(0), Fraction(0)] for key in self.claim}  # the rule, in rationals
        self.changes = {key: 0 for key in self.claim}  # claim changes of each instrument on each project

    def take_in(self, p):
        """What the contract does at a claim change: split the output above `seen` by the standing claims."""
        if p not in self.first:
            self.first[p] = list(self.verified[p])
            self.seen[p] = list(self.verified[p])
            self.high[p] = list(self.verified[p])
            return
        self.split(p, self.exact)
        self.seen[p] = [max(s, v) for s, v in zip(self.seen[p], self.verified[p])]

    def split(self, p, into):
        total = sum(c for (_, q), c in self.claim.items() if q == p)
        new = [max(v - s, 0) for v, s in zip(self.verified[p], self.seen[p])]
        if total == 0:
            return
        for (i, q), c in self.claim.items():
            if q == p:
                for k in (0, 1):
                    into[(i, q)][k] += Fraction(new[k] * c, total)

    @rule(i=st.integers(0, 3), p=st.sampled_from(PROJECTS), amount=claims)
    def claims_some(self, i, p, amount):
        instrument = self.instruments[i]
        if amount < MINIMUM:
            before = self.read(p)
            with brownie.reverts(custom_error("ImpactAttributionClaimBelowMinimum", amount, MINIMUM)):
                self.attribution.claim(p, amount, {"from": instrument})
            assert self.read(p) == before, "a refused claim changes nothing"
            return
        self.take_in(p)
        self.attribution.claim(p, amount, {"from": instrument})
        self.claim[(i, p)] += amount
        self.changes[(i, p)] += 1

    @rule(i=st.integers(0, 3), p=st.sampled_from(PROJECTS))
    def opens_a_position(self, i, p):
        """A position opened ahead of a claim (a loan's proposal) changes nothing anyone can read."""
        instrument = self.instruments[i]
        before = self.read(p)
        if self.attribution.isOpen(instrument, p):
            with brownie.reverts(custom_error("ImpactAttributionPositionOpen", instrument, p)):
                self.attribution.open(p, {"from": instrument})
        else:
            self.attribution.open(p, {"from": instrument})
            assert self.attribution.isOpen(instrument, p)
        assert self.read(p) == before, "an opened position holds no claim and moves no share"

    @rule(i=st.integers(0, 3), p=st.sampled_from(PROJECTS), share=st.sampled_from([1, 2, 3]))
    def releases_some(self, i, p, share):
        amount = self.claim[(i, p)] // share
        if self.claim[(i, p)] == 0:
            return
        self.take_in(p)
        self.attribution.release(p, amount, {"from": self.instruments[i]})
        self.claim[(i, p)] -= amount
        self.changes[(i, p)] += 1

    @rule(p=st.sampled_from(PROJECTS), wh=increments, grams=increments, reversal=st.booleans())
    def output_is_verified(self, p, wh, grams, reversal):
        """New output verified, or (now and then) a reversal that lowers the totals."""
        sign = -1 if reversal else 1
        self.verified[p] = [max(v + sign * d, 0) for v, d in zip(self.verified[p], (wh, grams))]
        self.attribution_reports_set(p)
        if p in self.high:
            self.high[p] = [max(h, v) for h, v in zip(self.high[p], self.verified[p])]

    def attribution_reports_set(self, p):
        self.totals.setTotals(p, *self.verified[p])

    def read(self, p):
        return [tuple(self.attribution.attributed(i, p)) for i in self.instruments], tuple(self.attribution.project(p))

    @invariant()
    def attributed_never_exceeds_what_was_verified_since_the_first_claim(self):
        for p in PROJECTS:
            attributed = [tuple(int(x) for x in self.attribution.attributed(i, p)) for i in self.instruments]
            assert [self.attribution.attributedWh(i, p) for i in self.instruments] == [a[0] for a in attributed]
            if p not in self.first:
                assert all(a == (0, 0) for a in attributed)
                continue
            for k in (0, 1):
                assert sum(a[k] for a in attributed) <= self.high[p][k] - self.first[p][k]
            pending = {key: list(v) for key, v in self.exact.items()}
            self.split(p, pending)  # the view includes what was verified since the last claim change
            for i, a in enumerate(attributed):
                for k in (0, 1):
                    exact = pending[(i, p)][k]
                    assert exact - self.changes[(i, p)] - 1 < a[k] <= exact + Fraction(1, 10**6), (i, p, k)


def test_each_verified_unit_is_attributed_at_most_once(attribution, totals, instruments):
    run_stateful(AttributionMachine, attribution=attribution, totals=totals, instruments=instruments, step_count=30)
