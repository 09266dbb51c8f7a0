"""`greenfi abi export`: ABIs, deployments, enums and bond series in the layout dApp front ends import.

    <out>/index.json     {"contracts": [...], "chains": {"<chainId>": {"<Name>": "0x…"}},
                          "blocks": {"<chainId>": {"<Name>": <deployment block>}},
                          "enums": {"<Interface>.<Enum>": {"<Member>": <value>}},
                          "clones": {"<chainId>": {"GreenBond": [<series>, ...], "GreenLoan": [<facility>, ...]}}}
    <out>/<Name>.json    {"contractName", "abi", "addresses": {"<chainId>": "0x…"},
                          "blocks": {"<chainId>": <deployment block>}, "enums": {...}}
                         GreenBond.json and GreenLoan.json also: "clones": {"<chainId>": [...]}

`addresses` of GreenBond (GreenLoan) is the implementation every series (facility) delegates to: never a
clone. A series is {"address", "isin" (bytes32 hex), "issuer", "block"}, read from the factory's BondCreated
events, a facility {"address", "loanId", "borrower", "lender", "projectId", "block"} from LoanCreated, on
the node given to `export` (none without one). Every suite contract that has a build artifact is
exported, deployed or not, so a front end can be built before deployment; addresses and blocks come
from deployments/*.json (an external contract, such as a configured settlement token, has block null).
An enum is exported for each contract whose ABI uses it, with its members' values read from the build.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from web3 import Web3

from greenfi.chain import artifacts, contracts
from greenfi.chain.deploy import SUITE
from greenfi.chain.deployments import DeploymentRecord
from greenfi.chain.transactions import enum_members
from greenfi.errors import DeploymentError
from greenfi.paths import DEPLOYMENTS


@dataclass(frozen=True)
class Clones:
    """How to list one implementation's clones: its factory, the factory's creation event, and one entry
    per event."""

    factory: str
    event: str
    entry: Callable[[dict], dict]


CLONED = {  # implementation -> how its factory's clones are listed
    "GreenBond": Clones("GreenBondFactory", "BondCreated", lambda a: {
        "address": a["bond"], "isin": "0x" + bytes(a["isin"]).hex(), "issuer": a["issuer"]}),
    "GreenLoan": Clones("GreenLoanFactory", "LoanCreated", lambda a: {
        "address": a["loan"], "loanId": a["loanId"], "borrower": a["borrower"], "lender": a["lender"],
        "projectId": a["projectId"]}),
}


def deployed_chains(directory: Path = DEPLOYMENTS) -> list[int]:
    return sorted(int(p.stem) for p in directory.glob("*.json") if p.stem.isdigit())


def enums_of(abi: list[dict]) -> dict[str, dict[str, int]]:
    """Every enum the ABI refers to (`internalType` "enum I.Name"), as member name -> value."""
    qualified = sorted(set(re.findall(r'"enum ([\w.]+)', json.dumps(abi))))
    return {name: {member: value for value, member in enumerate(enum_members(name))} for name in qualified}


def series(w3: Web3, record: DeploymentRecord, clones: Clones) -> list[dict]:
    """The clones `clones.factory` created on `w3`'s chain, oldest first, from its creation events."""
    deployed = record.get(clones.factory)
    if deployed is None:
        return []
    factory = contracts.at(w3, clones.factory, deployed.address)
    events = getattr(factory.events, clones.event).get_logs(from_block=deployed.block or 0)
    return [{**clones.entry(e["args"]), "block": e["blockNumber"]} for e in events]


def export(out: Path, deployments: Path = DEPLOYMENTS, names: list[str] | None = None, w3: Web3 | None = None) -> dict:
    """Write the ABI files and the index to `out`; return the index. With `w3`, also list the bond
    series of its chain."""
    names = names or [spec.name for spec in SUITE]
    records = {str(chain_id): DeploymentRecord(chain_id, deployments) for chain_id in deployed_chains(deployments)}
    chains = {chain: r.addresses() for chain, r in records.items()}
    blocks = {chain: {n: d.block for n, d in r.contracts.items()} for chain, r in records.items()}
    clones: dict[str, dict[str, list[dict]]] = {}
    if w3 is not None:
        chain = str(w3.eth.chain_id)
        record = records.get(chain) or DeploymentRecord(int(chain), deployments)
        clones[chain] = {name: series(w3, record, how) for name, how in CLONED.items()}
    out.mkdir(parents=True, exist_ok=True)
    exported, all_enums = [], {}
    for name in names:
        try:
            artifact = artifacts.load(name)
        except DeploymentError:
            continue
        enums = enums_of(artifact.abi)
        all_enums.update(enums)
        body = {"contractName": name, "abi": artifact.abi, "enums": enums,
                "addresses": {chain: by_name[name] for chain, by_name in chains.items() if name in by_name},
                "blocks": {chain: by_name[name] for chain, by_name in blocks.items() if name in by_name}}
        if name in CLONED:
            body["clones"] = {chain: found[name] for chain, found in clones.items()}
        _write(out / f"{name}.json", body)
        exported.append(name)
    index = {"contracts": exported, "chains": chains, "blocks": blocks, "enums": all_enums, "clones": clones}
    _write(out / "index.json", index)
    return index


def _write(path: Path, body: dict) -> None:
    path.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n")
