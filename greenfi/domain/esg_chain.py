"""Verified environmental figures of entities, read from the chain with plain web3.py.

Per entity (address):

- `verified_generation_wh`: the `energyWh` of every MRVAnchor `BatchAnchored` batch of a project whose
  developer (`IProjectRegistry.developerOf`) is the entity and that is final (`isFinal`: its challenge
  window has passed and it was not rejected);
- `credits_issued`: the `quantity` of every CarbonCredits `Issued` event whose `developer` is the entity;
- `credits_retired`: the `amount` of every CarbonCredits `Retired` event whose `retiree` is the entity.

Entities without such events get zeros: no verified data, no environmental credit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from web3 import Web3

from greenfi.chain import contracts
from models.errors import ModelError

CONTRACTS = ("ProjectRegistry", "MRVAnchor", "CarbonCredits")
COLUMNS = ("verified_generation_wh", "credits_issued", "credits_retired")
DEPLOYMENTS_DIR: Path | None = None  # None: greenfi's deployments/ (tests point it elsewhere)


def chain_figures(w3: Web3, addresses: dict[str, str], entities: Iterable[str], from_block: int = 0) -> pd.DataFrame:
    """A frame indexed by checksum address with COLUMNS (integers as float64) for `entities`.

    `addresses` maps ProjectRegistry, MRVAnchor and CarbonCredits to their addresses."""
    missing = [name for name in CONTRACTS if name not in addresses]
    if missing:
        raise ModelError(f"no address for {', '.join(missing)}: deploy the suite first")
    handles = {name: contracts.at(w3, name, addresses[name]) for name in CONTRACTS}
    wanted = [Web3.to_checksum_address(entity) for entity in entities]
    totals: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))

    anchor, projects, credits = handles["MRVAnchor"], handles["ProjectRegistry"], handles["CarbonCredits"]
    developers: dict[int, str] = {}
    for log in anchor.events.BatchAnchored.get_logs(from_block=from_block):
        project_id = log.args.projectId
        if project_id not in developers:
            developers[project_id] = Web3.to_checksum_address(projects.functions.developerOf(project_id).call())
        if anchor.functions.isFinal(log.args.batchId).call():
            totals[developers[project_id]]["verified_generation_wh"] += log.args.energyWh
    for log in credits.events.Issued.get_logs(from_block=from_block):
        totals[Web3.to_checksum_address(log.args.developer)]["credits_issued"] += log.args.quantity
    for log in credits.events.Retired.get_logs(from_block=from_block):
        totals[Web3.to_checksum_address(log.args.retiree)]["credits_retired"] += log.args.amount

    frame = pd.DataFrame([totals[entity] for entity in wanted], index=pd.Index(wanted, name="entity"),
                         columns=list(COLUMNS))
    return frame.astype("float64")


def recorded_addresses(w3: Web3) -> tuple[dict[str, str], int]:
    """Addresses of CONTRACTS from deployments/<chainId>.json and the first block to scan for their events
    (the earliest recorded deployment block; 0 if a block is not recorded)."""
    from greenfi.chain.deployments import DEPLOYMENTS, DeploymentRecord

    chain_id = w3.eth.chain_id
    record = DeploymentRecord(chain_id, directory=DEPLOYMENTS_DIR or DEPLOYMENTS)
    found = {name: record.get(name) for name in CONTRACTS}
    absent = [name for name, deployed in found.items() if deployed is None]
    if absent:
        raise ModelError(f"no {', '.join(absent)} in deployments/{chain_id}.json: deploy the suite first")
    blocks = [deployed.block for deployed in found.values()]
    first = 0 if any(block is None for block in blocks) else min(blocks)
    return {name: deployed.address for name, deployed in found.items()}, first
