"""Running `greenfi` commands in-process against the Brownie test chain (anvil or ganache), as an
operator runs them on a local node: `greenfi --rpc-url URL COMMAND ... --network development|ganache
--from ACCOUNT`, each role sending from its own unlocked account; `None` passes no --from (a read,
or the node's first account)."""

import pytest
from brownie import web3
from click.testing import CliRunner

from greenfi.chain import networks
from greenfi.chain.deployments import Deployed, DeploymentRecord
from greenfi.cli import cli


def record(directory, *contracts, **named):
    """deployments/<chainId>.json in `directory` for Brownie contracts (by their names, or as `named`)."""
    found = DeploymentRecord(web3.eth.chain_id, directory=directory)
    for contract in contracts:
        found.put(contract._name, Deployed(contract.address, None, None, "", ""))
    for name, contract in named.items():
        found.put(name, Deployed(contract.address, None, None, "", ""))
    return directory


def network_name() -> str:
    """The embedded network whose chain id the test chain has."""
    chain_id = web3.eth.chain_id
    return next(name for name, net in networks.EMBEDDED.items() if net.chain_id == chain_id)


def runner(directory, monkeypatch):
    """run(account, *args) -> click Result of `greenfi --rpc-url URL *args --network N [--from account]
    --deployments directory`."""
    monkeypatch.setattr("greenfi.cli._load_dotenv", lambda: None)
    for var in ("GREENFI_RPC_URL", "GREENFI_KEYSTORE", "GREENFI_PRIVATE_KEY"):
        monkeypatch.delenv(var, raising=False)
    invoke, url, network = CliRunner().invoke, web3.provider.endpoint_uri, network_name()

    def run(account, *args):
        sender = ["--from", account.address] if account is not None else []
        return invoke(cli, ["--rpc-url", url, *args, "--network", network, *sender, "--deployments", str(directory)])

    return run


@pytest.fixture
def greenfi(records, monkeypatch):
    """The runner of a test module that defines a `records` fixture (its deployment record's folder)."""
    return runner(records, monkeypatch)


def ok(result) -> str:
    """The output of a command that must succeed: exactly one line."""
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.output.strip()


def refused(result) -> str:
    """The one `error:` line of a refused command (exit status 1)."""
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.output, result.output
    return lines[0]
