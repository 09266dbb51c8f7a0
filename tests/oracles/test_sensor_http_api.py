"""The sensor HTTP API as docs/oracle-readings.md §10 states it: every uint64 handled, out-of-range
items refused one by one, duplicate keys refused, batches looked up by root and listed in bounded
pages, documents served as exactly the bytes their content hash covers."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.oracles.support import DOMAIN, T0, directory, http_request, make_devices, serving

from oracles.codec import SignedReading, batch_tree, from_json
from oracles.keccak import keccak256
from oracles.readings import Reading
from oracles.sensor.batcher import BatchPolicy
from oracles.sensor.daemon import DaemonSettings, SensorDaemon
from oracles.sensor.server import MAX_PAGE
from oracles.signing import sign_reading

NOW = T0 + 10_000 * 300
U64 = (1 << 64) - 1


@pytest.fixture(scope="module")
def devices():
    return make_devices(3)


@pytest.fixture
def daemon(tmp_path, devices):
    d = SensorDaemon(DaemonSettings(tmp_path / "sensor.db", batch=BatchPolicy(max_readings=2, window_s=0)),
                     directory(devices), DOMAIN, clock=lambda: NOW)
    with serving(d):
        yield d


def request(daemon, method, path, body=None):
    status, data, headers = http_request(daemon.server.port, method, path, body)
    return status, data, headers.get("Cache-Control")


def get_json(daemon, path):
    status, data, _ = request(daemon, "GET", path)
    return status, json.loads(data)


def signed_item(device, sequence, energy=400, start=T0):
    reading = Reading(device.info.device_id, sequence, start, start + 300, energy)
    return SignedReading(reading, sign_reading(device.key, reading, DOMAIN)).to_json_obj()


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(sequences=st.lists(st.integers(0, U64), min_size=1, max_size=4, unique=True))
def test_every_uint64_sequence_is_stored_and_read_back_whole(tmp_path_factory, devices, sequences):
    d = SensorDaemon(DaemonSettings(tmp_path_factory.mktemp("u64") / "s.db"), directory(devices), DOMAIN,
                     clock=lambda: NOW)
    try:
        items = [signed_item(devices[0], s, start=T0 + i * 300) for i, s in enumerate(sorted(sequences))]
        outcomes = d.intake.submit(items)
        assert all(o.accepted for o in outcomes)
        stored = {seq for (_, seq) in d.store.reading_states()}
        assert stored == set(sequences)
        assert d.store.heads([devices[0].info.device_id])[devices[0].info.device_id].sequence == max(sequences)
        replay = d.intake.submit([items[-1]])
        assert replay[0].reason == "replayed"  # the head of a sequence ≥ 2**63 still orders correctly
    finally:
        d.store.close()


def test_an_out_of_range_value_is_refused_alone(daemon, devices):
    good = signed_item(devices[0], U64)
    over = dict(signed_item(devices[1], 1), sequence=U64 + 1)
    huge_energy = dict(signed_item(devices[2], 1), energyWh=U64 + 1)
    status, data, _ = request(daemon, "POST", "/readings", [over, good, huge_energy])
    body = json.loads(data)
    assert status == 200 and (body["accepted"], body["rejected"]) == (1, 2)
    assert [r["accepted"] for r in body["results"]] == [False, True, False]
    assert body["results"][0]["reason"] == "malformed" and "sequence" in body["results"][0]["detail"]
    assert body["results"][2]["reason"] == "malformed" and "energyWh" in body["results"][2]["detail"]
    status, data, _ = request(daemon, "POST", "/readings", dict(signed_item(devices[1], 2), energyWh=-1))
    assert (status, json.loads(data)["error"]) == (400, "malformed")


def test_the_largest_energy_is_judged_not_crashed(daemon, devices):
    status, data, _ = request(daemon, "POST", "/readings", signed_item(devices[0], 1, energy=U64))
    assert (status, json.loads(data)["error"]) == (422, "energy_out_of_range")


@pytest.mark.parametrize("text", [
    b'{"deviceId":"0x00","deviceId":"0x01"}',
    b'[{"sequence":1,"sequence":2}]',
    b'[{"a":{"b":1,"b":2}}]',
])
def test_duplicate_keys_anywhere_refuse_the_body(daemon, text):
    status, data, _ = request(daemon, "POST", "/readings", text)
    body = json.loads(data)
    assert (status, body["error"]) == (400, "malformed") and "duplicate key" in body["detail"]
    assert daemon.store.reading_count() == 0


def test_a_batch_is_found_by_root_and_its_document_hashes_to_its_content_hash(daemon, devices):
    request(daemon, "POST", "/readings", [signed_item(d, 1) for d in devices])
    daemon.tick()
    status, listed = get_json(daemon, "/batches")
    assert status == 200 and [b["readingCount"] for b in listed["batches"]] == [2, 1]
    for summary in listed["batches"]:
        status, by_root = get_json(daemon, f"/batches/{summary['root']}")
        assert status == 200 and by_root["id"] == summary["id"]
        status, document, cache = request(daemon, "GET", f"/batches/{summary['root']}/document")
        assert status == 200 and cache == "public, max-age=31536000, immutable"
        assert "0x" + keccak256(document).hex() == summary["contentHash"]
        assert json.loads(document) == by_root["readings"]
        assert "0x" + batch_tree(from_json(i) for i in json.loads(document)).root.hex() == summary["root"]
    assert get_json(daemon, "/batches/0x" + "00" * 32)[0] == 404
    assert get_json(daemon, "/batches/0x1234")[1]["error"] == "bad_batch_id"


def test_batch_lists_filter_and_page_within_bounds(daemon, devices):
    request(daemon, "POST", "/readings", [signed_item(d, s, start=T0 + s * 300) for s in range(1, 5) for d in devices])
    daemon.tick()
    _, everything = get_json(daemon, "/batches")
    ids = [b["id"] for b in everything["batches"]]
    assert len(ids) == 6 and everything["next"] is None
    seen, after = [], 0
    while after is not None:
        _, page = get_json(daemon, f"/batches?limit=4&after={after}")
        assert len(page["batches"]) <= 4
        seen += [b["id"] for b in page["batches"]]
        after = page["next"]
    assert seen == ids
    _, built = get_json(daemon, "/batches?project=1&status=built&since=0")
    assert [b["id"] for b in built["batches"]] == ids
    assert get_json(daemon, "/batches?project=2")[1]["batches"] == []
    assert get_json(daemon, f"/batches?until={int(NOW)}")[1]["batches"] == []
    for bad in (f"limit={MAX_PAGE + 1}", "limit=0", "status=lost", "project=-1", "after=x", "limit=1&limit=2"):
        status, body = get_json(daemon, f"/batches?{bad}")
        assert status == 400 and body["error"] in ("bad_query", "bad_status"), bad
