"""greenfi.domain.participants mirrors the Solidity enums exactly (names and order)."""

import re

from greenfi.domain.participants import Kind, Reason
from greenfi.paths import REPO_ROOT

SOURCE = (REPO_ROOT / "contracts" / "interfaces" / "IParticipantRegistry.sol").read_text()


def solidity_enum(name):
    body = re.search(rf"enum {name} \{{([^}}]*)\}}", SOURCE).group(1)
    return [re.sub(r"(?<!^)(?=[A-Z])", "_", member.strip()).upper() for member in body.split(",")]


def test_kind_matches_solidity():
    assert [k.name for k in Kind] == solidity_enum("Kind")


def test_reason_matches_solidity():
    assert [r.name for r in Reason] == solidity_enum("Reason")
