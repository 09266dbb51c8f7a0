"""The one revert decoder (greenfi.chain.transactions.describe_revert) reads every node's reply shape alike.

The replies are recorded from anvil 1.7.1 and ganache 7.9.2 (MockRiskOracle.latestScore of a subject
without a score: `NoUsableScore(address)`), then raised through web3.py's own error handling, as a command
meets them. ganache's eth_estimateGas (what `transact` simulates with) puts the revert data in
`error.data.result`, where web3.py does not look: undecoded, it read "VM Exception while processing
transaction: revert".
"""

import pytest
from eth_abi import encode
from web3._utils.error_formatters_utils import raise_contract_logic_error_on_revert
from web3.exceptions import ContractLogicError, Web3RPCError

from greenfi.chain.transactions import describe_revert, is_revert, revert_data

ABI = [{"type": "error", "name": "NoUsableScore", "inputs": [{"name": "subject", "type": "address",
                                                             "internalType": "address"}]}]
SUBJECT = "f39fd6e51aad88f6f4ce6ab8827279cfffb92266"
DATA = "0xa7a0bd97" + "00" * 12 + SUBJECT
NAMED = f"NoUsableScore(0x{SUBJECT})"
GANACHE_MESSAGE = "VM Exception while processing transaction: revert"

ANVIL = {  # eth_call and eth_estimateGas alike
    "jsonrpc": "2.0", "id": 14,
    "error": {"code": 3, "message": f"execution reverted: custom error 0xa7a0bd97: {'00' * 12}{SUBJECT}",
              "data": DATA}}
GANACHE_CALL = {
    "jsonrpc": "2.0", "id": 22,
    "error": {"message": GANACHE_MESSAGE, "code": -32000, "name": "CallError", "data": DATA,
              "stack": f"CallError: {GANACHE_MESSAGE}\n    at Blockchain.simulateTransaction (1.js:2:100650)"}}
GANACHE_ESTIMATE = {
    "jsonrpc": "2.0", "id": 23,
    "error": {"message": GANACHE_MESSAGE, "code": -32000, "name": "RuntimeError",
              "data": {"hash": None, "programCounter": 808, "result": DATA, "reason": None, "message": "revert"},
              "stack": f"RuntimeError: {GANACHE_MESSAGE}\n    at exactimate (1.js:2:166011)"}}


def raised(reply: dict) -> Exception:
    """The exception web3.py raises for `reply`: a ContractLogicError, else (ganache's eth_call with a
    revert string, which web3.py does not see as a revert) the Web3RPCError of any node error."""
    try:
        raise_contract_logic_error_on_revert(reply)
    except ContractLogicError as exc:
        return exc
    return Web3RPCError(repr(reply["error"]), rpc_response=reply)


def with_data(reply: dict, data: str) -> dict:
    """`reply` carrying other revert data, in the same place."""
    error = dict(reply["error"])
    error["data"] = {**error["data"], "result": data} if isinstance(error["data"], dict) else data
    return {**reply, "error": error}


SHAPES = {"anvil": ANVIL, "ganache eth_call": GANACHE_CALL, "ganache eth_estimateGas": GANACHE_ESTIMATE}


@pytest.mark.parametrize("shape", SHAPES)
def test_a_custom_error_reads_the_same_from_every_node(shape):
    exc = raised(SHAPES[shape])
    assert is_revert(exc) and revert_data(exc) == DATA
    assert describe_revert(exc, lambda: ABI) == NAMED


@pytest.mark.parametrize("shape", SHAPES)
def test_a_revert_string_and_a_panic_read_as_web3_words_anvils(shape):
    reason = "0x08c379a0" + encode(["string"], ["not enough"]).hex()
    panic = "0x4e487b71" + encode(["uint256"], [0x11]).hex()
    assert is_revert(raised(with_data(SHAPES[shape], reason)))
    assert describe_revert(raised(with_data(SHAPES[shape], reason)), lambda: ABI) == "execution reverted: not enough"
    assert describe_revert(raised(with_data(SHAPES[shape], panic)), lambda: ABI) == \
        raised(with_data(ANVIL, panic)).message  # web3.py's own words for anvil's panic


@pytest.mark.parametrize("shape", SHAPES)
def test_an_error_no_abi_knows_is_shown_raw(shape):
    other = "0xdeadbeef" + "00" * 32
    assert describe_revert(raised(with_data(SHAPES[shape], other)), lambda: ABI) == other


def test_the_first_abi_that_knows_the_error_names_it():
    exc = raised(GANACHE_ESTIMATE)
    assert describe_revert(exc, list, lambda: ABI) == NAMED


def test_a_reply_without_data_is_what_the_node_said():
    exc = ContractLogicError("execution reverted", data=None)
    assert revert_data(exc) is None and describe_revert(exc, lambda: ABI) == "execution reverted"
    ganache_bare = {"error": {"message": GANACHE_MESSAGE, "code": -32000,
                              "data": {"hash": None, "programCounter": 1, "result": "0x", "reason": None}}}
    assert describe_revert(raised(ganache_bare), lambda: ABI) == f"execution reverted: {GANACHE_MESSAGE}"


def test_a_raw_json_rpc_error_passed_on_as_a_value_error():
    """Some providers hand the node's error object on as is (the sensor's anchor reads those too)."""
    assert revert_data(ValueError(GANACHE_ESTIMATE["error"])) == DATA
    assert revert_data(ValueError(ANVIL["error"])) == DATA
    assert describe_revert(ValueError(ANVIL["error"]), lambda: ABI) == NAMED
    assert revert_data(ValueError("nonce too low")) is None


def test_ganaches_older_shape_through_brownies_middleware():
    """Brownie's web3 on ganache 7 rewrites the reply to ganache's older shape and raises a ValueError
    (recorded from MRVAnchor.anchorBatch: EnergyTooLarge(2**48))."""
    data = "0x398bb337" + (2**48).to_bytes(32, "big").hex()
    abi = [{"type": "error", "name": "EnergyTooLarge", "inputs": [{"name": "energyWh", "type": "uint64"}]}]
    reply = {"message": GANACHE_MESSAGE, "code": -32000, "name": "CallError",
             "data": {"0x": {"error": "revert", "reason": data}}}
    assert revert_data(ValueError(reply)) == data
    assert describe_revert(ValueError(reply), lambda: abi) == f"EnergyTooLarge({2**48})"


def test_a_node_failure_is_not_a_revert():
    busy = {"jsonrpc": "2.0", "id": 1, "error": {"code": -32000, "message": "insufficient funds for gas"}}
    assert not is_revert(Web3RPCError(repr(busy["error"]), rpc_response=busy))
