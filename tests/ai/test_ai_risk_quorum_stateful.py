"""Stateful: k-of-n risk scores (docs/ai-ledger.md#k-of-n-scores). Three operators post batches
drawn from a small pool of candidate entries, under a threshold the governor changes at random.
Properties checked against a plain-Python model after every step:

- a subject's stored score is exactly the newest entry that reached k matching attestations of
  one epoch (k as it stood when they were made), and nothing else;
- no operator's batch ever reverts because of what other operators posted: every well-formed
  batch goes through, moot entries are skipped with ScoreSkipped(NotNewer | AlreadyAttested);
- a threshold or operator-set change starts a new epoch in which earlier attestations count for
  nothing (forward-only).
"""

import pytest
from tests.ai.support import DAY, h32
from brownie import accounts, chain
from eth_utils import to_checksum_address
from tests.support.chain import kyc_expiry
from tests.support.stateful import run_stateful
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from greenfi.domain.participants import Kind, jurisdiction

SUBJECTS = [to_checksum_address("0x" + f"{i:02x}" * 20) for i in (0xD1, 0xD2)]
NOT_NEWER, ALREADY_ATTESTED = 0, 1

BACKS = (300, 200, 100)  # a batch's timestamp: this many seconds before the machine started
PAIRS = [(s, score) for s in range(2) for score in (1000, 2000)]  # (subject index, score) of an entry


class QuorumMachine(RuleBasedStateMachine):
    oracle = version = operators = governor = None  # set by run_stateful

    @initialize()
    def start(self):
        self.t0 = chain[-1].timestamp
        self.threshold, _, self.epoch = (int(v) for v in self.oracle.quorum())
        self.votes = {}  # (epoch, entry) -> operators that attested it
        self.stored = {}  # subject -> (score, timestamp)

    @rule(who=st.integers(0, 2), back=st.sampled_from(BACKS),
          picks=st.lists(st.integers(0, len(PAIRS) - 1), min_size=1, max_size=4))
    def post(self, who, back, picks):
        """Operators picking the same (subject, score, timestamp) attest the same entry; the batch
        always goes through, whatever the others posted before."""
        operator = self.operators[who]
        timestamp = self.t0 - back
        entries = [(SUBJECTS[PAIRS[p][0]], PAIRS[p][1], h32(1000 * back + p), h32(2000 * back + p)) for p in picks]
        tx = self.oracle.postScores(self.version, timestamp, timestamp + 30 * DAY, *map(list, zip(*entries)),
                                    {"from": operator})
        expected = [event for e in entries for event in self.expect(str(operator), e, timestamp)]
        assert [(ev.name, _key(ev)) for ev in tx.events] == expected

    def expect(self, operator, e, timestamp):
        """The events the model expects for one entry, as (name, key field) pairs."""
        subject, score = e[0], e[1]
        if timestamp <= self.stored.get(subject, (0, 0))[1]:
            return [("ScoreSkipped", NOT_NEWER)]
        if self.threshold == 1:
            self.stored[subject] = (score, timestamp)
            return [("ScorePosted", operator)]
        voters = self.votes.setdefault((self.epoch, e, timestamp), set())
        if operator in voters:
            return [("ScoreSkipped", ALREADY_ATTESTED)]
        voters.add(operator)
        if len(voters) < self.threshold:
            return [("ScoreAttested", len(voters))]
        self.stored[subject] = (score, timestamp)
        return [("ScoreAttested", len(voters)), ("ScorePosted", operator)]

    @rule(k=st.integers(1, 3))
    def set_threshold(self, k):
        self.oracle.setThreshold(k, {"from": self.governor})
        self.threshold, self.epoch = k, self.epoch + 1

    @invariant()
    def stored_scores_match_the_model(self):
        for subject in SUBJECTS:
            score = self.oracle.scoreOf(subject)
            assert (int(score[0]), int(score[4])) == self.stored.get(subject, (0, 0))

    @invariant()
    def quorum_matches_the_model(self):
        assert tuple(self.oracle.quorum()) == (self.threshold, 3, self.epoch)


KEY_FIELD = {"ScoreSkipped": "reason", "ScorePosted": "operator", "ScoreAttested": "count"}


def _key(ev):
    """The field of an event the model predicts."""
    value = ev[KEY_FIELD[ev.name]]
    return str(value) if ev.name == "ScorePosted" else int(value)


@pytest.fixture
def three_operators(risk_oracle, ai_registry, admin, regulator, model_operator, second_operator):
    """A third oracle operator (accounts[13]) besides the two of the AI fixtures."""
    third = accounts[13]
    ai_registry.register(third, Kind.ORACLE_OPERATOR, jurisdiction("CN"), kyc_expiry(), {"from": regulator})
    risk_oracle.grantRole(risk_oracle.OPERATOR_ROLE(), third, {"from": admin})
    return [model_operator, second_operator, third]


def test_k_of_n_scores_follow_the_model(risk_oracle, version, three_operators, admin):
    risk_oracle.setThreshold(2, {"from": admin})
    run_stateful(QuorumMachine, oracle=risk_oracle, version=version, operators=three_operators, governor=admin)
