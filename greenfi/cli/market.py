"""`greenfi market`: fixed-price listings of carbon-credit batches, settled delivery-versus-payment in
the settlement token (CarbonMarket).

A listing moves the seller's units into escrow, so the market must be the seller's ERC-1155
operator; a fill pulls the price from the buyer's tdCNY allowance. Both approvals are sent only
after the main call simulated with the approval in place (greenfi.chain.approvals), so a refused
listing or fill sends nothing. The carbon regulator (REGULATOR_ROLE on CarbonCredits) force-delists
and cancels or reverses escrowed units.
"""

from __future__ import annotations

import click

from greenfi.chain import contracts
from greenfi.chain.contracts import BuildEnum, fields, kebab
from greenfi.chain.hashes import optional_digest
from greenfi.chain.session import event_args
from greenfi.cli.cai import ClaimInput, batch_on_chain, claim_options
from greenfi.cli.connected import Session, open_session
from greenfi.cli.options import read_options, write_options
from greenfi.domain.cai import parse_cai
from greenfi.domain.units import format_amount, format_date, parse_amount, parse_time
from greenfi.errors import GreenfiError

STATUSES = BuildEnum("ICarbonMarket.ListingStatus", str.lower)
LISTING = click.argument("listing_id", metavar="LISTING", type=click.IntRange(min=1))
UNITS = click.argument("quantity", metavar="QUANTITY", type=click.IntRange(min=1))
REASON = click.option("--reason", metavar="TEXT|FILE|HASH", help="The decision, hashed into the event.")




def _market(session: Session):
    return session.contract("CarbonMarket")


def _listing(session: Session, listing_id: int) -> dict:
    found = fields(_market(session).functions.listing(listing_id))
    if found["status"] == 0:
        raise GreenfiError(f"UnknownListing({listing_id}): see `greenfi market listings`")
    return found


def _cai(session: Session, batch_id: int) -> str:
    return session.contract("CarbonCredits").functions.caiString(batch_id).call()


def listing_line(session: Session, listing_id: int, found: dict) -> str:
    return (f"listing {listing_id}: {found['remaining']} units of {_cai(session, found['batchId'])} at "
            f"{format_amount(found['unitPrice'])} tdCNY each, fee {found['feeBps'] / 100:g} %, "
            f"until {format_date(found['expiry'])}, {STATUSES.name(found['status'])}, seller {found['seller']}")


def _pay(session: Session, listing_id: int, quantity: int, call, label: str) -> dict:
    """Send `call` (a fill), approving the price in tdCNY first when the allowance is short."""
    market = _market(session)
    price = _listing(session, listing_id)["unitPrice"] * quantity
    token = contracts.at(session.w3, "SettlementToken", market.functions.settlementToken().call())
    return session.send_paying(call, token, price, label)


@click.group("market")
def market() -> None:
    """The carbon market: list, fill, buy-and-retire, cancel, withdraw, show, listings; the carbon
    regulator's delist, cancel-escrowed, reverse-escrowed."""


@market.command("list")
@write_options
@click.argument("cai_or_batch", metavar="CAI|BATCH")
@UNITS
@click.option("--price", required=True, metavar="TDCNY", help="Price per unit in tdCNY, e.g. 12.5.")
@click.option("--expiry", required=True, metavar="TIME", help="Fills are accepted strictly before this time.")
def list_units(network_name, sender, deployments, cai_or_batch, quantity, price, expiry):
    """List QUANTITY units of a batch at --price until --expiry (sent by the holder); approves the market
    as the holder's ERC-1155 operator first when needed."""
    query, unit_price, until = parse_cai(cai_or_batch), parse_amount(price), parse_time(expiry, "--expiry")
    session = open_session(network_name, sender, deployments)
    market_contract = _market(session)
    batch_id = batch_on_chain(session, query)
    call = market_contract.functions.list(batch_id, quantity, unit_price, until)
    receipt = session.send_operating(call, session.contract("CarbonCredits"), "list")
    listing_id = event_args(market_contract, receipt, "Listed")["listingId"]
    click.echo(f"listing {listing_id}: {quantity} units of {_cai(session, batch_id)} at {format_amount(unit_price)} "
               f"tdCNY each until {format_date(until)}")


@market.command()
@write_options
@LISTING
@UNITS
def fill(network_name, sender, deployments, listing_id, quantity):
    """Buy QUANTITY units of LISTING; approves the exact price in tdCNY first when needed."""
    session = open_session(network_name, sender, deployments)
    market_contract = _market(session)
    receipt = _pay(session, listing_id, quantity, market_contract.functions.fill(listing_id, quantity), "fill")
    filled = event_args(market_contract, receipt, "Filled")
    click.echo(f"bought {quantity} units of {_cai(session, filled['batchId'])} from listing {listing_id} for "
               f"{format_amount(filled['cost'])} tdCNY (fee {format_amount(filled['fee'])} tdCNY)")


@market.command("buy-and-retire")
@write_options
@LISTING
@UNITS
@claim_options
def buy_and_retire(network_name, sender, deployments, listing_id, quantity, beneficiary_name, beneficiary, reason,
                   jurisdiction, period_start, period_end):
    """Buy QUANTITY units of LISTING and retire them at once under a claim, the sender the retiree."""
    given = ClaimInput(beneficiary_name, beneficiary, reason, jurisdiction, period_start, period_end)
    session = open_session(network_name, sender, deployments)
    market_contract, credits = _market(session), session.contract("CarbonCredits")
    batch_id = _listing(session, listing_id)["batchId"]
    claim = given.claim(credits, batch_id, session.signer.address)
    call = market_contract.functions.buyAndRetire(listing_id, quantity, claim)
    receipt = _pay(session, listing_id, quantity, call, "buyAndRetire")
    filled, retired = event_args(market_contract, receipt, "Filled"), event_args(credits, receipt, "Retired")
    click.echo(f"certificate {retired['certificateId']}: bought and retired {quantity} units of {_cai(session, batch_id)} "
               f"for {format_amount(filled['cost'])} tdCNY {given.describe(claim)}")


@market.command()
@write_options
@LISTING
def cancel(network_name, sender, deployments, listing_id):
    """Cancel LISTING (sent by its seller); the unsold units return to the seller."""
    session = open_session(network_name, sender, deployments)
    market_contract = _market(session)
    receipt = session.send(market_contract.functions.cancelListing(listing_id), "cancelListing")
    returned = event_args(market_contract, receipt, "ListingCancelledBySeller")["returned"]
    click.echo(f"cancelled listing {listing_id}: {returned} units back to {session.signer.address}")


@market.command()
@write_options
def withdraw(network_name, sender, deployments):
    """Pay out the sender's credited proceeds (a seller) or fees (the treasury) in tdCNY."""
    session = open_session(network_name, sender, deployments)
    market_contract = _market(session)
    receipt = session.send(market_contract.functions.withdraw(), "withdraw")
    amount = event_args(market_contract, receipt, "Withdrawn")["amount"]
    click.echo(f"withdrew {format_amount(amount)} tdCNY to {session.signer.address}")


@market.command()
@read_options
@LISTING
def show(network_name, deployments, listing_id):
    """One listing."""
    session = open_session(network_name, deployments=deployments)
    click.echo(listing_line(session, listing_id, _listing(session, listing_id)))


@market.command()
@read_options
@click.option("--all", "show_all", is_flag=True, help="Also cancelled and sold-out listings.")
def listings(network_name, deployments, show_all):
    """The open listings (every listing with --all)."""
    session = open_session(network_name, deployments=deployments)
    market_functions = _market(session).functions
    shown = 0
    for listing_id in range(1, market_functions.listingCount().call() + 1):
        found = fields(market_functions.listing(listing_id))
        if show_all or found["status"] == 1:
            click.echo(listing_line(session, listing_id, found))
            shown += 1
    if not shown:
        click.echo("no open listings" if not show_all else "no listings")


# ---------------------------------------------------------------- the carbon regulator


@market.command()
@write_options
@LISTING
@REASON
def delist(network_name, sender, deployments, listing_id, reason):
    """Force-delist LISTING; its units return to the seller, frozen or not (sent by the carbon regulator)."""
    session = open_session(network_name, sender, deployments)
    market_contract = _market(session)
    receipt = session.send(market_contract.functions.forceDelist(listing_id, optional_digest(reason)), "forceDelist")
    done = event_args(market_contract, receipt, "ListingDelisted")
    click.echo(f"delisted listing {listing_id}: {done['returned']} units back to {done['seller']}")


def _regulator_cut(function: str, event: str, doc: str, done) -> None:
    """`cancel-escrowed` and `reverse-escrowed`: LISTING and QUANTITY, sent by the carbon regulator."""
    @write_options
    @LISTING
    @UNITS
    @REASON
    def command(network_name, sender, deployments, listing_id, quantity, reason):
        session = open_session(network_name, sender, deployments)
        market_contract = _market(session)
        call = getattr(market_contract.functions, function)(listing_id, quantity, optional_digest(reason))
        click.echo(done(listing_id, event_args(market_contract, session.send(call, function), event)))

    command.__doc__ = doc
    market.command(kebab(function))(command)


_regulator_cut("cancelEscrowed", "EscrowCancelled",
               "Cancel QUANTITY escrowed units of LISTING for good (sent by the carbon regulator).",
               lambda listing_id, done: (f"cancelled {done['amount']} escrowed units of listing {listing_id}, "
                                         f"{done['remaining']} left in it"))
_regulator_cut("reverseEscrowed", "EscrowReversed",
               "Reverse QUANTITY units of LISTING's batch: from the buffer pool first, then from the listing's "
               "escrow (sent by the carbon regulator).",
               lambda listing_id, done: (f"reversed {done['amount']} units against listing {listing_id}: "
                                         f"{done['amount'] - done['fromEscrow']} from the buffer pool, "
                                         f"{done['fromEscrow']} from escrow, {done['remaining']} left in it"))
