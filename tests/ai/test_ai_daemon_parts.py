"""The daemon's pure parts: settings, feature reading, the scorer contract, the post/skip rule,
the explanation hash, the outbox's states, and the `greenfi oracle risk` command line."""

import hashlib
import json

import pandas as pd
import pytest
from tests.ai.support import make_scorer, subject_address, write_features
from click.testing import CliRunner

from greenfi.cli import cli
from greenfi.errors import ConfigError
from oracles.risk.outbox import Outbox
from oracles.risk.policy import LastPosted, batches, should_post
from oracles.risk.scorer import ScoredRow, ScoringError, check_scores, explanation_hash, read_features
from oracles.risk.settings import RiskSettings, from_env

H = "0x" + "ab" * 32


# ---------------------------------------------------------------- settings


def test_settings_from_env_with_cli_overrides(tmp_path):
    env = {"GREENFI_RISK_FEATURES": "f.csv", "GREENFI_RISK_MODEL_DIR": "m", "GREENFI_RISK_THRESHOLD_BPS": "25",
           "GREENFI_RISK_INTERVAL": "2.5", "GREENFI_RISK_PORT": "9999"}
    settings = from_env(env, port=0, batch_size=None)
    assert (str(settings.features), str(settings.model_dir)) == ("f.csv", "m")
    assert (settings.threshold_bps, settings.interval, settings.port, settings.batch_size) == (25, 2.5, 0, 256)


@pytest.mark.parametrize("env, message", [
    ({}, "missing setting features"),
    ({"GREENFI_RISK_FEATURES": "f"}, "missing setting model_dir"),
    ({"GREENFI_RISK_FEATURES": "f", "GREENFI_RISK_MODEL_DIR": "m", "GREENFI_RISK_HEARTBEAT": "soon"},
     "GREENFI_RISK_HEARTBEAT must be a number"),
])
def test_settings_from_env_errors(env, message):
    with pytest.raises(ConfigError, match=message):
        from_env(env)


@pytest.mark.parametrize("overrides, message", [
    ({"batch_size": 257}, "batch_size must lie in 1..256"),
    ({"batch_size": 0}, "batch_size must lie in 1..256"),
    ({"threshold_bps": 10_001}, "threshold_bps must lie in 0..10000"),
    ({"heartbeat": 7 * 86400}, "heartbeat .* must be shorter than validity"),
    ({"model_version": 0}, "model_version must be a registered version id"),
    ({"max_failures": 0}, "max_failures must be at least 1"),
    ({"confirmations": 0}, "confirmations must be at least 1"),
    ({"port": 70000}, "port must lie in 0..65535"),
    ({"interval": 0}, "interval and confirm_timeout must be positive"),
    ({"subject_column": ""}, "subject_column must not be empty"),
])
def test_settings_validation(tmp_path, overrides, message):
    with pytest.raises(ConfigError, match=message):
        RiskSettings(features=tmp_path / "f.csv", model_dir=tmp_path, **overrides)


# ---------------------------------------------------------------- features and scorer output


def test_read_features_keeps_text_cells(tmp_path):
    path = write_features(tmp_path / "f.csv", [5, 7])
    table = read_features(path, "subject")
    assert list(table["x"]) == ["5", "7"] and list(table["subject"]) == [subject_address(0), subject_address(1)]


@pytest.mark.parametrize("body, message", [
    ("", "is empty"),
    ("subject,x\n", "has no data rows"),
    ("who,x\n0x1,2\n", "has no subject column 'subject'"),
    ("subject,x\nnot-an-address,2\n", "line 2: subject 'not-an-address' is not an address"),
    ("subject,x\n,2\n", "line 2: subject nan is not an address"),
    (f"subject,x\n{'0x' + '11' * 20},1\n{'0x' + '11' * 20},2\n", "line 3: subject 0x1111111111111111111111111111111111111111 repeats line 2"),
])
def test_read_features_rejects_bad_files(tmp_path, body, message):
    path = tmp_path / "f.csv"
    path.write_text(body)
    with pytest.raises(ScoringError, match=message):
        read_features(path, "subject")
    with pytest.raises(ScoringError, match="not found"):
        read_features(tmp_path / "missing.csv", "subject")


def good_output(**changes):
    frame = pd.DataFrame({"subject": [subject_address(0)], "score_bps": [1234], "input_hash": [H],
                          "explanation_hash": [H]})
    for column, value in changes.items():
        frame[column] = [value]
    return frame


def test_check_scores_accepts_the_contract():
    (row,) = check_scores(good_output(input_hash=H.upper().replace("0X", "0x")), 1)
    assert row == ScoredRow(subject_address(0), 1234, H, H)


@pytest.mark.parametrize("frame, message", [
    (good_output().drop(columns=["input_hash"]), "lacks column 'input_hash'"),
    (good_output(score_bps=10_001), "score_bps 10001 is not an integer in 0..10000"),
    (good_output(score_bps=-1), "score_bps -1 is not an integer"),
    (good_output(score_bps=12.5), "score_bps 12.5 is not an integer"),
    (good_output(subject="0x12"), "subject '0x12' is not an address"),
    (good_output(explanation_hash="0x12"), "explanation_hash '0x12' is not 0x \\+ 64 hex digits"),
])
def test_check_scores_names_what_breaks_the_contract(frame, message):
    with pytest.raises(ScoringError, match=message):
        check_scores(frame, 1)
    with pytest.raises(ScoringError, match="returned 1 rows for 2 feature rows"):
        check_scores(good_output(), 2)


def test_the_test_scorer_meets_the_contract(tmp_path):
    table = read_features(write_features(tmp_path / "f.csv", [0, 10_000, 42]), "subject")
    rows = check_scores(make_scorer()(table), 3)
    assert [r.score_bps for r in rows] == [0, 10_000, 42]


def test_explanation_hash_encoding():
    body = '[["duration","0.421300"],["purpose","-0.100000"]]'
    assert explanation_hash([("duration", 0.4213), ("purpose", -0.1)]) == "0x" + hashlib.sha256(body.encode()).hexdigest()
    assert json.loads(body)  # the documented encoding is valid JSON


# ---------------------------------------------------------------- the post/skip rule


ROW = ScoredRow(subject_address(0), 5000, H, H)


@pytest.mark.parametrize("last, now, expected", [
    (None, 1000, True),  # never posted
    (LastPosted(5000, 1, 900), 1000, False),  # unchanged, fresh
    (LastPosted(5100, 1, 900), 1000, False),  # moved by exactly the threshold
    (LastPosted(5101, 1, 900), 1000, True),  # moved beyond it
    (LastPosted(4899, 1, 900), 1000, True),
    (LastPosted(5000, 2, 900), 1000, True),  # another model version
    (LastPosted(5000, 1, 900), 900 + 3600, True),  # heartbeat reached
    (LastPosted(5000, 1, 901), 900 + 3600, False),  # a second short of it
    (LastPosted(9000, 1, 1000), 1000, False),  # changed, but not a newer timestamp than the chain's
])
def test_should_post(last, now, expected):
    assert should_post(ROW, last, 1, now, threshold_bps=100, heartbeat=3600) == expected


def test_batches_split_at_the_size():
    assert [len(b) for b in batches([ROW] * 1000, 256)] == [256, 256, 256, 232]
    assert batches([], 256) == []


# ---------------------------------------------------------------- the outbox


def test_outbox_states_and_last_posted(tmp_path):
    outbox = Outbox(tmp_path / "o.sqlite")
    a, b = ScoredRow(subject_address(0), 10, H, H), ScoredRow(subject_address(1), 20, H, H)
    first = outbox.add("0xSender", 7, 1, 1000, 2000, [a, b])
    assert first.state == "pending" and first.items == [a, b] and outbox.next_nonce("0xSender") == 8
    assert outbox.in_flight_subjects() == {a.subject, b.subject}
    outbox.mark_sent(first.id, "0x" + "01" * 32)
    assert outbox.get(first.id).state == "sent" and outbox.counts()["sent"] == 2
    outbox.mark_confirmed(first.id, 12)
    assert outbox.get(first.id).block == 12 and outbox.open_batches() == []
    assert outbox.last_posted() == {a.subject: LastPosted(10, 1, 1000), b.subject: LastPosted(20, 1, 1000)}
    second = outbox.add("0xSender", 8, 1, 900, 2000, [a])  # an older batch confirmed late never wins
    outbox.mark_confirmed(second.id, 13)
    assert outbox.last_posted()[a.subject] == LastPosted(10, 1, 1000)
    third = outbox.add("0xSender", 9, 1, 1100, 2000, [b])
    outbox.mark_failed(third.id, "reverted")
    fourth = outbox.add("0xSender", 9, 1, 1100, 2000, [b])
    outbox.mark_dropped(fourth.id)
    assert outbox.counts() == {"pending": 0, "sent": 0, "confirmed": 3, "failed": 1, "dropped": 1}
    assert outbox.next_nonce("0xSender") is None
    outbox.close()
    reopened = Outbox(tmp_path / "o.sqlite")  # the state survives the process
    assert reopened.last_posted()[b.subject] == LastPosted(20, 1, 1000)
    reopened.close()


# ---------------------------------------------------------------- the command line


@pytest.fixture
def runner(monkeypatch):
    monkeypatch.setattr("greenfi.cli._load_dotenv", lambda: None)
    for var in ("GREENFI_RISK_FEATURES", "GREENFI_RISK_MODEL_DIR", "GREENFI_RISK_RPC_URL", "GREENFI_RISK_FROM"):
        monkeypatch.delenv(var, raising=False)
    return CliRunner()


def test_oracle_risk_has_help(runner):
    result = runner.invoke(cli, ["oracle", "risk", "--help"])
    assert result.exit_code == 0 and "Usage: cli oracle risk" in result.output and "--once" in result.output


@pytest.mark.parametrize("args, message", [
    ([], "error: missing setting features"),
    (["--features", "f.csv", "--model", "m", "--batch-size", "300"], "error: batch_size must lie in 1..256"),
    (["--features", "f.csv", "--model", "m", "--scorer", "nowhere"], "error: --scorer must look like MODULE:FACTORY"),
    (["--features", "f.csv", "--model", "m", "--scorer", "no_such_module:f"], "error: --scorer: cannot import"),
    (["--features", "f.csv", "--model", "m", "--scorer", "tests.ai.support:nothing"], "error: --scorer: tests.ai.support has no callable"),
    (["--features", "f.csv", "--model", "m", "--scorer", "tests.ai.support:make_scorer", "--rpc-url", "http://127.0.0.1:9"],
     "error: cannot reach the node of 'development'"),
])
def test_oracle_risk_bad_input_is_one_line(runner, args, message):
    result = runner.invoke(cli, ["oracle", "risk", "--network", "development", *args])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr


# ---------------------------------------------------------------- model directories → registrations


def test_model_spec_from_a_model_directory(tmp_path):
    from tests.ai.support import write_model_dir

    from oracles.risk.registration import canonical_hash, model_spec

    model = write_model_dir(tmp_path / "model")
    spec = model_spec(model)
    assert spec.model_hash == "0x" + hashlib.sha256((model / "model.txt").read_bytes()).hexdigest()
    assert spec.card_hash == "0x" + hashlib.sha256((model / "model_card.json").read_bytes()).hexdigest()
    assert spec.training_data_hash == "0x" + "cd" * 32
    assert spec.feature_schema_hash == canonical_hash({"features": [{"categories": [], "dtype": "float64", "name": "x"}]})
    assert spec.metrics_bps == (7900, 4500, 1700, 7600)
    assert spec.as_args()[5] == (7900, 4500, 1700, 7600) and len(spec.as_args()[0]) == 32


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "SHA256SUMS").unlink(), "SHA256SUMS not found"),
    (lambda d: (d / "model_card.json").write_text("{}"), "does not match its SHA256SUMS entry"),
    (lambda d: (d / "SHA256SUMS").write_text(""), "does not list model.txt"),
])
def test_model_spec_rejects_broken_directories(tmp_path, damage, message):
    from tests.ai.support import write_model_dir

    from oracles.risk.registration import ModelDirError, model_spec

    model = write_model_dir(tmp_path / "model")
    damage(model)
    with pytest.raises(ModelDirError, match=message):
        model_spec(model)


def test_model_spec_rejects_metrics_outside_0_1(tmp_path):
    from tests.ai.support import write_model_dir

    from oracles.risk.registration import ModelDirError, model_spec

    with pytest.raises(ModelDirError, match="metric auc is not a share"):
        model_spec(write_model_dir(tmp_path / "model", auc=1.5))
