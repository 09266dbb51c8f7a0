"""`greenfi`: the console entry point. Every subcommand has --help.

Errors that greenfi raises on purpose end the command with one line on stderr and exit code 1; a
malformed value (greenfi.errors.InvalidValue, raised by the pure parsers of greenfi.domain) is click's
usage error for its option, exit code 2.
"""

from __future__ import annotations

import functools
import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import click

from greenfi.chain import networks
from greenfi.cli.options import deployments_option
from greenfi.errors import GreenfiError, InvalidValue
from greenfi.paths import REPO_ROOT


def report_invalid_values(command: click.Command) -> click.Command:
    """Make `command` (and a group's subcommands) raise a domain parser's InvalidValue as click's
    BadParameter, which click reports with the command's usage and exit code 2."""
    if getattr(command, "_reports_invalid_values", False):
        return command
    command._reports_invalid_values = True
    if command.callback is not None:
        command.callback = _as_bad_parameter(command.callback)
    for sub in getattr(command, "commands", {}).values():
        report_invalid_values(sub)
    return command


def _as_bad_parameter(callback):
    @functools.wraps(callback)
    def invoke(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except InvalidValue as exc:
            raise click.BadParameter(str(exc), param_hint=exc.param_hint) from None
    return invoke


class GreenfiGroup(click.Group):
    """A click group that prints GreenfiError as one actionable line instead of a traceback, reports
    a malformed value as a usage error, and loads the command groups named in `lazy_groups`
    ("module:attribute") on first use."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_groups: dict[str, str] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_groups})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy_groups and name not in self.commands:
            module, _, attribute = self.lazy_groups[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        command = super().get_command(ctx, name)
        return None if command is None else report_invalid_values(command)

    def invoke(self, ctx: click.Context):
        from greenfi.cli import interrupt

        interrupt.reset()
        try:
            return super().invoke(ctx)
        except GreenfiError as exc:
            from greenfi.cli.hints import explain

            click.echo(f"error: {explain(str(exc))}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:  # Ctrl-C: say what was sent and how to resume (docs/operator-cli.md)
            click.echo("", err=True)
            for line in interrupt.report():
                click.echo(line, err=True)
            ctx.exit(interrupt.EXIT_INTERRUPTED)


@click.group(cls=GreenfiGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="greenfi")
@click.option("--rpc-url", metavar="URL", help="Talk to the node at URL whatever network a command names "
              "(e.g. a `greenfi chain --port N` node). [env: GREENFI_RPC_URL]")
def cli(rpc_url: str | None) -> None:
    """greenfi: verified environmental data turned into green-finance assets on Ethereum."""
    _load_dotenv()
    # web3 warns about logs and ABIs it cannot match (other contracts' events in a receipt): noise for a
    # CLI user, and every command decodes what it needs itself.
    warnings.filterwarnings("ignore", module=r"web3(\.|$)")
    if rpc_url:
        _override_rpc_url(rpc_url)


def _override_rpc_url(url: str) -> None:
    """networks.resolve reads the override from the environment; restore it when the command ends
    (the CLI also runs in-process, in tests)."""
    import os

    previous = os.environ.get(networks.RPC_URL_OVERRIDE)
    os.environ[networks.RPC_URL_OVERRIDE] = url
    restore = (lambda: os.environ.pop(networks.RPC_URL_OVERRIDE, None)) if previous is None else \
        (lambda: os.environ.__setitem__(networks.RPC_URL_OVERRIDE, previous))
    click.get_current_context().call_on_close(restore)


def _load_dotenv() -> None:
    from dotenv import load_dotenv

    load_dotenv(REPO_ROOT / ".env", override=False)


@cli.command()
def toolchain() -> None:
    """Resolve the Solidity compiler and register greenfi's networks with Brownie."""
    from greenfi.toolchain import brownie_networks, solc

    resolved = solc.resolve_solc()
    changed = brownie_networks.register()
    click.echo(f"solc {resolved.version} ({resolved.kind}) at {resolved.path}")
    if changed:
        click.echo(f"brownie networks registered: {', '.join(changed)}")


@cli.command("networks")
def list_networks() -> None:
    """List the networks greenfi can use."""
    for name, net in networks.EMBEDDED.items():
        click.echo(f"{name:12} embedded local chain (chain id {net.chain_id})")
    for name, chain_id in networks.KNOWN_LIVE_CHAIN_IDS.items():
        click.echo(f"{name:12} live, chain id {chain_id}, RPC URL from ${networks.rpc_env_var(name)}")
    click.echo("any NAME     live, RPC URL from $NAME_RPC_URL")


def compile_contracts() -> None:
    """Bring build/ up to date with contracts/ (Brownie recompiles only what changed)."""
    brownie = Path(sys.executable).with_name("brownie")
    result = subprocess.run([str(brownie), "compile"], cwd=REPO_ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise GreenfiError(f"compilation failed:\n{result.stdout[-4000:]}{result.stderr[-4000:]}")


@cli.command()
@click.option("--network", "network_name", required=True, help="development, ganache, sepolia, holesky or any NAME with $NAME_RPC_URL")
@click.option("--yes", is_flag=True, help="Deploy without asking for confirmation.")
@click.option("--settlement-token", metavar="ADDRESS", help="Use this existing ERC-20 as the cash leg instead of deploying one.")
@click.option("--regulator", metavar="ADDRESS", help="Regulator account (default: the deployer).")
@click.option("--bank", metavar="ADDRESS", help="Bank (settlement token minter; default: the deployer).")
@deployments_option
@click.option("--admin-delay", type=int, envvar="GREENFI_ADMIN_DELAY", metavar="SECONDS",
              help="Wait between the two steps of a default-admin transfer (live: default 2 days, at least 1 hour; "
                   "local: default 0).")
@click.option("--timelock-delay", type=int, envvar="GREENFI_TIMELOCK_DELAY", metavar="SECONDS",
              help="Deploy a TimelockController with this delay and hand it GOVERNOR_ROLE (required on live "
                   "networks, at least 1 hour; optional on local chains, 0 allowed).")
@click.option("--proposer", "proposers", multiple=True, metavar="ADDRESS",
              help="May schedule and cancel timelock operations (repeatable; default: the deployer).")
@click.option("--executor", "executors", multiple=True, metavar="ADDRESS|anyone",
              help="May execute ready operations (repeatable; 'anyone' for everyone; default: the deployer).")
def deploy(network_name: str, yes: bool, settlement_token: str | None, regulator: str | None, bank: str | None,
           deployments: Path | None, admin_delay: int | None, timelock_delay: int | None,
           proposers: tuple[str, ...], executors: tuple[str, ...]) -> None:
    """Deploy the suite onto the network's node (development: the `greenfi chain` node), wire roles, hand
    parameter roles to the timelock (docs/governance.md), and record addresses in deployments/<chainId>.json."""
    from greenfi.cli.deploy import run_deploy

    run_deploy(network_name, yes=yes, settlement_token=settlement_token,
               regulator=regulator, bank=bank, deployments=deployments, admin_delay=admin_delay,
               timelock_delay=timelock_delay, proposers=proposers, executors=executors)


@cli.command("chain")
@click.option("--network", "network_name", default="development", show_default=True,
              help="development (anvil) or ganache.")
@click.option("--port", type=click.IntRange(1, 65535),
              help="Port to listen on. [default: the network's, 8545 development, 8546 ganache]")
@click.option("--state", "state_file", type=click.Path(dir_okay=False, path_type=Path),
              help="anvil only: keep the chain's state in this file between runs (default .greenfi/<network>-state.json).")
@click.option("--start-time", metavar="TIME",
              help="anvil only: a new chain's clock starts at TIME (unix seconds or ISO 8601 UTC) and runs on "
                   "from there, e.g. to replay recorded readings after their devices' activation.")
def run_chain(network_name: str, port: int | None, state_file: Path | None, start_time: str | None) -> None:
    """Run a local chain in the foreground for the other commands to use (Ctrl-C stops it).

    On a non-default port, point the other commands at it with `greenfi --rpc-url URL ...` or
    `export DEVELOPMENT_RPC_URL=URL` (GANACHE_RPC_URL for ganache)."""
    from greenfi.chain.node import executable, port_is_free
    from greenfi.domain.units import parse_time

    network = networks.resolve(network_name)
    if not network.embedded:
        raise GreenfiError(f"'{network_name}' is a live network; `greenfi chain` runs development or ganache")
    port = port or networks.EMBEDDED[network_name].port
    if not port_is_free(port):
        raise GreenfiError(f"port {port} is already in use: stop what listens there or pick another with --port")
    command = network.launch_command(port)
    command[0] = executable(command[0])
    if command[0].endswith("anvil"):
        state_file = state_file or REPO_ROOT / ".greenfi" / f"{network_name}-state.json"
        state_file.parent.mkdir(parents=True, exist_ok=True)
        command += ["--state", str(state_file)]
        if start_time is not None:
            command += ["--timestamp", str(parse_time(start_time, "--start-time"))]
    elif start_time is not None:
        raise GreenfiError("--start-time needs anvil (--network development)")
    url = f"http://127.0.0.1:{port}"
    click.echo(f"{network_name} on {url}" + (f", state in {state_file}" if state_file else ""))
    if port != networks.EMBEDDED[network_name].port:
        click.echo(f"point other commands at it: greenfi --rpc-url {url} ... "
                   f"(or export {networks.rpc_env_var(network_name)}={url})")
    try:
        returncode = subprocess.run([c for c in command if c != "--silent"], check=False).returncode
    except KeyboardInterrupt:
        return
    if returncode not in (0, -2, 130):  # -2/130: stopped by Ctrl-C
        raise GreenfiError(f"{network_name} node exited with code {returncode} (see its output above)")


@cli.command()
@click.option("--network", "network_name", default="development", show_default=True,
              help="An embedded chain (development = anvil, ganache).")
@click.option("--quick", is_flag=True, help="Replay one day of two devices and train faster (for tests).")
@click.option("--days", type=click.IntRange(1, 30), help="Days of the PV series to replay. [default: 3]")
@click.option("--devices", type=click.IntRange(1, 6), help="PV inverters to replay. [default: 3]")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Report folder. [default: reports/<timestamp>/]")
@click.option("--attach", is_flag=True,
              help="Run on the node `greenfi chain --network NAME` keeps running (anvil) instead of a fresh chain.")
def demo(network_name: str, quick: bool, days: int | None, devices: int | None, out_dir: Path | None,
         attach: bool) -> None:
    """Run the end-to-end demo on a fresh embedded local chain and write a report folder."""
    import dataclasses

    from greenfi import demo as demo_module

    options = demo_module.DemoOptions.quick() if quick else demo_module.DemoOptions()
    overrides = {k: v for k, v in {"days": days, "devices": devices, "out_dir": out_dir}.items() if v is not None}
    options = dataclasses.replace(options, **overrides)
    network = networks.resolve(network_name)
    from greenfi.cli import interrupt

    interrupt.resume_with("run the same `greenfi demo` again: every run starts over on a fresh chain"
                          + (" (with --attach: new instruments on the same node)" if attach else ""))
    compile_contracts()
    ctx = demo_module.main(network, options, log=click.echo, attach=attach)
    click.echo(f"report: {ctx.report['report_dir']}")


@cli.group()
def abi() -> None:
    """Contract ABIs for front ends."""


@abi.command("export")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for one JSON per contract plus index.json.")
@click.option("--network", "network_name", help="Also list the bond series and loan facilities (GreenBond and GreenLoan clones) deployed on this network's node.")
@deployments_option
def abi_export(out_dir: Path, network_name: str | None, deployments: Path | None) -> None:
    """Write each contract's ABI, enums, deployed addresses and blocks per chain (and bond series)."""
    from greenfi.chain.abi_export import export
    from greenfi.chain.node import attach
    from greenfi.paths import DEPLOYMENTS

    w3 = attach(networks.resolve(network_name)).w3 if network_name else None  # fail before compiling
    compile_contracts()
    try:
        index = export(out_dir, deployments or DEPLOYMENTS, w3=w3)
    except OSError as exc:
        raise GreenfiError(f"cannot write to {out_dir}: {exc.strerror}") from None
    series = sum(len(found) for by_name in index["clones"].values() for found in by_name.values())
    click.echo(f"exported {len(index['contracts'])} contracts for chains "
               f"{', '.join(index['chains']) or '(none deployed)'} to {out_dir}"
               + (f", {series} bond series" if network_name else ""))


@cli.command()
@click.option("--network", "network_name", default="development", show_default=True,
              help="Embedded network the gas benchmark scripts run on (a fresh chain).")
@click.option("--gas-only", is_flag=True, help="Only the gas scripts; keep the table's throughput figures.")
@click.option("--quick", is_flag=True, help="Smaller throughput runs (for a quick look; figures are noisier).")
def bench(network_name: str, gas_only: bool, quick: bool) -> None:
    """Run every benchmark; write bench/results.json and bench/results.md."""
    from greenfi import bench as bench_mod

    compile_contracts()
    figures = bench_mod.run_all(network_name, python=not gas_only, quick=quick, echo=click.echo)
    if gas_only and (REPO_ROOT / bench_mod.RESULTS_JSON).exists():
        kept = [bench_mod.Figure(r["name"], r["value"], r["unit"], r["anchor"], r.get("target"),
                                 r.get("better", "higher"), r.get("source", ""))
                for r in bench_mod.load_results() if r["unit"] != "gas" and r["value"] is not None]
        figures = bench_mod.with_missing([f for f in figures if f.value is not None] + kept)
    json_path, md_path = bench_mod.write_results(figures, network_name)
    for f in figures:
        value = "missing" if f.value is None else f"{f.value:,} {f.unit}"
        click.echo(f"{f.name:45} {value:>22}  {f.status}")
    click.echo(f"wrote {json_path.relative_to(REPO_ROOT)} and {md_path.relative_to(REPO_ROOT)}")


# Instrument command groups: each module is imported only when its group runs or help lists it, so
# `greenfi networks` does not load web3, pandas or LightGBM (see `make bench`: cli start-up).
cli.lazy_groups.update({
    "bond": "greenfi.cli.bond:bond",
    "cai": "greenfi.cli.cai:cai",
    "clock": "greenfi.cli.clock:clock",
    "dashboard": "greenfi.cli.dashboard:dashboard",
    "governance": "greenfi.cli.governance:governance_cli",
    "loan": "greenfi.cli.loan:loan",
    "market": "greenfi.cli.market:market",
    "model": "greenfi.cli.model:model",
    "mrv": "greenfi.cli.mrv:mrv",
    "network": "greenfi.cli.participant:network",
    "oracle": "greenfi.cli.oracle:oracle",
    "participant": "greenfi.cli.participant:participant",
    "project": "greenfi.cli.project:project",
    "role": "greenfi.cli.role:role",
    "token": "greenfi.cli.token:token",
    "voucher": "greenfi.cli.voucher:voucher_cli",
})


def main() -> None:
    cli()


