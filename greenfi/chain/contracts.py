"""web3.py handles on deployed greenfi contracts, by name, from artifacts and the deployment record;
and the contracts' enums, read from the build (never copied by hand)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from functools import cache

from web3 import Web3
from web3.contract import Contract

from greenfi.chain import artifacts
from greenfi.errors import DeploymentError
from greenfi.paths import BUILD_CONTRACTS


def at(w3: Web3, name: str, address: str) -> Contract:
    """A handle on contract `name` (its build artifact's ABI) at `address`."""
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifacts.load(name).abi)


def suite(w3: Web3, addresses: dict[str, str]) -> dict[str, Contract]:
    """A handle for every contract in `addresses` (name → address)."""
    return {name: at(w3, name, address) for name, address in addresses.items()}


@cache
def enum_members(qualified: str) -> tuple[str, ...]:
    """The member names of enum `Contract.Enum`, read from the contract's compiled AST (() if absent)."""
    contract, _, name = qualified.rpartition(".")
    try:
        ast = json.loads((BUILD_CONTRACTS / f"{contract}.json").read_text())["ast"]
    except (OSError, ValueError, KeyError):
        return ()
    stack = [ast]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("nodeType") == "EnumDefinition" and node.get("name") == name:
                return tuple(m["name"] for m in node["members"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return ()


class BuildEnum(Sequence[str]):
    """The members of Solidity enum `Contract.Enum`, read from the build when first used: `E[i]` is
    member i as `spell` shows it (default its Solidity name), `E.index(shown)` its number."""

    def __init__(self, qualified: str, spell: Callable[[str], str] = str):
        self.qualified = qualified
        self.spell = spell

    @property
    def members(self) -> tuple[str, ...]:
        found = enum_members(self.qualified)
        if not found:
            raise DeploymentError(f"enum {self.qualified} is not in build/contracts: run `brownie compile`")
        return tuple(self.spell(m) for m in found)

    def __getitem__(self, index):
        return self.members[index]

    def __len__(self) -> int:
        return len(self.members)

    def name(self, value: int) -> str:
        """Member `value`'s shown name, or the number itself when the build has no such member."""
        members = self.members
        return members[value] if 0 <= value < len(members) else str(value)


def kebab(name: str) -> str:
    """`PvInverter` -> `pv-inverter`: an enum member as a command-line word."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def fields(call, value=None) -> dict:
    """The result of `call` (a web3 ContractFunction; called unless `value` is its result already)
    keyed by the ABI's names: a returned struct's fields, or the function's named outputs. Code reads
    `fields(bond.functions.terms())["issueDate"]`, never a position that a new field would shift."""
    value = call.call() if value is None else value
    outputs = call.abi["outputs"]
    if len(outputs) == 1 and outputs[0]["type"] == "tuple":
        return decode_tuple(outputs[0]["components"], value)
    return decode_tuple(outputs, value if len(outputs) > 1 else (value,))


def decode_tuple(specs: list[dict], value) -> dict:
    """A tuple decoded by web3 as a dict by its ABI component names (nested structs too)."""
    return {spec["name"]: decode_tuple(spec["components"], item) if spec["type"] == "tuple" else item
            for spec, item in zip(specs, value)}
