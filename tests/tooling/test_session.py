"""greenfi.chain.session: the one way a command reaches the chain. Reads never need a key, a missing
address names the option that supplies it, and a --rpc-url must serve the network's chain id."""

import pytest
from brownie import web3

from greenfi.chain.deployments import Deployed, DeploymentRecord
from greenfi.chain.networks import EMBEDDED
from greenfi.chain.session import open_session
from greenfi.errors import ConfigError

KEYLESS = {"GREENFI_KEYSTORE": None, "GREENFI_PRIVATE_KEY": None}


@pytest.fixture
def live_name(monkeypatch):
    """A live network name whose RPC URL is the test node, with no signing key in the environment."""
    monkeypatch.setenv("TESTCHAIN_RPC_URL", web3.provider.endpoint_uri)
    for var in KEYLESS:
        monkeypatch.delenv(var, raising=False)
    return "testchain"


def test_a_session_that_only_reads_needs_no_key(live_name, tmp_path):
    session = open_session(live_name, deployments=tmp_path)
    assert session.chain_id == web3.eth.chain_id and session.w3.eth.block_number >= 0
    with pytest.raises(ConfigError, match="missing deployer key"):
        session.signer  # asked for only when a command sends


def test_a_missing_address_names_its_option(live_name, tmp_path):
    session = open_session(live_name, deployments=tmp_path)
    with pytest.raises(ConfigError, match=r"MRVAnchor is not deployed on chain \d+ .*or pass --mrv-anchor"):
        session.address("MRVAnchor", None, "--mrv-anchor")
    with pytest.raises(ConfigError, match="--risk-oracle is not an address: 0x12"):
        session.address("RiskOracle", "0x12", "--risk-oracle")
    given = web3.eth.accounts[3]
    assert session.address("RiskOracle", given.lower(), "--risk-oracle") == given


def test_the_record_supplies_addresses_and_first_blocks(live_name, tmp_path):
    record = DeploymentRecord(web3.eth.chain_id, directory=tmp_path)
    record.put("ModelRegistry", Deployed(web3.eth.accounts[4], "0x" + "00" * 32, 7, "0x" + "11" * 32, "0x" + "22" * 32))
    session = open_session(live_name, deployments=tmp_path)
    assert session.address("ModelRegistry") == web3.eth.accounts[4] and session.from_block("ModelRegistry") == 7
    assert session.from_block("RiskOracle") == 0


@pytest.mark.parametrize("network, message", [
    ("local", None),  # the test node's own network: development (anvil) or ganache (make test NETWORK=ganache)
    ("sepolia", "serves chain {chain_id}, expected 11155111"),
])
def test_an_rpc_url_must_serve_the_networks_chain(monkeypatch, network, message):
    monkeypatch.setenv("SEPOLIA_RPC_URL", "http://127.0.0.1:9")
    chain_id = web3.eth.chain_id
    if message is None:
        local = next(name for name, net in EMBEDDED.items() if net.chain_id == chain_id)
        assert open_session(local, rpc_url=web3.provider.endpoint_uri).chain_id == chain_id
    else:
        with pytest.raises(ConfigError, match=message.format(chain_id=chain_id)):
            open_session(network, rpc_url=web3.provider.endpoint_uri)


def test_an_unreachable_rpc_url_is_one_clear_error():
    with pytest.raises(ConfigError, match="cannot reach the node of 'development'"):
        open_session("development", rpc_url="http://127.0.0.1:9")
