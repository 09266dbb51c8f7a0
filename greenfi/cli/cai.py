"""`greenfi cai`: carbon batches by Carbon Asset Identifier (CAI), read from contract events.

A CAI is a bytes32: the high 24 bytes commit to (chain, CarbonCredits address, project, vintage,
serial range, monitoring-report hash), the low 8 bytes are the batch id. Its readable form is
`CAI-<jurisdiction>-<project>-<vintage>-<batch>-<serialStart>-<serialEnd>`, e.g.
`CAI-CN-1-2025-3-1001-1900`.

Everything here is assembled from events (ProjectRegistry, CarbonCredits, CarbonMarket), so the
trace works without the MRV contract: the Issued event carries the report id, hash and verifier.
Chain I/O (`load_events`) is kept apart from the pure assembly (`index_batches`, `trace`, the
formatters), which tests call directly.

The write commands (`issue` from an approved monitoring report, `transfer`, `retire` with a claim)
send with plain web3.py through greenfi.chain.session; a refusal ends with one line naming the
contract's custom error.
"""

from __future__ import annotations

from pathlib import Path

import click
from web3 import Web3
from web3.logs import DISCARD

from greenfi.chain import networks
from greenfi.chain.session import event_args
from greenfi.cli.connected import open_session, send
from greenfi.chain.contracts import fields
from greenfi.chain.hashes import digest
from greenfi.cli.options import deployments_option, network_option, sender_option
from greenfi.errors import ConfigError, GreenfiError
from greenfi.domain.cai import (
    CaiQuery,
    _date,
    _hex,
    format_list,
    format_show,
    format_trace,
    index_batches,
    load_events,
    parse_cai,
    resolve,
    trace,
)
from greenfi.domain.units import parse_address, parse_code, parse_time

def connect(network_name: str) -> Web3:
    """A web3 handle on `network_name`: a running embedded node, or a live RPC endpoint."""
    from greenfi.chain import node as chain

    return chain.attach(networks.resolve(network_name)).w3


def _context(network_name: str, deployments: Path | None) -> tuple[list[dict], str | None]:
    from greenfi.chain.deployments import DeploymentRecord

    w3 = connect(network_name)
    record = DeploymentRecord(w3.eth.chain_id, **({"directory": deployments} if deployments else {}))
    addresses = record.addresses()
    if "CarbonCredits" not in addresses:
        raise ConfigError(f"CarbonCredits is not deployed on chain {w3.eth.chain_id} (no entry in {record.path})")
    return load_events(w3, addresses), addresses.get("CarbonMarket")


# ---------------------------------------------------------------------------- commands



@click.group("cai")
def cai() -> None:
    """Carbon batches by Carbon Asset Identifier: list, show, trace, issue, transfer, retire."""


@cai.command("list")
@network_option
@deployments_option
def list_batches(network_name: str, deployments: Path | None) -> None:
    """Every batch with its supply by status."""
    events, market = _context(network_name, deployments)
    for line in format_list(index_batches(events), market):
        click.echo(line)


@cai.command("show")
@click.argument("cai_or_batch")
@network_option
@deployments_option
def show(cai_or_batch: str, network_name: str, deployments: Path | None) -> None:
    """One batch: its CAI, holders and supply by status."""
    query = parse_cai(cai_or_batch)
    events, market = _context(network_name, deployments)
    for line in format_show(resolve(query, index_batches(events)), market):
        click.echo(line)


@cai.command("trace")
@click.argument("cai_or_batch")
@network_option
@deployments_option
def trace_command(cai_or_batch: str, network_name: str, deployments: Path | None) -> None:
    """The whole chain of custody of a batch, from project registration to retirement."""
    query = parse_cai(cai_or_batch)
    events, market = _context(network_name, deployments)
    batch = resolve(query, index_batches(events))
    for line in format_trace(batch, trace(events, batch.batch_id, market)):
        click.echo(line)


# ---------------------------------------------------------------------------- write commands
# Issue from an approved report, transfer, retire with a claim: sent with plain web3.py through a
# Session (greenfi.chain.session), whose refusals name the contract's custom error.

REASON_CODES = {"voluntary": 1, "compliance": 2, "green-electricity": 3, "other": 4}


def build_claim(beneficiary: str, name_hash: bytes, reason: str, jurisdiction: bytes, start: int,
                end: int) -> tuple:
    """An ICarbonCredits.Claim tuple (the contract checks the period: InvalidClaimPeriod)."""
    return (beneficiary, name_hash, REASON_CODES[reason], jurisdiction, start, end)


def batch_on_chain(session, query: CaiQuery) -> int:
    """The batch id `query` names, checked by the contract: UnknownCai, UnknownBatch, or a readable
    CAI that is not the batch's."""
    credits = session.contract("CarbonCredits")
    if query.cai:
        return session.read(credits.functions.batchOfCai(bytes.fromhex(query.cai[2:])))
    readable = session.read(credits.functions.caiString(query.batch_id))
    if query.readable and query.readable != readable:
        raise GreenfiError(f"{query.readable} does not match batch {query.batch_id} (it is {readable})")
    return query.batch_id


@cai.command("issue")
@network_option
@sender_option
@deployments_option
@click.argument("report_id", type=click.IntRange(min=1))
def issue_command(network_name: str, sender: str | None, deployments: Path | None, report_id: int) -> None:
    """Issue the batch of approved monitoring report REPORT_ID (sent by the project's developer or an
    ISSUER_ROLE holder); the report is consumed, so it is issued once."""
    session = open_session(network_name, sender, deployments)
    credits = session.contract("CarbonCredits")
    receipt = send(session, credits.functions.issue(report_id))
    if not credits.events.Issued().process_receipt(receipt, errors=DISCARD):
        carried = event_args(credits, receipt, "RemainderCarried")
        click.echo(f"report {report_id} consumed: below one unit with the project's remainder; "
                   f"{carried['carried']} g (or Wh) carried to project {carried['projectId']}'s next report")
        return
    issued = event_args(credits, receipt, "Issued")
    batch_id = issued["batchId"]
    click.echo(f"issued batch {batch_id} ({credits.functions.caiString(batch_id).call()}): {issued['quantity']} units, "
               f"serials {issued['serialStart']}-{issued['serialEnd']}, {issued['buffered']} to the buffer pool, "
               f"{issued['quantity'] - issued['buffered']} to {issued['developer']}")
    click.echo(f"CAI hash {_hex(issued['cai'])}")


@cai.command("transfer")
@network_option
@sender_option
@deployments_option
@click.argument("cai_or_batch")
@click.argument("to")
@click.argument("amount", type=click.IntRange(min=1))
def transfer_command(network_name: str, sender: str | None, deployments: Path | None, cai_or_batch: str, to: str,
                     amount: int) -> None:
    """Transfer AMOUNT units of a batch from the sender to TO (both must pass the participant registry)."""
    query, recipient = parse_cai(cai_or_batch), parse_address(to, "TO")
    session = open_session(network_name, sender, deployments)
    batch_id = batch_on_chain(session, query)
    credits = session.contract("CarbonCredits")
    send(session, credits.functions.safeTransferFrom(session.signer.address, recipient, batch_id, amount, b""))
    click.echo(f"transferred {amount} units of batch {batch_id} to {recipient}")


def claim_options(fn):
    """The options of a retirement claim, shared by `cai retire` and `market buy-and-retire`."""
    for option in reversed([
        click.option("--beneficiary-name", required=True, metavar="TEXT|FILE|HASH",
                     help="The beneficiary's legal name (only its keccak256 goes on chain)."),
        click.option("--beneficiary", metavar="ADDRESS", help="On whose behalf the claim is made (default: the retiree)."),
        click.option("--reason", type=click.Choice(list(REASON_CODES)), default="voluntary", show_default=True),
        click.option("--jurisdiction", required=True, help="Where the claim is made (ISO 3166-1 alpha-2)."),
        click.option("--period-start", metavar="TIME", help="Consumption period start (default: the batch's vintage)."),
        click.option("--period-end", metavar="TIME", help="Consumption period end, exclusive (default: the vintage's end)."),
    ]):
        fn = option(fn)
    return fn


class ClaimInput:
    """The claim options as given, parsed before anything is sent; `claim()` completes them with the
    batch's vintage once the chain is reached."""

    def __init__(self, beneficiary_name: str, beneficiary: str | None, reason: str, jurisdiction: str,
                 period_start: str | None, period_end: str | None):
        self.name_hash = digest(beneficiary_name)
        self.beneficiary = parse_address(beneficiary, "--beneficiary") if beneficiary else None
        self.reason, self.jurisdiction = reason, jurisdiction
        self.code = parse_code(jurisdiction, "--jurisdiction")
        self.start = parse_time(period_start, "--period-start") if period_start else None
        self.end = parse_time(period_end, "--period-end") if period_end else None

    def claim(self, credits, batch_id: int, retiree: str) -> tuple:
        info = fields(credits.functions.batch(batch_id))
        return build_claim(self.beneficiary or retiree, self.name_hash, self.reason, self.code,
                           info["vintageStart"] if self.start is None else self.start,
                           info["vintageEnd"] if self.end is None else self.end)

    def describe(self, claim: tuple) -> str:
        return f"for {claim[0]} ({self.reason}, {self.jurisdiction}, {_date(claim[4])} to {_date(claim[5])})"


@cai.command("retire")
@network_option
@sender_option
@deployments_option
@click.argument("cai_or_batch")
@click.argument("amount", type=click.IntRange(min=1))
@claim_options
@click.option("--owner", metavar="ADDRESS", help="Retire the units of OWNER, who approved the sender as operator.")
def retire_command(network_name: str, sender: str | None, deployments: Path | None, cai_or_batch: str, amount: int,
                   beneficiary_name: str, beneficiary: str | None, reason: str, jurisdiction: str,
                   period_start: str | None, period_end: str | None, owner: str | None) -> None:
    """Retire AMOUNT units of a batch under a claim; prints the retirement certificate."""
    query = parse_cai(cai_or_batch)
    owner = parse_address(owner, "--owner") if owner else None
    given = ClaimInput(beneficiary_name, beneficiary, reason, jurisdiction, period_start, period_end)
    session = open_session(network_name, sender, deployments)
    credits = session.contract("CarbonCredits")
    batch_id = batch_on_chain(session, query)
    claim = given.claim(credits, batch_id, owner or session.signer.address)
    call = (credits.functions.retireFrom(owner, batch_id, amount, claim) if owner
            else credits.functions.retire(batch_id, amount, claim))
    retired = event_args(credits, send(session, call), "Retired")
    click.echo(f"certificate {retired['certificateId']}: {amount} units of {credits.functions.caiString(batch_id).call()} "
               f"retired by {retired['retiree']} {given.describe(claim)}")
