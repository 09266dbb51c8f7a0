"""Flagged readings: held, never dropped, listed for the verifier (HTTP and CLI), decided once; an
accepted one joins a later batch whose document carries the decision's hash, a rejected one is
never batched."""

import json

import pytest
from click.testing import CliRunner
from tests.oracles.support import DOMAIN, T0, directory, http_request, make_devices, serving

from greenfi.cli import cli as main
from oracles.keccak import keccak256
from oracles.sensor.batcher import BatchPolicy
from oracles.sensor.daemon import DaemonSettings, SensorDaemon
from oracles.sensor.review import ReviewError, decide, flagged

NOW = T0 + 10**6
DEVICES = make_devices(2)


def screen(items):
    return ["residual +9.99 kW exceeds 1.00 kW" if reading.energy_wh == 599 else None for reading, _ in items]


@pytest.fixture
def daemon(tmp_path):
    d = SensorDaemon(DaemonSettings(tmp_path / "sensor.db", batch=BatchPolicy(16, 0)), directory(DEVICES), DOMAIN,
                     screen=screen, clock=lambda: NOW)
    with serving(d):
        yield d


def get(daemon, path):
    status, body, _ = http_request(daemon.server.port, "GET", path)
    return status, body


def submit(daemon, *items):
    return daemon.intake.submit([DEVICES[d].reading(seq, energy) for d, seq, energy in items])


def test_a_flagged_reading_is_held_listed_and_released_into_a_later_batch(daemon):
    outcomes = submit(daemon, (0, 1, 400), (0, 2, 599), (1, 1, 599))
    assert [o.accepted for o in outcomes] == [True, True, True]
    assert [o.flag is not None for o in outcomes] == [False, True, True]
    daemon.tick()
    [first] = daemon.store.batches()
    assert first.reading_count == 1  # the flagged ones wait for the verifier

    status, body = get(daemon, "/flagged?project=1&limit=1")
    page = json.loads(body)
    assert status == 200 and len(page["readings"]) == 1 and page["next"]
    status, body = get(daemon, f"/flagged?after={page['next']}")
    assert [r["sequence"] for r in page["readings"] + json.loads(body)["readings"]] == [2, 1]
    assert json.loads(body)["next"] is None
    assert page["readings"][0]["flag"] == "residual +9.99 kW exceeds 1.00 kW"

    accepted = decide(daemon.store, DEVICES[0].info.device_id, 2, True, "verifier-1", "sensor cleaned", lambda: NOW)
    rejected = decide(daemon.store, DEVICES[1].info.device_id, 1, False, "verifier-1", "meter fault", lambda: NOW)
    assert accepted.hash == keccak256(accepted.document)
    with pytest.raises(ReviewError, match="already decided"):
        decide(daemon.store, DEVICES[0].info.device_id, 2, False, "verifier-2")
    with pytest.raises(ReviewError, match="not flagged"):
        decide(daemon.store, DEVICES[0].info.device_id, 1, True, "verifier-2")
    assert flagged(daemon.store) == []

    daemon.tick()
    second = daemon.store.batches()[-1]
    assert second.reading_count == 1
    _, document = get(daemon, f"/batches/0x{second.root.hex()}/document")
    assert keccak256(document) == second.content_hash
    [item] = json.loads(document)
    assert (item["sequence"], item["verifierDecision"]) == (2, "0x" + accepted.hash.hex())
    status, decision = get(daemon, f"/decisions/0x{DEVICES[0].info.device_id.hex()}/2")
    assert status == 200 and decision == accepted.document
    assert json.loads(decision)["decision"] == "accept" and json.loads(decision)["note"] == "sensor cleaned"
    states = daemon.store.reading_states()
    assert states[(DEVICES[1].info.device_id, 1)] == (None, "verifier_rejected")  # never batched
    assert json.loads(get(daemon, f"/decisions/0x{DEVICES[1].info.device_id.hex()}/1")[1])["decision"] == "reject"
    assert get(daemon, f"/decisions/0x{DEVICES[1].info.device_id.hex()}/9")[0] == 404
    assert get(daemon, "/decisions/0x12/1")[0] == 400


def test_the_cli_lists_and_decides(daemon, tmp_path):
    submit(daemon, (0, 1, 599))
    db = str(daemon.settings.db_path)
    runner = CliRunner()
    listed = runner.invoke(main, ["oracle", "flagged", "--db", db])
    assert listed.exit_code == 0, listed.output
    [line] = listed.output.splitlines()
    assert json.loads(line)["flag"].startswith("residual")
    device = "0x" + DEVICES[0].info.device_id.hex()
    decided = runner.invoke(main, ["oracle", "decide", "--db", db, "--device-id", device, "--sequence", "1",
                                   "--accept", "--verifier", "v"])
    assert decided.exit_code == 0 and "accepted" in decided.output, decided.output
    again = runner.invoke(main, ["oracle", "decide", "--db", db, "--device-id", device, "--sequence", "1",
                                 "--reject", "--verifier", "v"])
    assert again.exit_code != 0 and "already decided" in again.output and "Traceback" not in again.output
    bad = runner.invoke(main, ["oracle", "decide", "--db", db, "--device-id", "0x12", "--sequence", "1",
                               "--reject", "--verifier", "v"])
    assert bad.exit_code != 0 and "--device-id" in bad.output
