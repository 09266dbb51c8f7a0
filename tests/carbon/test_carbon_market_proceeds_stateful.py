"""Stateful: over random list/fill/withdraw/fee-change sequences, CarbonMarket's settlement-token
proceeds are conserved: the market holds exactly what it owes (Σ credited = its token balance), each
seller is owed Σ (cost − fee) of its fills, where the fee is the one in force when the listing
opened (a fee change is forward-only: it never reaches an open listing), the current treasury the fees accrued since it was set (a
previous treasury keeps what it earned), a withdrawal pays exactly what is owed, and no token is
created or lost across buyers, sellers, treasuries and the market."""

import brownie
from tests.carbon.support import DAY
from tests.support.chain import UNIT, custom_error, now
from tests.support.stateful import SMOKE_EXAMPLES, run_stateful
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

pick = st.integers(min_value=0, max_value=10**6)  # an index, taken modulo what exists
share = st.integers(min_value=1, max_value=100)  # percent of what is available


def part(available, percent):
    return max(1, available * percent // 100) if available else 0


class ProceedsMachine(RuleBasedStateMachine):
    market = token = credits = batch_id = admin = sellers = buyers = treasuries = None  # set by run_stateful

    @initialize()
    def start(self):
        self.accounts = list(dict.fromkeys([*self.sellers, *self.buyers, *self.treasuries]))
        self.total = sum(int(self.token.balanceOf(a)) for a in [*self.accounts, self.market])
        fee_bps, treasury = self.market.fee()
        self.fee_bps, self.treasury = int(fee_bps), str(treasury)
        self.fees = int(self.market.credited(self.treasury))
        self.owed = {str(a): int(self.market.credited(a)) for a in self.accounts}
        self.owed[self.treasury] -= self.fees  # credited(treasury) includes the accrued fees
        self.open = {}  # listing id -> [seller, unit price, remaining, fee bps at listing]

    @rule(seller=pick, percent=share, price=st.integers(min_value=1, max_value=50 * UNIT))
    def list(self, seller, percent, price):
        account = self.sellers[seller % len(self.sellers)]
        held = int(self.credits.balanceOf(account, self.batch_id))
        if held == 0:
            return
        amount = part(held, percent)
        tx = self.market.list(self.batch_id, amount, price, now() + 365 * DAY, {"from": account})
        self.open[tx.return_value] = [str(account), price, amount, self.fee_bps]
        assert int(self.market.listing(tx.return_value)[3]) == self.fee_bps  # feeBps

    @rule(index=pick, buyer=pick, percent=share)
    def fill(self, index, buyer, percent):
        ids = sorted(i for i, (_, _, remaining, _) in self.open.items() if remaining > 0)
        if not ids:
            return
        listing_id = ids[index % len(ids)]
        seller, price, remaining, fee_bps = self.open[listing_id]
        account = self.buyers[buyer % len(self.buyers)]
        quantity = part(remaining, percent)
        cost = price * quantity
        fee = cost * fee_bps // 10_000
        tx = self.market.fill(listing_id, quantity, {"from": account})
        assert tx.events["Filled"]["fee"] == fee
        self.open[listing_id][2] -= quantity
        self.owed[seller] += cost - fee
        self.fees += fee

    @rule(who=pick)
    def withdraw(self, who):
        account = str(self.accounts[who % len(self.accounts)])
        due = self.owed[account] + (self.fees if account == self.treasury else 0)
        if due == 0:
            with brownie.reverts(custom_error("NothingToWithdraw", account)):
                self.market.withdraw({"from": account})
            return
        before = int(self.token.balanceOf(account))
        self.market.withdraw({"from": account})
        assert int(self.token.balanceOf(account)) - before == due
        self.owed[account] = 0
        if account == self.treasury:
            self.fees = 0

    @rule(bps=st.integers(min_value=0, max_value=1_000), who=pick)
    def set_fee(self, bps, who):
        treasury = str(self.treasuries[who % len(self.treasuries)])
        self.market.setFee(bps, treasury, {"from": self.admin})
        if treasury != self.treasury:
            self.owed[self.treasury] += self.fees  # the fees so far stay with the treasury that earned them
            self.fees = 0
        self.fee_bps, self.treasury = bps, treasury

    @invariant()
    def the_market_holds_exactly_what_it_owes(self):
        for account in self.accounts:
            expected = self.owed[str(account)] + (self.fees if str(account) == self.treasury else 0)
            assert int(self.market.credited(account)) == expected
        assert int(self.token.balanceOf(self.market)) == sum(self.owed.values()) + self.fees

    @invariant()
    def no_token_is_created_or_lost(self):
        assert sum(int(self.token.balanceOf(a)) for a in [*self.accounts, self.market]) == self.total


def test_market_proceeds_are_conserved(market, credits, batch, funded, settlement_token, admin, developer, treasury,
                                       bank, enterprise, supplier, investor):
    buyers = [enterprise, supplier, investor]
    for account in [developer, *buyers]:
        credits.setApprovalForAll(market, True, {"from": account})
    run_stateful(ProceedsMachine, examples=SMOKE_EXAMPLES, step_count=8, market=market, token=settlement_token, credits=credits, batch_id=batch,
                 admin=admin, sellers=[developer, *buyers], buyers=buyers, treasuries=[treasury, bank])
