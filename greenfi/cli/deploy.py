"""`greenfi deploy`: plan, show the cost, confirm, deploy, record."""

from __future__ import annotations

from pathlib import Path

import click
from web3 import Web3

from greenfi.chain import governance, journal
from greenfi.chain.deploy import LIVE_MRV_THRESHOLD, SuiteDeployer, SuiteRoles
from greenfi.chain.networks import Network
from greenfi.chain.session import open_session
from greenfi.cli import interrupt
from greenfi.errors import ConfigError


def _address(value: str | None, label: str) -> str | None:
    if value is None:
        return None
    if not Web3.is_address(value):
        raise ConfigError(f"--{label} is not an address: {value}")
    return Web3.to_checksum_address(value)


def timelock_config(delay: int | None, proposers: tuple[str, ...], executors: tuple[str, ...],
                    signer: str) -> governance.TimelockConfig | None:
    """The timelock to set up (None: none); proposers and executors default to the deployer,
    `--executor anyone` lets anyone execute a ready operation."""
    if delay is None:
        return None
    if delay < 0:
        raise ConfigError(f"--timelock-delay must be 0 or more seconds, got {delay}")
    executors = tuple(governance.ZERO_ADDRESS if e == "anyone" else e for e in executors)
    return governance.TimelockConfig(
        delay,
        tuple(_address(p, "proposer") for p in proposers) or (signer,),
        tuple(e if e == governance.ZERO_ADDRESS else _address(e, "executor") for e in executors) or (signer,))


def run_deploy(network_name: str, yes: bool, settlement_token: str | None = None,
               regulator: str | None = None, bank: str | None = None,
               deployments: Path | None = None, admin_delay: int | None = None,
               timelock_delay: int | None = None, proposers: tuple[str, ...] = (),
               executors: tuple[str, ...] = ()) -> dict[str, str]:
    external = {"SettlementToken": a} if (a := _address(settlement_token, "settlement-token")) else {}
    regulator, bank = _address(regulator, "regulator"), _address(bank, "bank")
    if admin_delay is not None and admin_delay < 0:
        raise ConfigError(f"--admin-delay must be 0 or more seconds, got {admin_delay}")
    # The node the network names (`greenfi chain` for embedded ones); the signer as every command's
    # (live: the environment's key, checked before the endpoint is reached; local: the first account).
    session = open_session(network_name, deployments=deployments, signs=True)
    network, w3, signer = session.network, session.w3, session.signer
    timelock = timelock_config(timelock_delay, proposers, executors, signer.address)
    if admin_delay is None:
        admin_delay = 0 if network.embedded else governance.DEFAULT_LIVE_ADMIN_DELAY
    if not network.embedded:
        governance.check_live_delays(admin_delay, timelock)
    roles = SuiteRoles(admin=signer.address, regulator=regulator or signer.address, bank=bank or signer.address,
                       mrv_threshold=1 if network.embedded else LIVE_MRV_THRESHOLD, admin_delay=admin_delay)
    deployer = SuiteDeployer(w3, signer, session.record, roles, external=external, timelock=timelock)
    steps = deployer.plan()
    _show_plan(w3, network, steps)
    if not any(s.action == "deploy" for s in steps):
        click.echo("nothing to deploy: every contract is deployed and unchanged")
    elif not yes and not network.embedded and not click.confirm("deploy?", default=False):
        raise click.Abort()
    interrupt.resume_with(f"run the same `greenfi deploy` again: {deployer.record.path} keeps every contract "
                          "deployed so far, so only the rest is deployed and the missing role grants are made")
    counter = iter(range(1, len(steps) + 1))
    stop = journal.listen(lambda sent: sent.block is not None and click.echo(f"    {sent.line()}"))
    try:
        addresses = deployer.deploy(
            on_progress=lambda s: click.echo(f"  [{next(counter)}/{len(steps)}] {s.action:8} {s.spec.name}"))
    finally:
        stop()
    click.echo(f"recorded in {deployer.record.path}")
    for name, address in addresses.items():
        click.echo(f"  {name:24} {address}")
    return addresses


def _show_plan(w3: Web3, network: Network, steps) -> None:
    gas_price = w3.eth.gas_price
    total = sum(s.gas or 0 for s in steps)
    click.echo(f"plan for {network.name} (chain {w3.eth.chain_id}):")
    for s in steps:
        gas = f"{s.gas:>10,} gas" if s.gas else ("" if s.action != "deploy" else "  (estimated after its dependencies)")
        click.echo(f"  {s.action:8} {s.spec.name:24}{gas}")
    click.echo(f"estimated: {total:,} gas × {Web3.from_wei(gas_price, 'gwei'):.2f} gwei = "
               f"{Web3.from_wei(total * gas_price, 'ether'):.6f} ETH")
