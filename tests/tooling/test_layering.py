"""The layering of the Python code (docs/architecture.md): import-linter's contract holds, and the CLI
loads a command group's dependencies only when that group is used."""

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from greenfi.cli import cli
from greenfi.paths import REPO_ROOT

HEAVY = ("pandas", "lightgbm", "matplotlib")
CHAIN = ("web3", "eth_account", "brownie")

# Runs the greenfi entry point in a fresh interpreter, then prints the top-level modules it imported.
_PROBE = """
import json, sys
from greenfi.cli import main
sys.argv = ["greenfi", *{args!r}]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted({{name.partition(".")[0] for name in sys.modules}})), file=sys.stderr)
"""


def imported_by(*args: str) -> set[str]:
    result = subprocess.run([sys.executable, "-c", _PROBE.format(args=list(args))], cwd=REPO_ROOT,
                            capture_output=True, text=True, check=True)
    return set(json.loads(result.stderr.strip().splitlines()[-1]))


def test_the_layers_contract_holds():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "2 kept, 0 broken" in result.stdout  # the layers, and no click below greenfi.cli


def test_chain_free_commands_import_neither_the_chain_nor_the_models():
    assert imported_by("networks").isdisjoint(HEAVY + CHAIN)


@pytest.mark.parametrize("args", [["--help"], ["model", "--help"], ["voucher", "--help"], ["mrv", "--help"]])
def test_help_never_loads_pandas_lightgbm_or_matplotlib(args):
    assert imported_by(*args).isdisjoint(HEAVY)


def test_every_lazy_command_is_listed_and_loads():
    ctx = click.Context(cli)
    names = cli.list_commands(ctx)
    assert set(cli.lazy_groups) <= set(names) and names == sorted(names)
    for name in cli.lazy_groups:
        group = cli.get_command(ctx, name)
        assert isinstance(group, click.Command) and group.name == name
