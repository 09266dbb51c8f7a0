"""Compiled contracts, as Brownie writes them to build/contracts/<Name>.json."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from greenfi.errors import DeploymentError
from greenfi.paths import BUILD_CONTRACTS


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: str

    @property
    def abi_hash(self) -> str:
        return "0x" + hashlib.sha256(json.dumps(self.abi, sort_keys=True).encode()).hexdigest()

    @property
    def bytecode_hash(self) -> str:
        return "0x" + hashlib.sha256(self.bytecode.encode()).hexdigest()


@cache
def load(name: str, build_dir: Path = BUILD_CONTRACTS) -> Artifact:
    """The artifact of contract `name`; DeploymentError if the project is not compiled."""
    path = build_dir / f"{name}.json"
    if not path.exists():
        raise DeploymentError(f"no build artifact for {name}: run `make compile` (or `brownie compile`)")
    data = json.loads(path.read_text())
    return Artifact(name, data["abi"], data["bytecode"])
