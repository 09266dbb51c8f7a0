"""Sensor batching and the HTTP interface: batches reproduce from what the daemon publishes."""

import json

import pytest
from tests.oracles.support import DOMAIN, T0, directory, http_request, make_devices, serving

from oracles.codec import batch_content_hash, batch_tree, from_json
from oracles.sensor.batcher import BatchPolicy, cut_batches
from oracles.sensor.daemon import DaemonSettings, SensorDaemon
from oracles.sensor.store import Store

NOW = T0 + 10_000 * 300


@pytest.fixture
def devices():
    return make_devices(4)


@pytest.fixture
def daemon(tmp_path, devices):
    d = SensorDaemon(DaemonSettings(tmp_path / "sensor.db", batch=BatchPolicy(max_readings=8, window_s=600)),
                     directory(devices), DOMAIN, clock=lambda: NOW)
    with serving(d):
        yield d


def request(daemon, method, path, body=None, headers=None):
    status, data, got = http_request(daemon.server.port, method, path, body, headers)
    return status, json.loads(data) if got.get("Content-Type") == "application/json" else data.decode()


def test_batches_are_cut_when_full_or_old(tmp_path, devices):
    store = Store(tmp_path / "b.db")
    from oracles.sensor.intake import Intake

    clock = [NOW]
    intake = Intake(store, directory(devices), DOMAIN, clock=lambda: clock[0])
    intake.submit([d.reading(seq) for seq in range(1, 6) for d in devices])  # 20 readings
    policy = BatchPolicy(max_readings=8, window_s=600)
    assert len(cut_batches(store, policy, lambda: clock[0])) == 2  # two full batches, 4 left waiting
    assert store.reading_count(batched=False) == 4
    assert cut_batches(store, policy, lambda: clock[0] + 599) == []
    assert len(cut_batches(store, policy, lambda: clock[0] + 600)) == 1
    assert store.reading_count(batched=False) == 0
    batches = store.batches()
    assert [b.reading_count for b in batches] == [8, 8, 4]
    assert sum(b.total_wh for b in batches) == 20 * 400
    for batch in batches:
        readings = store.batch_readings(batch.id)
        assert batch_tree(readings).root == batch.root
        assert batch_content_hash(readings) == batch.content_hash
    store.close()


def test_post_single_and_many(daemon, devices):
    status, body = request(daemon, "POST", "/readings", devices[0].reading(1))
    assert status == 202 and body["accepted"] is True
    status, body = request(daemon, "POST", "/readings", [devices[1].reading(1), devices[0].reading(1)])
    assert status == 200 and (body["accepted"], body["rejected"]) == (1, 1)
    assert body["results"][1]["reason"] == "replayed"


@pytest.mark.parametrize(
    "body, headers, status, error",
    [
        (b"{not json", {}, 400, "malformed"),
        (b"42", {}, 400, "malformed"),
        (json.dumps({"deviceId": "0x12"}).encode(), {}, 400, "malformed"),
        (b"{}", {"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
        (b"[" + b"1," * 600_000 + b"1]", {}, 413, "too_large"),
    ],
    ids=["not-json", "scalar", "bad-fields", "content-type", "oversized"],
)
def test_bad_requests_get_a_4xx_with_a_json_reason(daemon, body, headers, status, error):
    got_status, got = request(daemon, "POST", "/readings", body, headers)
    assert (got_status, got["error"]) == (status, error)
    assert daemon.store.reading_count() == 0


def test_rejections_map_to_status_codes(daemon, devices):
    assert request(daemon, "POST", "/readings", devices[0].reading(1))[0] == 202
    status, body = request(daemon, "POST", "/readings", devices[0].reading(1))
    assert (status, body["error"]) == (409, "replayed")
    status, body = request(daemon, "POST", "/readings", devices[0].reading(2, key=devices[1].key))
    assert (status, body["error"]) == (422, "wrong_signer")


def test_published_batch_lets_anyone_recompute_root_and_hash(daemon, devices):
    request(daemon, "POST", "/readings", [d.reading(seq) for seq in (1, 2) for d in devices])
    daemon.tick()
    status, batch = request(daemon, "GET", "/batches/1")
    assert status == 200 and batch["readingCount"] == 8
    readings = [from_json(item) for item in batch["readings"]]
    assert "0x" + batch_tree(readings).root.hex() == batch["root"]
    assert "0x" + batch_content_hash(readings).hex() == batch["contentHash"]
    assert sum(r.reading.energy_wh for r in readings) == batch["totalWh"]
    assert request(daemon, "GET", "/batches/99")[0] == 404
    assert request(daemon, "GET", "/batches/x")[0] == 400


def test_health_and_metrics(daemon, devices):
    request(daemon, "POST", "/readings", [devices[0].reading(1), devices[0].reading(1)])
    status, health = request(daemon, "GET", "/health")
    assert status == 200 and health["status"] == "ok"
    status, text = request(daemon, "GET", "/metrics")
    assert status == 200
    assert "greenfi_sensor_readings_accepted_total 1" in text
    assert 'greenfi_sensor_readings_rejected_total{reason="replayed"} 1' in text


def test_circuit_breaker_trips_after_repeated_failures(daemon, monkeypatch):
    monkeypatch.setattr("oracles.sensor.daemon.cut_batches", lambda *a: (_ for _ in ()).throw(OSError("disk gone")))
    for _ in range(daemon.settings.max_consecutive_failures):
        daemon.tick()
    status, health = request(daemon, "GET", "/health")
    assert status == 503 and "disk gone" in health["reason"]


def test_unknown_routes_and_methods(daemon):
    assert request(daemon, "GET", "/nope")[0] == 404
    assert request(daemon, "DELETE", "/readings")[0] == 405
