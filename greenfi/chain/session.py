"""The chain side of the carbon write commands (`greenfi project ...`, `greenfi cai issue|transfer|retire`).

A session attaches to a running node or a live RPC endpoint, picks the signer (the node's unlocked
account on local chains, the key from the environment on live ones: greenfi.chain.signers), and hands out
the contracts of deployments/<chainId>.json. Its sends name a revert's custom error decoded against
every deployed contract's ABI, because a call can revert in a contract it reaches (an issuance
reverts in the report contract when the report is unknown, unapproved or consumed).

Free text (methodology, location, evidence, beneficiary names) stays off chain: a 0x-prefixed 32-byte
value is taken as the hash itself, an existing file is hashed by its bytes, anything else by its
UTF-8 text (keccak256).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import click
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import TimeExhausted, Web3RPCError
from web3.logs import DISCARD

from greenfi.chain import artifacts, contracts, networks, node as chain
from greenfi.chain.deployments import DeploymentRecord
from greenfi.errors import ConfigError, DeploymentError, GreenfiError
from greenfi.chain.signers import Signer, signer_for
from greenfi.chain.transactions import Abi, read, transact



@dataclass
class CarbonSession:
    w3: Web3
    record: DeploymentRecord
    signer: Signer | None = None
    _handles: dict[str, Contract] = field(default_factory=dict, repr=False)

    def contract(self, name: str) -> Contract:
        """Contract `name` of the deployment record; ConfigError when the chain has none."""
        if name not in self._handles:
            deployed = self.record.get(name)
            if deployed is None:
                raise ConfigError(f"{name} is not deployed on chain {self.w3.eth.chain_id} "
                                  f"(no entry in {self.record.path}): run `greenfi deploy` first")
            self._handles[name] = contracts.at(self.w3, name, deployed.address)
        return self._handles[name]

    def from_block(self, name: str) -> int:
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

    def send(self, call) -> dict:
        if self.signer is None:
            raise GreenfiError("this command only reads the chain")
        try:
            receipt = transact(self.w3, self.signer, call, more_errors=lambda: self.abi)
        except (Web3RPCError, TimeExhausted) as exc:  # e.g. no funds for gas on a testnet
            raise GreenfiError(f"{call.fn_name}: the node did not take the transaction: {exc}") from None
        click.echo(f"mined in block {receipt['blockNumber']}, gas {receipt['gasUsed']:,}")
        return receipt

    def read(self, call) -> Any:
        return read(call, lambda: self.abi)


def open_session(network_name: str, sender: str | None = None, deployments: Path | None = None,
                 signing: bool = True) -> CarbonSession:
    """A session on `network_name`; `signing=False` for commands that only read (no key needed)."""
    network = networks.resolve(network_name)
    w3 = chain.attach(network).w3
    record = DeploymentRecord(w3.eth.chain_id, **({"directory": deployments} if deployments else {}))
    return CarbonSession(w3, record, signer_for(w3, network, sender) if signing else None)


def event_args(contract: Contract, receipt: dict, name: str) -> dict[str, Any]:
    """The arguments of the first `name` event of `contract` in `receipt`."""
    found = getattr(contract.events, name)().process_receipt(receipt, errors=DISCARD)  # skip the other events
    if not found:
        raise GreenfiError(f"no {name} event in transaction {receipt['transactionHash'].hex()}")
    return dict(found[0]["args"])
