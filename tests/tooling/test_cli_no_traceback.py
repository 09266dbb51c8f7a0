"""Never a traceback: every `greenfi` command, found by walking the click tree (so a new command is
covered without editing this file), run with bad input ends with exit status 1 or 2 and no Python
traceback (docs/operator-cli.md, "Errors").

Bad input, per scenario: an unreachable node, an unknown network, wrong formats and negative
amounts, a chain without a deployment, and unknown ids on a deployed suite."""

import threading

import click
import pytest
from click.testing import CliRunner

from greenfi.chain import networks
from greenfi.chain.node import embedded, free_port
from greenfi.cli import cli

# Commands that start their own chain or run for minutes when given a usable network: they get only
# the input that must be refused before anything starts.
STARTS_ITS_OWN_CHAIN = {"chain", "demo", "bench"}
# Commands that take no input at all: nothing to get wrong.
TAKES_NO_INPUT = {"networks", "toolchain"}
# Servers run until stopped when their input is valid, and a deployment or an abi export on a chain
# without a deployment is valid: these get only wrong formats and negative numbers.
VALID_WITHOUT_IDS = {("dashboard",), ("oracle", "sensor"), ("oracle", "risk"), ("deploy",), ("abi", "export")}
# Reads of any account are valid for an account the suite never saw (a balance of 0): no unknown id there.
ANY_ACCOUNT_READS = {("token", "balance")}
ADDRESS = "0x" + "11" * 20
HANG_SECONDS = 120


def leaf_commands(group: click.Group = cli, path: tuple[str, ...] = ()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from leaf_commands(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = sorted(leaf_commands(), key=lambda c: c[0])


def value_for(param: click.Parameter, kind: str) -> str:
    """A value for `param` that is bad in the way `kind` names."""
    if param.name == "network_name":
        return "nowhere" if kind == "unknown-network" else "development"
    if isinstance(param.type, click.Choice):
        return str(param.type.choices[0])
    if isinstance(param.type, click.Path):
        return "/dev/null/greenfi-input"  # neither readable nor creatable, even as root
    if kind == "wrong-format":
        return "not-a-value!"
    if kind == "negative":
        return "-1"
    if any(word in param.name for word in ("address", "sender", "to", "account", "developer", "verifier", "owner")):
        return ADDRESS
    return "999999"


def arguments(command: click.Command, kind: str) -> list[str]:
    """The required parameters; for wrong formats and negative numbers, every option that takes a value."""
    every = kind in ("wrong-format", "negative")
    options: list[str] = []
    positional: list[str] = []
    for param in command.params:
        count = param.nargs if param.nargs > 0 else 1
        if isinstance(param, click.Argument):
            positional += [value_for(param, kind)] * count
        elif isinstance(param, click.Option) and not param.is_flag and not param.hidden:
            if param.required or param.name == "network_name" or every:
                options += [param.opts[0], *[value_for(param, kind)] * count]
    return options + (["--", *positional] if positional else [])  # "--": "-1" is a value, not an option


def invoke(args: list[str], env: dict[str, str]):
    """Run the CLI in-process; a command that is still running after HANG_SECONDS fails the test."""
    runner = CliRunner()
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("r", runner.invoke(cli, args, env=env)), daemon=True)
    thread.start()
    thread.join(HANG_SECONDS)
    assert "r" in outcome, f"greenfi {' '.join(args)} still runs after {HANG_SECONDS} s"
    return outcome["r"]


def assert_refused(path, command, kind, env, extra=()):
    if arguments(command, kind) in ([], ["--network", "development"]):
        pytest.skip("nothing to get wrong: the network is the only input")  # e.g. `cai list`
    args = [*path, *arguments(command, kind), *extra]
    result = invoke(args, env)
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    shown = f"greenfi {' '.join(args)} -> {result.exit_code}\n{output}"
    assert "Traceback" not in output, shown
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"{shown}\nraised {type(result.exception).__name__}: {result.exception}"
    assert result.exit_code in (1, 2), shown


@pytest.fixture(scope="module")
def empty_node():
    with embedded(networks.EMBEDDED["development"], free_port()) as conn:
        yield conn.w3.provider.endpoint_uri


@pytest.fixture(scope="module")
def deployed_node(tmp_path_factory):
    records = tmp_path_factory.mktemp("deployments")
    with embedded(networks.EMBEDDED["development"], free_port()) as conn:
        url = conn.w3.provider.endpoint_uri
        result = CliRunner().invoke(cli, ["--rpc-url", url, "deploy", "--network", "development",
                                          "--deployments", str(records)])
        assert result.exit_code == 0, result.output
        yield url, records


@pytest.fixture(autouse=True)
def no_dotenv(monkeypatch, tmp_path):
    monkeypatch.setattr("greenfi.cli._load_dotenv", lambda: None)
    for var in ("GREENFI_RPC_URL", "DEVELOPMENT_RPC_URL", "GREENFI_PRIVATE_KEY", "GREENFI_KEYSTORE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)  # whatever a command writes by mistake lands here


INPUT_COMMANDS = [(p, c) for p, c in COMMANDS if p[-1] not in TAKES_NO_INPUT]
IDS = [" ".join(p) for p, _ in INPUT_COMMANDS]
ON_A_NODE = [(p, c) for p, c in INPUT_COMMANDS if p[0] not in STARTS_ITS_OWN_CHAIN]
NODE_IDS = [" ".join(p) for p, _ in ON_A_NODE]


def test_the_check_fails_on_a_traceback_and_on_success(monkeypatch):
    @click.command("boom")
    @click.argument("value")
    def boom(value):
        raise ValueError(value)

    monkeypatch.setitem(cli.commands, "boom", boom)
    with pytest.raises(AssertionError, match="raised ValueError"):
        assert_refused(("boom",), boom, "negative", {})
    monkeypatch.setitem(cli.commands, "boom", click.command("boom")(click.argument("value")(lambda value: None)))
    with pytest.raises(AssertionError, match="-> 0"):
        assert_refused(("boom",), cli.commands["boom"], "negative", {})


def test_the_walk_finds_every_group():
    groups = {p[0] for p, _ in COMMANDS}
    assert set(cli.lazy_groups) <= groups and {"deploy", "chain", "abi"} <= groups


@pytest.mark.parametrize("path, command", INPUT_COMMANDS, ids=IDS)
def test_unknown_network(path, command):
    if not any(p.name == "network_name" for p in command.params):
        pytest.skip("takes no network")
    assert_refused(path, command, "unknown-network", {})


@pytest.mark.parametrize("path, command", ON_A_NODE, ids=NODE_IDS)
def test_unreachable_node(path, command):
    assert_refused(path, command, "unknown-id", {"GREENFI_RPC_URL": f"http://127.0.0.1:{free_port()}"})


@pytest.mark.parametrize("kind", ["wrong-format", "negative", "unknown-id"])
@pytest.mark.parametrize("path, command", ON_A_NODE, ids=NODE_IDS)
def test_missing_deployment(path, command, kind, empty_node, tmp_path):
    if kind == "unknown-id" and path in VALID_WITHOUT_IDS:
        pytest.skip("valid input for this command")
    extra = ["--deployments", str(tmp_path)] if any(p.name == "deployments" for p in command.params) else []
    assert_refused(path, command, kind, {"GREENFI_RPC_URL": empty_node}, extra)


@pytest.mark.parametrize("kind", ["wrong-format", "negative", "unknown-id"])
@pytest.mark.parametrize("path, command", ON_A_NODE, ids=NODE_IDS)
def test_bad_input_on_a_deployed_suite(path, command, kind, deployed_node):
    if kind == "unknown-id" and (path in VALID_WITHOUT_IDS or path in ANY_ACCOUNT_READS):
        pytest.skip("valid input for this command")
    url, records = deployed_node
    extra = ["--deployments", str(records)] if any(p.name == "deployments" for p in command.params) else []
    assert_refused(path, command, kind, {"GREENFI_RPC_URL": url}, extra)
