"""`greenfi bond ...`: create a green bond series, subscribe, release proceeds, fund and claim coupons, report.

The pure parts (ISIN and date parsing, the terms tuple with its maturity on the coupon grid) are plain
functions that tests call directly; the click commands only read the chain and send transactions (plain
web3.py). The impact report lives in greenfi.domain.bond_report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from web3 import Web3

from greenfi.chain import contracts
from greenfi.cli.connected import Session, open_session, send
from greenfi.cli.options import address_option, network_option, sender_option
from greenfi.domain.bonds import DAY_COUNTS, build_terms, parse_isin
from greenfi.domain.units import format_amount, parse_amount, parse_time
from greenfi.errors import ConfigError

# ---------------------------------------------------------------- chain access


def _factory(session: Session, factory_address: str | None) -> Any:
    """The GreenBondFactory: --factory, else the recorded one."""
    return session.contract("GreenBondFactory", factory_address, "--factory")


def resolve_bond(session: Session, bond: str, factory_address: str | None = None):
    """A series by its address or its ISIN-like id (series are keyed by issuer and ISIN: an id several issuers
    use must be given as the series' address)."""
    if Web3.is_address(bond):
        address = bond
    else:
        isin, factory = parse_isin(bond), _factory(session, factory_address)
        count = factory.functions.isinCount(isin).call()
        if count != 1:
            found = [factory.functions.isinAt(isin, i).call() for i in range(min(count, 10))]
            raise ConfigError(f"{bond} names {count} series{': ' + ', '.join(found) if found else ''}; "
                              "give the series' address")
        address = factory.functions.isinAt(isin, 0).call()
    return contracts.at(session.w3, "GreenBond", address)


def open_series(network_name: str, sender: str | None, factory_address: str | None, bond: str):
    """A session and the series named by `bond` (an address or an ISIN-like id)."""
    session = open_session(network_name, sender)
    return session, resolve_bond(session, bond, factory_address)


def _approve(session: Session, bond, amount: int) -> None:
    token = contracts.at(session.w3, "SettlementToken", bond.functions.settlementToken().call())
    if token.functions.allowance(session.signer.address, bond.address).call() < amount:
        send(session, token.functions.approve(bond.address, amount))


# ---------------------------------------------------------------- commands


def _common(fn):
    return network_option(sender_option(address_option("--factory", "factory_address", "GreenBondFactory")(fn)))


BOND = click.argument("bond", metavar="BOND")  # address or ISIN-like id


@click.group("bond")
def bond() -> None:
    """Green bonds: create, subscribe, release, fund-coupon, claim, report."""


@bond.command()
@_common
@click.option("--isin", required=True, help="ISIN-like id, up to 12 letters and digits.")
@click.option("--name", required=True)
@click.option("--symbol", required=True)
@click.option("--denomination", required=True, help="Settlement units per bond, e.g. 1000.")
@click.option("--size", "issue_size", type=int, required=True, help="Bonds on offer.")
@click.option("--minimum", "minimum_raise", type=int, required=True, help="Bonds that must sell, else refunds.")
@click.option("--start", required=True, help="Subscriptions open (YYYY-MM-DD or unix seconds).")
@click.option("--issue", required=True, help="Issue date (YYYY-MM-DD or unix seconds).")
@click.option("--periods", type=int, required=True, help="Coupon periods to maturity.")
@click.option("--coupon-bps", type=click.IntRange(0, 10_000), required=True)
@click.option("--frequency", type=int, default=2, show_default=True, help="Coupons per year: 1, 2, 4 or 12.")
@click.option("--day-count", default="30/360", show_default=True, type=click.Choice(list(DAY_COUNTS)))
@click.option("--kpi-step-bps", type=int, default=25, show_default=True)
@click.option("--kpi-target-t", type=float, default=0, show_default=True, help="t CO2e per period (0: not KPI-linked).")
@click.option("--risk-limit-bps", type=click.IntRange(0, 10_000), default=500, show_default=True)
def create(network_name, sender, factory_address, isin, name, symbol, denomination, issue_size, minimum_raise, start,
           issue, periods, coupon_bps, frequency, day_count, kpi_step_bps, kpi_target_t, risk_limit_bps):
    """Create a series (the sender, an enterprise, is its issuer)."""
    session = open_session(network_name, sender)
    factory = _factory(session, factory_address)
    terms = build_terms(isin=isin, denomination=parse_amount(denomination), issue_size=issue_size,
                        minimum_raise=minimum_raise, start=parse_time(start), issue=parse_time(issue), periods=periods,
                        coupon_bps=coupon_bps, frequency=frequency, day_count=day_count, kpi_step_bps=kpi_step_bps,
                        kpi_target_grams=int(kpi_target_t * 10**6), risk_limit_bps=risk_limit_bps)
    send(session, factory.functions.createBond(terms, name, symbol))
    click.echo(f"{isin}: {factory.functions.bondOf(session.signer.address, terms[0]).call()}")


@bond.command()
@_common
@BOND
@click.argument("bonds", type=click.IntRange(1))
def subscribe(network_name, sender, factory_address, bond, bonds):
    """Subscribe BONDS bonds (approves the settlement token as needed)."""
    session, contract = open_series(network_name, sender, factory_address, bond)
    cost = bonds * contracts.fields(contract.functions.terms())["denomination"]
    _approve(session, contract, cost)
    send(session, contract.functions.subscribe(bonds))
    click.echo(f"subscribed {bonds:,} bonds for {format_amount(cost)}")


@bond.command()
@_common
@BOND
@click.argument("milestone_id", type=click.IntRange(0))
def release(network_name, sender, factory_address, bond, milestone_id):
    """Release a milestone's proceeds to its project's developer (its condition must be met)."""
    session, contract = open_series(network_name, sender, factory_address, bond)
    send(session, contract.functions.releaseMilestone(milestone_id))


@bond.command("fund-coupon")
@_common
@BOND
def fund_coupon(network_name, sender, factory_address, bond):
    """Issuer: fund the next coupon period."""
    session, contract = open_series(network_name, sender, factory_address, bond)
    period = contract.functions.nextPeriod().call()
    amount = contract.functions.couponPerBond(period).call() * contract.functions.totalSupply().call()
    _approve(session, contract, amount)
    send(session, contract.functions.fundCoupon(period))
    click.echo(f"period {period} funded: {format_amount(amount)}")


@bond.command()
@_common
@BOND
def claim(network_name, sender, factory_address, bond):
    """Claim every coupon owed to the sender."""
    session, contract = open_series(network_name, sender, factory_address, bond)
    owed = contract.functions.claimableCoupons(session.signer.address).call()
    send(session, contract.functions.claimCoupons())
    click.echo(f"claimed {format_amount(owed)}")


@bond.command()
@_common
@BOND
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports/bonds"),
              show_default=True)
def report(network_name, sender, factory_address, bond, out_dir):
    """Write the series' impact report (Markdown + PNG chart) built from its events."""
    from greenfi.domain.bond_report import build_report

    session, contract = open_series(network_name, sender, factory_address, bond)
    paths = build_report(session.w3, contract.address, out_dir)
    click.echo(f"wrote {paths['markdown']} and {paths['chart']}")
