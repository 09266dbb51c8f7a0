"""The dashboard server without a browser: static files, ABIs, config, and the read-only RPC proxy,
against the Brownie chain."""

import json
import time
import urllib.error
import urllib.request

import pytest
from brownie import web3

from greenfi.dashboard.proxy import Limits
from greenfi.dashboard.server import Background
from greenfi.cli.dashboard import rpc_url_for
from greenfi.chain.networks import EMBEDDED, Network


@pytest.fixture(scope="module")
def deployments(tmp_path_factory):
    folder = tmp_path_factory.mktemp("deployments")
    (folder / f"{web3.eth.chain_id}.json").write_text(json.dumps({"chainId": web3.eth.chain_id, "contracts": {
        "CarbonCredits": {"address": "0x" + "11" * 20, "tx_hash": None, "block": None, "abi_hash": "", "fingerprint": ""}}}))
    return folder


@pytest.fixture(scope="module")
def served(deployments):
    with Background(web3.provider.endpoint_uri, "dev", deployments) as url:
        yield url


@pytest.fixture(scope="module")
def strict(deployments):
    """A dashboard with tight limits: batches of 2, 5-block log ranges, a bucket of 4 calls refilled at 1/s."""
    limits = Limits(max_batch=2, max_log_range=5, rate=1, burst=4, max_body=2_000)
    with Background(web3.provider.endpoint_uri, "dev", deployments, limits) as url:
        yield url


def refused(url, body, raw=None):
    """(HTTP status, headers, JSON reply) of a request the proxy answers with a non-200 status."""
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(url + "rpc", data=data, headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=10)
    return err.value.code, err.value.headers, json.loads(err.value.read())


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


def call(method, *params, ident=1):
    return {"jsonrpc": "2.0", "id": ident, "method": method, "params": list(params)}


def test_each_limit_answers_its_documented_error(strict):
    status, _, reply = refused(strict, None, raw=b"{not json")
    assert (status, reply["error"]["code"]) == (400, -32700)
    status, _, reply = refused(strict, [])
    assert (status, reply["error"]["code"]) == (400, -32600)
    status, _, reply = refused(strict, None, raw=b"[" + b" " * 2_000 + b"]")
    assert (status, reply["error"]["code"]) == (413, -32600)
    status, _, reply = refused(strict, [call("eth_chainId", ident=i) for i in range(3)])
    assert status == 413 and [r["id"] for r in reply] == [0, 1, 2]
    assert reply[0]["error"]["code"] == -32005 and reply[0]["error"]["data"] == {"limit": "max_batch", "max": 2}
    wide = rpc(strict, call("eth_getLogs", {"fromBlock": "0x0", "toBlock": "0x5"}))  # 6 blocks
    assert wide["error"]["code"] == -32005 and wide["error"]["data"]["limit"] == "max_log_range"


def test_a_client_past_its_bucket_gets_429_with_retry_after(strict):
    time.sleep(4)  # the bucket refills (1 call/s, 4 at most) after the other tests' calls
    for ident in range(4):
        assert "result" in rpc(strict, call("eth_blockNumber", ident=ident))
    status, headers, reply = refused(strict, call("eth_blockNumber", ident=9))
    assert status == 429 and int(headers["Retry-After"]) >= 1
    assert reply["id"] == 9 and reply["error"]["code"] == -32005 and reply["error"]["data"]["limit"] == "rate"
    time.sleep(1.1)
    assert "result" in rpc(strict, call("eth_blockNumber"))  # earned back


def test_serves_the_build_enums(served):
    enums = json.loads(get(served + "enums.json")[2])
    assert enums["IParticipantRegistry.Kind"][:2] == ["None", "Enterprise"]
    assert "IProjectRegistry.ProjectStatus" in enums and "ICarbonMarket.ListingStatus" in enums


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


def test_cli_refuses_limits_that_cannot_work():
    from click.testing import CliRunner

    from greenfi.cli import cli

    result = CliRunner().invoke(cli, ["dashboard", "--network", "development", "--burst", "10", "--max-batch", "50"])
    assert result.exit_code == 2 and "burst must be at least max_batch" in result.output
    result = CliRunner().invoke(cli, ["dashboard", "--network", "development", "--max-upstream", "0"])
    assert result.exit_code == 2 and "max_upstream must be at least 1" in result.output
