"""The deployment record of one chain: deployments/<chainId>.json.

Each entry maps a contract name to its address, deployment transaction, block, ABI hash and the
fingerprint (bytecode + constructor arguments) that decides whether a re-run may skip it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from greenfi.paths import DEPLOYMENTS


@dataclass(frozen=True)
class Deployed:
    address: str
    tx_hash: str | None
    block: int | None
    abi_hash: str
    fingerprint: str
    external: bool = False  # configured, not deployed by greenfi (e.g. an existing ERC-20)


class DeploymentRecord:
    def __init__(self, chain_id: int, directory: Path = DEPLOYMENTS):
        self.chain_id = chain_id
        self.path = directory / f"{chain_id}.json"
        self.contracts: dict[str, Deployed] = {}
        if self.path.exists():
            raw = json.loads(self.path.read_text())
            self.contracts = {name: Deployed(**entry) for name, entry in raw["contracts"].items()}

    def get(self, name: str) -> Deployed | None:
        return self.contracts.get(name)

    def put(self, name: str, deployed: Deployed) -> None:
        """Record `deployed` and write the file at once, so a crash mid-suite loses nothing."""
        self.contracts[name] = deployed
        self._write()

    def addresses(self) -> dict[str, str]:
        return {name: d.address for name, d in self.contracts.items()}

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = {"chainId": self.chain_id, "contracts": {n: asdict(d) for n, d in sorted(self.contracts.items())}}
        # Write-then-rename: a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".deploy-")
        with os.fdopen(fd, "w") as fh:
            json.dump(body, fh, indent=2)
            fh.write("\n")
        os.replace(tmp, self.path)
