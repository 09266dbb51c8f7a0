"""Stateful: registering, reviewing, posting and time passing never make `latestScore` disagree with
a plain-Python model of the ledger's rules (approval, monotonic timestamps, expiry, staleness)."""

import brownie
from tests.ai.support import APPROVED, DAY, MAX_AGE, NO_REASON, REGISTERED, REPORT, RETIRED, SUSPENDED, h32, spec
from brownie import chain
from eth_utils import to_checksum_address
from tests.support.chain import custom_error
from tests.support.stateful import run_stateful
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

SUBJECTS = [to_checksum_address("0x" + f"{0xD0 + i:02x}" * 20) for i in range(4)]
ACTIONS = {"approve": APPROVED, "suspend": SUSPENDED, "retire": RETIRED}
ALLOWED = {
    APPROVED: {REGISTERED, SUSPENDED},
    SUSPENDED: {APPROVED},
    RETIRED: {REGISTERED, APPROVED, SUSPENDED},
}
# Scores are stamped an hour before the latest block and time moves in whole days, so no check
# ever sits within seconds of its boundary (the node's clock keeps ticking during the run).
BACKDATE = 3600


VERSIONS = st.integers(min_value=1, max_value=3)
REVIEW = {"version": VERSIONS, "action": st.sampled_from(sorted(ACTIONS))}
POST = {
    "picks": st.lists(st.integers(min_value=0, max_value=len(SUBJECTS) - 1), min_size=1, max_size=4),
    "score": st.integers(min_value=0, max_value=10_000),
    "version": VERSIONS,
    "valid_days": st.sampled_from([1, 7, 29, 45, 90]),  # around maxAge (30 days), so both limits bite
}
TIME = {"days": st.sampled_from([0, 1, 3, 10, 31])}
# Posting first: hypothesis leans towards the first alternative in small examples.
OPERATION = st.one_of(
    st.fixed_dictionaries(POST).map(lambda kw: ("post", kw)),
    st.fixed_dictionaries(TIME).map(lambda kw: ("time_passes", kw)),
    st.fixed_dictionaries(REVIEW).map(lambda kw: ("review", kw)),
    st.just(("register", {})),
)


def subjects_of(tx, name):
    """The subjects of a transaction's `name` events, in order (none when it emitted none)."""
    return [e["subject"] for e in tx.events[name]] if name in tx.events else []


class LedgerMachine(RuleBasedStateMachine):
    model_registry = risk_oracle = operator = reviewer = None  # set by run_stateful

    @initialize(opening=st.lists(OPERATION, min_size=8, max_size=16))
    def start(self, opening):
        self.status = {}  # version -> status
        self.scores = {}  # subject -> (score, version, timestamp, expiry)
        self.register()
        self.review(1, "approve")  # start with a model that may score
        # With the suite's small example budget hypothesis runs few rule steps per example, so each
        # example opens with a drawn sequence of operations, checked after every one of them.
        for name, kwargs in opening:
            getattr(self, name)(**kwargs)
            self.latest_score_matches_model()

    @rule()
    def register(self):
        version = len(self.status) + 1
        self.model_registry.registerModel(spec(version), "", {"from": self.operator})
        self.status[version] = REGISTERED

    @rule(**REVIEW)
    def review(self, version, action):
        call = getattr(self.model_registry, action)
        current, target = self.status.get(version), ACTIONS[action]
        reason = REPORT if action == "approve" else NO_REASON
        if current is None:
            with brownie.reverts(custom_error("UnknownModelVersion", version)):
                call(version, reason, {"from": self.reviewer})
        elif current not in ALLOWED[target]:
            with brownie.reverts(custom_error("InvalidStatusTransition", version, current, target)):
                call(version, reason, {"from": self.reviewer})
        else:
            call(version, reason, {"from": self.reviewer})
            self.status[version] = target

    @rule(**POST)
    def post(self, picks, score, version, valid_days):
        subjects = [SUBJECTS[i] for i in picks]
        timestamp = chain[-1].timestamp - BACKDATE
        expiry = timestamp + valid_days * DAY
        n = len(subjects)
        args = (version, timestamp, expiry, subjects, [score] * n, [h32(i + 1) for i in range(n)],
                [h32(i + 100) for i in range(n)], {"from": self.operator})
        if self.status.get(version) != APPROVED:
            with brownie.reverts(custom_error("ModelNotApproved", version)):
                self.risk_oracle.postScores(*args)
            return
        # An entry not newer than the subject's score is skipped (ScoreSkipped), the rest applies.
        stored = {s: self.scores[s][2] for s in subjects if s in self.scores}
        applied, skipped = [], []
        for s in subjects:
            (skipped if timestamp <= stored.get(s, 0) else applied).append(s)
            stored[s] = max(stored.get(s, 0), timestamp)
        tx = self.risk_oracle.postScores(*args)
        assert subjects_of(tx, "ScorePosted") == applied
        assert subjects_of(tx, "ScoreSkipped") == skipped
        for s in applied:
            self.scores[s] = (score, version, timestamp, expiry)

    @rule(**TIME)
    def time_passes(self, days):
        chain.sleep(days * DAY)
        chain.mine()

    @invariant()
    def latest_score_matches_model(self):
        now = chain[-1].timestamp
        for s in SUBJECTS:
            if s not in self.scores:
                with brownie.reverts(custom_error("NoScore", s)):
                    self.risk_oracle.latestScore(s)
                continue
            score, version, timestamp, expiry = self.scores[s]
            if now >= expiry:
                expected = custom_error("ScoreExpired", s, expiry)
            elif now > timestamp + MAX_AGE:
                expected = custom_error("ScoreStale", s, timestamp, MAX_AGE)
            elif self.status[version] != APPROVED:
                expected = custom_error("ModelNotApproved", version)
            else:
                got = self.risk_oracle.latestScore(s)
                assert (int(got[0]), int(got[1]), int(got[4]), int(got[5])) == (score, version, timestamp, expiry)
                continue
            with brownie.reverts(expected):
                self.risk_oracle.latestScore(s)


def test_ledger_matches_model(model_registry, risk_oracle, model_operator, auditor):
    run_stateful(LedgerMachine, model_registry=model_registry, risk_oracle=risk_oracle,
                 operator=model_operator, reviewer=auditor)
