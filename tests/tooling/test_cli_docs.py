"""The README's CLI block and docs/operator-cli.md list every command of the role groups: a command
added to one of these groups without its line in both fails here (walking the click tree, so the
test needs no edit when a command is added)."""

import re

import pytest

from greenfi.cli import cli
from greenfi.paths import REPO_ROOT

from tests.tooling.test_cli_no_traceback import leaf_commands

# The groups whose reference is docs/operator-cli.md ("Commands by role").
ROLE_GROUPS = ("participant", "network", "token", "market", "mrv")
COMMANDS = [path for path, _ in leaf_commands(cli) if path[0] in ROLE_GROUPS]


def listed(text: str, path: tuple[str, ...]) -> bool:
    """Whether `text` has `greenfi <group ...> a|b|c` with the command's name among the alternatives
    (in a Markdown table the bar is escaped: `a\\|b`)."""
    text = text.replace("\\|", "|")
    prefix = re.escape("greenfi " + " ".join(path[:-1]) + " ")
    return any(path[-1] in found.split("|") for found in re.findall(prefix + r"([\w|-]+)", text))


def test_the_walk_finds_the_role_groups():
    assert {path[0] for path in COMMANDS} == set(ROLE_GROUPS)
    assert listed("greenfi mrv batch list|show", ("mrv", "batch", "show"))
    assert not listed("greenfi mrv batch list|show", ("mrv", "batch", "finalize"))


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_command_is_in_the_readme_and_the_reference(path):
    assert listed((REPO_ROOT / "README.md").read_text(), path), f"README.md lacks greenfi {' '.join(path)}"
    assert listed((REPO_ROOT / "docs" / "operator-cli.md").read_text(), path), \
        f"docs/operator-cli.md lacks greenfi {' '.join(path)}"
