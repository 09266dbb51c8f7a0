"""The risk oracle daemon against the Brownie test chain: batching, change detection, restart
safety (a crash around the send never posts a score twice), /health and /metrics, the breaker."""

import json
import threading
import urllib.error
import urllib.request

import pytest
from tests.ai.support import (DAY, MODEL_HASH, NO_REASON, REPORT, make_scorer, posted_events, spec, subject_address,
                        write_features)
from brownie import chain
from tests.support.chain import local_network

from greenfi.errors import ConfigError
from oracles.risk.daemon import CircuitOpen
from oracles.risk.service import MetricsServer

N = 1000
SCORES = [(i * 37) % 10_001 for i in range(N)]


def test_1000_scores_post_in_4_transactions(make_daemon, daemon_settings, daemon_w3, risk_oracle, start_block):
    write_features(daemon_settings().features, SCORES)
    daemon = make_daemon()
    result = daemon.run_once()
    assert result == {"rows": N, "selected": N, "batches": 4, "skipped": 0, "unscorable": 0}
    subjects, transactions = posted_events(daemon_w3, risk_oracle, start_block)
    assert transactions == 4 and len(subjects) == N and set(subjects.values()) == {1}
    for i in (0, 255, 256, N - 1):
        score = risk_oracle.latestScore(subject_address(i))
        assert int(score[0]) == SCORES[i] and int(score[1]) == 1
    assert daemon.metrics.get("scores_posted_total") == N and daemon.metrics.get("scores_pending") == 0


def test_a_rerun_posts_nothing_then_only_what_changed(make_daemon, daemon_settings, daemon_w3, risk_oracle,
                                                      start_block):
    features = write_features(daemon_settings().features, SCORES)
    make_daemon(threshold_bps=100).run_once()
    block = daemon_w3.eth.block_number
    again = make_daemon(threshold_bps=100).run_once()
    assert again == {"rows": N, "selected": 0, "batches": 0, "skipped": N, "unscorable": 0}
    assert daemon_w3.eth.block_number == block  # not a single transaction
    changed = list(SCORES)
    for i in range(10):
        changed[i] = (changed[i] + 101) % 10_001  # beyond the threshold
    changed[10] = min(changed[10] + 100, 10_000) if changed[10] <= 9_900 else changed[10] - 100  # within it
    write_features(features, changed)
    chain.sleep(10)  # a newer score needs a newer timestamp than the posted one (same-second runs defer)
    chain.mine()
    third = make_daemon(threshold_bps=100).run_once()
    assert (third["selected"], third["batches"]) == (10, 1)
    assert int(risk_oracle.latestScore(subject_address(3))[0]) == changed[3]


def test_the_heartbeat_reposts_unchanged_scores(make_daemon, daemon_settings, daemon_w3, risk_oracle, start_block):
    write_features(daemon_settings().features, SCORES[:50])
    make_daemon(heartbeat=DAY).run_once()
    chain.sleep(DAY)
    chain.mine()
    result = make_daemon(heartbeat=DAY).run_once()
    assert (result["selected"], result["batches"]) == (50, 1)
    subjects, _ = posted_events(daemon_w3, risk_oracle, start_block)
    assert set(subjects.values()) == {2}


def test_a_lost_outbox_still_posts_nothing_twice(make_daemon, daemon_settings, daemon_w3, risk_oracle, tmp_path,
                                                 start_block):
    write_features(daemon_settings().features, SCORES[:300])
    make_daemon().run_once()
    result = make_daemon(outbox=tmp_path / "new-outbox.sqlite").run_once()
    assert result["selected"] == 0  # the last posted scores are read back from the chain
    subjects, _ = posted_events(daemon_w3, risk_oracle, start_block)
    assert len(subjects) == 300 and set(subjects.values()) == {1}


class Crash(Exception):
    pass


@pytest.mark.parametrize("moment", ["before-send", "after-send", "after-recording-send"])
def test_a_crash_around_the_send_never_posts_twice(make_daemon, daemon_settings, daemon_w3, risk_oracle,
                                                   start_block, monkeypatch, moment):
    write_features(daemon_settings().features, SCORES)
    crashing = make_daemon()
    if moment == "after-recording-send":
        real = crashing.outbox.mark_sent

        def mark_sent_then_crash(batch_id, tx_hash):
            real(batch_id, tx_hash)
            if batch_id == 2:
                raise Crash("killed after the send was recorded")

        monkeypatch.setattr(crashing.outbox, "mark_sent", mark_sent_then_crash)
    else:
        real_send = crashing.poster.send

        def send_then_crash(batch, gas_limit):
            if batch.id == 2 and moment == "before-send":
                raise Crash("killed before sending")
            tx_hash = real_send(batch, gas_limit)
            if batch.id == 2:
                raise Crash("killed after sending, before recording it")
            return tx_hash

        monkeypatch.setattr(crashing.poster, "send", send_then_crash)
    with pytest.raises(Crash):
        crashing.run_once()
    crashing.close()

    restarted = make_daemon()
    result = restarted.run_once()
    # Batch 2 is settled by reconciliation (confirmed, or re-sent with its own nonce); only the
    # rows of the batches never written (3 and 4) are selected anew.
    assert result["selected"] == N - 2 * 256
    subjects, _ = posted_events(daemon_w3, risk_oracle, start_block)
    assert len(subjects) == N and set(subjects.values()) == {1}  # every score exactly once
    assert restarted.outbox.counts()["confirmed"] == N
    assert make_daemon().run_once()["selected"] == 0


def test_health_and_metrics_over_http(make_daemon, daemon_settings):
    write_features(daemon_settings().features, SCORES[:20])
    daemon = make_daemon()
    server = MetricsServer(daemon.metrics, "127.0.0.1", 0).start()
    host, port = server.address
    try:
        status, body = get(f"http://{host}:{port}/health")
        assert status == 200 and json.loads(body)["status"] == "starting"
        daemon.run_once()
        status, body = get(f"http://{host}:{port}/health")
        health = json.loads(body)
        assert status == 200 and health["status"] == "ok" and health["pending"] == 0 and health["last_block"] > 0
        status, text = get(f"http://{host}:{port}/metrics")
        assert status == 200
        metrics = dict(line.rsplit(" ", 1) for line in text.splitlines() if not line.startswith("#"))
        assert metrics["greenfi_risk_scores_posted_total"] == "20"
        assert metrics["greenfi_risk_batches_sent_total"] == "1"
        assert metrics["greenfi_risk_scores_pending"] == "0"
        assert metrics["greenfi_risk_failures_total"] == "0"
        assert metrics["greenfi_risk_up"] == "1"
        assert int(metrics["greenfi_risk_last_block"]) > 0
        assert get(f"http://{host}:{port}/nope")[0] == 404
    finally:
        server.stop()


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_the_circuit_breaker_stops_after_consecutive_failures(make_daemon, daemon_settings):
    daemon = make_daemon(max_failures=3, interval=0.01)  # no features file: every cycle fails
    server = MetricsServer(daemon.metrics, "127.0.0.1", 0).start()
    try:
        with pytest.raises(CircuitOpen, match="circuit breaker open: 3 consecutive failed cycles, last: features file"):
            daemon.run(threading.Event())
        assert daemon.metrics.get("failures_total") == 3
        status, body = get("http://%s:%d/health" % server.address)
        assert status == 503 and json.loads(body)["status"] == "stopped"
    finally:
        server.stop()


def test_the_loop_stops_when_asked(make_daemon, daemon_settings):
    write_features(daemon_settings().features, SCORES[:5])
    daemon = make_daemon(interval=0.05)
    stop = threading.Event()
    real_cycle = daemon.cycle

    def cycle_then_stop():
        result = real_cycle()
        stop.set()  # as SIGTERM's handler does
        return result

    daemon.cycle = cycle_then_stop
    daemon.run(stop)
    assert daemon.metrics.state == "stopped" and daemon.metrics.get("batches_sent_total") == 1


def test_the_model_version_is_found_by_hash_and_must_be_approved(make_daemon, daemon_settings, model_registry,
                                                                 model_operator, auditor):
    write_features(daemon_settings().features, SCORES[:3])
    with pytest.raises(ConfigError, match="is not registered in ModelRegistry"):
        make_daemon(model_version=None).run_once()
    hashes = list(spec(9)[:5])
    hashes[0] = MODEL_HASH
    model_registry.registerModel(spec(hashes=hashes), "", {"from": model_operator})
    with pytest.raises(ConfigError, match="model version 2 is not approved"):
        make_daemon(model_version=None).run_once()
    model_registry.approve(2, REPORT, {"from": auditor})
    daemon = make_daemon(model_version=None)
    daemon.run_once()
    assert daemon.model_version == 2


def test_a_suspended_configured_version_is_refused(make_daemon, daemon_settings, model_registry, auditor):
    write_features(daemon_settings().features, SCORES[:3])
    model_registry.suspend(1, NO_REASON, {"from": auditor})
    with pytest.raises(ConfigError, match="model version 1 is not approved"):
        make_daemon(model_version=1).run_once()


def test_greenfi_oracle_risk_once_end_to_end(monkeypatch, tmp_path, daemon_w3, risk_oracle, model_operator, version,
                                             start_block):
    from click.testing import CliRunner

    from greenfi.cli import cli

    monkeypatch.setattr("greenfi.cli._load_dotenv", lambda: None)
    features = write_features(tmp_path / "features.csv", SCORES[:300])
    args = ["oracle", "risk", "--network", local_network(), "--rpc-url", daemon_w3.provider.endpoint_uri,
            "--from", model_operator.address, "--risk-oracle", risk_oracle.address, "--features", str(features),
            "--model", str(tmp_path), "--model-version", str(version), "--scorer", "tests.ai.support:make_scorer", "--port", "0",
            "--outbox", str(tmp_path / "outbox.sqlite"), "--once"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "posted 300 scores in 2 transactions, skipped 0" in result.output
    assert "/health and /metrics on http://127.0.0.1:" in result.output
    again = CliRunner().invoke(cli, args)
    assert "posted 0 scores in 0 transactions, skipped 300" in again.output
    subjects, transactions = posted_events(daemon_w3, risk_oracle, start_block)
    assert len(subjects) == 300 and transactions == 2


def test_register_model_then_approve_then_the_daemon_finds_it(monkeypatch, tmp_path, daemon_w3, model_registry,
                                                              model_operator, auditor, make_daemon, daemon_settings):
    from tests.ai.support import write_model_dir
    from click.testing import CliRunner

    from greenfi.cli import cli
    from oracles.risk.registration import model_spec

    monkeypatch.setattr("greenfi.cli._load_dotenv", lambda: None)
    model = write_model_dir(tmp_path / "model")
    args = ["oracle", "register-model", "--network", local_network(), "--rpc-url", daemon_w3.provider.endpoint_uri,
            "--from", model_operator.address, "--model-registry", model_registry.address, "--model", str(model),
            "--card-uri", "ipfs://card"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    spec = model_spec(model)
    assert f"registered model {spec.model_hash} as version 2" in result.output
    assert "already version 2" in CliRunner().invoke(cli, args).output
    stored = model_registry.modelVersion(2)
    assert str(stored[2]) == spec.feature_schema_hash and tuple(stored[7]) == spec.metrics_bps
    model_registry.approve(2, REPORT, {"from": auditor})

    scorer = make_scorer()
    scorer.model_hash = spec.model_hash
    write_features(daemon_settings().features, SCORES[:5])
    daemon = make_daemon(scorer, model_version=None)
    daemon.run_once()
    assert daemon.model_version == 2


def test_sigterm_stops_the_loop_gracefully(tmp_path, daemon_w3, risk_oracle, model_operator, version, start_block):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from greenfi.chain.node import free_port

    here = Path(__file__).parent
    port = free_port()
    features = write_features(tmp_path / "features.csv", SCORES[:20])
    env = {**os.environ, "PYTHONPATH": str(here.parent.parent)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "greenfi.cli", "oracle", "risk", "--network", local_network(),
         "--rpc-url", daemon_w3.provider.endpoint_uri, "--from", model_operator.address,
         "--risk-oracle", risk_oracle.address, "--features", str(features), "--model", str(tmp_path),
         "--model-version", str(version), "--scorer", "tests.ai.support:make_scorer", "--port", str(port),
         "--interval", "0.2", "--outbox", str(tmp_path / "outbox.sqlite")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        posted = "0"
        while time.monotonic() < deadline and posted != "20":  # until the loop has confirmed the batch
            time.sleep(0.2)
            try:
                text = get(f"http://127.0.0.1:{port}/metrics")[1]
            except OSError:
                continue
            posted = next(line.split()[1] for line in text.splitlines()
                          if line.startswith("greenfi_risk_scores_posted_total"))
        assert posted == "20", proc.stderr.read() if proc.poll() is not None else "daemon never posted"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "risk oracle stopped" in out
    subjects, transactions = posted_events(daemon_w3, risk_oracle, start_block)
    assert len(subjects) == 20 and transactions == 1


def test_a_suspension_stops_posting_at_the_next_cycle(make_daemon, daemon_settings, model_registry, auditor):
    features = write_features(daemon_settings().features, SCORES[:5])
    daemon = make_daemon(threshold_bps=0)
    daemon.run_once()
    model_registry.suspend(1, NO_REASON, {"from": auditor})
    write_features(features, [s + 1 for s in SCORES[:5]])
    with pytest.raises(ConfigError, match="model version 1 is not approved"):
        daemon.cycle()
    assert daemon.metrics.get("batches_sent_total") == 1


def test_a_stale_chain_is_refused(make_daemon, daemon_settings, daemon_w3):
    write_features(daemon_settings().features, SCORES[:5])
    daemon = make_daemon(max_block_age=120)
    latest = daemon_w3.eth.get_block("latest")["timestamp"]
    daemon._clock = lambda: latest + 600  # the node stopped following the chain ten minutes ago
    from oracles.risk.daemon import StaleChain

    with pytest.raises(StaleChain, match="is 600 s old \\(limit 120 s\\): is the node in sync"):
        daemon.cycle()
    assert daemon.metrics.get("batches_sent_total") == 0
    daemon._clock = lambda: latest + 60
    assert daemon.cycle()["batches"] == 1
