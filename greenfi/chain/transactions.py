"""Send contract calls and wait for them, turning a revert into a GreenfiError that names it.

A custom error is decoded against the ABIs at hand: `Name(arg, ...)`, with enum arguments by member
name (read from the compiled interfaces) and an AccessControl role by its constant's name.

Nodes hand the revert data over in different shapes (`revert_data`): anvil and geth put the hex in the
JSON-RPC error's `data`; ganache does so for eth_call but, for eth_estimateGas, puts an object there whose
`result` holds the hex (web3.py then raises a plain ContractLogicError, "VM Exception while processing
transaction: revert"). Both are decoded alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eth_abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils import function_signature_to_4byte_selector, keccak
from web3 import Web3
from web3._utils.error_formatters_utils import PANIC_ERROR_CODES  # web3.py's own wording of panics
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError, Web3RPCError

from greenfi.errors import GreenfiError
from greenfi.chain import journal
from greenfi.chain.contracts import enum_members
from greenfi.chain.signers import Signer

Abi = list[dict[str, Any]]
GAS_MARGIN_PCT = 125  # the limit sent: 125 % of the estimate ...
GAS_MARGIN_FLAT = 25_000  # ... plus a fresh storage slot (22,100) and change


class TransactionReverted(GreenfiError):
    """A transaction greenfi sent was reverted."""


def transact(w3: Web3, signer: Signer, call: ContractFunction, timeout: float = 600,
             more_errors: Callable[[], Abi] | None = None, label: str | None = None) -> Any:
    """Simulate `call` from `signer`, send it, wait for its receipt, raise TransactionReverted if it failed.

    A custom error is named from the called contract's ABI, else from `more_errors()`: the errors of
    contracts the call reaches (e.g. the report contract behind an issuance), looked up only then.
    `label` names the call in the error (default: the function with its arguments)."""
    label = label or _label(call)
    try:
        estimate = call.estimate_gas({"from": signer.address})  # surfaces the revert reason before paying gas
    except (ContractLogicError, Web3RPCError) as exc:
        if not is_revert(exc):
            raise
        raise TransactionReverted(f"{label} would revert: {revert_reason(exc, call, more_errors)}") from None
    tx_hash = signer.send(w3, {"to": call.address, "data": call._encode_transaction_data(),
                               "gas": with_gas_margin(estimate)})
    entry = journal.sent(label, tx_hash)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout)
    journal.mined(entry, receipt["blockNumber"])
    if receipt["status"] != 1:
        raise TransactionReverted(f"{label} reverted in transaction {Web3.to_hex(tx_hash)}")
    return receipt


def with_gas_margin(estimate: int) -> int:
    """The gas limit for a call estimated at `estimate`. The estimate is made against the pending block; the
    block that mines it may be a second later, and a call whose work grows with time (a loan accruing interest
    for the first time, writing a fresh slot) then needs more: a limit at the bare estimate made such calls
    run out of gas inside a sub-call (tests/loan/test_loan_cli.py). Unused gas is not paid for."""
    return estimate * GAS_MARGIN_PCT // 100 + GAS_MARGIN_FLAT


def read(call: ContractFunction, more_errors: Callable[[], Abi] | None = None) -> Any:
    """`call.call()`, with a revert (e.g. `UnknownCai`) as a GreenfiError naming the custom error."""
    try:
        return call.call()
    except (ContractLogicError, Web3RPCError) as exc:
        if not is_revert(exc):
            raise
        raise GreenfiError(f"{_label(call)} reverted: {revert_reason(exc, call, more_errors)}") from None


def revert_reason(exc: Exception, call: ContractFunction, more_errors: Callable[[], Abi] | None = None) -> str:
    """The decoded custom error, or what the node said (a revert string, a panic)."""
    return describe_revert(exc, lambda: call.contract_abi, more_errors or list)


def describe_revert(exc: Exception, *abis: Callable[[], Abi]) -> str:
    """The custom error of `exc` decoded against the first of `abis()` that knows it, a revert string
    or panic as anvil's replies read through web3.py, else what the node said. The one revert decoder
    of the project: every node's reply shape (`revert_data`) is decoded alike."""
    data = revert_data(exc)
    if data is None or len(data) < 10:
        return str(getattr(exc, "message", None) or exc)
    for abi in abis:
        named = decode_custom_error(abi(), data)
        if named != data:
            return named
    return _standard_error(data) or data


def is_revert(exc: Exception) -> bool:
    """Whether `exc` is a revert (web3.py's ContractLogicError, or a node error carrying revert data)
    rather than a transport or node failure."""
    return isinstance(exc, ContractLogicError) or revert_data(exc) is not None


def revert_data(exc: Exception) -> str | None:
    """The hex revert data in `exc`, whichever shape the node sent it in: a string in `data` (anvil,
    geth, ganache's eth_call), an object with the hex in `result` (ganache's eth_estimateGas) or under
    the transaction hash (ganache's older shape, through Brownie's middleware), a
    Web3RPCError's reply (ganache's eth_call with a revert string, which web3.py does not see as a
    revert), or the raw JSON-RPC error passed on as a ValueError's argument. None when there is none."""
    data = getattr(exc, "data", None)
    reply = getattr(exc, "rpc_response", None)
    if data is None and isinstance(reply, dict) and isinstance(reply.get("error"), dict):
        data = reply["error"].get("data")
    if data is None and exc.args and isinstance(exc.args[0], dict):  # the raw JSON-RPC error object
        data = exc.args[0].get("data")
    if isinstance(data, dict):
        data = data.get("result") if "result" in data else _legacy_ganache_data(data)
    if isinstance(data, str) and data.startswith("0x") and len(data) % 2 == 0:
        return data
    return None


def _legacy_ganache_data(data: dict) -> str | None:
    """ganache's older shape, which Brownie's web3 middleware still produces on ganache 7:
    `{"<tx hash or 0x>": {"error": "revert", "return" or "reason": "0x…"}}`."""
    for entry in data.values():
        if isinstance(entry, dict):
            for key in ("return", "reason"):
                value = entry.get(key)
                if isinstance(value, str) and value.startswith("0x"):
                    return value
    return None


_ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string): a revert string
_PANIC = bytes.fromhex("4e487b71")  # Panic(uint256): a compiler check


def _standard_error(data: str) -> str | None:
    """A revert string or panic worded as web3.py words anvil's (`execution reverted: reason`)."""
    raw = bytes.fromhex(data.removeprefix("0x"))
    try:
        if raw[:4] == _ERROR_STRING:
            return f"execution reverted: {abi_decode(['string'], raw[4:])[0]}"
        if raw[:4] == _PANIC:
            code = abi_decode(["uint256"], raw[4:])[0]
            return PANIC_ERROR_CODES.get(f"{code:02x}", f"Panic error 0x{code:02x}")
    except DecodingError:
        return None
    return None


def _label(call: ContractFunction) -> str:
    return f"{call.fn_name}({', '.join(_shown(a) for a in call.args)})"


def decode_custom_error(abi: Abi, data: str | None) -> str:
    """`Name(arg, ...)` for revert data that matches an error of `abi`; the raw data otherwise. Amounts and
    dates stay numbers here: the CLI's error line shows them in human units (greenfi.cli.hints)."""
    if not data or not isinstance(data, str) or len(data) < 10:
        return str(data)
    raw = bytes.fromhex(data.removeprefix("0x"))
    roles = _role_names(abi)
    for item in abi:
        if item.get("type") != "error":
            continue
        types = [i["type"] for i in item["inputs"]]
        if function_signature_to_4byte_selector(f"{item['name']}({','.join(types)})") == raw[:4]:
            try:
                values = abi_decode(types, raw[4:])
            except Exception:  # malformed revert data: the name only
                return item["name"]
            shown = [_argument(spec, value, roles) for spec, value in zip(item["inputs"], values)]
            return f"{item['name']}({', '.join(shown)})"
    return data


def _argument(spec: dict[str, Any], value: Any, roles: dict[bytes, str]) -> str:
    internal = spec.get("internalType", "")
    if internal.startswith("enum ") and isinstance(value, int):
        members = enum_members(internal.removeprefix("enum "))
        return members[value] if value < len(members) else str(value)
    if isinstance(value, bytes) and spec.get("name", "").endswith("Role") and value in roles:
        return roles[value]
    if spec.get("type") == "bytes32" and _is_short_text(value):
        return value.rstrip(b"\0").decode()  # a name packed in a word, e.g. LoanInvalidTerms(margins)
    return _shown(value)


def _is_short_text(value: bytes) -> bool:
    """Whether `value` is a short identifier left-aligned in 32 bytes (letters, digits, `_`, then zeros).
    A hash is never one: its last byte is zero with chance 1/256 and all the others are printable with
    chance (63/256)^31."""
    text = bytes(value).rstrip(b"\0")
    return 0 < len(text) < len(value) and all(chr(b).isascii() and (chr(b).isalnum() or chr(b) == "_") for b in text)


def _shown(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return f"({', '.join(_shown(v) for v in value)})"
    return str(value)


def _role_names(abi: Abi) -> dict[bytes, str]:
    """AccessControl roles named by the ABI's `X_ROLE` constants (OpenZeppelin: keccak256("X_ROLE"))."""
    names = {b"\0" * 32: "DEFAULT_ADMIN_ROLE"}
    for item in abi:
        if item.get("type") == "function" and item["name"].endswith("_ROLE") and not item.get("inputs"):
            names.setdefault(keccak(text=item["name"]), item["name"])
    return names
