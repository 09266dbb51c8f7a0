"""Pay through an ERC-20 approval (or move units through an ERC-1155 operator approval) only when
the call that needs it would succeed.

A call that pulls the settlement token (a subscription, a coupon or principal deposit) needs an
allowance first. Sending the approval and then finding the call refused would change state for
nothing, so the call is simulated first *with the allowance it will have*:

1. **State override** (anvil, geth, ganache 7, most RPC providers): `eth_call` with the token's
   allowance storage slot overridden. The slot is found, never assumed: from `eth_createAccessList`
   of `allowance(owner, spender)` where the node has it, else among the first `PROBED_SLOTS` slots of a
   Solidity `mapping(owner => mapping(spender => uint))`. A candidate counts only if `allowance()`
   reads the overridden value back.
2. **Fallback** (a node without overrides, a token with another layout): the call is simulated as is.
   A refusal the token raises about the allowance comes last in the paying contract (it pulls after
   its checks), so every check before it passed; the payer's balance is then compared with the amount.
   Any other refusal is the paying contract's own and is reported. What the fallback cannot see: a
   token that refuses the pull for another reason once approved.

An ERC-1155 operator approval (`setApprovalForAll`, e.g. the market moving a seller's units into
escrow) is simulated the same way (`simulate_operating`): `isApprovedForAll(owner, operator)` lives in
a `mapping(owner => mapping(operator => bool))`, found and overridden like the allowance; without an
override, only a refusal that names the missing approval is passed over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from eth_utils import keccak
from web3 import Web3
from web3.contract.contract import Contract, ContractFunction
from web3.exceptions import ContractLogicError, Web3RPCError

from greenfi.chain.signers import Signer
from greenfi.chain.transactions import Abi, TransactionReverted, describe_revert, is_revert

PROBED_SLOTS = 12  # OpenZeppelin's ERC20 keeps allowances at slot 1; other bases shift it by a few


def simulate_paying(w3: Web3, signer: Signer, call: ContractFunction, token: Contract, amount: int,
                    label: str, more_errors: Callable[[], Abi] = list) -> str:
    """Raise TransactionReverted if `call`, sent by `signer` after approving `amount` of `token` to
    the called contract, would revert. Returns how it was simulated: "approved" (the allowance is
    already enough), "state override" or "preconditions" (the fallback)."""
    owner, spender = signer.address, call.address
    how = _simulate_approved(call, owner, token, token.functions.allowance(owner, spender).call() >= amount,
                             lambda: allowance_override(w3, token, owner, spender, amount), "allowance", label,
                             more_errors)
    if how == "preconditions":
        balance = token.functions.balanceOf(owner).call()
        if balance < amount:
            raise TransactionReverted(f"{label} would revert: {owner} holds {token_amount(token, balance)}, "
                                      f"{token_amount(token, amount)} are needed")
    return how


def simulate_operating(w3: Web3, signer: Signer, call: ContractFunction, collection: Contract, label: str,
                       more_errors: Callable[[], Abi] = list) -> str:
    """Raise TransactionReverted if `call`, sent by `signer` after `collection.setApprovalForAll(called
    contract, true)`, would revert. Returns how it was simulated, as `simulate_paying`."""
    owner, operator = signer.address, call.address
    # The fallback passes over MarketNotApproved or ERC1155MissingApprovalForAll, nothing else.
    return _simulate_approved(call, owner, collection, collection.functions.isApprovedForAll(owner, operator).call(),
                              lambda: operator_override(w3, collection, owner, operator), "approv", label,
                              more_errors)


def _simulate_approved(call: ContractFunction, owner: str, token: Contract, granted: bool,
                       find_override: Callable[[], dict | None], missing: str, label: str,
                       more_errors: Callable[[], Abi]) -> str:
    """Simulate `call` as it will run once the approval is given: as is when `granted`, else under the
    override `find_override()` finds, else as is, passing over only a refusal whose text names the
    missing approval (`missing`, lower case): every check the contract makes before it has passed."""
    if granted:
        _simulate(call, owner, None, label, token, more_errors)
        return "approved"
    override = find_override()
    if override is not None:
        _simulate(call, owner, override, label, token, more_errors)
        return "state override"
    try:
        call.call({"from": owner})
    except (ContractLogicError, Web3RPCError) as exc:
        if not is_revert(exc):
            raise
        reason = describe_revert(exc, lambda: token.abi, lambda: call.contract_abi, more_errors)
        if missing not in reason.lower():  # the called contract's own refusal
            raise TransactionReverted(f"{label} would revert: {reason}") from None
    return "preconditions"


def token_amount(token: Contract, amount: int) -> str:
    """`amount` base units in the token's own units and symbol, e.g. `1,000.000000 tdCNY`."""
    decimals, symbol = token.functions.decimals().call(), token.functions.symbol().call()
    whole, fraction = divmod(amount, 10**decimals)
    return f"{whole:,}" + (f".{fraction:0{decimals}d}" if decimals else "") + f" {symbol}"


def allowance_override(w3: Web3, token: Contract, owner: str, spender: str, amount: int) -> dict | None:
    """An eth_call state override under which `allowance(owner, spender)` reads `amount`, or None when
    the node takes no override or no candidate slot holds the allowance."""
    return _override(w3, token.functions.allowance(owner, spender), amount, lambda answer: answer == amount)


def operator_override(w3: Web3, collection: Contract, owner: str, operator: str) -> dict | None:
    """An eth_call state override under which `isApprovedForAll(owner, operator)` is true, or None."""
    return _override(w3, collection.functions.isApprovedForAll(owner, operator), 1, bool)


def _override(w3: Web3, view: ContractFunction, word: int, holds: Callable[[object], bool]) -> dict | None:
    """The override that writes `word` into the slot `view` (a getter of `mapping[owner][spender]`)
    reads, found among the candidate slots: the first under which `holds(view())`."""
    value = "0x" + word.to_bytes(32, "big").hex()
    for key in _candidate_keys(w3, view):
        override = {view.address: {"stateDiff": {key: value}}}
        try:
            if holds(view.call(state_override=override)):
                return override
        except (ContractLogicError, Web3RPCError, ValueError, TypeError):  # no overrides on this node
            return None
    return None


def _candidate_keys(w3: Web3, view: ContractFunction) -> Iterator[str]:
    owner, spender = view.args
    try:
        reply = w3.provider.make_request("eth_createAccessList",
                                         [{"to": view.address, "data": view._encode_transaction_data()}, "latest"])
        for entry in (reply.get("result") or {}).get("accessList", []):
            if entry["address"].lower() == view.address.lower():
                yield from entry["storageKeys"]
    except (ValueError, KeyError, TypeError, Web3RPCError):  # e.g. ganache: no eth_createAccessList
        pass
    for slot in range(PROBED_SLOTS):
        yield "0x" + mapping_key(spender, mapping_key(owner, slot.to_bytes(32, "big"))).hex()


def mapping_key(key: str, slot: bytes) -> bytes:
    """The storage slot of `mapping[key]` for a mapping at `slot` (Solidity: keccak(key . slot))."""
    return keccak(bytes.fromhex(key.removeprefix("0x").lower().rjust(64, "0")) + slot)


def _simulate(call: ContractFunction, sender: str, override: dict | None, label: str, token: Contract,
              more_errors: Callable[[], Abi]) -> None:
    """`call` by `sender` under `override`; a revert, decoded also against `token` (an ERC-20 or
    ERC-1155 the call reaches), is one TransactionReverted."""
    try:
        call.call({"from": sender}, state_override=override)
    except (ContractLogicError, Web3RPCError) as exc:
        if not is_revert(exc):
            raise
        reason = describe_revert(exc, lambda: call.contract_abi, more_errors, lambda: token.abi)
        raise TransactionReverted(f"{label} would revert: {reason}") from None
