"""What the risk oracle refuses: rows its model cannot judge are never posted and are reported with
subject, feature and reason; a features file that drifted from the training sample posts nothing;
a posted score's explanation document (with the drift figures) is kept and hashes to the ledger's
explanationHash; and a reviewer approves a model only on a validation report."""

import hashlib
import json
import logging

import pandas as pd
import pytest
from tests.ai.support import make_scorer, posted_events, subject_address, write_features
from tests.support.chain import local_network
from click.testing import CliRunner
from web3 import Web3

from models import german_credit
from models.datasets import GERMAN_CREDIT_CSV, GERMAN_CREDIT_DECLARATIONS
from models.split import split
from models.train import train
from models.validate import validate
from oracles.risk.daemon import DriftRefused
from oracles.risk.scorer import lightgbm_scorer

REFUSED = {3: "unseen_category:purpose", 7: "outside_bounds:duration_months"}


def refusing_scorer(refused=REFUSED):
    """The test scorer, with the rows at `refused` positions outside its model's domain."""
    inner = make_scorer()

    def score(features):
        scored = inner(features)
        scored["status"] = ["ok"] * len(scored)
        for position, status in refused.items():
            scored.loc[position, ["status", "score_bps", "explanation_hash"]] = [status, None, None]
        return scored

    score.model_hash = inner.model_hash
    return score


def test_unscorable_rows_are_not_posted_and_are_reported(make_daemon, daemon_settings, daemon_w3, risk_oracle,
                                                         start_block, caplog):
    write_features(daemon_settings().features, list(range(100, 110)))
    daemon = make_daemon(refusing_scorer())
    with caplog.at_level(logging.WARNING, logger="greenfi.oracle.risk"):
        result = daemon.run_once()
    assert result["unscorable"] == 2 and result["selected"] == 8
    subjects, _ = posted_events(daemon_w3, risk_oracle, start_block)
    assert set(subjects) == {subject_address(i) for i in range(10)} - {subject_address(3), subject_address(7)}
    status, body = daemon.metrics.health()
    assert status == 200 and body["unscorable_count"] == 2
    assert body["unscorable"] == [
        {"subject": subject_address(3), "feature": "purpose", "reason": "unseen_category"},
        {"subject": subject_address(7), "feature": "duration_months", "reason": "outside_bounds"},
    ]
    assert "greenfi_risk_scores_unscorable 2" in daemon.metrics.prometheus()
    assert f"unscorable: subject {subject_address(7)}, feature duration_months, reason outside_bounds" in caplog.text


def test_a_subject_that_turns_unscorable_keeps_its_old_score_until_it_expires(make_daemon, daemon_settings, daemon_w3,
                                                                              risk_oracle, start_block):
    from brownie import chain

    write_features(daemon_settings().features, [500, 600])
    make_daemon(validity=3600, heartbeat=60).run_once()
    chain.sleep(120)
    chain.mine()
    block = daemon_w3.eth.block_number
    make_daemon(refusing_scorer({0: "far_outside_range:age_years"}), validity=3600, heartbeat=60).run_once()
    assert int(risk_oracle.scoreOf(subject_address(0))[0]) == 500  # not re-posted, not overwritten
    assert daemon_w3.eth.block_number == block + 1  # only subject 1's heartbeat re-post
    chain.sleep(3600)
    chain.mine()
    import brownie

    with brownie.reverts():
        risk_oracle.latestScore(subject_address(0))  # expired as usual: consumers refuse it


def test_drift_over_the_threshold_refuses_the_cycle(make_daemon, daemon_settings, daemon_w3):
    scorer = make_scorer()
    scorer.drift = lambda features: {"measured": True, "rows": len(features), "min_rows": 100, "threshold": 0.25,
                                     "psi": {"x": 0.61, "y": 0.02}, "max_psi": 0.61, "over": ["x"]}
    write_features(daemon_settings().features, list(range(10)))
    daemon = make_daemon(scorer)
    block = daemon_w3.eth.block_number
    with pytest.raises(DriftRefused, match=r"drift gate: PSI over the model card's threshold 0.25 for x 0.610"):
        daemon.run_once()
    assert daemon_w3.eth.block_number == block and daemon.outbox.counts()["pending"] == 0
    status, body = daemon.metrics.health()
    assert status == 503 and "drift gate" in body["last_error"] and body["drift"]["over"] == ["x"]
    assert daemon.metrics.get("drift_refusals_total") == 1 and daemon.metrics.get("drift_psi_max") == 0.61


# ---------------------------------------------------------------- the LightGBM model end to end


@pytest.fixture(scope="module")
def credit_model(tmp_path_factory):
    work = tmp_path_factory.mktemp("credit")
    split(GERMAN_CREDIT_CSV, german_credit.TARGET, work / "train.csv", work / "validation.csv", seed=3)
    train(work / "train.csv", german_credit.TARGET, work / "model", positive="bad", folds=3, repeats=1,
          declarations=GERMAN_CREDIT_DECLARATIONS)
    return work


def applicants(credit_model, rows=150):
    table = pd.read_csv(credit_model / "validation.csv", dtype=str).drop(columns=german_credit.TARGET).head(rows)
    table.insert(0, "subject", [subject_address(i) for i in range(len(table))])
    return table


def test_real_model_posts_explained_scores_and_refuses_drift(credit_model, make_daemon, daemon_settings, daemon_w3,
                                                             risk_oracle, start_block):
    features = applicants(credit_model)
    features.loc[5, "credit_amount"] = "-20"
    features.to_csv(daemon_settings().features, index=False)
    scorer = lightgbm_scorer(credit_model / "model")
    daemon = make_daemon(scorer)
    result = daemon.run_once()
    assert result["unscorable"] == 1 and result["selected"] == 149
    subjects, _ = posted_events(daemon_w3, risk_oracle, start_block)
    assert subject_address(5) not in subjects and len(subjects) == 149
    stored_hash = "0x" + bytes(risk_oracle.scoreOf(subject_address(0))[3]).hex()
    document = daemon.outbox.explanation(stored_hash)
    assert "0x" + hashlib.sha256(document.encode()).hexdigest() == stored_hash
    body = json.loads(document)
    assert body["encoding"] == "greenfi-explanation-json-v2" and body["domain"] == "ok"
    assert body["drift"]["measured"] and body["drift"]["rows"] == 150 and len(body["drift"]["psi"]) == 20
    assert len(body["reasons"]) == 3

    drifted = features.assign(checking_account_status="A14")  # every applicant without a checking account
    drifted.to_csv(daemon_settings().features, index=False)
    block = daemon_w3.eth.block_number
    with pytest.raises(DriftRefused, match="checking_account_status"):
        make_daemon(scorer).run_once()
    assert daemon_w3.eth.block_number == block


# ---------------------------------------------------------------- approval on a validation report


def approve_args(daemon_w3, model_registry, auditor, version, report):
    return ["oracle", "approve-model", "--network", local_network(), "--rpc-url", daemon_w3.provider.endpoint_uri,
            "--from", auditor.address, "--model-registry", model_registry.address, "--version", str(version),
            "--report", str(report)]


@pytest.fixture
def registered(tmp_path, model_registry, model_operator, credit_model):
    from oracles.risk.registration import model_spec

    spec = model_spec(credit_model / "model")
    model_registry.registerModel(spec.as_args(), "", {"from": model_operator})
    return model_registry.versionOf(spec.model_hash)


def test_approve_model_shows_the_report_then_signs_its_hash(monkeypatch, tmp_path, credit_model, registered,
                                                            daemon_w3, model_registry, auditor):
    from greenfi.cli import cli

    monkeypatch.setattr("greenfi.cli._load_dotenv", lambda: None)
    report = validate(credit_model / "model", credit_model / "validation.csv", tmp_path / "report.json")
    args = approve_args(daemon_w3, model_registry, auditor, registered, tmp_path / "report.json")
    declined = CliRunner().invoke(cli, args, input="n\n")
    assert declined.exit_code == 1 and "AUC" in declined.output and "not approved" in declined.output
    assert model_registry.statusOf(registered) == 1
    result = CliRunner().invoke(cli, args, input="y\n")
    assert result.exit_code == 0, result.output
    assert result.output.index("AUC") < result.output.index("approved version")  # shown before it signs
    assert f"monotone     credit_amount increasing: 0 of {report['data']['scored_rows']} rows violate" in result.output
    assert model_registry.isApproved(registered)
    topic = Web3.keccak(text="ModelStatusChanged(uint256,uint8,uint8,address,bytes32)")
    (log,) = daemon_w3.eth.get_logs({"fromBlock": daemon_w3.eth.block_number, "address": model_registry.address,
                                     "topics": [topic]})
    assert "0x" + bytes(log["data"])[64:96].hex() == report["report_sha256"]  # from, to, reasonHash


@pytest.mark.parametrize("case", ["missing", "not json", "other model", "unknown version"])
def test_approve_model_refuses_without_a_matching_report(monkeypatch, tmp_path, case, registered, daemon_w3,
                                                         model_registry, auditor, credit_model):
    from greenfi.cli import cli

    monkeypatch.setattr("greenfi.cli._load_dotenv", lambda: None)
    path, version = tmp_path / "report.json", registered
    if case == "not json":
        path.write_text("AUC 0.8, trust me")
    elif case in ("other model", "unknown version"):
        report = validate(credit_model / "model", credit_model / "validation.csv", path)
        if case == "other model":
            body = json.loads(path.read_text())
            body["model"]["model_sha256"] = "0x" + "ab" * 32
            path.write_text(json.dumps(body))
        else:
            version = registered + 5
        assert report["format"]
    result = CliRunner().invoke(cli, approve_args(daemon_w3, model_registry, auditor, version, path) + ["--yes"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith("error: ")
    expected = {"missing": "run greenfi model validate first", "not json": "is not JSON",
                "other model": "but version", "unknown version": f"has no version {version}"}[case]
    assert expected in result.output
    assert model_registry.statusOf(registered) == 1  # still only registered
