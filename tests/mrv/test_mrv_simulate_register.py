"""`greenfi oracle simulate-devices --register` (as the developer) and `--activate` (as a verifier),
each signed through `--from` like every command: the simulated fleet registered and activated in the
real DeviceRegistry, then replayed against a daemon that reads devices from that registry. The same
commands on a node without unlocked accounts (keystores only) run in tests/operator/test_rehearsal.py."""

from brownie import web3
from click.testing import CliRunner
from tests.support.chain import local_network
from tests.mrv.support import PROJECT, domain

from greenfi.cli import cli
from oracles.sensor.chain_directory import ChainDirectory
from oracles.sensor.daemon import DaemonSettings, SensorDaemon
from oracles.sensor.simulate import fleet

ACTIVE = 2


def test_register_then_replay_against_the_chain_directory(tmp_path, anchor, devices, developer, verifier):
    daemon = SensorDaemon(DaemonSettings(tmp_path / "sensor.db"), ChainDirectory(web3, devices.address), domain(anchor))
    daemon.server.start()
    base = ["oracle", "simulate-devices", "--network", local_network(), "--rpc-url", web3.provider.endpoint_uri,
            "--mrv-anchor", anchor.address, "--device-registry", devices.address, "--keys-from-seed", "register-test",
            "--devices", "2"]
    replay = ["--steps", "6", "--speedup", "0", "--url", f"http://127.0.0.1:{daemon.server.port}"]
    try:
        # A verifier cannot register, the developer cannot activate: each refusal sends nothing.
        refused = CliRunner().invoke(cli, base + ["--register", "--project", str(PROJECT), "--from", verifier.address])
        assert refused.exit_code == 1 and "NotProjectDeveloper" in refused.output, refused.output
        assert "Traceback" not in refused.output
        assert all(devices.device(d.device_id)[2] == 0 for d in fleet("register-test", 2))

        registered = CliRunner().invoke(cli, base + ["--register", "--project", str(PROJECT), "--from", developer.address])
        assert registered.exit_code == 0, registered.output
        assert "registered 2 devices in project 1 (0 already there)" in registered.output
        assert daemon.store.reading_count() == 0  # no --url: nothing replayed
        first = CliRunner().invoke(cli, base + ["--activate", "--from", verifier.address] + replay)
        assert first.exit_code == 0, first.output
        assert "activated 2 devices (0 not registered or active already)" in first.output
        for d in fleet("register-test", 2):
            record = devices.device(d.device_id)
            assert (record[0], record[2], record[4], record[5]) == (d.address, ACTIVE, PROJECT, d.capacity_w)
        # The replay's periods (the latest ended year) predate the activation just made, so the daemon
        # judges them as readingFault would: DeviceInactive (the demo activates before its replay).
        assert daemon.store.reading_count() == 0 and "inactive_device" in first.output

        again = CliRunner().invoke(cli, base + ["--register", "--project", str(PROJECT), "--from", developer.address,
                                                "--first-sequence", "100", "--start-row", "6"] + replay)
        assert again.exit_code == 0, again.output
        assert "registered 0 devices in project 1 (2 already there)" in again.output
        assert "inactive_device" in again.output
    finally:
        daemon.server.stop()
        daemon.store.close()
