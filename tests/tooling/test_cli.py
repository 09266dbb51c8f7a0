"""The `greenfi` console: help everywhere, one-line errors for bad deploy input (the demo end to end:
test_demo_end_to_end.py)."""


import pytest
from click.testing import CliRunner

from greenfi.cli import cli

SUBCOMMANDS = ["toolchain", "networks", "deploy", "demo", "abi", "abi export"]


@pytest.fixture
def runner(monkeypatch):
    for var in ("SEPOLIA_RPC_URL", "HOLESKY_RPC_URL", "GREENFI_PRIVATE_KEY", "GREENFI_KEYSTORE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr("greenfi.cli._load_dotenv", lambda: None)
    return CliRunner()


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help(runner, command):
    result = runner.invoke(cli, [*command.split(), "--help"])
    assert result.exit_code == 0 and "Usage: cli " + command in result.output


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["--network", "nowhere"], {}, "error: unknown network 'nowhere'"),
        (["--network", "sepolia"], {}, "error: missing RPC URL for network 'sepolia': set SEPOLIA_RPC_URL"),
        (["--network", "sepolia"], {"SEPOLIA_RPC_URL": "http://127.0.0.1:9"}, "error: missing deployer key"),
        (["--network", "development", "--bank", "0x12"], {}, "error: --bank is not an address"),
    ],
    ids=["unknown-network", "missing-rpc-url", "missing-key", "bad-address"],
)
def test_deploy_bad_input_is_one_line(runner, args, env, message):
    result = runner.invoke(cli, ["deploy", *args], env=env)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message)


def test_live_rpc_that_does_not_answer_is_reported(runner):
    result = runner.invoke(cli, ["deploy", "--network", "sepolia"],
                           env={"SEPOLIA_RPC_URL": "http://127.0.0.1:9", "GREENFI_PRIVATE_KEY": "0x" + "22" * 32})
    assert result.exit_code == 1
    assert "cannot reach the RPC endpoint of 'sepolia'" in result.stderr
    assert "127.0.0.1:9" not in result.stderr  # URLs may hold API keys


def test_demo_refuses_live_networks(runner):
    result = runner.invoke(cli, ["demo", "--network", "sepolia"], env={"SEPOLIA_RPC_URL": "http://127.0.0.1:9"})
    assert result.exit_code == 1 and "embedded chain" in result.stderr



def test_web3_warnings_are_not_printed_and_others_are(runner, monkeypatch):
    import warnings

    import click

    @click.command("warn")
    def warn():
        warnings.warn_explicit("MismatchedABI: a log of another contract", UserWarning, "web3/contract.py", 1,
                               module="web3.contract")
        warnings.warn_explicit("greenfi's own warning", UserWarning, "greenfi/x.py", 1, module="greenfi.x")

    monkeypatch.setitem(cli.commands, "warn", warn)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        result = runner.invoke(cli, ["warn"])
    assert result.exit_code == 0
    assert [str(w.message) for w in caught] == ["greenfi's own warning"]
