"""Stateful: whatever order subscriptions, transfers, settlement or refunds, releases, coupon fundings,
claims and redemptions come in, every base unit of the bond's money is accounted for.

At every step, to the last base unit:
    money in  (subscriptions + coupon deposits + principal deposits, as the payers' balances fell)
  = released and withdrawn by developers + coupons paid + redemptions + refunds (as the payees' balances rose)
  + held by the bond contract,
and what the contract holds is exactly what it owes (escrow + developers' withdrawable + unclaimed coupons +
outstanding principal). Coupon claims are modelled per holder in plain Python: the sum of every holder's
claims (paid and claimable) equals, and so never exceeds, what the issuer deposited.
"""

import brownie
from bond_support import DAY, FAILED, ISSUED, REDEEMABLE, SUBSCRIPTION, TONNE, b32, default_terms
from brownie import chain
from helpers import UNIT, custom_error, kyc_expiry, now, run_stateful
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

QUARTER = 365 * DAY // 4
DENOMINATION = 100 * UNIT + 1  # an odd denomination, so any rounding drift would show

holder_index = st.integers(min_value=0, max_value=2)
bond_counts = st.integers(min_value=3, max_value=40)
amounts = st.sampled_from([1, 7_777 * UNIT + 3, 20_000 * UNIT, 10**15])  # capped by what is unallocated
days = st.sampled_from([1, 4, 30])
impact_grams = st.sampled_from([0, 1, 40 * TONNE, 120 * TONNE])
# Who acts at a step, weighted towards the issuer and the clock, which move a series from phase to phase.
actors = st.sampled_from(["issuer", "time", "holder", "project", "issuer", "time", "holder", "project", "issuer"])


class BondMoneyMachine(RuleBasedStateMachine):
    # set by run_stateful
    bond = terms = periods = token = issuer = developer = verifier = reports = risk = holders = None

    @initialize()
    def start(self):
        self.view = {}  # chain reads a step decides on, taken once per step
        self.money_in = int(self.token.balanceOf(self.bond))  # what left the payers' accounts for the bond
        self.money_out = 0  # what reached developers, holders and refunded investors from the bond
        self.coupons_deposited = 0
        self.coupons_paid = 0
        self.owed = {h: 0 for h in self.holders}  # each holder's coupons, modelled per funded period
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

    def paid_in(self, payer, call):
        before = int(self.token.balanceOf(payer))
        tx = call()
        self.money_in += before - int(self.token.balanceOf(payer))
        return tx

    def paid_out(self, payee, call):
        before = int(self.token.balanceOf(payee))
        tx = call()
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
            self.issuer_acts(data.draw(st.sampled_from([1, 2])), data.draw(amounts),
                             data.draw(st.sampled_from(["coupon", "allocate", "call"])))
        elif actor == "project":
            side = data.draw(st.sampled_from(["verifier", "developer", "impact"]))
            self.project_side(data, data.draw(impact_grams) if side == "impact" else 0, side)
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
            self.bond.transfer(self.holders[j], n, {"from": holder})

    def holder_collects(self, holder, n):
        """Claim coupons when some are owed, else redeem once redemption is open."""
        if self.owed[holder]:
            received, _ = self.paid_out(holder, lambda: self.bond.claimCoupons({"from": holder}))
            assert received == self.owed[holder]
            self.coupons_paid += received
            self.owed[holder] = 0
        elif self.status() == REDEEMABLE:
            n = min(n, int(self.bond.balanceOf(holder)))
            price = int(self.bond.redemptionPrice())
            if n and (price == self.terms[14] or self.now() >= self.terms[6]):
                received, _ = self.paid_out(holder, lambda: self.bond.redeem(n, {"from": holder}))
                assert received == n * price

    def issuer_acts(self, project, amount, act):
        """Settle after the issue date; once issued allocate, fund the next coupon, call, or repay."""
        status = self.status()
        if status == SUBSCRIPTION and self.now() >= self.terms[5]:
            self.settle_or_fail()
        elif status == ISSUED:
            period, free = self.next_period(), int(self.bond.unallocated())
            if act == "allocate" and free:
                self.bond.allocate(project, min(amount, free), 0, {"from": self.issuer})
            elif act == "call" and self.callable():
                self.paid_in(self.issuer, lambda: self.bond.callBonds({"from": self.issuer}))
            elif act == "coupon" and period <= self.periods:
                self.fund_coupon(period)
            elif act == "coupon":
                self.paid_in(self.issuer, lambda: self.bond.depositPrincipal({"from": self.issuer}))

    def settle_or_fail(self):
        """Below the minimum raise the issue fails and refunds open; above it the risk gate must pass."""
        if int(self.bond.totalSupply()) >= self.terms[3] and not self.score_usable():
            with brownie.reverts(custom_error("RiskScoreUnavailable", self.issuer)):
                self.bond.settle({"from": self.issuer})
            return
        self.bond.settle({"from": self.issuer})

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
        balances = {h: int(self.bond.balanceOf(h)) for h in self.holders}
        tx = self.paid_in(self.issuer, lambda: self.bond.fundCoupon(period, {"from": self.issuer}))
        amount = int(tx.events["CouponFunded"]["amount"])
        assert amount == per_bond * int(self.bond.totalSupply())
        self.coupons_deposited += amount
        for h, balance in balances.items():
            self.owed[h] += balance * per_bond

    def project_side(self, data, grams, act):
        """The verifier attests, releases or observes; the developer withdraws; or new impact is verified."""
        if act == "developer":
            if int(self.bond.withdrawable(self.developer)) > 0:
                self.paid_out(self.developer, lambda: self.bond.withdrawProceeds({"from": self.developer}))
        elif act == "impact":
            self.kpi_grams += grams
            self.reports.setTotals(1, 0, self.kpi_grams)
        else:
            self.verifier_acts(data)

    def verifier_acts(self, data):
        """Attest or release an open milestone; otherwise observe the KPI that the next coupon waits for."""
        count = self.milestones()
        m = data.draw(st.integers(min_value=0, max_value=max(count - 1, 0)), label="milestone")
        milestone = self.bond.milestone(m) if count else None
        if milestone is not None and not (milestone[4] or milestone[5]):  # neither released nor reallocated
            if not milestone[3]:
                self.bond.attestMilestone(m, b32("evidence"), {"from": self.verifier})
            else:
                self.bond.releaseMilestone(m, {"from": self.verifier})
                self.released += int(milestone[1])
        elif self.status() == ISSUED and 1 < self.next_period() <= self.periods:
            index = self.next_period() - 1
            if self.now() >= int(self.bond.paymentDate(index)):
                self.bond.observeKpi(index, {"from": self.verifier})

    def time_passes(self, d, to_next_date):
        """A few days, or just past the next date the terms name: issue, a payment or call date, maturity."""
        t, now_ = self.terms, self.now()
        dates = [t[5], t[5] + 7 * DAY, t[13], *(t[5] + p * QUARTER for p in range(1, self.periods + 1))]
        upcoming = [date for date in dates if date >= now_]
        chain.sleep(min(upcoming) - now_ + 1 if to_next_date and upcoming else d * DAY)
        chain.mine()

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
        assert subscribed + c_dep + p_dep == self.money_in
        assert refunded + withdrawn + c_claimed + redeemed == self.money_out
        assert released == self.released and allocated >= released
        escrow = subscribed - refunded - released
        outstanding_principal = p_dep - redeemed
        if self.status() == REDEEMABLE:
            assert outstanding_principal == int(self.bond.redemptionPrice()) * int(self.bond.totalSupply())
        assert held == escrow + (released - withdrawn) + (c_dep - c_claimed) + outstanding_principal

    def coupon_claims_never_exceed_deposits(self, ledger):
        claimable = {h: int(self.bond.claimableCoupons(h)) for h in self.holders}
        assert claimable == self.owed
        assert self.coupons_paid + sum(claimable.values()) == self.coupons_deposited
        assert ledger["couponsDeposited"] == self.coupons_deposited and ledger["couponsClaimed"] == self.coupons_paid


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
    run_stateful(BondMoneyMachine, bond=bond, terms=(0, *(int(v) for v in bond.terms()[1:])),
                 periods=int(bond.periodCount()),
                 token=settlement_token, issuer=issuer, developer=developer,
                 verifier=verifier, reports=reports, risk=risk, holders=list(investors))
