"""`greenfi bond ...`: every action of a green bond's roles, one command each (docs/operator-cli.md).

The issuer creates, settles, allocates, reallocates, funds coupons, deposits the principal or calls; an
investor subscribes, claims, redeems or takes a refund; a verifier attests; the developer withdraws;
anyone releases, expires, observes the KPI, declares a default or abandons an unsettled issue. A command
that pays the settlement token simulates its call with the allowance it will have before approving
anything (greenfi.chain.approvals), so a refusal sends nothing. Each prints one line, amounts in tdCNY,
dates in UTC, reductions in tCO2e; a refusal is one `error:` line with the decoded error in the same
units and a hint where one helps (greenfi.cli.hints, as for every command). Reads (`list`, `show`,
`report`) need no key.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import click
from web3 import Web3
from web3.logs import DISCARD

from greenfi.chain import contracts
from greenfi.chain.session import Session, event_args, open_session
from greenfi.cli.options import EnumChoice, address_option, deployments_option, network_option, sender_option
from greenfi.domain.bonds import (
    DAY_COUNTS,
    build_terms,
    mwh,
    next_observation,
    parse_energy_mwh,
    parse_isin,
    percent,
    tdcny,
    tonnes,
    when,
)
from greenfi.domain.units import parse_amount, parse_time
from greenfi.errors import ConfigError, GreenfiError

MAX_LISTED = 1_000  # `bond list` reads at most this many series unless --limit says otherwise

# ---------------------------------------------------------------- chain access


def _factory(session: Session, factory_address: str | None) -> Any:
    """The GreenBondFactory: --factory, else the recorded one."""
    return session.contract("GreenBondFactory", factory_address, "--factory")


def resolve_bond(session: Session, bond: str, factory_address: str | None = None):
    """A series by its address or its ISIN-like id (series are keyed by issuer and ISIN: an id several issuers
    use must be given as the series' address)."""
    if Web3.is_address(bond):
        address = Web3.to_checksum_address(bond)
        if not session.w3.eth.get_code(address):
            raise ConfigError(f"no contract at {address}: not a bond series")
    else:
        isin, factory = parse_isin(bond), _factory(session, factory_address)
        count = factory.functions.isinCount(isin).call()
        if count != 1:
            found = [factory.functions.isinAt(isin, i).call() for i in range(min(count, 10))]
            raise ConfigError(f"{bond} names {count} series{': ' + ', '.join(found) if found else ''}; "
                              + ("give the series' address" if count else "check the id with `greenfi bond list`"))
        address = factory.functions.isinAt(isin, 0).call()
    return contracts.at(session.w3, "GreenBond", address)


def open_series(network_name: str, sender: str | None, factory_address: str | None, bond: str,
                deployments: Path | None = None):
    """A session and the series named by `bond` (an address or an ISIN-like id)."""
    session = open_session(network_name, sender, deployments)
    return session, resolve_bond(session, bond, factory_address)


def _token(session: Session, bond):
    return contracts.at(session.w3, "SettlementToken", bond.functions.settlementToken().call())


def _isin(bond) -> str:
    return bytes(contracts.fields(bond.functions.terms())["isin"]).rstrip(b"\0").decode()


def _terms(bond) -> dict[str, Any]:
    return contracts.fields(bond.functions.terms())


def _pay(session: Session, bond, call, amount: int, label: str) -> dict:
    """Send `call`, which pulls `amount` tdCNY: simulated with the allowance it will have, approved only then."""
    return session.send_paying(call, _token(session, bond), amount, label)


def _done(text: str, receipt: dict) -> None:
    """The one line a successful command prints."""
    click.echo(f"{text} (block {receipt['blockNumber']}, tx {Web3.to_hex(receipt['transactionHash'])})")


# ---------------------------------------------------------------- commands


def _common(fn):
    """--network, --from (reads accept it and never use it: the same options on every command), --factory."""
    return network_option(sender_option(deployments_option(
        address_option("--factory", "factory_address", "GreenBondFactory")(fn))))


BOND = click.argument("bond", metavar="BOND")  # address or ISIN-like id
MILESTONE = click.argument("milestone_id", metavar="MILESTONE", type=click.IntRange(0))


def series_command(name: str | None = None, reads: bool = False):
    """A `greenfi bond NAME ... BOND` command: the wrapped function gets the session and the series
    (`reads`: no signer is ever asked for) instead of the shared options."""

    def wrap(fn):
        @functools.wraps(fn)
        def command(network_name, sender, deployments, factory_address, bond, **kwargs):
            session, contract = open_series(network_name, None if reads else sender, factory_address, bond,
                                            deployments)
            return fn(session, contract, **kwargs)

        return bond.command(name)(_common(BOND(command)))

    return wrap


@click.group("bond")
def bond() -> None:
    """Green bonds: every action of the issuer, investors, verifier, developer and anyone (docs/bonds.md)."""


@bond.command()
@_common
@click.option("--isin", required=True, help="ISIN-like id, up to 12 letters and digits.")
@click.option("--name", required=True)
@click.option("--symbol", required=True)
@click.option("--denomination", required=True, help="tdCNY per bond, e.g. 1000.")
@click.option("--size", "issue_size", type=click.IntRange(1), required=True, help="Bonds on offer.")
@click.option("--minimum", "minimum_raise", type=click.IntRange(1), required=True,
              help="Bonds that must sell, else refunds.")
@click.option("--start", required=True, help="Subscriptions open (YYYY-MM-DD or unix seconds).")
@click.option("--issue", required=True, help="Issue date (YYYY-MM-DD or unix seconds).")
@click.option("--periods", type=int, required=True, help="Coupon periods to maturity.")
@click.option("--coupon-bps", type=click.IntRange(0, 10_000), required=True)
@click.option("--frequency", type=int, default=2, show_default=True, help="Coupons per year: 1, 2, 4 or 12.")
@click.option("--day-count", default="30/360", show_default=True, type=click.Choice(list(DAY_COUNTS)))
@click.option("--kpi-step-bps", type=click.IntRange(0, 10_000), default=25, show_default=True)
@click.option("--kpi-target-t", type=click.FloatRange(0), default=0, show_default=True,
              help="tCO2e per period (0: not KPI-linked).")
@click.option("--risk-limit-bps", type=click.IntRange(0, 10_000), default=500, show_default=True)
@click.option("--call-date", help="Callable from this date (YYYY-MM-DD; default: not callable).")
@click.option("--call-price", help="tdCNY per bond on a call, at least the denomination.")
def create(network_name, sender, deployments, factory_address, isin, name, symbol, denomination, issue_size,
           minimum_raise, start, issue, periods, coupon_bps, frequency, day_count, kpi_step_bps, kpi_target_t,
           risk_limit_bps, call_date, call_price):
    """Enterprise: create a series (the sender becomes its issuer)."""
    if (call_date is None) != (call_price is None):
        raise click.UsageError("a call needs both --call-date and --call-price")
    terms = build_terms(isin=isin, denomination=parse_amount(denomination), issue_size=issue_size,
                        minimum_raise=minimum_raise, start=parse_time(start, "--start"),
                        issue=parse_time(issue, "--issue"), periods=periods, coupon_bps=coupon_bps,
                        frequency=frequency, day_count=day_count, kpi_step_bps=kpi_step_bps,
                        kpi_target_grams=int(kpi_target_t * 10**6), risk_limit_bps=risk_limit_bps,
                        call_date=parse_time(call_date, "--call-date") if call_date else 0,
                        call_price=parse_amount(call_price) if call_price else 0)
    session = open_session(network_name, sender, deployments)
    factory = _factory(session, factory_address)
    receipt = session.send(factory.functions.createBond(terms, name, symbol), f"createBond({isin})")
    address = factory.functions.bondOf(session.signer.address, terms[0]).call()
    _done(f"{isin.upper()}: {address}: {issue_size:,} bonds of {tdcny(terms[1])}, subscriptions "
          f"{when(terms[4])} to {when(terms[5])}, maturity {when(terms[6])}", receipt)


@series_command()
@click.argument("kind", type=EnumChoice(contracts.BuildEnum("IGreenBond.DocumentKind")))
@click.argument("document", metavar="HASH|FILE")
@click.argument("uri")
def document(session, contract, kind, document, uri):
    """Issuer: record a document (framework, second-party opinion, impact report) by hash and URI."""
    from greenfi.domain.vouchers import parse_document

    digest = parse_document(document)
    members = contracts.BuildEnum("IGreenBond.DocumentKind")
    receipt = session.send(contract.functions.addDocument(members.index(kind), digest, uri))
    document_id = event_args(contract, receipt, "DocumentAdded")["documentId"]
    _done(f"{_isin(contract)}: document {document_id} ({kind}) recorded, hash 0x{digest.hex()}", receipt)


@series_command()
@click.argument("bonds", type=click.IntRange(1))
def subscribe(session, contract, bonds):
    """Investor: subscribe BONDS bonds (the settlement token is approved only after the subscription's simulation passed)."""
    cost = bonds * _terms(contract)["denomination"]
    receipt = _pay(session, contract, contract.functions.subscribe(bonds), cost, f"subscribe({bonds})")
    _done(f"subscribed {bonds:,} bonds of {_isin(contract)} for {tdcny(cost)}", receipt)


@series_command()
def settle(session, contract):
    """Issuer: close the subscription at or after the issue date (issued, or failed below the minimum raise)."""
    receipt = session.send(contract.functions.settle())
    ledger = contracts.fields(contract.functions.ledger())
    supply = contract.functions.totalSupply().call()
    if contracts.BuildEnum("IGreenBond.Status").name(contract.functions.status().call()) == "Failed":
        _done(f"{_isin(contract)} failed: {supply:,} bonds sold, below the minimum raise of "
              f"{_terms(contract)['minimumRaise']:,}; subscribers take `greenfi bond refund`", receipt)
        return
    score, version = contract.functions.riskScoreUsed().call()
    _done(f"{_isin(contract)} issued: {supply:,} bonds, {tdcny(ledger['subscribed'])} raised, issuer risk score "
          f"{percent(score)} (model {version})", receipt)


@series_command()
def abandon(session, contract):
    """Anyone: fail an issue the issuer did not settle within 7 days of the issue date."""
    receipt = session.send(contract.functions.abandon())
    _done(f"{_isin(contract)} abandoned: subscribers take `greenfi bond refund`", receipt)


@series_command()
def refund(session, contract):
    """Subscriber of a failed issue: burn your bonds and take back what you paid."""
    receipt = session.send(contract.functions.refund())
    paid = event_args(contract, receipt, "Refunded")
    _done(f"refunded {paid['bonds']:,} bonds of {_isin(contract)}: {tdcny(paid['amount'])}", receipt)


@series_command()
@click.argument("project_id", metavar="PROJECT", type=click.IntRange(1))
@click.argument("amount")
@click.option("--deadline", required=True, metavar="DATE", help="Release before this date (at most the maturity).")
@click.option("--threshold-mwh", default="0", show_default=True,
              help="Released once this much output is attributed to the series (0: on a verifier's attestation).")
def allocate(session, contract, project_id, amount, deadline, threshold_mwh):
    """Issuer: allocate AMOUNT tdCNY of the proceeds to a milestone of active project PROJECT."""
    base, threshold = parse_amount(amount), parse_energy_mwh(threshold_mwh)
    until = parse_time(deadline, "--deadline")
    receipt = session.send(contract.functions.allocate(project_id, base, threshold, until))
    milestone_id = event_args(contract, receipt, "ProceedsAllocated")["milestoneId"]
    condition = f"once {mwh(threshold)} are attributed" if threshold else "on a verifier's attestation"
    _done(f"milestone {milestone_id}: {tdcny(base)} to project {project_id}, released {condition}, "
          f"before {when(until)}", receipt)


@series_command()
@MILESTONE
@click.option("--evidence", required=True, metavar="HASH|FILE", help="The evidence: 0x hash or a file to hash.")
def attest(session, contract, milestone_id, evidence):
    """Verifier: attest that an attestation milestone is met."""
    from greenfi.domain.vouchers import parse_document

    digest = parse_document(evidence)
    receipt = session.send(contract.functions.attestMilestone(milestone_id, digest))
    _done(f"milestone {milestone_id} of {_isin(contract)} attested, evidence 0x{digest.hex()}", receipt)


@series_command()
@MILESTONE
def release(session, contract, milestone_id):
    """Anyone: release a met milestone's proceeds to its project's developer."""
    receipt = session.send(contract.functions.releaseMilestone(milestone_id))
    released = event_args(contract, receipt, "ProceedsReleased")
    _done(f"milestone {milestone_id} released: {tdcny(released['amount'])} withdrawable by developer "
          f"{released['developer']}", receipt)


@series_command()
@MILESTONE
@click.option("--reason", required=True, metavar="TEXT|HASH", help="Why (hashed), or a 0x hash.")
def reallocate(session, contract, milestone_id, reason):
    """Issuer: return an open milestone of a project no longer active to the unallocated proceeds."""
    digest = bytes.fromhex(reason[2:]) if len(reason) == 66 and reason.startswith("0x") else Web3.keccak(text=reason)
    receipt = session.send(contract.functions.reallocate(milestone_id, digest))
    amount = event_args(contract, receipt, "ProceedsReallocated")["amount"]
    _done(f"milestone {milestone_id} reallocated: {tdcny(amount)} back to the unallocated proceeds", receipt)


@series_command()
@MILESTONE
def expire(session, contract, milestone_id):
    """Anyone: expire an open milestone past its deadline (its amount returns to the unallocated proceeds)."""
    receipt = session.send(contract.functions.expireMilestone(milestone_id))
    amount = event_args(contract, receipt, "MilestoneExpired")["amount"]
    _done(f"milestone {milestone_id} expired: {tdcny(amount)} back to the unallocated proceeds", receipt)


@series_command()
def withdraw(session, contract):
    """Developer: withdraw the proceeds released to you."""
    receipt = session.send(contract.functions.withdrawProceeds())
    amount = event_args(contract, receipt, "ProceedsWithdrawn")["amount"]
    _done(f"withdrew {tdcny(amount)} of proceeds from {_isin(contract)}", receipt)


@series_command("fund-coupon")
def fund_coupon(session, contract):
    """Issuer: fund the next coupon period (approved only after the funding's simulation passed)."""
    period = contract.functions.nextPeriod().call()
    per_bond = contract.functions.couponPerBond(period).call()
    amount = per_bond * contract.functions.totalSupply().call()
    receipt = _pay(session, contract, contract.functions.fundCoupon(period), amount, f"fundCoupon({period})")
    rate = contract.functions.couponRate(period).call()
    _done(f"period {period} funded: {tdcny(amount)} ({tdcny(per_bond)} per bond at {percent(rate)}), "
          f"paid to the holders at {when(contract.functions.recordDate(period).call())}", receipt)


@series_command()
def claim(session, contract):
    """Holder: claim every coupon owed to you."""
    receipt = session.send(contract.functions.claimCoupons())
    _done(f"claimed {tdcny(event_args(contract, receipt, 'CouponClaimed')['amount'])}", receipt)


@series_command("observe-kpi")
@click.argument("index", required=False, type=click.IntRange(1))
def observe_kpi(session, contract, index):
    """Anyone: record KPI observation INDEX (default: the next one) at or after its payment date."""
    if index is None:
        last = contract.functions.periodCount().call() - 1  # observations 1..periods-1
        outcomes = [contracts.fields(contract.functions.kpiObservation(i))["outcome"] for i in range(1, last + 1)]
        index = next_observation(outcomes)
        if index is None:
            raise ConfigError(f"every KPI observation of {_isin(contract)} is recorded")
    receipt = session.send(contract.functions.observeKpi(index))
    found = contract.events.KpiObserved().process_receipt(receipt, errors=DISCARD)
    outcome = contracts.BuildEnum("IGreenBond.KpiOutcome")
    if not found:  # idempotent: recorded before
        seen = contracts.fields(contract.functions.kpiObservation(index))
        _done(f"KPI observation {index} was already recorded: {outcome.name(seen['outcome'])}, "
              f"{tonnes(seen['kpiGrams'])}", receipt)
        return
    kpi = found[0]["args"]
    _done(f"KPI observation {index}: {outcome.name(kpi['outcome'])}, {tonnes(kpi['kpiGrams'])} against a target of "
          f"{tonnes(kpi['targetGrams'])}; {kpi['stepsAfter']} coupon step(s) so far", receipt)


@series_command("declare-default")
@click.argument("period", type=click.IntRange(1))
def declare_default(session, contract, period):
    """Anyone: record that PERIOD was not funded by its payment date."""
    receipt = session.send(contract.functions.declareDefault(period))
    due = event_args(contract, receipt, "CouponDefaultDeclared")
    _done(f"period {period} of {_isin(contract)} in default: {tdcny(due['amountDue'])} was due on "
          f"{when(due['paymentDate'])}", receipt)


def _redemption_deposit(contract, price: int) -> int:
    """What the issuer deposits to open redemption at `price`: price × supply less the unreleased proceeds."""
    ledger = contracts.fields(contract.functions.ledger())
    return price * contract.functions.totalSupply().call() - (ledger["subscribed"] - ledger["released"])


def _open_redemption(session: Session, contract, call, price: int, label: str) -> dict:
    amount = _redemption_deposit(contract, price)
    return _pay(session, contract, call, amount, label) if amount > 0 else session.send(call, label)


@series_command("deposit-principal")
def deposit_principal(session, contract):
    """Issuer: open redemption at par once every coupon is funded (unreleased proceeds are netted)."""
    terms = _terms(contract)
    receipt = _open_redemption(session, contract, contract.functions.depositPrincipal(), terms["denomination"],
                               "depositPrincipal()")
    _deposited_line(contract, receipt, f"holders redeem from {when(terms['maturityDate'])}")


@series_command("call")
def call_bonds(session, contract):
    """Issuer: call the bonds at the terms' call price, between the call date and maturity."""
    price = _terms(contract)["callPrice"]
    receipt = _open_redemption(session, contract, contract.functions.callBonds(), price, "callBonds()")
    _deposited_line(contract, receipt, "holders redeem now")


def _deposited_line(contract, receipt: dict, when_text: str) -> None:
    deposit = event_args(contract, receipt, "PrincipalDeposited")
    netted = event_args(contract, receipt, "ProceedsNetted")["amount"]
    _done(f"{_isin(contract)} redeemable at {tdcny(deposit['pricePerBond'])} per bond: deposited "
          f"{tdcny(deposit['amount'])}, {tdcny(netted)} of unreleased proceeds netted; {when_text}", receipt)


@series_command()
@click.argument("bonds", required=False, type=click.IntRange(1))
def redeem(session, contract, bonds):
    """Holder: redeem BONDS bonds (default: all you hold) at the redemption price."""
    if bonds is None:
        bonds = contract.functions.balanceOf(session.signer.address).call()
        if bonds == 0:
            raise ConfigError(f"{session.signer.address} holds no bonds of {_isin(contract)}")
    receipt = session.send(contract.functions.redeem(bonds))
    _done(f"redeemed {bonds:,} bonds of {_isin(contract)} for "
          f"{tdcny(event_args(contract, receipt, 'Redeemed')['amount'])}", receipt)


# ---------------------------------------------------------------- reads (no key)


@bond.command("list")
@_common
@click.option("--limit", type=click.IntRange(1), default=MAX_LISTED, show_default=True, help="Newest series shown.")
def list_series(network_name, sender, deployments, factory_address, limit):
    """Every series the factory created (newest last): ISIN, address, status, bonds sold."""
    session = open_session(network_name, None, deployments)
    factory = _factory(session, factory_address)
    count = factory.functions.bondCount().call()
    status = contracts.BuildEnum("IGreenBond.Status")
    for i in range(max(count - limit, 0), count):
        series = contracts.at(session.w3, "GreenBond", factory.functions.bondAt(i).call())
        terms = _terms(series)
        click.echo(f"{_isin(series):12}  {series.address}  {status.name(series.functions.status().call()):12}  "
                   f"{series.functions.totalSupply().call():,}/{terms['issueSize']:,} bonds of "
                   f"{tdcny(terms['denomination'])}, issuer {series.functions.issuer().call()}")
    if count == 0:
        click.echo("no bond series yet")


@series_command(reads=True)
def show(session, contract):
    """A series' terms, status, money ledger and milestones."""
    for line in _show_lines(contract):
        click.echo(line)


def _show_lines(contract) -> list[str]:
    f = contract.functions
    t, ledger = _terms(contract), contracts.fields(f.ledger())
    status = contracts.BuildEnum("IGreenBond.Status").name(f.status().call())
    lines = [
        f"{_isin(contract)} {f.name().call()} ({f.symbol().call()}) at {contract.address}: {status}",
        f"  issuer {f.issuer().call()}; {f.totalSupply().call():,}/{t['issueSize']:,} bonds of "
        f"{tdcny(t['denomination'])} (minimum {t['minimumRaise']:,})",
        f"  subscriptions {when(t['subscriptionStart'])} to {when(t['issueDate'])}, maturity {when(t['maturityDate'])}, "
        f"coupon {percent(t['couponRateBps'])} x{t['couponFrequency']}/year, next period {f.nextPeriod().call()} "
        f"of {f.periodCount().call()}",
        "  ledger: " + ", ".join(f"{k} {tdcny(v)}" for k, v in ledger.items()),
    ]
    if t["kpiTargetGramsPerPeriod"]:
        lines.append(f"  KPI: {tonnes(t['kpiTargetGramsPerPeriod'])} per period, +{percent(t['kpiStepBps'])} "
                     f"per miss, {f.stepCount().call()} step(s) so far")
    if t["callDate"]:
        lines.append(f"  callable from {when(t['callDate'])} at {tdcny(t['callPrice'])}")
    for i in range(f.milestoneCount().call()):
        m = contracts.fields(f.milestone(i))
        state = next((s for s in ("released", "reallocated", "expired") if m[s]), "open")
        condition = f"{mwh(m['thresholdWh'])} attributed" if m["thresholdWh"] else \
            ("attested" if m["attested"] else "awaiting attestation")
        lines.append(f"  milestone {i}: project {m['projectId']}, {tdcny(m['amount'])}, {condition}, "
                     f"deadline {when(m['deadline'])}, {state}")
    return lines


@series_command(reads=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports/bonds"),
              show_default=True)
def report(session, contract, out_dir):
    """Write the series' impact report (Markdown + PNG chart) built from its events."""
    from greenfi.domain.bond_report import build_report

    try:
        paths = build_report(session.w3, contract.address, out_dir)
    except OSError as exc:
        raise GreenfiError(f"cannot write to {out_dir}: {exc.strerror}") from None
    click.echo(f"wrote {paths['markdown']} and {paths['chart']}")
