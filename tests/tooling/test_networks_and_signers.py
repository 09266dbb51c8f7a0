"""Networks and signers: actionable errors for unknown networks, missing URLs and missing keys."""

import json

import pytest
from eth_account import Account

from greenfi.chain import networks
from greenfi.errors import ConfigError
from greenfi.chain.signers import signer_from_env

KEY = "0x" + "11" * 32


def test_embedded_networks():
    assert networks.resolve("development", {}).embedded
    assert networks.resolve("ganache", {}).chain_id == 1337


def test_live_network_takes_url_from_environment():
    net = networks.resolve("sepolia", {"SEPOLIA_RPC_URL": "http://127.0.0.1:9"})
    assert (net.embedded, net.rpc_url, net.chain_id) == (False, "http://127.0.0.1:9", 11155111)


def test_any_name_with_an_rpc_variable_is_a_network():
    net = networks.resolve("my-l2", {"MY_L2_RPC_URL": "http://127.0.0.1:9"})
    assert net.chain_id is None and net.rpc_url == "http://127.0.0.1:9"


def test_known_network_without_url_says_which_variable():
    with pytest.raises(ConfigError, match="missing RPC URL for network 'holesky': set HOLESKY_RPC_URL"):
        networks.resolve("holesky", {})


def test_unknown_network_lists_the_known_ones():
    with pytest.raises(ConfigError, match=r"unknown network 'nowhere': use one of development, ganache, sepolia"):
        networks.resolve("nowhere", {})


def test_signer_from_raw_key_hides_the_key():
    signer = signer_from_env({"GREENFI_PRIVATE_KEY": KEY})
    assert signer.address == Account.from_key(KEY).address
    assert "11" * 32 not in repr(signer)


def test_signer_from_keystore(tmp_path):
    keystore = tmp_path / "deployer.json"
    keystore.write_text(json.dumps(Account.encrypt(KEY, "pw", kdf="pbkdf2", iterations=2)))
    password_file = tmp_path / "pw.txt"
    password_file.write_text("pw\n")
    env = {"GREENFI_KEYSTORE": str(keystore), "GREENFI_KEYSTORE_PASSWORD_FILE": str(password_file)}
    assert signer_from_env(env).address == Account.from_key(KEY).address


@pytest.mark.parametrize(
    "env, message",
    [
        ({}, "missing deployer key: set GREENFI_KEYSTORE"),
        ({"GREENFI_PRIVATE_KEY": "0x1234"}, "GREENFI_PRIVATE_KEY is not a valid"),
        ({"GREENFI_KEYSTORE": "/nonexistent.json", "GREENFI_KEYSTORE_PASSWORD": "x"}, "cannot read keystore"),
        ({"GREENFI_KEYSTORE": "/nonexistent.json"}, "missing keystore password"),
    ],
    ids=["nothing", "bad-raw-key", "no-keystore-file", "no-password"],
)
def test_signer_errors(env, message):
    with pytest.raises(ConfigError, match=message):
        signer_from_env(env)


def test_wrong_keystore_password(tmp_path):
    keystore = tmp_path / "k.json"
    keystore.write_text(json.dumps(Account.encrypt(KEY, "right", kdf="pbkdf2", iterations=2)))
    with pytest.raises(ConfigError, match="wrong password"):
        signer_from_env({"GREENFI_KEYSTORE": str(keystore), "GREENFI_KEYSTORE_PASSWORD": "wrong"})


def test_brownie_runs_both_local_nodes_with_the_accounts_greenfi_derives(tmp_path):
    """The tests sign as a live network would, with keys derived from LOCAL_MNEMONIC: on ganache as on
    anvil those must be the node's own accounts (ganache's default accounts are random)."""
    import yaml

    from greenfi.chain.networks import LOCAL_MNEMONIC
    from greenfi.toolchain import brownie_networks

    config = tmp_path / "network-config.yaml"
    config.write_text(yaml.safe_dump({"development": [], "live": [{"name": "Ethereum", "networks": []}]}))
    assert set(brownie_networks.register(config)) >= {"development", "ganache"}
    local = {e["id"]: e["cmd_settings"] for e in yaml.safe_load(config.read_text())["development"]}
    assert local["development"]["mnemonic"] == local["ganache"]["mnemonic"] == LOCAL_MNEMONIC
    assert brownie_networks.register(config) == []  # idempotent
