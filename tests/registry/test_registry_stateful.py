"""Stateful: the registry's answers always match a plain-Python model of its rules."""

from brownie import chain
from tests.support.chain import now
from tests.support.stateful import SMOKE_EXAMPLES, run_stateful
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from greenfi.domain.participants import Kind, Reason

JURISDICTIONS = [b"CN", b"DE", b"US"]
DAY = 24 * 3600

account_index = st.integers(min_value=0, max_value=5)
kinds = st.sampled_from([k for k in Kind if k != Kind.NONE])
jurisdictions = st.sampled_from(JURISDICTIONS)
days = st.integers(min_value=1, max_value=400)


class RegistryMachine(RuleBasedStateMachine):
    registry = regulator = members = None  # set by run_stateful

    @initialize()
    def start(self):
        self.model = {}  # address -> [kind, jurisdiction, kyc expiry, frozen]
        self.restricted = set()
        self.paused = False

    def expected(self, account):
        if self.paused:
            return Reason.SYSTEM_PAUSED
        p = self.model.get(account)
        if p is None:
            return Reason.NOT_REGISTERED
        if p[3]:
            return Reason.FROZEN
        if now() >= p[2]:
            return Reason.KYC_EXPIRED
        if p[1] in self.restricted:
            return Reason.JURISDICTION_RESTRICTED
        return Reason.OK

    @rule(i=account_index, kind=kinds, code=jurisdictions, valid_days=days)
    def register(self, i, kind, code, valid_days):
        account = self.members[i]
        if account in self.model:
            return
        # Half a day off the whole-day grid, so no expiry ever falls seconds from a time jump's end.
        expiry = now() + valid_days * DAY + DAY // 2
        self.registry.register(account, kind, code, expiry, {"from": self.regulator})
        self.model[account] = [kind, code, expiry, False]

    @rule(i=account_index)
    def toggle_freeze(self, i):
        account = self.members[i]
        if account not in self.model:
            return
        if self.model[account][3]:
            self.registry.unfreeze(account, {"from": self.regulator})
        else:
            self.registry.freeze(account, b"\x01" * 32, {"from": self.regulator})
        self.model[account][3] = not self.model[account][3]

    @rule(i=account_index)
    def remove(self, i):
        account = self.members[i]
        if account in self.model:
            self.registry.remove(account, {"from": self.regulator})
            del self.model[account]

    @rule(code=jurisdictions, restricted=st.booleans())
    def restrict(self, code, restricted):
        self.registry.setJurisdictionRestricted(code, restricted, {"from": self.regulator})
        (self.restricted.add if restricted else self.restricted.discard)(code)

    @rule()
    def toggle_pause(self):
        (self.registry.unpause if self.paused else self.registry.pause)({"from": self.regulator})
        self.paused = not self.paused

    @rule(elapsed_days=days)
    def time_passes(self, elapsed_days):
        chain.sleep(elapsed_days * DAY)
        chain.mine()

    @invariant()
    def answers_match_model(self):
        for account in self.members:
            assert self.registry.canHold(account) == self.expected(account)

    @invariant()
    def transact_reports_first_refusal(self):
        a, b = self.members[0], self.members[1]
        first = self.expected(a)
        assert self.registry.canTransact(a, b) == (first if first != Reason.OK else self.expected(b))


def test_registry_matches_model(accounts, empty_registry, regulator):
    run_stateful(RegistryMachine, examples=SMOKE_EXAMPLES, registry=empty_registry, regulator=regulator, members=list(accounts[11:17]))
