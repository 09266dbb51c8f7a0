"""Stateful: whatever order drawdowns, repayments (partial, too large, everything), prepayments, cancellations,
observations, lender remedies, withdrawals and the clock come in, a green loan's money is exact.

At every step, to the last base unit:
    token.balanceOf(loan) = undrawn + withdrawable(borrower) + withdrawable(lender)
    funded = drawn + cancelled + undrawn;  received = feesPaid + interestPaid + principalPaid
    borrower + lender + loan balances are constant (money only moves between them)
and debt() (principal, fees, interest, overdue) equals the plain-Python reference facility
(greenfi.domain.loans.Facility) driven with the same operations at the same block times. A facility that ended
and whose parties withdrew holds nothing.
"""

import brownie
from brownie import chain
from tests.support.chain import UNIT, kyc_expiry, resync_node_clock
from tests.support.stateful import run_stateful
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from tests.loan.support import COMMITMENT, debt, ledger, now, pricing

from greenfi.domain import loans as ref
from greenfi.domain.loans import DAY, State

ALL = 2**256 - 1
FINAL = (State.REPAID, State.WRITTEN_OFF, State.CANCELLED)
amounts = st.sampled_from([1, 3 * UNIT + 7, 9_999 * UNIT + 1, 30_000 * UNIT, COMMITMENT + 1])
repayments = st.sampled_from([1, 777 * UNIT + 3, 12_000 * UNIT, "due", "all", "too much"])
days = st.sampled_from([1, 13, 45, 100])
outputs = st.sampled_from([0, 150_000_000, 600_000_000])


class LoanMoneyMachine(RuleBasedStateMachine):
    # set by run_stateful
    post_score = None
    loan = token = borrower = lender = reports = project_id = approved_at = None

    @initialize()
    def start(self):
        resync_node_clock()  # the snapshot revert between examples restores state, not anvil's clock
        t = self.loan.terms().dict()
        self.fee = COMMITMENT * int(t["arrangementFeeBps"]) // 10_000
        self.model = ref.Facility(start_date=int(t["startDate"]), period_length=int(t["periodLength"]),
                                  periods=int(t["periods"]), repayment=int(t["repayment"]),
                                  late_bps=int(t["lateInterestBps"]), rate_bps=pricing(self.loan)["rateBps"],
                                  cursor=self.approved_at)
        self.total = sum(int(self.token.balanceOf(a)) for a in (self.loan, self.borrower, self.lender))
        self.output = 0
        self.scored_at = pricing(self.loan)["scoreTimestamp"]

    def state(self):
        return int(self.loan.state())

    def settled(self):
        """What a refused call must leave unchanged (interest keeps accruing with the clock)."""
        d = debt(self.loan)
        return ledger(self.loan), d["principal"], d["fees"], self.state(), pricing(self.loan)

    def refused(self, call, pattern):
        before = self.settled()
        with brownie.reverts(revert_pattern=pattern):
            call()
        assert self.settled() == before

    # ------------------------------------------------------------ rules

    @rule(amount=amounts)
    def draw(self, amount):
        st_ = self.state()
        free = int(self.loan.undrawn())
        if st_ not in (State.APPROVED, State.ACTIVE) or self.loan.lockedUp() or now() >= int(
                self.loan.terms().dict()["availabilityEnd"]):
            return
        if amount > free:
            self.refused(lambda: self.loan.draw(amount, {"from": self.borrower}), r"LoanExceedsCommitment: .*")
            return
        if now() > self.scored_at + 20 * DAY:
            self.post_score()  # the oracle's scores are usable 30 days: the borrower is rescored
            self.scored_at = now()
        tx = self.loan.draw(amount, {"from": self.borrower})
        self.model.draw(tx.timestamp, amount, fee=self.fee)

    @rule(kind=repayments)
    def repay(self, kind):
        if self.state() not in (State.ACTIVE, State.IMPAIRED, State.DEFAULTED):
            return
        chain.mine()
        at = now() + 1
        m = ref.Facility(**{k: v for k, v in self.model.__dict__.items() if k != "paid"})
        m.accrue(at)
        amount = {"due": max(m.overdue, 1), "all": ALL, "too much": m.total + 10**9}.get(kind, kind)
        if amount != ALL and amount > m.total:
            self.refused(lambda: self.loan.repay(amount, {"from": self.borrower}), r"LoanRepaymentExceedsDebt: .*")
            return
        tx = self.loan.repay(amount, {"from": self.borrower})
        self.model.accrue(tx.timestamp)
        paid = self.model.total if amount == ALL else amount
        split = self.model.repay(tx.timestamp, paid)
        r = tx.events["LoanRepayment"][0]
        assert (int(r["fees"]), int(r["interest"]), int(r["principal"])) == split
        if self.model.total == 0:
            assert self.state() == State.REPAID
            self.model.num = 0

    @rule(amount=amounts)
    def cancel_commitment(self, amount):
        if self.state() in (State.APPROVED, State.ACTIVE) and amount <= int(self.loan.undrawn()):
            self.loan.cancelCommitment(amount, {"from": self.borrower})

    @rule(d=days)
    def sleep(self, d):
        chain.sleep(d * DAY)
        chain.mine()

    @rule(wh=outputs)
    def generate(self, wh):
        self.output += wh
        self.reports.setTotals(self.project_id, self.output, 0)

    @rule()
    def observe(self):
        period = int(self.loan.nextObservation())
        if self.state() not in (State.APPROVED, State.ACTIVE, State.IMPAIRED) or period > self.model.periods:
            return
        if now() + 1 < self.model.period_end(period):
            self.refused(lambda: self.loan.observe(period, {"from": self.lender}), r"LoanPeriodNotEnded: .*")
            return
        tx = self.loan.observe(period, {"from": self.lender})
        self.model.accrue(tx.timestamp)
        self.model.rate_bps = pricing(self.loan)["rateBps"]  # the ratchet applies from now on
        if "CashSwept" in tx.events:
            self.model.swept += int(tx.events["CashSwept"][0]["amount"])

    @rule()
    def remedy(self):
        st_ = self.state()
        if st_ == State.ACTIVE and debt(self.loan)["overdue"] > 0:
            tx = self.loan.impair({"from": self.lender})
            self.model.accrue(tx.timestamp)
        elif st_ == State.IMPAIRED or (st_ == State.ACTIVE and self.loan.breaches() >= 2):
            tx = self.loan.callLoan({"from": self.lender})
            self.model.accrue(tx.timestamp)
            self.model.defaulted = True
            self.model.due = self.model.fees + self.model.interest
        elif st_ == State.DEFAULTED:
            self.loan.writeOff({"from": self.lender})

    @rule()
    def withdraw(self):
        for who in (self.borrower, self.lender):
            if int(self.loan.withdrawable(who)) > 0:
                self.loan.withdraw({"from": who})

    # ------------------------------------------------------------ invariants

    @invariant()
    def money_is_accounted_for(self):
        l = ledger(self.loan)
        balance = int(self.token.balanceOf(self.loan))
        undrawn = int(self.loan.undrawn())
        assert balance == undrawn + int(self.loan.withdrawable(self.borrower)) + int(self.loan.withdrawable(self.lender))
        assert l["funded"] == l["drawn"] + l["cancelled"] + undrawn
        assert l["received"] == l["feesPaid"] + l["interestPaid"] + l["principalPaid"]
        assert sum(int(self.token.balanceOf(a)) for a in (self.loan, self.borrower, self.lender)) == self.total
        if self.state() in FINAL and balance == 0:
            assert undrawn == 0

    @invariant()
    def debt_matches_the_reference(self):
        if self.state() in FINAL:
            assert debt(self.loan)["total"] == 0
            return
        m = ref.Facility(**{k: v for k, v in self.model.__dict__.items() if k != "paid"})
        m.accrue(int(chain[-1].timestamp))
        d = debt(self.loan)
        assert (d["principal"], d["fees"], d["interest"], d["overdue"]) == (m.principal, m.fees, m.interest, m.overdue)



def test_every_base_unit_is_accounted_for(make_loan, settlement_token, registry, regulator, borrower, lender,
                                          reports, project_id, post_score):
    for account in (borrower, lender):  # the run spans years: KYC outlives it
        registry.renewKyc(account, kyc_expiry(years=10), {"from": regulator})
    loan = make_loan(periods=6, periodLength=30 * DAY, availabilityEnd=now() + 150 * DAY)
    approved_at = loan.approve({"from": lender}).timestamp
    run_stateful(LoanMoneyMachine, loan=loan, token=settlement_token, borrower=borrower, lender=lender,
                 reports=reports, project_id=project_id, approved_at=approved_at, step_count=25,
                 post_score=staticmethod(post_score))


def test_a_facility_that_ended_and_was_withdrawn_holds_nothing(make_loan, settlement_token, borrower, lender):
    loan = make_loan()
    loan.approve({"from": lender})
    loan.draw(33_333 * UNIT + 1, {"from": borrower})
    chain.sleep(200 * DAY)
    loan.repay(5_000 * UNIT, {"from": borrower})
    chain.sleep(100 * DAY)
    loan.repay(ALL, {"from": borrower})
    for who in (borrower, lender):
        loan.withdraw({"from": who})
    assert int(loan.state()) == State.REPAID and settlement_token.balanceOf(loan) == 0
