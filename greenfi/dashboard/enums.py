"""The enums the dashboard shows by name, read from the build (not copied by hand): every
`enum Contract.Name` an exported ABI mentions, with its members from the compiled AST
(greenfi.chain.transactions.enum_members). Served as GET /enums.json."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from greenfi.chain.transactions import enum_members


def enum_types(abi: list[dict]) -> set[str]:
    """The qualified enum names (`IParticipantRegistry.Kind`) in an ABI's inputs, outputs and components."""
    found: set[str] = set()
    stack: list = list(abi)
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            internal = item.get("internalType", "")
            if isinstance(internal, str) and internal.startswith("enum "):
                found.add(internal.removeprefix("enum ").removesuffix("[]"))
            stack.extend(v for v in item.values() if isinstance(v, list))
        elif isinstance(item, list):
            stack.extend(item)
    return found


def build_enums(abi_dir: Path, names: Iterable[str]) -> dict[str, list[str]]:
    """{"Contract.Enum": [members...]} for the enums of the exported ABIs `abi_dir/<name>.json`."""
    qualified: set[str] = set()
    for name in names:
        path = abi_dir / f"{name}.json"
        if path.is_file():
            qualified |= enum_types(json.loads(path.read_text())["abi"])
    return {q: list(members) for q in sorted(qualified) if (members := enum_members(q))}
