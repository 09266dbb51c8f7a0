"""`greenfi voucher ...`: issue, split, pass on, discount and redeem supply-chain e-credit vouchers.

The pure parts (voucher ids and paths, amounts, the discount formula, the tree assembled from
CreditVoucher's events and its text form) are plain functions that tests call directly; the
click commands around them only read the chain and send transactions (plain web3.py).
"""

from __future__ import annotations

from typing import Any

import click
from web3 import Web3

from greenfi.chain import contracts
from greenfi.cli.connected import Session, open_session, send, send_paying
from greenfi.cli.options import address_option, network_option, sender_option
from greenfi.errors import ConfigError, GreenfiError
from greenfi.domain.units import format_amount, parse_amount, parse_time
from greenfi.domain.vouchers import (
    _pct,
    _when,
    build_tree,
    child_id,
    discounted_price,
    fetch_events,
    format_tree,
    parse_document,
    parse_invoice,
    parse_part,
    parse_voucher_id,
    path_of,
    root_of,
)

# ---------------------------------------------------------------- chain access


def open_voucher(network_name: str, sender: str | None, address: str | None) -> tuple[Session, Any]:
    """The command's session and the CreditVoucher it works on (--address, else the recorded one)."""
    session = open_session(network_name, sender)
    return session, session.contract("CreditVoucher", address, "--address")


def tree_text(voucher_contract, root_id: int, from_block: int = 0, now: int | None = None) -> str:
    events = fetch_events(voucher_contract, root_id, from_block)
    try:
        return format_tree(build_tree(root_id, events), now)
    except ValueError as exc:
        raise GreenfiError(str(exc)) from None


# ---------------------------------------------------------------- commands

VOUCHER_ID = click.argument("voucher_id", metavar="ID")


def _common(fn):
    return network_option(sender_option(address_option("--address", "address", "CreditVoucher")(fn)))


def _token(session: Session, voucher):
    return contracts.at(session.w3, "SettlementToken", voucher.functions.settlementToken().call())


@click.group("voucher")
def voucher_cli() -> None:
    """Supply-chain e-credit vouchers: issue, split, transfer, accept, finance, repay, claim, tree."""


@voucher_cli.command()
@_common
@click.argument("holder")
@click.argument("amount")
@click.option("--maturity", required=True, metavar="YYYY-MM-DD", help="Maturity date (00:00 UTC).")
@click.option("--order", required=True, metavar="HASH|FILE", help="Purchase order: 0x hash or a file to hash.")
@click.option("--delivery", required=True, metavar="HASH|FILE", help="Delivery note: 0x hash or a file to hash.")
@click.option("--invoice", required=True, metavar="HASH|FILE",
              help="Invoice: 0x hash, a JSON invoice (hashed in canonical form) or another file to hash.")
@click.option("--project", type=int, default=0, show_default=True, help="Green project id (0: not green-tagged).")
def issue(network_name, sender, address, holder, amount, maturity, order, delivery, invoice, project):
    """Issue a voucher of AMOUNT (settlement-token units) from the caller to HOLDER."""
    if not Web3.is_address(holder):
        raise click.BadParameter(f"not an address: {holder}", param_hint="HOLDER")
    try:
        when = parse_time(maturity, "--maturity")
    except ConfigError:  # a usage error here, as for the other arguments of `issue`
        raise click.BadParameter(f"not a date YYYY-MM-DD: {maturity}", param_hint="--maturity") from None
    base = parse_amount(amount)
    docs = [parse_document(d) for d in (order, delivery)] + [parse_invoice(invoice)]
    s, voucher = open_voucher(network_name, sender, address)
    receipt = send(s, voucher.functions.issue(Web3.to_checksum_address(holder), base, when, *docs, project))
    issued = voucher.events.VoucherIssued().process_receipt(receipt)[0]["args"]
    click.echo(f"issued voucher {issued['id']}: {format_amount(base)} to {holder}, maturity {_when(when)}")


@voucher_cli.command()
@_common
@VOUCHER_ID
@click.option("--part", "parts", multiple=True, required=True, metavar="ADDRESS:AMOUNT",
              help="One part (repeat, 2..8); a part to yourself keeps the remainder.")
def split(network_name, sender, address, voucher_id, parts):
    """Split voucher ID into parts; parts to others wait for their acceptance."""
    vid = parse_voucher_id(voucher_id)
    pairs = [parse_part(p) for p in parts]
    if not 2 <= len(pairs) <= 8:
        raise click.BadParameter("a split has 2 to 8 parts", param_hint="--part")
    s, voucher = open_voucher(network_name, sender, address)
    send(s, voucher.functions.split(vid, [a for _, a in pairs], [r for r, _ in pairs]))
    for i, (recipient, amount) in enumerate(pairs):
        click.echo(f"  part {path_of(child_id(vid, i))}: {format_amount(amount)} to {recipient}")


@voucher_cli.command()
@_common
@VOUCHER_ID
@click.argument("to")
def transfer(network_name, sender, address, voucher_id, to):
    """Transfer the whole of voucher ID to TO (pending until TO accepts)."""
    if not Web3.is_address(to):
        raise click.BadParameter(f"not an address: {to}", param_hint="TO")
    s, voucher = open_voucher(network_name, sender, address)
    send(s, voucher.functions.transfer(parse_voucher_id(voucher_id), Web3.to_checksum_address(to)))


@voucher_cli.command()
@_common
@VOUCHER_ID
def accept(network_name, sender, address, voucher_id):
    """Accept pending voucher ID."""
    s, voucher = open_voucher(network_name, sender, address)
    send(s, voucher.functions.accept(parse_voucher_id(voucher_id)))


@voucher_cli.command()
@_common
@VOUCHER_ID
@click.option("--offer-to", "bank", metavar="BANK", help="Holder: offer the voucher to this bank.")
@click.option("--max-rate", type=click.IntRange(0, 10_000), help="Holder: the highest discount rate accepted (bps a year).")
@click.option("--rate", type=click.IntRange(0, 10_000), help="Bank: accept the offer at this rate (bps a year).")
def finance(network_name, sender, address, voucher_id, bank, max_rate, rate):
    """Discount voucher ID: the holder offers it (--offer-to, --max-rate), the bank buys it (--rate)."""
    if (bank is None) == (rate is None):
        raise click.UsageError("give either --offer-to BANK --max-rate BPS (holder) or --rate BPS (bank)")
    if bank is not None and (max_rate is None or not Web3.is_address(bank)):
        raise click.UsageError("an offer needs a bank address and --max-rate")
    vid = parse_voucher_id(voucher_id)
    s, voucher = open_voucher(network_name, sender, address)
    if bank is not None:
        send(s, voucher.functions.offer(vid, Web3.to_checksum_address(bank), max_rate))
        return
    v = contracts.fields(voucher.functions.voucher(vid))
    quote, score = voucher.functions.quoteRate(vid).call()
    remaining = max(v["maturity"] - s.w3.eth.get_block("latest")["timestamp"] - 3600, 0)  # an hour's margin for mining
    price = discounted_price(v["amount"], rate, remaining)
    receipt = send_paying(s, voucher.functions.acceptOffer(vid, rate), _token(s, voucher), price)
    done = voucher.events.Financed().process_receipt(receipt)[0]["args"]
    click.echo(f"financed {path_of(vid)}: paid {format_amount(done['price'])} for {format_amount(done['face'])} "
               f"at {_pct(rate)} (risk quote {_pct(quote)}, score {score} bps)")


@voucher_cli.command()
@_common
@click.argument("root_id", metavar="ROOT_ID")
@click.argument("amount")
def repay(network_name, sender, address, root_id, amount):
    """Obligor: deposit AMOUNT towards root voucher ROOT_ID."""
    base = parse_amount(amount)
    s, voucher = open_voucher(network_name, sender, address)
    send_paying(s, voucher.functions.repay(parse_voucher_id(root_id), base), _token(s, voucher), base)


@voucher_cli.command()
@_common
@VOUCHER_ID
def claim(network_name, sender, address, voucher_id):
    """Holder: claim what is payable on voucher ID after maturity."""
    s, voucher = open_voucher(network_name, sender, address)
    receipt = send(s, voucher.functions.claim(parse_voucher_id(voucher_id)))
    done = voucher.events.Claimed().process_receipt(receipt)[0]["args"]
    click.echo(f"claimed {format_amount(done['amount'])} ({format_amount(done['claimed'])} in total)")


@voucher_cli.command()
@_common
@click.argument("root_id", metavar="ROOT_ID")
def tree(network_name, sender, address, root_id):
    """Print the split tree of root voucher ROOT_ID: holders, amounts, states, financing."""
    rid = parse_voucher_id(root_id)
    if root_of(rid) != rid:
        raise click.BadParameter(f"{root_id} is not a root voucher", param_hint="ROOT_ID")
    s, voucher = open_voucher(network_name, sender, address)
    from_block = 0 if address else s.from_block("CreditVoucher")
    click.echo(tree_text(voucher, rid, from_block, s.w3.eth.get_block("latest")["timestamp"]))
