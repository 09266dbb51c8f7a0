"""One session per command: the network, a web3 connection, the deployment record and the signer.

`open_session` attaches to a running node or a live RPC endpoint (a `--rpc-url` is checked against
the network's chain id) and hands out the contracts of deployments/<chainId>.json, or the one an
option names. The signer (the node's unlocked account on local chains, the key from the environment
on live ones: greenfi.chain.signers.signer_for) is resolved on first use, so a command that only
reads never needs a key. `send` simulates first and names a revert's custom error, decoded against
every deployed contract's ABI, because a call can revert in a contract it reaches (an issuance
reverts in the report contract when the report is unknown, unapproved or consumed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.contract import Contract
from web3.exceptions import TimeExhausted, Web3RPCError
from web3.logs import DISCARD

from greenfi.chain import artifacts, contracts, networks, node
from greenfi.chain.deployments import DeploymentRecord
from greenfi.chain.approvals import simulate_operating, simulate_paying
from greenfi.chain.networks import Network
from greenfi.chain.signers import Signer, signer_for
from greenfi.chain.transactions import Abi, read, transact
from greenfi.errors import ConfigError, DeploymentError, GreenfiError


@dataclass
class Session:
    w3: Web3
    network: Network
    record: DeploymentRecord
    sender: str | None = None  # --from: an address or, on a local node, an account index
    _handles: dict[str, Contract] = field(default_factory=dict, repr=False)

    @cached_property
    def signer(self) -> Signer:
        """Who signs this command's transactions, resolved on first use (reads need no key)."""
        return signer_for(self.w3, self.network, self.sender)

    @property
    def chain_id(self) -> int:
        return self.w3.eth.chain_id

    def address(self, name: str, given: str | None = None, flag: str | None = None) -> str:
        """The address `flag` gave (checked), else `name`'s in the deployment record; ConfigError
        names the record and the option that would have supplied it."""
        if given is not None:
            if not Web3.is_address(given):
                raise ConfigError(f"{flag or name} is not an address: {given}")
            return Web3.to_checksum_address(given)
        deployed = self.record.get(name)
        if deployed is None:
            hint = f" or pass {flag}" if flag else ""
            raise ConfigError(f"{name} is not deployed on chain {self.chain_id} (no entry in {self.record.path}): "
                              f"run `greenfi deploy` first{hint}")
        return deployed.address

    def contract(self, name: str, given: str | None = None, flag: str | None = None) -> Contract:
        """Contract `name` at `given` (an option's value) or as recorded in the deployment record."""
        key = f"{name}@{given}" if given else name
        if key not in self._handles:
            self._handles[key] = contracts.at(self.w3, name, self.address(name, given, flag))
        return self._handles[key]

    def from_block(self, name: str) -> int:
        """The block `name` was deployed in (0 when unknown): event queries start there."""
        deployed = self.record.get(name)
        return (deployed.block or 0) if deployed else 0

    @cached_property
    def abi(self) -> Abi:
        """The errors and role constants of every deployed contract with a build artifact."""
        found: Abi = []
        for name in self.record.contracts:
            try:
                abi = artifacts.load(name).abi
            except DeploymentError:  # e.g. an external settlement token: nothing to decode with
                continue
            found += [item for item in abi if item.get("type") == "error" or item.get("name", "").endswith("_ROLE")]
        return found

    def send(self, call, label: str | None = None) -> dict:
        """Simulate `call`, send it from the signer and return its receipt; a revert is one
        TransactionReverted naming the custom error."""
        try:
            return transact(self.w3, self.signer, call, more_errors=lambda: self.abi, label=label)
        except (Web3RPCError, TimeExhausted) as exc:  # e.g. no funds for gas on a testnet
            raise GreenfiError(f"{call.fn_name}: the node did not take the transaction: {exc}") from None

    def send_paying(self, call, token: Contract, amount: int, label: str | None = None,
                    on_sent=lambda receipt: None) -> dict:
        """Send `call`, which pulls `amount` of `token` from the signer: simulate it with the allowance it
        will have (greenfi.chain.approvals), and only then approve what is missing and send it. A refusal
        sends nothing. `on_sent(receipt)` is told of the approval, if one was sent."""
        label = label or call.fn_name
        try:
            simulate_paying(self.w3, self.signer, call, token, amount, label, lambda: self.abi)
        except (Web3RPCError, TimeExhausted) as exc:
            raise GreenfiError(f"{label}: the node did not answer the simulation: {exc}") from None
        if token.functions.allowance(self.signer.address, call.address).call() < amount:
            on_sent(self.send(token.functions.approve(call.address, amount), f"approve({amount}) for {label}"))
        return self.send(call, label)

    def send_operating(self, call, collection: Contract, label: str | None = None) -> dict:
        """Send `call`, which moves the signer's ERC-1155 units of `collection` as their operator (e.g. a
        market listing): simulate it with the operator approval it will have, and only then
        `setApprovalForAll` (when missing) and send it. A refusal sends nothing."""
        label = label or call.fn_name
        try:
            simulate_operating(self.w3, self.signer, call, collection, label, lambda: self.abi)
        except (Web3RPCError, TimeExhausted) as exc:
            raise GreenfiError(f"{label}: the node did not answer the simulation: {exc}") from None
        if not collection.functions.isApprovedForAll(self.signer.address, call.address).call():
            self.send(collection.functions.setApprovalForAll(call.address, True), f"setApprovalForAll for {label}")
        return self.send(call, label)

    def read(self, call) -> Any:
        """`call.call()`, a revert named like `send` names it."""
        return read(call, lambda: self.abi)


def open_session(network_name: str, sender: str | None = None, deployments: Path | None = None,
                 rpc_url: str | None = None, signs: bool = False) -> Session:
    """The session of a command on `network_name` (`--network`, `--from`, `--deployments`, `--rpc-url`).
    A command that will sign in any case (`signs`, e.g. `greenfi deploy`) has a live network's key
    checked before the endpoint is reached, so a missing or wrong key costs no network round trip."""
    network = networks.resolve(network_name)
    early = signer_for(None, network, sender) if signs and not network.embedded else None
    w3 = node.attach(network, rpc_url).w3
    record = DeploymentRecord(w3.eth.chain_id, **({"directory": deployments} if deployments else {}))
    session = Session(w3, network, record, sender)
    if early is not None:
        session.signer = early  # fills the cached property: the one resolution, done first
    return session


def event_args(contract: Contract, receipt: dict, name: str) -> dict[str, Any]:
    """The arguments of the first `name` event of `contract` in `receipt`."""
    found = getattr(contract.events, name)().process_receipt(receipt, errors=DISCARD)  # skip the other events
    if not found:
        raise GreenfiError(f"no {name} event in transaction {receipt['transactionHash'].hex()}")
    return dict(found[0]["args"])
