"""The dashboard server without a browser: static files, ABIs, config, and the read-only RPC proxy,
against the Brownie chain."""

import json
import urllib.error
import urllib.request

import pytest
from brownie import web3

from greenfi.dashboard.server import Background, disallowed_methods, rpc_error
from greenfi.cli.dashboard import rpc_url_for
from greenfi.chain.networks import EMBEDDED, Network


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    deployments = tmp_path_factory.mktemp("deployments")
    (deployments / f"{web3.eth.chain_id}.json").write_text(json.dumps({"chainId": web3.eth.chain_id, "contracts": {
        "CarbonCredits": {"address": "0x" + "11" * 20, "tx_hash": None, "block": None, "abi_hash": "", "fingerprint": ""}}}))
    with Background(web3.provider.endpoint_uri, "dev", deployments) as url:
        yield url


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read()


def rpc(url, body):
    request = urllib.request.Request(url + "rpc", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_serves_the_page_ethers_and_config(served):
    status, kind, body = get(served)
    assert status == 200 and kind.startswith("text/html") and b"greenfi dashboard" in body
    status, kind, body = get(served + "vendor/ethers.js")
    assert kind.startswith("text/javascript") and b'version="6.' in body
    config = json.loads(get(served + "config.json")[2])
    assert config == {"chainId": web3.eth.chain_id, "network": "dev", "rpc": "/rpc",
                      "addresses": {"CarbonCredits": "0x" + "11" * 20}, "fromBlock": 0}


def test_serves_abis_in_the_abi_export_layout(served):
    index = json.loads(get(served + "abi/index.json")[2])
    assert {"CarbonCredits", "CreditVoucher", "RiskOracle", "ModelRegistry", "GreenBond", "GreenBondFactory"} <= set(index["contracts"])
    credits = json.loads(get(served + "abi/CarbonCredits.json")[2])
    assert credits["contractName"] == "CarbonCredits"
    assert credits["addresses"] == {str(web3.eth.chain_id): "0x" + "11" * 20}
    assert any(item.get("name") == "retire" for item in credits["abi"])


@pytest.mark.parametrize("path", ["nope.html", "abi/../../pyproject.toml", "abi/Missing.json", "%2e%2e/pyproject.toml"])
def test_unknown_paths_and_traversal_are_not_found(served, path):
    with pytest.raises(urllib.error.HTTPError) as err:
        get(served + path)
    assert err.value.code == 404


def test_proxy_forwards_reads(served):
    reply = rpc(served, {"jsonrpc": "2.0", "id": 7, "method": "eth_chainId", "params": []})
    assert reply["id"] == 7 and int(reply["result"], 16) == web3.eth.chain_id
    batch = rpc(served, [{"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []},
                         {"jsonrpc": "2.0", "id": 2, "method": "eth_chainId", "params": []}])
    assert [r["id"] for r in batch] == [1, 2] and all("result" in r for r in batch)


def test_proxy_refuses_anything_that_writes(served):
    sender = web3.eth.accounts[0]
    before = web3.eth.get_transaction_count(sender)
    reply = rpc(served, {"jsonrpc": "2.0", "id": 3, "method": "eth_sendTransaction",
                         "params": [{"from": sender, "to": sender, "value": "0x1"}]})
    assert reply["id"] == 3 and "refused: eth_sendTransaction" in reply["error"]["message"]
    batch = rpc(served, [{"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
                         {"jsonrpc": "2.0", "id": 2, "method": "anvil_setBalance", "params": [sender, "0x0"]}])
    assert all("error" in r for r in batch)  # one refused call refuses the whole batch
    assert web3.eth.get_transaction_count(sender) == before


def test_disallowed_methods_and_errors():
    assert disallowed_methods({"method": "eth_call"}) == []
    assert disallowed_methods([{"method": "eth_getLogs"}, {"method": "evm_mine"}]) == ["evm_mine"]
    assert disallowed_methods([]) == ["(empty batch)"]
    assert disallowed_methods("eth_call") == ["None"]
    assert rpc_error({"id": 4}, "no")["id"] == 4
    assert [e["id"] for e in rpc_error([{"id": 1}, {"id": 2}], "no")] == [1, 2]


def test_rpc_url_for_networks():
    assert rpc_url_for(EMBEDDED["development"], None) == "http://127.0.0.1:8545"
    assert rpc_url_for(EMBEDDED["development"], "http://node:1") == "http://node:1"
    assert rpc_url_for(Network("sepolia", False, 11155111, "https://rpc.example"), None) == "https://rpc.example"


def test_cli_says_when_the_chain_does_not_answer():
    from click.testing import CliRunner

    from greenfi.chain.node import free_port
    from greenfi.cli import cli

    result = CliRunner().invoke(cli, ["dashboard", "--network", "development", "--rpc-url",
                                      f"http://127.0.0.1:{free_port()}"])
    assert result.exit_code == 1
    assert "does not answer eth_chainId" in result.output + getattr(result, "stderr", "")
