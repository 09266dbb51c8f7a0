"""Send contract calls and wait for them, turning a revert into a GreenfiError that names it."""

from __future__ import annotations

from typing import Any

from web3 import Web3
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError

from greenfi.errors import GreenfiError
from greenfi.signers import Signer


class TransactionReverted(GreenfiError):
    """A transaction greenfi sent was reverted."""


def transact(w3: Web3, signer: Signer, call: ContractFunction, timeout: float = 600) -> Any:
    """Send `call` from `signer`, wait for its receipt, raise TransactionReverted if it failed."""
    label = f"{call.fn_name}({', '.join(map(str, call.args))})"
    try:
        call.estimate_gas({"from": signer.address})  # surfaces the revert reason before paying gas
    except (ContractCustomError, ContractLogicError) as exc:
        raise TransactionReverted(f"{label} would revert: {exc}") from None
    tx_hash = signer.send(w3, {"to": call.address, "data": call._encode_transaction_data()})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout)
    if receipt["status"] != 1:
        raise TransactionReverted(f"{label} reverted in transaction {Web3.to_hex(tx_hash)}")
    return receipt
