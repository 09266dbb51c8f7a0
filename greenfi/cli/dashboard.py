"""`greenfi dashboard`: serve the dApp dashboard for a network (docs/dashboard.md)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from greenfi.chain import networks
from greenfi.paths import DEPLOYMENTS


def rpc_url_for(network: networks.Network, rpc_url: str | None) -> str:
    """The endpoint the dashboard reads: --rpc-url, else the embedded node's port or the live URL."""
    if rpc_url:
        return rpc_url
    return network.url


@click.command("dashboard")
@click.option("--network", "network_name", required=True, help="A network name (see `greenfi networks`).")
@click.option("--port", default=8780, show_default=True,
              help="Port of the dashboard (0 = any free port; the sensor oracle defaults to 8700).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (keep it local).")
@click.option("--rpc-url", help="Read the chain from this JSON-RPC URL instead of the network's own.")
@click.option("--max-batch", default=50, show_default=True, help="Calls in one JSON-RPC batch the proxy accepts.")
@click.option("--max-log-range", default=10_000, show_default=True, help="Blocks one eth_getLogs may span.")
@click.option("--rate", default=100.0, show_default=True, help="Calls per second each client address earns.")
@click.option("--burst", default=1_000, show_default=True, help="Calls a client may send at once (its bucket).")
@click.option("--max-upstream", default=4, show_default=True, help="Upstream calls in flight at once.")
@click.option("--deployments", type=click.Path(file_okay=False, path_type=Path), default=None, hidden=True,
              help="Directory of deployment records (default: deployments/).")
def dashboard(network_name: str, port: int, host: str, rpc_url: str | None, max_batch: int, max_log_range: int,
              rate: float, burst: int, max_upstream: int, deployments: Path | None) -> None:
    """Serve the dApp dashboard: CAI trace, market, retirements, bonds, vouchers, risk scores."""
    from greenfi.dashboard.proxy import Limits
    from greenfi.dashboard.server import Site, make_server

    network = networks.resolve(network_name)
    try:
        limits = Limits(max_batch=max_batch, max_log_range=max_log_range, rate=rate, burst=burst,
                        max_upstream=max_upstream)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="greenfi-dashboard-") as abi_dir:
        site = Site.build(rpc_url_for(network, rpc_url), network.name, Path(abi_dir), deployments or DEPLOYMENTS,
                          limits=limits)
        server = make_server(site, host, port)
        bound_host, bound_port = server.server_address[:2]
        click.echo(f"greenfi dashboard for {network.name} (chain {site.chain_id}, "
                   f"{len(site.addresses)} deployed contracts) on http://{bound_host}:{bound_port}/  (Ctrl-C stops it)")
        if not site.addresses:
            click.echo(f"note: nothing is recorded as deployed on chain {site.chain_id}: run `greenfi deploy` or "
                       "`greenfi demo` first", err=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
