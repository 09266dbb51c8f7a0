"""`greenfi abi export`: ABIs and deployed addresses in the layout dApp front ends import.

    <out>/index.json             {"contracts": [...], "chains": {"<chainId>": {"<Name>": "0x…"}}}
    <out>/<Name>.json            {"contractName", "abi", "addresses": {"<chainId>": "0x…"}}

Every suite contract that has a build artifact is exported, deployed or not, so a front end can be
built before deployment; addresses come from deployments/*.json.
"""

from __future__ import annotations

import json
from pathlib import Path

from greenfi.chain import artifacts
from greenfi.chain.deploy import SUITE
from greenfi.chain.deployments import DeploymentRecord
from greenfi.errors import DeploymentError
from greenfi.paths import DEPLOYMENTS


def deployed_chains(directory: Path = DEPLOYMENTS) -> list[int]:
    return sorted(int(p.stem) for p in directory.glob("*.json") if p.stem.isdigit())


def export(out: Path, deployments: Path = DEPLOYMENTS, names: list[str] | None = None) -> dict:
    """Write the ABI files and the index to `out`; return the index."""
    names = names or [spec.name for spec in SUITE]
    records = [DeploymentRecord(chain_id, deployments) for chain_id in deployed_chains(deployments)]
    chains = {str(r.chain_id): r.addresses() for r in records}
    out.mkdir(parents=True, exist_ok=True)
    exported = []
    for name in names:
        try:
            artifact = artifacts.load(name)
        except DeploymentError:
            continue
        addresses = {chain: by_name[name] for chain, by_name in chains.items() if name in by_name}
        _write(out / f"{name}.json", {"contractName": name, "abi": artifact.abi, "addresses": addresses})
        exported.append(name)
    index = {"contracts": exported, "chains": chains}
    _write(out / "index.json", index)
    return index


def _write(path: Path, body: dict) -> None:
    path.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n")
