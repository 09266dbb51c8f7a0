"""Stateful: over random mint/transfer/burn/burnFrom/freeze/unfreeze sequences, SettlementToken's
supply is conserved (totalSupply = Σ balances = minted − burned, every balance as modelled), and a
mint to an account the registry refuses (frozen, never registered) reverts with the registry's
reason and changes nothing."""

import brownie
from tests.support.chain import UNIT, custom_error
from tests.support.stateful import SMOKE_EXAMPLES, run_stateful
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from greenfi.domain.participants import Reason

pick = st.integers(min_value=0, max_value=10**6)  # an index, taken modulo the accounts
share = st.integers(min_value=1, max_value=100)  # percent of a balance
NO_REASON = b"\0" * 32


class TokenMachine(RuleBasedStateMachine):
    token = registry = bank = regulator = holders = outsider = None  # set by run_stateful

    @initialize()
    def start(self):
        self.accounts = [*self.holders, self.outsider]
        self.balances = {str(a): int(self.token.balanceOf(a)) for a in self.accounts}
        self.supply = int(self.token.totalSupply())
        self.others = self.supply - sum(self.balances.values())  # held by accounts outside this machine
        self.frozen = {str(a) for a in self.holders if int(self.registry.canHold(a)) == Reason.FROZEN}

    def _account(self, index):
        return self.accounts[index % len(self.accounts)]

    @rule(to=pick, amount=st.integers(min_value=0, max_value=10**6 * UNIT))
    def mint(self, to, amount):
        account = self._account(to)
        refusal = (Reason.NOT_REGISTERED if account == self.outsider
                   else Reason.FROZEN if str(account) in self.frozen else None)
        if amount == 0:
            with brownie.reverts(custom_error("ZeroAmount")):
                self.token.mint(account, amount, {"from": self.bank})
        elif refusal is not None:
            with brownie.reverts(custom_error("ComplianceRefused", account, refusal)):
                self.token.mint(account, amount, {"from": self.bank})
        else:
            self.token.mint(account, amount, {"from": self.bank})
            self.balances[str(account)] += amount
            self.supply += amount

    @rule(sender=pick, to=pick, percent=share)
    def transfer(self, sender, to, percent):
        source, target = self._account(sender), self._account(to)
        amount = self.balances[str(source)] * percent // 100
        self.token.transfer(target, amount, {"from": source})
        self.balances[str(source)] -= amount
        self.balances[str(target)] += amount

    @rule(holder=pick, percent=share)
    def burn(self, holder, percent):
        account = self._account(holder)
        amount = self.balances[str(account)] * percent // 100
        self.token.burn(amount, {"from": account})
        self.balances[str(account)] -= amount
        self.supply -= amount

    @rule(holder=pick, percent=share)
    def burn_from_with_allowance(self, holder, percent):
        """The bank redeems on a holder's behalf within the allowance the holder gave it."""
        account = self._account(holder)
        amount = self.balances[str(account)] * percent // 100
        self.token.approve(self.bank, amount, {"from": account})
        self.token.burnFrom(account, amount, {"from": self.bank})
        assert int(self.token.allowance(account, self.bank)) == 0
        self.balances[str(account)] -= amount
        self.supply -= amount

    @rule(holder=pick, frozen=st.booleans())
    def freeze_or_unfreeze(self, holder, frozen):
        account = self.holders[holder % len(self.holders)]
        if frozen and str(account) not in self.frozen:
            self.registry.freeze(account, NO_REASON, {"from": self.regulator})
            self.frozen.add(str(account))
        elif not frozen and str(account) in self.frozen:
            self.registry.unfreeze(account, {"from": self.regulator})
            self.frozen.discard(str(account))

    @invariant()
    def supply_is_conserved(self):
        assert int(self.token.totalSupply()) == self.supply == sum(self.balances.values()) + self.others
        for account in self.accounts:
            assert int(self.token.balanceOf(account)) == self.balances[str(account)]


def test_settlement_token_supply_is_conserved(settlement_token, registry, bank, regulator, enterprise, supplier,
                                              investor, outsider):
    run_stateful(TokenMachine, examples=SMOKE_EXAMPLES, step_count=8, token=settlement_token, registry=registry, bank=bank, regulator=regulator,
                 holders=[enterprise, supplier, investor], outsider=outsider)
