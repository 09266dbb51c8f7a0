"""`greenfi clock`: read a chain's clock, and on a local node (anvil, ganache) let time pass, so a
rehearsal on `greenfi chain` gets past a challenge window, an issue date or a maturity without
waiting for it (docs/operator.md). A live network's clock is never moved: the command says until
when to wait instead."""

from __future__ import annotations

import re

import click

from greenfi.cli.options import network_option
from greenfi.errors import ConfigError

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
MAX_ADVANCE_S = 100 * 365 * 86_400  # a bound that keeps a typo from throwing the chain past uint40 times


def parse_duration(value: str) -> int:
    """`90`, `90s`, `15m`, `1h`, `2d` as seconds (> 0)."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", value)
    if not match or int(match[1]) == 0:
        raise ConfigError(f"--advance must be a positive duration like 3600, 15m, 1h or 2d, got {value!r}")
    seconds = int(match[1]) * UNITS[match[2] or "s"]
    if seconds > MAX_ADVANCE_S:
        raise ConfigError(f"--advance {value} is more than 100 years")
    return seconds


@click.command("clock")
@network_option
@click.option("--advance", metavar="DURATION", help="Local node: let DURATION pass (seconds, or 15m, 1h, 2d).")
@click.option("--to", "target", metavar="TIME", help="Local node: let time pass until TIME (unix seconds or ISO 8601 UTC).")
def clock(network_name: str, advance: str | None, target: str | None) -> None:
    """The chain's time (no key needed); on a local node, --advance or --to lets time pass and mines a block."""
    from greenfi.chain import networks, node
    from greenfi.domain.units import format_time, parse_time

    if advance is not None and target is not None:
        raise ConfigError("give at most one of --advance and --to")
    network = networks.resolve(network_name)
    w3 = node.attach(network).w3
    now = w3.eth.get_block("latest")["timestamp"]
    if advance is None and target is None:
        click.echo(f"chain time {format_time(now)}")
        return
    seconds = parse_duration(advance) if advance is not None else parse_time(target, "--to") - now
    if seconds <= 0:
        raise ConfigError(f"--to {target} is not after the chain's time {format_time(now)}")
    if not network.embedded:
        raise ConfigError(f"'{network_name}' is a live network: its clock cannot be moved; wait until "
                          f"{format_time(now + seconds)}")
    w3.provider.make_request("evm_increaseTime", [seconds])
    w3.provider.make_request("evm_mine", [])
    click.echo(f"chain time {format_time(w3.eth.get_block('latest')['timestamp'])} ({seconds:,} s later)")
