"""Click option shapes shared by greenfi's command groups (network, sender, contract address)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

NETWORK_HELP = "development, ganache, sepolia, holesky or any NAME with $NAME_RPC_URL"

network_option = click.option("--network", "network_name", required=True, help=NETWORK_HELP)

sender_option = click.option(
    "--from", "sender", metavar="ACCOUNT",
    help="Local node: account address or index (default 0). Live: must match the configured key.")

# Tests point commands at a deployment record of their own chain.
deployments_option = click.option(
    "--deployments", type=click.Path(file_okay=False, path_type=Path), default=None, hidden=True,
    help="Directory of deployment records (default: deployments/).")


class EnumChoice(click.Choice):
    """A choice among a contract enum's members (greenfi.chain.contracts.BuildEnum), read from the
    build only when help or parsing needs them: importing a command group stays cheap."""

    def __init__(self, members: Sequence[str]):
        self._members = members
        super().__init__((), case_sensitive=True)

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(self._members)

    @choices.setter
    def choices(self, _ignored) -> None:  # click.Choice.__init__ assigns it
        pass


def address_option(flag: str, dest: str, contract: str):
    """`--flag ADDRESS`: where `contract` is, when not the one in deployments/<chainId>.json."""
    return click.option(flag, dest, metavar="ADDRESS",
                        help=f"{contract} address (default: deployments/<chainId>.json).")


def write_options(fn):
    """--network, --from and --deployments: the options of every command that sends."""
    return network_option(sender_option(deployments_option(fn)))


def read_options(fn):
    """--network and --deployments: a read needs no key, so it takes no --from."""
    return network_option(deployments_option(fn))
