"""web3.py handles on deployed greenfi contracts, by name, from artifacts and the deployment record."""

from __future__ import annotations

from web3 import Web3
from web3.contract import Contract

from greenfi.chain import artifacts


def at(w3: Web3, name: str, address: str) -> Contract:
    """A handle on contract `name` (its build artifact's ABI) at `address`."""
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifacts.load(name).abi)


def suite(w3: Web3, addresses: dict[str, str]) -> dict[str, Contract]:
    """A handle for every contract in `addresses` (name → address)."""
    return {name: at(w3, name, address) for name, address in addresses.items()}
