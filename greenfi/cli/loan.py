"""`greenfi loan ...`: size a green loan from a project's verified generation, then propose, approve, draw,
repay, observe, reprice, call, impair, write off and show facilities (docs/loans.md, "CLI").

Every write simulates first (a revert is one `error:` line naming the custom error, nothing sent); a paying
call is simulated with the allowance it will have, and its token approval is sent only after that simulation
succeeded (Session.send_paying). Reads need no key.
The pure parts live in greenfi.domain.loan_terms, greenfi.domain.loan_sizing and models.energy_yield.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from web3 import Web3

from greenfi.chain import contracts
from greenfi.chain.session import event_args
from greenfi.cli.connected import Session, open_session
from greenfi.cli.options import EnumChoice, address_option, deployments_option, network_option, sender_option
from greenfi.domain.loan_terms import (REPAYMENTS, STATES, as_tuple, build_terms, mwh,
                                       observation_line, parse_bps, parse_mwh, parse_pairs, parse_ratio_bps, pct,
                                       ratio)
from greenfi.domain.units import format_amount, format_time, parse_address, parse_amount, parse_time
from greenfi.errors import ConfigError

REPAY_ALL = 2**256 - 1  # GreenLoan.REPAY_ALL: repay everything owed at the block
HOUR, YEAR, BPS = 3600, 365 * 86_400, 10_000

# ---------------------------------------------------------------- chain access


def _session(network_name: str, sender: str | None, deployments: Path | None) -> Session:
    return open_session(network_name, sender, deployments)


def _factory(session: Session, factory_address: str | None):
    return session.contract("GreenLoanFactory", factory_address, "--factory")


def resolve_loan(session: Session, loan: str, factory_address: str | None = None):
    """A facility by its address or its id in the factory."""
    if Web3.is_address(loan):
        address = Web3.to_checksum_address(loan)
    elif loan.isdigit() and int(loan) > 0:
        address = session.read(_factory(session, factory_address).functions.loanOf(int(loan)))
    else:
        raise ConfigError(f"LOAN is a facility id (1, 2, ...) or address, got {loan!r}")
    if not session.w3.eth.get_code(address):
        raise ConfigError(f"no contract at {address}: not a loan facility")
    return contracts.at(session.w3, "GreenLoan", address)


def open_loan(network_name, sender, deployments, factory_address, loan):
    session = _session(network_name, sender, deployments)
    return session, resolve_loan(session, loan, factory_address)


def send_paying(session: Session, loan, call, amount: int) -> dict:
    """Send `call`, which pulls up to `amount` of the settlement token from the signer: simulated with that
    allowance first (Session.send_paying), so a refusal for any reason sends no approval and nothing else."""
    token = contracts.at(session.w3, "SettlementToken", session.read(loan.functions.settlementToken()))
    return session.send_paying(call, token, amount)


def _fields(session: Session, call) -> dict:
    return contracts.fields(call, session.read(call))


def _mined(receipt: dict) -> str:
    return f"(block {receipt['blockNumber']}, gas {receipt['gasUsed']:,})"


# ---------------------------------------------------------------- options


def _common(fn):
    return network_option(sender_option(deployments_option(
        address_option("--factory", "factory_address", "GreenLoanFactory")(fn))))


LOAN = click.argument("loan", metavar="LOAN")  # facility id or address


@click.group("loan")
def loan() -> None:
    """Green loans: size from generation, propose, approve, draw, repay, observe, reprice, call, impair,
    write-off, show."""


# ---------------------------------------------------------------- sizing


@loan.command("yield-model")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory to write (must be empty or new).")
def yield_model(out_dir):
    """Write the yield model's directory, for `greenfi oracle register-model --model DIR`."""
    from models.energy_yield import reference, write_model_dir

    click.echo(f"yield model {write_model_dir(out_dir, reference())} written to {out_dir}")


@loan.command("size")
@network_option
@sender_option
@deployments_option
@click.option("--project", "project_id", type=click.IntRange(1), required=True)
@click.option("--tariff", default="80", show_default=True, help="Settlement units per MWh sold.")
@click.option("--opex", default="0", show_default=True, help="Operating cost, settlement units per year.")
@click.option("--tenor-years", type=click.IntRange(1, 40), default=10, show_default=True)
@click.option("--period-days", type=click.IntRange(1, 366), default=91, show_default=True)
@click.option("--rate-bps", type=click.IntRange(0, 10_000), default=650, show_default=True,
              help="All-in interest rate per year (Actual/365).")
@click.option("--dscr", "dscr", default="1.30", show_default=True, help="Target DSCR at P90.")
@click.option("--repayment", type=click.Choice(("amortising", "bullet")), default="amortising", show_default=True)
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the estimate document (what the ledger's explanationHash hashes) here.")
@click.option("--post", is_flag=True, help="Record the estimate in the RiskOracle (an oracle operator signs).")
@click.option("--validity-days", type=click.IntRange(1, 365), default=30, show_default=True,
              help="With --post: the estimate's expiry.")
@address_option("--mrv-reports", "reports_address", "MRVReports")
def size_cmd(network_name, sender, deployments, project_id, tariff, opex, tenor_years, period_days, rate_bps, dscr,
             repayment, out_file, post, validity_days, reports_address):
    """Estimate the project's annual energy (P50, P90) from its approved reports; size the debt at a DSCR."""
    from greenfi.domain.loan_sizing import approved_reports, size
    from models.energy_yield import DebtTerms

    terms = DebtTerms(tariff_per_mwh=parse_amount(tariff), opex_per_year=0 if opex.strip() == "0" else parse_amount(opex),
                      periods=max(1, tenor_years * 365 // period_days), period_days=period_days, rate_bps=rate_bps,
                      dscr_bps=parse_ratio_bps(dscr, "--dscr"), bullet=repayment == "bullet")
    session = _session(network_name, sender, deployments)
    reports = session.contract("MRVReports", reports_address, "--mrv-reports")
    sizing = size(project_id, approved_reports(reports, project_id, session.from_block("MRVReports")), terms)
    result = sizing.result
    click.echo(f"project {project_id}: {len(sizing.reports)} approved reports, {result.history_days:.1f} days, "
               f"{mwh(result.verified_wh)} verified")
    click.echo(f"P50 {mwh(result.p50_wh)}/year, P90 {mwh(result.p90_wh)}/year (haircut {pct(result.haircut_bps)}; "
               f"sigma {result.sigma_total:.1%}: history {result.sigma_history:.1%})")
    floor = sizing.estimate_document["min_dscr_bps_p50"]
    click.echo(f"debt {format_amount(sizing.debt)} at DSCR {ratio(terms.dscr_bps)} on P90: {repayment}, "
               f"{terms.periods} periods of {period_days} days, {pct(rate_bps)}/year, tariff {format_amount(terms.tariff_per_mwh)}"
               f"/MWh, opex {format_amount(terms.opex_per_year)}/year"
               + (f"; DSCR at P50 {ratio(floor)}" if floor is not None else ""))
    if out_file:
        _write_document(out_file, sizing.estimate_document)
    if post:
        _post_estimate(session, sizing, validity_days)


def _write_document(path: Path, document: dict) -> None:
    from models.energy_yield import canonical

    try:
        path.write_bytes(canonical(document))
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc}") from None


def _post_estimate(session: Session, sizing, validity_days: int) -> None:
    from greenfi.domain.loan_sizing import estimate_subject
    from models.energy_yield import model_hash, reference

    digest = model_hash(reference())
    registry, oracle = session.contract("ModelRegistry"), session.contract("RiskOracle")
    version = session.read(registry.functions.versionOf(bytes.fromhex(digest[2:])))
    if version == 0:
        raise ConfigError(f"the yield model {digest} is not registered in ModelRegistry: write it with "
                          "`greenfi loan yield-model --out DIR`, register it with `greenfi oracle register-model "
                          "--model DIR` and have a reviewer approve it")
    now = session.w3.eth.get_block("latest")["timestamp"]
    subject = estimate_subject(sizing.project_id)
    receipt = session.send(oracle.functions.postScores(
        version, now, now + validity_days * 86_400, [subject], [sizing.result.haircut_bps],
        [bytes.fromhex(sizing.input_hash[2:])], [bytes.fromhex(sizing.explanation_hash[2:])]))
    click.echo(f"recorded: model version {version}, subject {subject}, input {sizing.input_hash}, "
               f"estimate {sizing.explanation_hash} {_mined(receipt)}")


# ---------------------------------------------------------------- proposal and approval


@loan.command()
@_common
@click.option("--lender", required=True, help="The bank (Kind.Bank) asked to approve.")
@click.option("--project", "project_id", type=click.IntRange(1), required=True)
@click.option("--commitment", required=True, help="Settlement units, e.g. 1000000.")
@click.option("--start", required=True, help="Schedule start (YYYY-MM-DD or unix seconds).")
@click.option("--period-days", type=click.IntRange(1, 366), default=91, show_default=True)
@click.option("--periods", type=click.IntRange(1, 2**16 - 1), required=True)
@click.option("--availability-end", required=True, help="Drawdowns only before this time.")
@click.option("--repayment", type=EnumChoice(REPAYMENTS), default="amortising", show_default=True)
@click.option("--base-rate-bps", type=click.IntRange(0, 2**16 - 1), required=True)
@click.option("--bucket", "buckets", multiple=True, metavar="PD_BPS:MARGIN_BPS",
              help="Up to 4, ascending PD limits: the margin for a PD at or below the limit.")
@click.option("--margin-floor-bps", type=click.IntRange(0, 2**16 - 1), default=0, show_default=True)
@click.option("--margin-cap-bps", type=click.IntRange(0, 2**16 - 1), default=1000, show_default=True)
@click.option("--max-step-bps", type=click.IntRange(0, 2**16 - 1), default=50, show_default=True,
              help="Largest move of one repricing.")
@click.option("--min-repricing-days", type=click.IntRange(0, 49_000), default=30, show_default=True)
@click.option("--ratchet-step-bps", type=click.IntRange(0, 2**16 - 1), default=0, show_default=True)
@click.option("--kpi-target-mwh", default="0", show_default=True, help="Per period (0: not sustainability-linked).")
@click.option("--observation-grace-hours", type=click.IntRange(0, 2**32 // 3600 - 1), default=72, show_default=True)
@click.option("--tariff", default="80", show_default=True, help="Settlement units per MWh, for the DSCR.")
@click.option("--opex-per-period", default="0", show_default=True, help="Settlement units, for the DSCR.")
@click.option("--lockup-dscr", default="1.20", show_default=True)
@click.option("--default-dscr", default="1.05", show_default=True)
@click.option("--default-periods", type=click.IntRange(0, 255), default=2, show_default=True)
@click.option("--late-interest-bps", type=click.IntRange(0, 2**16 - 1), default=200, show_default=True)
@click.option("--fee-bps", type=click.IntRange(0, 2**16 - 1), default=0, show_default=True,
              help="Arrangement fee, of the commitment, owed at the first drawdown.")
@click.option("--tranche", "tranches", multiple=True, metavar="AMOUNT:MWH",
              help="Up to 4 (use of proceeds): AMOUNT drawable once MWH attributed since approval "
                   "(default: the whole commitment at 0).")
def propose(network_name, sender, deployments, factory_address, lender, project_id, commitment, start, period_days,
            periods, availability_end, repayment, base_rate_bps, buckets, margin_floor_bps, margin_cap_bps,
            max_step_bps, min_repricing_days, ratchet_step_bps, kpi_target_mwh, observation_grace_hours, tariff,
            opex_per_period, lockup_dscr, default_dscr, default_periods, late_interest_bps, fee_bps, tranches):
    """Borrower: propose a facility to LENDER for PROJECT (the sender is the borrower)."""
    lender = parse_address(lender, "--lender")
    amount = parse_amount(commitment)
    terms = build_terms(
        project_id=project_id, commitment=amount, start=parse_time(start, "--start"), period_days=period_days,
        periods=periods, availability_end=parse_time(availability_end, "--availability-end"), repayment=repayment,
        base_rate_bps=base_rate_bps, buckets=parse_pairs(buckets, "--bucket", parse_bps, parse_bps),
        margin_floor_bps=margin_floor_bps, margin_cap_bps=margin_cap_bps, max_step_bps=max_step_bps,
        min_repricing_days=min_repricing_days, ratchet_step_bps=ratchet_step_bps,
        kpi_target_wh=parse_mwh(kpi_target_mwh), observation_grace_hours=observation_grace_hours,
        tariff_per_mwh=parse_amount(tariff), opex_per_period=_amount_or_zero(opex_per_period),
        lockup_dscr_bps=parse_ratio_bps(lockup_dscr, "--lockup-dscr"),
        default_dscr_bps=parse_ratio_bps(default_dscr, "--default-dscr"), default_periods=default_periods,
        late_interest_bps=late_interest_bps, fee_bps=fee_bps,
        tranches=parse_pairs(tranches, "--tranche", parse_amount, parse_mwh))
    session = _session(network_name, sender, deployments)
    factory = _factory(session, factory_address)
    create = factory.functions.createLoan
    call = create(as_tuple(create.abi["inputs"][0]["components"], terms), lender)
    receipt = session.send(call)
    created = event_args(factory, receipt, "LoanCreated")
    click.echo(f"loan {created['loanId']}: {created['loan']} proposed to {lender} for project {project_id}, "
               f"commitment {format_amount(amount)} {_mined(receipt)}")


def _amount_or_zero(text: str) -> int:
    return 0 if text.strip() in ("0", "0.0") else parse_amount(text)


@loan.command()
@_common
@LOAN
def approve(network_name, sender, deployments, factory_address, loan):
    """Lender: approve and fund (prices the margin from the borrower's latest usable risk score)."""
    session, contract = open_loan(network_name, sender, deployments, factory_address, loan)
    commitment = _fields(session, contract.functions.terms())["commitment"]
    receipt = send_paying(session, contract, contract.functions.approve(), commitment)
    approved = event_args(contract, receipt, "LoanApproved")
    click.echo(f"approved: PD {pct(approved['scoreBps'])} (model version {approved['modelVersion']}) -> credit margin "
               f"{pct(approved['creditMarginBps'])}; funded {format_amount(approved['commitment'])} {_mined(receipt)}")


# ---------------------------------------------------------------- money


@loan.command()
@_common
@LOAN
@click.argument("amount")
def draw(network_name, sender, deployments, factory_address, loan, amount):
    """Borrower: draw AMOUNT settlement units (checked against the latest usable score and the covenants)."""
    session, contract = open_loan(network_name, sender, deployments, factory_address, loan)
    receipt = session.send(contract.functions.draw(parse_amount(amount)))
    drawn = event_args(contract, receipt, "LoanDrawn")
    click.echo(f"drew {format_amount(drawn['amount'])}; principal {format_amount(drawn['principalAfter'])} "
               f"{_mined(receipt)}")


@loan.command()
@_common
@LOAN
@click.argument("amount", required=False)
@click.option("--all", "pay_all", is_flag=True, help="Repay everything owed at the mined block (REPAY_ALL).")
def repay(network_name, sender, deployments, factory_address, loan, amount, pay_all):
    """Borrower: repay AMOUNT (fees, then interest, then principal), or everything with --all."""
    if (amount is None) == (not pay_all):
        raise ConfigError("give exactly one of AMOUNT and --all")
    session, contract = open_loan(network_name, sender, deployments, factory_address, loan)
    if amount:
        value = allowance = parse_amount(amount)
    else:  # REPAY_ALL pays what is owed at the mined block: allow for an hour more interest than now
        value, allowance = REPAY_ALL, _owed_within_an_hour(session, contract)
    receipt = send_paying(session, contract, contract.functions.repay(value), allowance)
    paid = event_args(contract, receipt, "LoanRepayment")
    click.echo(f"repaid {format_amount(paid['amount'])}: fees {format_amount(paid['fees'])}, interest "
               f"{format_amount(paid['interest'])}, principal {format_amount(paid['principal'])}; principal left "
               f"{format_amount(paid['principalAfter'])} {_mined(receipt)}")


def _owed_within_an_hour(session: Session, contract) -> int:
    """Everything owed now plus an hour of interest on it at the current and the late rate (rounded up)."""
    debt = _fields(session, contract.functions.debt())
    if debt["total"] == 0:
        raise ConfigError("nothing is owed")
    rate = _fields(session, contract.functions.pricing())["rateBps"]
    rate += _fields(session, contract.functions.terms())["lateInterestBps"]
    return debt["total"] + -(-debt["total"] * rate * HOUR // (BPS * YEAR))


# ---------------------------------------------------------------- pricing and covenants


@loan.command()
@_common
@LOAN
@click.argument("period", type=click.IntRange(1), required=False)
def observe(network_name, sender, deployments, factory_address, loan, period):
    """Anyone: observe PERIOD (default: the next one) from on-chain data: KPI ratchet and DSCR covenant."""
    session, contract = open_loan(network_name, sender, deployments, factory_address, loan)
    period = period or session.read(contract.functions.nextObservation())
    receipt = session.send(contract.functions.observe(period))
    seen = event_args(contract, receipt, "LoanObserved")
    swept = contract.events.CashSwept().process_receipt(receipt)
    line = observation_line(period, seen, seen["breaches"])
    sweep = f", swept {format_amount(swept[0]['args']['amount'])}" if swept else ""
    click.echo(f"{line}, margin {pct(seen['marginBps'])}{sweep} {_mined(receipt)}")


def act(where: tuple, function: str, event: str, describe) -> None:
    """Send the facility's argument-less `function` and print `describe(its event's arguments)` with the block and
    gas: the commands that only name a transition (reprice, call, impair, write-off)."""
    session, contract = open_loan(*where)
    receipt = session.send(getattr(contract.functions, function)())
    click.echo(f"{describe(event_args(contract, receipt, event))} {_mined(receipt)}")


@loan.command()
@_common
@LOAN
def reprice(network_name, sender, deployments, factory_address, loan):
    """Anyone: move the credit margin toward the bucket of the borrower's newer usable score (bounded step)."""
    act((network_name, sender, deployments, factory_address, loan), "reprice", "LoanRepriced", lambda e: (
        f"credit margin {pct(e['creditMarginBefore'])} -> {pct(e['creditMarginBps'])} (target "
        f"{pct(e['targetMarginBps'])}, PD {pct(e['scoreBps'])}, model version {e['modelVersion']})"))


# ---------------------------------------------------------------- lender remedies


@loan.command("call")
@_common
@LOAN
def call_cmd(network_name, sender, deployments, factory_address, loan):
    """Lender: call the facility (impaired, or in covenant default): all principal due at once."""
    act((network_name, sender, deployments, factory_address, loan), "callLoan", "LoanCalled", lambda e: (
        f"called: principal {format_amount(e['principal'])} due, {e['breaches']} covenant breaches"))


@loan.command()
@_common
@LOAN
def impair(network_name, sender, deployments, factory_address, loan):
    """Lender: mark the facility impaired while something is overdue."""
    act((network_name, sender, deployments, factory_address, loan), "impair", "LoanImpaired",
        lambda e: f"impaired: {format_amount(e['overdue'])} overdue")


@loan.command("write-off")
@_common
@LOAN
def write_off(network_name, sender, deployments, factory_address, loan):
    """Lender: write off what a defaulted facility still owes, ending it."""
    act((network_name, sender, deployments, factory_address, loan), "writeOff", "LoanWrittenOff", lambda e: (
        f"written off: principal {format_amount(e['principal'])}, interest {format_amount(e['interest'])}, "
        f"fees {format_amount(e['fees'])}"))


# ---------------------------------------------------------------- reading


@loan.command()
@_common
@LOAN
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of lines.")
def show(network_name, sender, deployments, factory_address, loan, as_json):
    """A facility: state, parties, terms, debt, pricing, ledger and observations (no key needed)."""
    session, contract = open_loan(network_name, sender, deployments, factory_address, loan)
    view = facility_view(session, contract)
    if as_json:
        click.echo(json.dumps(view, sort_keys=True, default=str))
        return
    for line in facility_lines(view):
        click.echo(line)


def facility_view(session: Session, contract) -> dict[str, Any]:
    """Everything `show` prints, read from the facility's views; past observations from its LoanObserved logs."""
    f = contract.functions
    terms, debt, pricing, ledger = (_fields(session, call) for call in (f.terms(), f.debt(), f.pricing(), f.ledger()))
    next_period = session.read(f.nextObservation())
    observations = observed_periods(contract, session.from_block("GreenLoanFactory"))
    return {"address": contract.address, "state": STATES.name(session.read(f.state())),
            "borrower": session.read(f.borrower()), "lender": session.read(f.lender()), "terms": terms, "debt": debt,
            "pricing": pricing, "ledger": ledger, "undrawn": session.read(f.undrawn()),
            "unlocked": session.read(f.unlocked()), "breaches": session.read(f.breaches()),
            "locked_up": session.read(f.lockedUp()), "next_observation": next_period, "observations": observations}


def observed_periods(contract, from_block: int = 0) -> dict[int, dict[str, Any]]:
    """Every observation of the facility, period -> its LoanObserved record (with its block), in block order: the
    facility keeps only the last one's summary (`lastObservation()`)."""
    logs = sorted(contract.events.LoanObserved().get_logs(from_block=from_block),
                  key=lambda log: (log["blockNumber"], log["logIndex"]))
    return {log["args"]["period"]: {**dict(log["args"]), "block": log["blockNumber"]} for log in logs}


def facility_lines(view: dict[str, Any]) -> list[str]:
    t, d, p, ledger = view["terms"], view["debt"], view["pricing"], view["ledger"]
    period_days = t["periodLength"] // 86_400
    lines = [
        f"loan        {view['address']}",
        f"state       {view['state']}",
        f"borrower    {view['borrower']}",
        f"lender      {view['lender']}",
        f"project     {t['projectId']}",
        f"commitment  {format_amount(t['commitment'])} (drawn {format_amount(ledger['drawn'])}, undrawn "
        f"{format_amount(view['undrawn'])}, unlocked {format_amount(view['unlocked'])})",
        f"schedule    {t['periods']} periods of {period_days} days from {format_time(t['startDate'])}, "
        f"{REPAYMENTS.name(t['repayment'])}; draws until {format_time(t['availabilityEnd'])}",
        f"rate        {pct(p['rateBps'])} = base {pct(t['baseRateBps'])} + margin {pct(p['marginBps'])} "
        f"(credit {pct(p['creditMarginBps'])}, ratchet {int(p['ratchetBps']):+d} bp)",
        f"score       PD {pct(p['scoreBps'])}, model version {p['modelVersion']}, computed "
        f"{format_time(p['scoreTimestamp'])}; repriced {format_time(p['repricedAt'])}",
        f"debt        {format_amount(d['total'])}: principal {format_amount(d['principal'])}, interest "
        f"{format_amount(d['interest'])}, fees {format_amount(d['fees'])}; overdue {format_amount(d['overdue'])}",
        f"received    {format_amount(ledger['received'])} (fees {format_amount(ledger['feesPaid'])}, interest "
        f"{format_amount(ledger['interestPaid'])}, principal {format_amount(ledger['principalPaid'])})",
        f"covenants   lock-up below {ratio(t['lockupDscrBps'])}, default below {ratio(t['defaultDscrBps'])} for "
        f"{t['defaultPeriods']} periods; breaches {view['breaches']}, locked up {'yes' if view['locked_up'] else 'no'}",
    ]
    lines += [observation_line(period, obs, obs["breaches"]) for period, obs in view["observations"].items()]
    return lines

