"""Stateful: whatever holders do, every root's face value equals the sum of its live leaves, and
paid ≤ deposited ≤ face, with the contract holding exactly what was deposited and not yet paid.
Trade documents: a document backs at most one live voucher per (obligor, supplier); another
obligor re-using the hashes (a front-runner) never blocks the pair; a reuse by the pair reverts
TradeDocumentUsed and changes nothing; after the regulator releases a document the pair can use it
again."""

import brownie
from tests.support.chain import UNIT, custom_error
from tests.support.stateful import run_stateful
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from tests.voucher.support import ACTIVE, DAY, OFFERED, PENDING, REDEEMED, SPLIT, node, now, past, root

from greenfi.domain.vouchers import child_id

pick = st.integers(min_value=0, max_value=10**6)
share = st.integers(min_value=1, max_value=99)  # percent
# One operation of a scripted run: (name, three numbers the operation reads as it needs).
operation = st.tuples(
    st.sampled_from(["split", "accept_or_reclaim", "transfer", "split", "finance", "repay", "time_passes", "claim",
                     "accept_or_reclaim", "claim", "issue", "reuse", "release"]),
    pick, st.integers(min_value=1, max_value=99), pick,
)


class VoucherMachine(RuleBasedStateMachine):
    voucher = token = obligor = bank = members = regulator = None  # set by run_stateful

    @initialize(script=st.lists(operation, min_size=8, max_size=20))
    def start(self, script):
        """Run a whole scripted sequence at once, checking the invariants after every operation.

        Hypothesis often ends a machine right after its initialize step when examples are few, so
        the bulk of the exploration happens here; the rules below add further random steps.
        """
        self.nodes = {}  # id -> {"holder", "amount", "state"}
        self.roots = {}  # root id -> {"face", "deposited", "paid", "maturity"}
        self.docs = 0
        self.root_docs = {}  # root id -> its three document hashes
        self.used = {}  # (obligor, supplier, document) -> root id
        self.issue(amount=1_000_000, who=0)
        for name, x, pct, y in script:
            if name == "issue":
                self.issue(amount=1_000 + x, who=y)
            elif name == "reuse":
                self.reuse(seed=x, issuer=pct, who=y)
            elif name == "release":
                self.release(seed=x)
            elif name == "split":
                self.split(seed=x, pct=pct, to=y)
            elif name == "transfer":
                self.transfer(seed=x, to=y)
            elif name == "accept_or_reclaim":
                self.accept_or_reclaim(seed=x)
            elif name == "finance":
                self.finance(seed=x, rate=x % 2_001)
            elif name == "repay":
                self.repay(seed=x, pct=pct)
            elif name == "claim":
                self.claim(seed=x)
            else:
                self.time_passes(days=1 + x % 50)
            self.chain_matches_model()

    # ------------------------------------------------------------ helpers

    def _choose(self, seed, states, holders=None):
        ids = sorted(i for i, n in self.nodes.items()
                     if n["state"] in states and (holders is None or n["holder"] in holders))
        return ids[seed % len(ids)] if ids else None

    def _open(self, vid):
        return now() + 60 < self.roots[vid & (2**64 - 1)]["maturity"]

    # ------------------------------------------------------------ rules

    @rule(amount=st.integers(min_value=1_000, max_value=1_000_000), who=pick)
    def issue(self, amount, who):
        holder = self.members[who % len(self.members)]
        self.docs += 1
        self._issue(self.obligor, holder, amount, [bytes([k]) + self.docs.to_bytes(31, "big") for k in (1, 2, 3)])

    def _issue(self, obligor, holder, amount, hashes):
        maturity = now() + 60 * DAY
        rid = self.voucher.issue(holder, amount * UNIT, maturity, *hashes, 0, {"from": obligor}).return_value
        self.nodes[rid] = {"holder": holder, "amount": amount * UNIT, "state": ACTIVE}
        self.roots[rid] = {"face": amount * UNIT, "deposited": 0, "paid": 0, "maturity": maturity, "obligor": obligor}
        self.root_docs[rid] = hashes
        for doc in hashes:
            self.used[(str(obligor), str(holder), doc)] = rid
            assert self.voucher.documentVoucher(obligor, holder, doc) == rid

    @rule(seed=pick, issuer=pick, who=pick)
    def reuse(self, seed, issuer, who):
        """Issue against an earlier root's documents: the obligor or a member (a front-runner)."""
        if not self.root_docs:
            return
        hashes = self.root_docs[sorted(self.root_docs)[seed % len(self.root_docs)]]
        obligor = [self.obligor, *self.members][issuer % (1 + len(self.members))]
        holder = next(m for m in self.members[who % len(self.members):] + self.members if m != obligor)
        clash = next((d for d in hashes if (str(obligor), str(holder), d) in self.used), None)
        if clash is None:
            self._issue(obligor, holder, 1_000, hashes)
            return
        count = self.voucher.rootCount()
        with brownie.reverts(custom_error("TradeDocumentUsed", "0x" + clash.hex(),
                                          self.used[(str(obligor), str(holder), clash)])):
            self.voucher.issue(holder, 1_000 * UNIT, now() + 60 * DAY, *hashes, 0, {"from": obligor})
        assert self.voucher.rootCount() == count
        assert all(self.voucher.documentVoucher(o, h, d) == r for (o, h, d), r in self.used.items() if d in hashes)

    @rule(seed=pick)
    def release(self, seed):
        if not self.used:
            return
        obligor, holder, doc = key = sorted(self.used)[seed % len(self.used)]
        self.voucher.releaseDocument(obligor, holder, doc, b"\x05" * 32, {"from": self.regulator})
        del self.used[key]
        assert self.voucher.documentVoucher(obligor, holder, doc) == 0

    @rule(seed=pick, pct=share, to=pick)
    def split(self, seed, pct, to):
        vid = self._choose(seed, {ACTIVE}, self.members)
        if vid is None or not self._open(vid) or node(self.voucher, vid)["depth"] >= 6:
            return
        n = self.nodes[vid]
        first = n["amount"] * pct // 100
        if min(first, n["amount"] - first) < 100 * UNIT:
            return
        recipient = self.members[to % len(self.members)]
        self.voucher.split(vid, [first, n["amount"] - first], [recipient, n["holder"]], {"from": n["holder"]})
        n["state"] = SPLIT
        own = recipient == n["holder"]
        self.nodes[child_id(vid, 0)] = {"holder": recipient, "amount": first, "state": ACTIVE if own else PENDING,
                                        "from": n["holder"]}
        self.nodes[child_id(vid, 1)] = {"holder": n["holder"], "amount": n["amount"] - first, "state": ACTIVE}

    @rule(seed=pick, to=pick)
    def transfer(self, seed, to):
        vid = self._choose(seed, {ACTIVE}, self.members)
        recipient = self.members[to % len(self.members)]
        if vid is None or not self._open(vid) or recipient == self.nodes[vid]["holder"]:
            return
        n = self.nodes[vid]
        self.voucher.transfer(vid, recipient, {"from": n["holder"]})
        n.update(holder=recipient, state=PENDING, **{"from": n["holder"]})

    @rule(seed=pick)
    def accept_or_reclaim(self, seed):
        vid = self._choose(seed, {PENDING})
        if vid is None:
            return
        n = self.nodes[vid]
        deadline = node(self.voucher, vid)["deadline"]
        t = now()
        if t + 60 < deadline:
            self.voucher.accept(vid, {"from": n["holder"]})
            n["state"] = ACTIVE
        elif t >= deadline:
            self.voucher.reclaim(vid, {"from": self.bank})
            n.update(holder=n["from"], state=ACTIVE)

    @rule(seed=pick, rate=st.integers(min_value=0, max_value=2_000))
    def finance(self, seed, rate):
        vid = self._choose(seed, {ACTIVE}, self.members)
        if vid is None or not self._open(vid):
            return
        n = self.nodes[vid]
        self.voucher.offer(vid, self.bank, 2_000, {"from": n["holder"]})
        self.voucher.acceptOffer(vid, rate, {"from": self.bank})
        n["holder"] = self.bank

    @rule(seed=pick, pct=share)
    def repay(self, seed, pct):
        if not self.roots:
            return
        rid = sorted(self.roots)[seed % len(self.roots)]
        r = self.roots[rid]
        amount = min(max(r["face"] * pct // 100, 1), r["face"] - r["deposited"])
        if amount == 0:
            return
        self.voucher.repay(rid, amount, {"from": r["obligor"]})
        r["deposited"] += amount

    @rule(seed=pick)
    def claim(self, seed):
        vid = self._choose(seed, {ACTIVE})
        if vid is None or self._open(vid) or self.voucher.claimable(vid) == 0:
            return
        n = self.nodes[vid]
        paid = self.voucher.claim(vid, {"from": n["holder"]}).return_value
        self.roots[vid & (2**64 - 1)]["paid"] += paid
        if node(self.voucher, vid)["state"] == REDEEMED:
            n["state"] = REDEEMED

    @rule(days=st.integers(min_value=1, max_value=40))
    def time_passes(self, days):
        past(now() + days * DAY)

    # ------------------------------------------------------------ invariants

    @invariant()
    def chain_matches_model(self):
        """Read every node and root once; the three properties below share the reading."""
        nodes = {vid: node(self.voucher, vid) for vid in self.nodes}
        roots = {rid: root(self.voucher, rid) for rid in self.roots}
        self.face_is_the_sum_of_live_leaves(nodes, roots)
        self.paid_never_exceeds_deposited(roots)
        self.nodes_match(nodes)

    def face_is_the_sum_of_live_leaves(self, nodes, roots):
        for rid, r in self.roots.items():
            live = [n["amount"] for i, n in nodes.items() if i & (2**64 - 1) == rid and n["state"] != SPLIT]
            assert sum(live) == r["face"] == roots[rid]["face"]

    def paid_never_exceeds_deposited(self, roots):
        held = 0
        for rid, r in self.roots.items():
            on_chain = roots[rid]
            assert on_chain["paid"] <= on_chain["deposited"] <= on_chain["face"]
            assert (on_chain["paid"], on_chain["deposited"]) == (r["paid"], r["deposited"])
            held += r["deposited"] - r["paid"]
        assert self.token.balanceOf(self.voucher) == held

    def nodes_match(self, nodes):
        for vid, n in self.nodes.items():
            on_chain = nodes[vid]
            assert (on_chain["holder"], on_chain["amount"], on_chain["state"]) == (n["holder"], n["amount"], n["state"])
            assert on_chain["state"] != OFFERED  # every offer in this machine is accepted at once


def test_voucher_trees_conserve_value(voucher, settlement_token, risk_oracle, admin, enterprise, bank, supplier, tier2,
                                      tier3, tier3b, regulator):
    members = [supplier, tier2, tier3, tier3b]
    for member in members:  # members issue too (as front-runners): scored, and funded to repay what they issued
        risk_oracle.setScore(member, 300, 3, {"from": admin})
        settlement_token.mint(member, 10_000_000 * UNIT, {"from": bank})
        settlement_token.approve(voucher, 2**256 - 1, {"from": member})
    run_stateful(VoucherMachine, voucher=voucher, token=settlement_token, obligor=enterprise, bank=bank,
                 members=members, regulator=regulator)
