"""Stateful: whatever order subscriptions, transfers, settlement or refunds, allocations, releases, expiries,
coupon fundings, claims, calls and redemptions come in, every base unit of the bond's money is accounted for,
coupons go to the holders at each record date, and a series that has ended holds nothing.

At every step, to the last base unit:
    money in  (subscriptions + coupon deposits + principal deposits, as the payers' balances fell)
  = released and withdrawn by developers + coupons paid + redemptions + refunds (as the payees' balances rose)
  + held by the bond contract,
and what the contract holds is exactly what it owes (escrow + developers' withdrawable + unclaimed coupons +
outstanding principal, the unreleased proceeds netted into it when redemption opened).

Record dates are modelled in plain Python: before each transaction the holders' balances are read, and every
record date the transaction's block has reached is given those balances. Each claim must pay exactly
Σ over funded periods of (bonds held at the period's record date × couponPerBond), less what was paid before.
When the series ends (every holder collected everything, the developer withdrew) the contract holds 0.
"""

import brownie
from tests.bond.support import (DAY, FAILED, ISSUED, MINIMUM_CLAIM, REDEEMABLE, SUBSCRIPTION, TONNE, b32, default_terms)
from brownie import chain
from tests.support.chain import UNIT, custom_error, kyc_expiry, now
from tests.support.stateful import SMOKE_EXAMPLES, run_stateful
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

QUARTER = 365 * DAY // 4
DENOMINATION = 100 * UNIT + 1  # an odd denomination, so any rounding drift would show

holder_index = st.integers(min_value=0, max_value=2)
bond_counts = st.integers(min_value=3, max_value=40)
# capped by what is unallocated; 1 and MINIMUM_CLAIM - 1 are dust the attribution refuses
amounts = st.sampled_from([1, MINIMUM_CLAIM - 1, MINIMUM_CLAIM, 7_777 * UNIT + 3, 20_000 * UNIT, 10**15])
deadlines = st.sampled_from([20 * DAY, 200 * DAY, 10**9])  # from now, capped at maturity
days = st.sampled_from([1, 4, 30])
impact_grams = st.sampled_from([0, 1, 40 * TONNE, 120 * TONNE])
# Who acts at a step, weighted towards the issuer and the clock, which move a series from phase to phase.
actors = st.sampled_from(["issuer", "time", "holder", "project", "issuer", "time", "holder", "project", "issuer",
                          "everyone"])


class BondMoneyMachine(RuleBasedStateMachine):
    # set by run_stateful
    bond = terms = periods = token = issuer = developer = verifier = reports = risk = holders = None

    @initialize()
    def start(self):
        self.view = {}  # chain reads a step decides on, taken once per step
        self.money_in = int(self.token.balanceOf(self.bond))  # what left the payers' accounts for the bond
        self.money_out = 0  # what reached developers, holders and refunded investors from the bond
        self.coupons_deposited = 0
        self.paid = {h: 0 for h in self.holders}  # coupons each holder has been paid
        self.at_record = {}  # period -> {holder: bonds held when its record date began}
        self.per_bond = {}  # funded period -> couponPerBond
        self.record_dates = [int(self.bond.recordDate(p)) for p in range(1, self.periods + 1)]
        self.released = 0
        self.kpi_grams = 0

    # ------------------------------------------------------------ helpers

    def read(self, key, fn):
        if key not in self.view:
            self.view[key] = fn()
        return self.view[key]

    def status(self):
        return self.read("status", lambda: int(self.bond.status()))

    def now(self):
        return self.read("now", now)

    def next_period(self):
        return self.read("next", lambda: int(self.bond.nextPeriod()))

    def milestones(self):
        return self.read("milestones", lambda: int(self.bond.milestoneCount()))

    def send(self, call):
        """Send a transaction; first give every record date its block reaches the balances held before it."""
        balances = {h: int(self.bond.balanceOf(h)) for h in self.holders}
        tx = call()
        self.reach(tx.timestamp, balances)
        return tx

    def reach(self, timestamp, balances):
        for period, date in enumerate(self.record_dates, start=1):
            if date <= timestamp and period not in self.at_record:
                self.at_record[period] = balances

    def owed(self, holder):
        """The record-date model: what the holder is owed now, less what it was paid."""
        due = sum(self.at_record[p][holder] * per_bond for p, per_bond in self.per_bond.items() if p in self.at_record)
        return due - self.paid[holder]

    def paid_in(self, payer, call):
        before = int(self.token.balanceOf(payer))
        tx = self.send(call)
        self.money_in += before - int(self.token.balanceOf(payer))
        return tx

    def paid_out(self, payee, call):
        before = int(self.token.balanceOf(payee))
        tx = self.send(call)
        received = int(self.token.balanceOf(payee)) - before
        self.money_out += received
        return received, tx

    # ------------------------------------------------------------ rules
    # One rule, one operation per step: the step draws who acts, and the bond's phase decides what that party
    # does. No preconditions and no per-rule feature flags, so Hypothesis never rejects or starves a step (a
    # step whose operation does not apply does nothing).

    @rule(actor=actors, data=st.data())
    def step(self, actor, data):
        """The step's other choices are drawn only as the actor needs them: a small example buffer per step."""
        if actor == "holder":
            self.holder_acts(data.draw(holder_index), data.draw(holder_index), data.draw(bond_counts),
                             data.draw(st.booleans()))
        elif actor == "issuer":
            self.issuer_acts(data.draw(st.sampled_from([1, 2])), data.draw(amounts), data.draw(deadlines),
                             data.draw(st.sampled_from(["coupon", "allocate", "call"])))
        elif actor == "project":
            side = data.draw(st.sampled_from(["verifier", "developer", "impact"]))
            self.project_side(data, data.draw(impact_grams) if side == "impact" else 0, side)
        elif actor == "everyone":
            self.everyone_collects()
        else:
            self.time_passes(data.draw(days), data.draw(st.booleans()))

    def holder_acts(self, i, j, n, collect):
        """Subscribe in the window, take a refund after a failed issue, transfer or collect once issued."""
        holder, status = self.holders[i], self.status()
        if collect and status in (ISSUED, REDEEMABLE):
            self.holder_collects(holder, n)
        elif status == SUBSCRIPTION and self.now() < self.terms[5]:
            n = min(n, self.terms[2] - int(self.bond.totalSupply()))
            if n:
                self.paid_in(holder, lambda: self.bond.subscribe(n, {"from": holder}))
        elif status == FAILED and int(self.bond.balanceOf(holder)) > 0:
            bonds = int(self.bond.balanceOf(holder))
            received, _ = self.paid_out(holder, lambda: self.bond.refund({"from": holder}))
            assert received == bonds * DENOMINATION
        elif status in (ISSUED, REDEEMABLE):
            n = min(n, int(self.bond.balanceOf(holder)))
            self.send(lambda: self.bond.transfer(self.holders[j], n, {"from": holder}))

    def holder_collects(self, holder, n):
        """Claim coupons when some are claimable, else redeem once redemption is open."""
        if int(self.bond.claimableCoupons(holder)):
            received, _ = self.paid_out(holder, lambda: self.bond.claimCoupons({"from": holder}))
            assert received == self.owed(holder)  # exactly the record-date holdings × couponPerBond
            self.paid[holder] += received
        elif self.status() == REDEEMABLE and self.redemption_open():
            n = min(n, int(self.bond.balanceOf(holder)))
            price = int(self.bond.redemptionPrice())
            if n:
                received, _ = self.paid_out(holder, lambda: self.bond.redeem(n, {"from": holder}))
                assert received == n * price

    def redemption_open(self):
        return int(self.bond.redemptionPrice()) == self.terms[14] or self.now() >= self.terms[6]

    def everyone_collects(self):
        """Once redemption is open: every holder claims and redeems all, the developer withdraws: the series ends."""
        if self.status() != REDEEMABLE or not self.redemption_open():
            return
        for holder in self.holders:
            if int(self.bond.claimableCoupons(holder)):
                self.holder_collects(holder, 0)
            self.holder_collects(holder, int(self.bond.balanceOf(holder)))
        if int(self.bond.withdrawable(self.developer)):
            self.paid_out(self.developer, lambda: self.bond.withdrawProceeds({"from": self.developer}))
        unfunded = [p for p in self.at_record if p not in self.per_bond]  # a call ends the coupons it precedes
        assert int(self.bond.totalSupply()) == 0
        assert int(self.token.balanceOf(self.bond)) == 0, "a series that has ended holds nothing"
        assert sum(self.paid.values()) == self.coupons_deposited, unfunded

    def issuer_acts(self, project, amount, deadline, act):
        """Settle after the issue date; once issued allocate, fund the next coupon, call, or repay."""
        status = self.status()
        if status == SUBSCRIPTION and self.now() >= self.terms[5]:
            self.settle_or_fail()
        elif status == ISSUED:
            period, free = self.next_period(), int(self.bond.unallocated())
            if act == "allocate" and free and self.now() + 60 < self.terms[6]:
                self.allocate(project, min(amount, free), min(self.now() + deadline, self.terms[6]))
            elif act == "call" and self.callable():
                self.open_redemption(lambda: self.bond.callBonds({"from": self.issuer}))
            elif act == "coupon" and period <= self.periods:
                self.fund_coupon(period)
            elif act == "coupon":
                self.open_redemption(lambda: self.bond.depositPrincipal({"from": self.issuer}))

    def allocate(self, project, amount, deadline):
        if amount < MINIMUM_CLAIM:  # dust buys no share of impact: refused, nothing changes
            free = int(self.bond.unallocated())
            with brownie.reverts(custom_error("ImpactAttributionClaimBelowMinimum", amount, MINIMUM_CLAIM)):
                self.bond.allocate(project, amount, 0, deadline, {"from": self.issuer})
            assert int(self.bond.unallocated()) == free
            return
        self.send(lambda: self.bond.allocate(project, amount, 0, deadline, {"from": self.issuer}))

    def open_redemption(self, call):
        """Every base unit not released to a developer is netted: the issuer deposits only the rest."""
        supply, subscribed = int(self.bond.totalSupply()), int(self.bond.ledger()["subscribed"])
        tx = self.paid_in(self.issuer, call)
        price = int(self.bond.redemptionPrice())
        assert tx.events["ProceedsNetted"]["amount"] == subscribed - self.released
        assert tx.events["PrincipalDeposited"]["amount"] == price * supply - (subscribed - self.released)

    def settle_or_fail(self):
        """Below the minimum raise the issue fails and refunds open; above it the risk gate must pass."""
        if int(self.bond.totalSupply()) >= self.terms[3] and not self.score_usable():
            with brownie.reverts(custom_error("RiskScoreUnavailable", self.issuer)):
                self.bond.settle({"from": self.issuer})
            return
        self.send(lambda: self.bond.settle({"from": self.issuer}))

    def score_usable(self):
        try:
            self.risk.latestScore(self.issuer)
            return True
        except (ValueError, brownie.exceptions.VirtualMachineError):
            return False

    def callable(self):
        t, now_ = self.terms, self.now()
        return t[13] <= now_ < t[6] and self.next_period() > (now_ - t[5]) // QUARTER

    def fund_coupon(self, period):
        if period > 1 and int(self.bond.kpiObservation(period - 1)[0]) == 0:
            return  # the KPI must be observed first
        per_bond = int(self.bond.couponPerBond(period))
        tx = self.paid_in(self.issuer, lambda: self.bond.fundCoupon(period, {"from": self.issuer}))
        amount = int(tx.events["CouponFunded"]["amount"])
        assert amount == per_bond * int(self.bond.totalSupply())
        self.coupons_deposited += amount
        self.per_bond[period] = per_bond

    def project_side(self, data, grams, act):
        """The verifier attests, releases, expires or observes; the developer withdraws; or new impact is verified."""
        if act == "developer":
            if int(self.bond.withdrawable(self.developer)) > 0:
                self.paid_out(self.developer, lambda: self.bond.withdrawProceeds({"from": self.developer}))
        elif act == "impact":
            self.kpi_grams += grams
            self.reports.setTotals(1, 0, self.kpi_grams)
        else:
            self.verifier_acts(data)

    def verifier_acts(self, data):
        """Attest, release or expire an open milestone; otherwise observe the KPI that the next coupon waits for."""
        count = self.milestones()
        m = data.draw(st.integers(min_value=0, max_value=max(count - 1, 0)), label="milestone")
        milestone = self.bond.milestone(m) if count and self.status() == ISSUED else None
        if milestone is not None and not (milestone[4] or milestone[5] or milestone[7]):  # still open
            deadline = int(milestone[6])
            if self.now() >= deadline:  # past its deadline: anyone expires it
                self.send(lambda: self.bond.expireMilestone(m, {"from": self.verifier}))
            elif self.now() + 60 >= deadline:
                return  # about to expire: whether a release lands in time depends on the block's clock
            elif not milestone[3]:
                self.send(lambda: self.bond.attestMilestone(m, b32("evidence"), {"from": self.verifier}))
            else:
                self.send(lambda: self.bond.releaseMilestone(m, {"from": self.verifier}))
                self.released += int(milestone[1])
        elif self.status() == ISSUED and 1 < self.next_period() <= self.periods:
            index = self.next_period() - 1
            if self.now() >= int(self.bond.paymentDate(index)):
                self.send(lambda: self.bond.observeKpi(index, {"from": self.verifier}))

    def time_passes(self, d, to_next_date):
        """A few days, or just past the next date the terms name: issue, record, payment or call date, maturity."""
        t, now_ = self.terms, self.now()
        dates = [t[5], t[5] + 7 * DAY, t[13], *(t[5] + p * QUARTER for p in range(1, self.periods + 1)),
                 *self.record_dates]
        upcoming = [date for date in dates if date >= now_]
        balances = {h: int(self.bond.balanceOf(h)) for h in self.holders}
        chain.sleep(min(upcoming) - now_ + 1 if to_next_date and upcoming else d * DAY)
        chain.mine()
        self.reach(now(), balances)

    # ------------------------------------------------------------ invariants

    @invariant()
    def accounts_balance(self):
        self.view = {}  # a rule ran: read the chain afresh
        held = int(self.token.balanceOf(self.bond))
        ledger = {name: int(value) for name, value in self.bond.ledger().dict().items()}
        self.every_base_unit_is_accounted_for(held)
        self.the_ledger_matches_the_money_and_what_is_held_is_owed(held, ledger)
        self.coupon_claims_never_exceed_deposits(ledger)

    def every_base_unit_is_accounted_for(self, held):
        assert self.money_in == self.money_out + held

    def the_ledger_matches_the_money_and_what_is_held_is_owed(self, held, ledger):
        subscribed, refunded, allocated = ledger["subscribed"], ledger["refunded"], ledger["allocatedNet"]
        released, withdrawn, redeemed = ledger["released"], ledger["withdrawn"], ledger["redeemed"]
        c_dep, c_claimed, p_dep = ledger["couponsDeposited"], ledger["couponsClaimed"], ledger["principalDeposited"]
        netted = ledger["proceedsNetted"]
        assert subscribed + c_dep + p_dep == self.money_in
        assert refunded + withdrawn + c_claimed + redeemed == self.money_out
        assert released == self.released and allocated >= released
        escrow = subscribed - refunded - released - netted
        outstanding_principal = p_dep + netted - redeemed
        if self.status() == REDEEMABLE:
            assert escrow == 0, "every unreleased base unit is netted when redemption opens"
            assert outstanding_principal == int(self.bond.redemptionPrice()) * int(self.bond.totalSupply())
        assert held == escrow + (released - withdrawn) + (c_dep - c_claimed) + outstanding_principal

    def coupon_claims_never_exceed_deposits(self, ledger):
        claimable = sum(int(self.bond.claimableCoupons(h)) for h in self.holders)
        assert sum(self.paid.values()) + claimable <= self.coupons_deposited
        assert ledger["couponsDeposited"] == self.coupons_deposited
        assert ledger["couponsClaimed"] == sum(self.paid.values())


def test_every_base_unit_is_accounted_for(make_bond, settlement_token, bond_registry, regulator, issuer, developer,
                                          verifier, reports, risk, investors):
    for account in (*investors, issuer, developer, verifier):  # the run spans years: KYC outlives it
        bond_registry.renewKyc(account, kyc_expiry(years=10), {"from": regulator})
    start = now()
    terms = default_terms(start, denomination=DENOMINATION, issueSize=1_000, minimumRaise=14, couponFrequency=4,
                          tenor=4 * QUARTER, kpiTargetGramsPerPeriod=50 * TONNE, couponRateBps=437,
                          callDate=start + 10 * DAY + QUARTER + DAY, callPrice=DENOMINATION + 3)
    bond = make_bond(**terms)
    # 12 bonds sold before the first step, 14 needed: one more subscription issues the bond, none fails it.
    for holder, bonds in zip(investors, (5, 4, 3)):
        bond.subscribe(bonds, {"from": holder})
    # A smoke run: test/foundry/invariant/bond checks the same money law at 256 runs x 500 calls.
    run_stateful(BondMoneyMachine, examples=SMOKE_EXAMPLES, bond=bond, terms=(0, *(int(v) for v in bond.terms()[1:])),
                 periods=int(bond.periodCount()),
                 token=settlement_token, issuer=issuer, developer=developer,
                 verifier=verifier, reports=reports, risk=risk, holders=list(investors), step_count=30)
