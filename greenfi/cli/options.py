"""Click option shapes shared by greenfi's command groups (network, sender, contract address)."""

from __future__ import annotations

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


def address_option(flag: str, dest: str, contract: str):
    """`--flag ADDRESS`: where `contract` is, when not the one in deployments/<chainId>.json."""
    return click.option(flag, dest, metavar="ADDRESS",
                        help=f"{contract} address (default: deployments/<chainId>.json).")
