"""RiskOracle: batches of scores, the consumer view's staleness rules, and every refusal."""

import brownie
import pytest
from tests.ai.support import DAY, MAX_AGE, NO_REASON, REPORT, h32, spec
from brownie import RiskOracle, chain
from eth_utils import to_checksum_address
from tests.support.chain import custom_error, event, mine_at

from greenfi.domain.participants import Reason

SUBJECTS = [to_checksum_address("0x" + f"{i:02x}" * 20) for i in (0xA1, 0xB2, 0xC3)]  # scored firms


def subject(i):
    return to_checksum_address("0x" + (i + 1).to_bytes(20, "big").hex())


def now():
    return chain[-1].timestamp


def batch(subjects, scores=None, seed=0):
    """The four parallel arrays of a batch."""
    scores = scores or [1000 + i for i in range(len(subjects))]
    return ([getattr(s, "address", s) for s in subjects], scores,
            [h32(seed * 1000 + i + 1) for i in range(len(subjects))],
            [h32(seed * 1000 + i + 501) for i in range(len(subjects))])


def post(oracle, sender, version, arrays, timestamp=None, expiry=None):
    timestamp = now() if timestamp is None else timestamp
    expiry = timestamp + 7 * DAY if expiry is None else expiry
    return oracle.postScores(version, timestamp, expiry, *arrays, {"from": sender})


def as_tuple(score):
    return (int(score[0]), int(score[1]), str(score[2]), str(score[3]), int(score[4]), int(score[5]))


def advance(seconds):
    chain.sleep(seconds)
    chain.mine()


# ---------------------------------------------------------------- posting


def test_post_stores_every_score_and_logs_each(risk_oracle, model_operator, version):
    arrays = batch(SUBJECTS, [0, 5000, 10_000])
    timestamp = now()
    tx = post(risk_oracle, model_operator, version, arrays, timestamp, timestamp + 7 * DAY)
    assert len(tx.events["ScorePosted"]) == 3
    for i, subject in enumerate(SUBJECTS):
        expected = (arrays[1][i], version, arrays[2][i], arrays[3][i], timestamp, timestamp + 7 * DAY)
        assert as_tuple(risk_oracle.latestScore(subject)) == expected
        assert as_tuple(risk_oracle.scoreOf(subject)) == expected
        assert event(tx, "ScorePosted", i) == {
            "subject": subject, "modelVersion": version, "operator": model_operator, "scoreBps": arrays[1][i],
            "inputHash": arrays[2][i], "explanationHash": arrays[3][i], "timestamp": timestamp,
            "expiry": timestamp + 7 * DAY,
        }


def test_a_full_batch_of_256(risk_oracle, model_operator, version):
    subjects = [subject(i) for i in range(256)]
    tx = post(risk_oracle, model_operator, version, batch(subjects))
    assert len(tx.events["ScorePosted"]) == 256
    assert int(risk_oracle.latestScore(subjects[-1])[0]) == 1255


def test_newer_scores_replace_older_ones(risk_oracle, model_operator, second_operator, version):
    first = now()
    post(risk_oracle, model_operator, version, batch(SUBJECTS[:1], [4000]), first)
    advance(60)
    tx = post(risk_oracle, second_operator, version, batch(SUBJECTS[:1], [4200], seed=1))
    assert int(risk_oracle.latestScore(SUBJECTS[0])[0]) == 4200
    assert int(risk_oracle.latestScore(SUBJECTS[0])[4]) > first
    assert event(tx, "ScorePosted")["operator"] == second_operator


def test_post_requires_operator_role(risk_oracle, enterprise, version):
    role = risk_oracle.OPERATOR_ROLE()
    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", enterprise, role)):
        post(risk_oracle, enterprise, version, batch(SUBJECTS))
    assert int(risk_oracle.scoreOf(SUBJECTS[0])[4]) == 0


@pytest.mark.parametrize("case", ["unregistered", "wrong-kind", "frozen", "removed"])
def test_post_requires_a_registered_oracle_operator(risk_oracle, ai_registry, admin, regulator, model_operator,
                                                    enterprise, outsider, version, case):
    sender, reason = {
        "unregistered": (outsider, Reason.NOT_REGISTERED), "wrong-kind": (enterprise, Reason.WRONG_KIND),
        "frozen": (model_operator, Reason.FROZEN), "removed": (model_operator, Reason.NOT_REGISTERED),
    }[case]
    risk_oracle.grantRole(risk_oracle.OPERATOR_ROLE(), sender, {"from": admin})
    if case == "frozen":
        ai_registry.freeze(sender, NO_REASON, {"from": regulator})
    if case == "removed":
        ai_registry.remove(sender, {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", sender, reason)):
        post(risk_oracle, sender, version, batch(SUBJECTS))
    assert int(risk_oracle.scoreOf(SUBJECTS[0])[4]) == 0


def test_post_refused_while_the_network_is_paused(risk_oracle, ai_registry, regulator, model_operator, version):
    ai_registry.pause({"from": regulator})
    with brownie.reverts(custom_error("NetworkPaused")):
        post(risk_oracle, model_operator, version, batch(SUBJECTS))


@pytest.mark.parametrize("status_call", [None, "suspend", "retire"])
def test_post_requires_an_approved_model(risk_oracle, model_registry, model_operator, auditor, version,
                                         status_call):
    if status_call:
        getattr(model_registry, status_call)(version, NO_REASON, {"from": auditor})
        target = version
    else:
        model_registry.registerModel(spec(2), "", {"from": model_operator})  # registered, not approved
        target = 2
    with brownie.reverts(custom_error("ModelNotApproved", target)):
        post(risk_oracle, model_operator, target, batch(SUBJECTS))
    with brownie.reverts(custom_error("ModelNotApproved", 99)):
        post(risk_oracle, model_operator, 99, batch(SUBJECTS))
    assert int(risk_oracle.scoreOf(SUBJECTS[0])[4]) == 0


def test_post_rejects_a_timestamp_in_the_future(risk_oracle, model_operator, version):
    future = now() + 3600
    with brownie.reverts(revert_pattern=rf"TimestampInFuture: {future}, \d+"):  # block time: now or a second later
        post(risk_oracle, model_operator, version, batch(SUBJECTS), future)
    assert int(risk_oracle.scoreOf(SUBJECTS[0])[4]) == 0


@pytest.mark.parametrize("delta", [0, -1])
def test_post_rejects_expiry_not_after_timestamp(risk_oracle, model_operator, version, delta):
    timestamp = now()
    with brownie.reverts(custom_error("InvalidExpiry", timestamp, timestamp + delta)):
        post(risk_oracle, model_operator, version, batch(SUBJECTS), timestamp, timestamp + delta)


def test_post_rejects_a_score_above_10000(risk_oracle, model_operator, version):
    with brownie.reverts(custom_error("ScoreOutOfRange", SUBJECTS[1], 10_001)):
        post(risk_oracle, model_operator, version, batch(SUBJECTS, [100, 10_001, 200]))
    assert int(risk_oracle.scoreOf(SUBJECTS[0])[4]) == 0  # all or nothing


def test_post_rejects_zero_subject(risk_oracle, model_operator, version):
    with brownie.reverts(custom_error("ZeroSubject", 1)):
        post(risk_oracle, model_operator, version, batch([SUBJECTS[0], brownie.ZERO_ADDRESS]))
    assert int(risk_oracle.scoreOf(SUBJECTS[0])[4]) == 0


@pytest.mark.parametrize("short", [1, 2, 3])
def test_post_rejects_length_mismatch(risk_oracle, model_operator, version, short):
    arrays = list(batch(SUBJECTS))
    arrays[short] = arrays[short][:2]
    with brownie.reverts(custom_error("LengthMismatch")):
        post(risk_oracle, model_operator, version, arrays)


def test_post_rejects_empty_and_oversized_batches(risk_oracle, model_operator, version):
    with brownie.reverts(custom_error("EmptyBatch")):
        post(risk_oracle, model_operator, version, ([], [], [], []))
    subjects = [subject(i) for i in range(257)]
    with brownie.reverts(custom_error("BatchTooLarge", 257, 256)):
        post(risk_oracle, model_operator, version, batch(subjects))


@pytest.mark.parametrize("delta", [0, -1])
def test_post_skips_a_timestamp_not_newer_than_the_stored_one(risk_oracle, model_operator, second_operator,
                                                               version, delta):
    """Another operator's newer score does not make this batch revert: the moot entry is skipped
    with ScoreSkipped(NotNewer) and the rest of the batch applies (behaviour changed by issue 15)."""
    first = now() - 10
    post(risk_oracle, second_operator, version, batch(SUBJECTS[1:2]), first)
    stored = as_tuple(risk_oracle.scoreOf(SUBJECTS[1]))
    tx = post(risk_oracle, model_operator, version, batch(SUBJECTS[:2], seed=1), first + delta)
    assert event(tx, "ScoreSkipped") == {"subject": SUBJECTS[1], "operator": model_operator,
                                         "timestamp": first + delta, "storedTimestamp": first, "reason": 0}
    assert len(tx.events["ScorePosted"]) == 1 and tx.events["ScorePosted"][0]["subject"] == SUBJECTS[0]
    assert int(risk_oracle.scoreOf(SUBJECTS[0])[4]) == first + delta
    assert as_tuple(risk_oracle.scoreOf(SUBJECTS[1])) == stored


# ---------------------------------------------------------------- the consumer view


def test_latest_score_of_a_subject_without_score(risk_oracle):
    with brownie.reverts(custom_error("NoScore", SUBJECTS[0])):
        risk_oracle.latestScore(SUBJECTS[0])


def test_latest_score_expires_at_expiry(risk_oracle, model_operator, version):
    timestamp = now()
    post(risk_oracle, model_operator, version, batch(SUBJECTS[:1]), timestamp, timestamp + DAY)
    mine_at(timestamp + DAY - 1)
    assert int(risk_oracle.latestScore(SUBJECTS[0])[0]) == 1000  # a second before expiry: still valid
    mine_at(timestamp + DAY)
    with brownie.reverts(custom_error("ScoreExpired", SUBJECTS[0], timestamp + DAY)):
        risk_oracle.latestScore(SUBJECTS[0])


def test_latest_score_goes_stale_after_max_age(risk_oracle, model_operator, version):
    timestamp = now()
    post(risk_oracle, model_operator, version, batch(SUBJECTS[:1]), timestamp, timestamp + 365 * DAY)
    mine_at(timestamp + MAX_AGE)
    assert int(risk_oracle.latestScore(SUBJECTS[0])[0]) == 1000  # exactly maxAge old: still fresh
    mine_at(timestamp + MAX_AGE + 1)
    with brownie.reverts(custom_error("ScoreStale", SUBJECTS[0], timestamp, MAX_AGE)):
        risk_oracle.latestScore(SUBJECTS[0])


def test_expiry_is_reported_before_staleness(risk_oracle, model_operator, version):
    timestamp = now()
    post(risk_oracle, model_operator, version, batch(SUBJECTS[:1]), timestamp, timestamp + DAY)
    advance(MAX_AGE + DAY)
    with brownie.reverts(custom_error("ScoreExpired", SUBJECTS[0], timestamp + DAY)):
        risk_oracle.latestScore(SUBJECTS[0])


@pytest.mark.parametrize("status_call", ["suspend", "retire"])
def test_latest_score_refuses_scores_of_a_model_no_longer_approved(risk_oracle, model_registry, model_operator,
                                                                  auditor, version, status_call):
    post(risk_oracle, model_operator, version, batch(SUBJECTS[:1]))
    getattr(model_registry, status_call)(version, NO_REASON, {"from": auditor})
    with brownie.reverts(custom_error("ModelNotApproved", version)):
        risk_oracle.latestScore(SUBJECTS[0])
    assert int(risk_oracle.scoreOf(SUBJECTS[0])[0]) == 1000  # the record itself stays auditable
    if status_call == "suspend":
        model_registry.approve(version, REPORT, {"from": auditor})
        assert int(risk_oracle.latestScore(SUBJECTS[0])[0]) == 1000


def test_set_max_age(risk_oracle, admin, model_operator, version):
    timestamp = now()
    post(risk_oracle, model_operator, version, batch(SUBJECTS[:1]), timestamp)
    tx = risk_oracle.setMaxAge(3600, {"from": admin})
    assert event(tx, "MaxAgeSet") == {"maxAge": 3600} and risk_oracle.maxAge() == 3600
    advance(3601 - (now() - timestamp))
    with brownie.reverts(custom_error("ScoreStale", SUBJECTS[0], timestamp, 3600)):
        risk_oracle.latestScore(SUBJECTS[0])


def test_set_max_age_refusals(risk_oracle, admin, model_operator):
    bound = risk_oracle.MAX_MAX_AGE()
    assert bound == 365 * DAY
    for bad in (0, bound + 1):
        with brownie.reverts(custom_error("InvalidMaxAge", bad, bound)):
            risk_oracle.setMaxAge(bad, {"from": admin})
    risk_oracle.setMaxAge(bound, {"from": admin})
    risk_oracle.setMaxAge(MAX_AGE, {"from": admin})
    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", model_operator,
                                      risk_oracle.GOVERNOR_ROLE())):
        risk_oracle.setMaxAge(60, {"from": model_operator})
    assert risk_oracle.maxAge() == MAX_AGE


def test_constructor_refusals(ai_registry, model_registry, admin):
    with brownie.reverts(custom_error("ModelRegistryZeroAddress")):
        RiskOracle.deploy(ai_registry, brownie.ZERO_ADDRESS, admin, MAX_AGE, {"from": admin})
    with brownie.reverts(custom_error("InvalidMaxAge", 0, 365 * DAY)):
        RiskOracle.deploy(ai_registry, model_registry, admin, 0, {"from": admin})
    with brownie.reverts(custom_error("RegistryZeroAddress")):
        RiskOracle.deploy(brownie.ZERO_ADDRESS, model_registry, admin, MAX_AGE, {"from": admin})
