"""`greenfi chain --port` and `greenfi deploy` onto the node a network names (docs/operator-cli.md)."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from web3 import Web3

from greenfi.chain.node import free_port
from greenfi.cli import cli

GREENFI = [str(Path(sys.executable).with_name("greenfi"))]


@pytest.fixture
def runner(monkeypatch):
    for var in ("GREENFI_RPC_URL", "DEVELOPMENT_RPC_URL", "GANACHE_RPC_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr("greenfi.cli._load_dotenv", lambda: None)
    return CliRunner()


def one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


def test_chain_on_a_busy_port_is_one_error_and_exit_1(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([*GREENFI, "chain", "--port", str(port), "--state", str(tmp_path / "s.json")],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done
    assert done.stderr.strip().splitlines() == [f"error: port {port} is already in use: stop what listens "
                                                "there or pick another with --port"]


@pytest.fixture
def chain_node(tmp_path):
    """`greenfi chain` on a free, non-default port, stopped afterwards with its anvil.

    Its output goes to a file: anvil logs every RPC call, and a pipe nobody reads fills up and blocks
    the node in the middle of a deploy."""
    port = free_port()
    log = open(tmp_path / "chain.log", "w")
    proc = subprocess.Popen([*GREENFI, "chain", "--port", str(port), "--state", str(tmp_path / "state.json")],
                            stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    w3 = Web3(Web3.HTTPProvider(url))
    deadline = time.monotonic() + 60
    while not w3.is_connected():
        assert proc.poll() is None and time.monotonic() < deadline, "greenfi chain did not start"
        time.sleep(0.2)
    yield url, w3
    os.killpg(proc.pid, signal.SIGTERM)  # the session: greenfi chain and the anvil it started
    proc.wait(timeout=20)
    log.close()


def test_deploy_lands_on_the_node_the_rpc_url_names_and_reads_follow(runner, chain_node, tmp_path):
    url, w3 = chain_node
    records = tmp_path / "deployments"
    result = runner.invoke(cli, ["--rpc-url", url, "deploy", "--network", "development", "--deployments", str(records)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    import json

    recorded = json.loads((records / "31337.json").read_text())["contracts"]
    for name, entry in recorded.items():
        assert len(w3.eth.get_code(Web3.to_checksum_address(entry["address"]))) > 0, name
    # The same node through the network's own variable: a second run deploys nothing.
    again = runner.invoke(cli, ["deploy", "--network", "development", "--deployments", str(records)],
                          env={"DEVELOPMENT_RPC_URL": url})
    assert again.exit_code == 0 and "nothing to deploy" in again.output, again.output


def test_deploy_without_a_running_node_names_the_command_that_starts_one(runner, tmp_path):
    port = free_port()
    result = runner.invoke(cli, ["--rpc-url", f"http://127.0.0.1:{port}", "deploy", "--network", "development",
                                 "--deployments", str(tmp_path)])
    assert one_error_line(result) == (f"error: no development node answers at http://127.0.0.1:{port}: "
                                      f"start one with `greenfi chain --network development --port {port}`")
    assert not any(tmp_path.iterdir())  # nothing recorded


def test_the_rpc_url_override_ends_with_the_command(runner, monkeypatch):
    import os

    runner.invoke(cli, ["--rpc-url", "http://127.0.0.1:1", "networks"])
    assert "GREENFI_RPC_URL" not in os.environ


def test_the_daemons_and_the_dashboard_default_to_distinct_ports():
    from greenfi.cli.dashboard import dashboard
    from greenfi.cli.oracle import oracle
    from oracles.risk.settings import RiskSettings

    def default_port(command):
        return next(p.default for p in command.params if p.name == "port")

    ports = [default_port(dashboard), default_port(oracle.commands["sensor"]), RiskSettings.port]
    assert len(set(ports)) == 3, ports
