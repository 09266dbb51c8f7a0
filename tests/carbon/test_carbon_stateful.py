"""Stateful: over random issue/transfer/list/fill/buy-and-retire/retire/cancel/reverse sequences,
every batch conserves its units (issued = balances + retired + cancelled + buffered, escrow = open
listings) and no serial number is ever in two batches."""

from brownie import chain
from carbon_helpers import DAY, PERIOD0, TONNE, claim, h, report
from helpers import UNIT, run_stateful
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

pick = st.integers(min_value=0, max_value=10**6)  # an index, taken modulo what exists
share = st.integers(min_value=1, max_value=100)  # percent of what is available


def part(available, percent):
    return max(1, available * percent // 100) if available else 0


class CarbonMachine(RuleBasedStateMachine):
    credits = market = reports = project = verifier = regulator = holders = None  # set by run_stateful

    @initialize()
    def start(self):
        # The chain starts from the state the test built (see below); the model reads it back.
        self.batches = [int(b) for b in range(1, int(self.credits.batchCount()) + 1)]
        self.model = {}  # batch id -> {"issued", "retired", "cancelled", "buffered"}
        for b in self.batches:
            issued, _, _, retired, cancelled, buffered = (int(v) for v in self.credits.supplyOf(b))
            self.model[b] = {"issued": issued, "retired": retired, "cancelled": cancelled, "buffered": buffered}
        self.listings = {}  # listing id -> [batch id, seller, remaining]
        for i in range(1, int(self.market.listingCount()) + 1):
            seller, batch_id, _, _, remaining, _ = self.market.listing(i)
            self.listings[i] = [int(batch_id), seller, int(remaining)]
        self.next_report = 1000 + len(self.batches)
        self.vintage_end = int(self.credits.lastVintageEnd(self.project))

    @rule(first=st.permutations(list(range(8))), second=st.permutations(list(range(8))),
          args=st.lists(st.tuples(pick, pick, pick, share), min_size=16, max_size=16))
    def burst(self, first, second, args):
        """Every kind of operation twice, in random orders; after each, the batch it touched is
        checked for conservation (every batch and the serials are checked after the step).

        (One rule doing all the work: with the small max_examples of the config, hypothesis keeps
        examples to a step or two and would otherwise exercise a single operation.)
        """
        for op, (a, b, c, percent) in zip([*first, *second], args):
            touched = [
                lambda: self.issue(1 + a % 400, 1 + b % 60),
                lambda: self.transfer(a, b, c, percent),
                lambda: self.list(a, b, percent),
                lambda: self.fill(a, b, percent, c % 2 == 0),
                lambda: self.cancel_listing(a),
                lambda: self.retire(a, b, percent),
                lambda: self.cancel(a, b, percent),
                lambda: self.reverse(a, b, percent),
            ][op]()
            if touched is not None:
                self.conserved(touched)

    # ------------------------------------------------------------ actions

    def issue(self, tonnes, days):
        self.next_report += 1
        start, end = self.vintage_end, self.vintage_end + days * DAY
        self.reports.setReport(self.next_report, report(self.project, start, end, self.verifier, tonnes * TONNE,
                                                        label=f"s{self.next_report}"), True)
        batch_id = int(self.credits.issue(self.next_report, {"from": self.holders[0]}).events["Issued"]["batchId"])
        self.vintage_end = end
        self.batches.append(batch_id)
        buffered = tonnes * 1_000 // 10_000
        self.model[batch_id] = {"issued": tonnes, "retired": 0, "cancelled": 0, "buffered": buffered}
        return batch_id

    def _holding(self, b, h_, percent):
        """(batch, holder, amount) from indices, or None when the holder has nothing of the batch."""
        if not self.batches:
            return None
        batch_id = self.batches[b % len(self.batches)]
        holder = self.holders[h_ % len(self.holders)]
        amount = part(int(self.credits.balanceOf(holder, batch_id)), percent)
        return (batch_id, holder, amount) if amount else None

    def transfer(self, b, h_, to, percent):
        held = self._holding(b, h_, percent)
        recipient = self.holders[to % len(self.holders)]
        if held and recipient != held[1]:
            self.credits.safeTransferFrom(held[1], recipient, held[0], held[2], b"", {"from": held[1]})
            return held[0]

    def list(self, b, h_, percent):
        held = self._holding(b, h_, percent)
        if held:
            tx = self.market.list(held[0], held[2], 3, chain.time() + 365 * DAY, {"from": held[1]})
            self.listings[int(tx.events["Listed"]["listingId"])] = [held[0], held[1], held[2]]
            return held[0]

    def _open_listing(self, index):
        open_ids = sorted(i for i, l in self.listings.items() if l[2] > 0)
        return open_ids[index % len(open_ids)] if open_ids else None

    def fill(self, index, buyer, percent, retire):
        listing_id = self._open_listing(index)
        if listing_id is None:
            return
        batch_id, seller, remaining = self.listings[listing_id]
        account = self.holders[buyer % len(self.holders)]
        quantity = part(remaining, percent)
        if retire:
            self.market.buyAndRetire(listing_id, quantity, claim(account), {"from": account})
            self.model[batch_id]["retired"] += quantity
        else:
            self.market.fill(listing_id, quantity, {"from": account})
        self.listings[listing_id][2] -= quantity
        return batch_id

    def cancel_listing(self, index):
        listing_id = self._open_listing(index)
        if listing_id is not None:
            self.market.cancelListing(listing_id, {"from": self.listings[listing_id][1]})
            self.listings[listing_id][2] = 0
            return self.listings[listing_id][0]

    def retire(self, b, h_, percent):
        held = self._holding(b, h_, percent)
        if held:
            self.credits.retire(held[0], held[2], claim(held[1]), {"from": held[1]})
            self.model[held[0]]["retired"] += held[2]
            return held[0]

    def cancel(self, b, h_, percent):
        held = self._holding(b, h_, percent)
        if held:
            self.credits.cancel(held[1], held[0], held[2], h("cancel"), {"from": self.regulator})
            self.model[held[0]]["cancelled"] += held[2]
            return held[0]

    def reverse(self, b, h_, percent):
        if not self.batches:
            return
        batch_id = self.batches[b % len(self.batches)]
        holder = self.holders[h_ % len(self.holders)]
        m = self.model[batch_id]
        amount = part(m["buffered"] + int(self.credits.balanceOf(holder, batch_id)), percent)
        if amount == 0:
            return
        self.credits.reverse(batch_id, amount, holder, h("reversal"), {"from": self.regulator})
        from_buffer = min(amount, m["buffered"])
        m["buffered"] -= from_buffer
        m["cancelled"] += amount
        return batch_id

    # ------------------------------------------------------------ invariants

    @invariant()
    def conservation_per_batch(self):
        for batch_id in self.batches:
            self.conserved(batch_id)

    def conserved(self, batch_id):
        """issued = balances + retired + cancelled + buffered; escrow = the open listings."""
        issued, circulating, escrowed, retired, cancelled, buffered = (int(v) for v in self.credits.supplyOf(batch_id))
        m = self.model[batch_id]
        assert (issued, retired, cancelled, buffered) == (m["issued"], m["retired"], m["cancelled"], m["buffered"])
        balances = sum(int(self.credits.balanceOf(a, batch_id)) for a in [*self.holders, self.market])
        assert balances == circulating == issued - retired - cancelled - buffered
        open_in_escrow = sum(l[2] for l in self.listings.values() if l[0] == batch_id)
        assert escrowed == int(self.credits.balanceOf(self.market, batch_id)) == open_in_escrow

    @invariant()
    def serials_never_in_two_batches(self):
        ranges = sorted((int(self.credits.batch(b)[3]), int(self.credits.batch(b)[4]), b) for b in self.batches)
        expected_start = 1
        for start, end, batch_id in ranges:
            assert start == expected_start and end - start + 1 == self.model[batch_id]["issued"]
            expected_start = end + 1
        assert int(self.credits.nextSerial()) == expected_start


def test_carbon_conservation_and_serials(credits, market, reports, project, funded, settlement_token, bank,
                                         developer, enterprise, supplier, investor, verifier, regulator):
    settlement_token.mint(developer, 1_000_000 * UNIT, {"from": bank})  # the developer buys back too
    settlement_token.approve(market, 2**256 - 1, {"from": developer})
    holders = [developer, enterprise, supplier, investor]
    for account in holders:
        credits.setApprovalForAll(market, True, {"from": account})
    # A productive start, built once (hypothesis keeps examples short when max_examples is small):
    # two batches spread over every holder, one listing open.
    start = CarbonMachine()
    start.credits, start.market, start.reports, start.project = credits, market, reports, project
    start.verifier, start.regulator, start.holders = verifier, regulator, holders
    start.batches, start.model, start.listings, start.next_report, start.vintage_end = [], {}, {}, 1000, PERIOD0
    start.issue(300, 30)
    start.issue(150, 30)
    for i in range(1, len(holders)):
        start.transfer(0, 0, i, 20)
        start.transfer(1, 0, i, 20)
    start.list(0, 1, 50)
    run_stateful(CarbonMachine, step_count=1, credits=credits, market=market, reports=reports, project=project,
                 verifier=verifier, regulator=regulator, holders=[developer, enterprise, supplier, investor])
