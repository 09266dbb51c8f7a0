"""`greenfi participant` and `greenfi network`: the regulator's participant registry and system-wide
pause (ParticipantRegistry). Every write is sent by REGULATOR_ROLE; the reads need no key.

Refusals are the contract's: `AlreadyRegistered(0x…)`, `NotRegistered(0x…)`, `InvalidJurisdiction`,
`KycExpiryNotInFuture` (with the date), `FrozenStateUnchanged(0x…, True)`, `EnforcedPause()`,
`ExpectedPause()`, `AccessControlUnauthorizedAccount(0x…, REGULATOR_ROLE)`.
"""

from __future__ import annotations

import click

from greenfi.chain.contracts import fields
from greenfi.chain.hashes import optional_digest
from greenfi.cli.connected import Session, open_session
from greenfi.cli.options import EnumChoice, read_options, write_options
from greenfi.domain.participants import REGISTRABLE, participant_line
from greenfi.domain.units import format_date, parse_address, parse_code, parse_time
from greenfi.errors import GreenfiError

ACCOUNT = click.argument("account", metavar="ACCOUNT")
KIND = click.option("--kind", required=True, type=EnumChoice(REGISTRABLE), help="What the participant is.")
JURISDICTION = click.option("--jurisdiction", required=True, help="ISO 3166-1 alpha-2 code, e.g. CN.")




def _registry(session: Session):
    return session.contract("ParticipantRegistry")


@click.group("participant")
def participant() -> None:
    """The regulator's participant registry: register, update, kyc, freeze, unfreeze, remove, show, list."""


@participant.command()
@write_options
@ACCOUNT
@KIND
@JURISDICTION
@click.option("--kyc-expiry", required=True, metavar="TIME", help="KYC valid strictly before this date/time.")
def register(network_name, sender, deployments, account, kind, jurisdiction, kyc_expiry):
    """Register ACCOUNT as a participant of KIND (sent by the regulator)."""
    account = parse_address(account, "ACCOUNT")
    code, expiry = parse_code(jurisdiction, "--jurisdiction"), parse_time(kyc_expiry, "--kyc-expiry")
    session = open_session(network_name, sender, deployments)
    session.send(_registry(session).functions.register(account, REGISTRABLE.value(kind), code, expiry), "register")
    click.echo(f"registered {account} as {kind} in {jurisdiction}, KYC valid until {format_date(expiry)}")


@participant.command()
@write_options
@ACCOUNT
@KIND
@JURISDICTION
def update(network_name, sender, deployments, account, kind, jurisdiction):
    """Change a participant's kind and jurisdiction (sent by the regulator)."""
    account, code = parse_address(account, "ACCOUNT"), parse_code(jurisdiction, "--jurisdiction")
    session = open_session(network_name, sender, deployments)
    session.send(_registry(session).functions.update(account, REGISTRABLE.value(kind), code), "update")
    click.echo(f"updated {account}: {kind} in {jurisdiction}")


@participant.command()
@write_options
@ACCOUNT
@click.option("--expiry", required=True, metavar="TIME", help="The new KYC expiry (in the future).")
def kyc(network_name, sender, deployments, account, expiry):
    """Renew a participant's KYC after a review (sent by the regulator)."""
    account, when = parse_address(account, "ACCOUNT"), parse_time(expiry, "--expiry")
    session = open_session(network_name, sender, deployments)
    session.send(_registry(session).functions.renewKyc(account, when), "renewKyc")
    click.echo(f"KYC of {account} valid until {format_date(when)}")


@participant.command()
@write_options
@ACCOUNT
@click.option("--reason", metavar="TEXT|FILE|HASH", help="The decision (court order, listing), hashed into the event.")
def freeze(network_name, sender, deployments, account, reason):
    """Freeze a participant: it neither sends nor receives value (sent by the regulator)."""
    account = parse_address(account, "ACCOUNT")
    session = open_session(network_name, sender, deployments)
    session.send(_registry(session).functions.freeze(account, optional_digest(reason)), "freeze")
    click.echo(f"froze {account}")


def _account_command(name: str, function: str, done: str, doc: str) -> None:
    @write_options
    @ACCOUNT
    def command(network_name, sender, deployments, account):
        account = parse_address(account, "ACCOUNT")
        session = open_session(network_name, sender, deployments)
        session.send(getattr(_registry(session).functions, function)(account), function)
        click.echo(f"{done} {account}")

    command.__doc__ = doc
    participant.command(name)(command)


_account_command("unfreeze", "unfreeze", "unfroze", "Lift a participant's freeze (sent by the regulator).")
_account_command("remove", "remove", "removed", "Remove a participant from the network (sent by the regulator).")


@participant.command()
@read_options
@ACCOUNT
def show(network_name, deployments, account):
    """A participant's kind, jurisdiction, KYC expiry, freeze, and whether it may hold assets now."""
    account = parse_address(account, "ACCOUNT")
    registry = _registry(open_session(network_name, deployments=deployments)).functions
    record = fields(registry.participant(account))
    if record["kind"] == 0:
        raise GreenfiError(f"NotRegistered({account}): the regulator registers it with `greenfi participant register "
                           f"{account} --kind KIND --jurisdiction CC --kyc-expiry YYYY-MM-DD`")
    click.echo(participant_line(account, record, registry.canHold(account).call()))


@participant.command("list")
@read_options
def list_participants(network_name, deployments):
    """Every registered participant (from the registry's events), with its standing now."""
    session = open_session(network_name, deployments=deployments)
    registry = _registry(session)
    start = session.from_block("ParticipantRegistry")
    accounts = dict.fromkeys(log["args"]["account"] for log in
                             registry.events.ParticipantRegistered().get_logs(from_block=start))
    shown = 0
    for account in accounts:
        record = fields(registry.functions.participant(account))
        if record["kind"]:  # removed ones are gone
            click.echo(participant_line(account, record, registry.functions.canHold(account).call()))
            shown += 1
    if not shown:
        click.echo("no participants registered")


# ---------------------------------------------------------------- the system-wide pause


@click.group("network")
def network() -> None:
    """The regulator's system-wide pause and jurisdiction restrictions: pause, unpause, restrict, status."""


def _pause_command(name: str, doc: str) -> None:
    @write_options
    def command(network_name, sender, deployments):
        session = open_session(network_name, sender, deployments)
        session.send(getattr(_registry(session).functions, name)(), name)
        click.echo(f"network {name}d on chain {session.chain_id}: every instrument "
                   + ("refuses to move value (NetworkPaused)" if name == "pause" else "runs again"))

    command.__doc__ = doc
    network.command(name)(command)


_pause_command("pause", "Stop every instrument of the network (sent by the regulator).")
_pause_command("unpause", "Resume the network after a pause (sent by the regulator).")


@network.command()
@write_options
@click.argument("jurisdiction", metavar="CC")
@click.option("--lift", is_flag=True, help="Lift the restriction instead.")
def restrict(network_name, sender, deployments, jurisdiction, lift):
    """Restrict every participant of jurisdiction CC: none may hold or move assets (sent by the regulator);
    --lift lifts it."""
    code = parse_code(jurisdiction, "CC")
    session = open_session(network_name, sender, deployments)
    session.send(_registry(session).functions.setJurisdictionRestricted(code, not lift), "setJurisdictionRestricted")
    click.echo(f"restriction on {jurisdiction} lifted" if lift else
               f"jurisdiction {jurisdiction} restricted: its participants may not hold or move assets")


@network.command()
@read_options
def status(network_name, deployments):
    """Whether the network is paused, and the deployment's contracts."""
    session = open_session(network_name, deployments=deployments)
    paused = _registry(session).functions.paused().call()
    names = ", ".join(sorted(session.record.contracts))
    click.echo(f"chain {session.chain_id}: {'PAUSED' if paused else 'running'}; contracts: {names}")
