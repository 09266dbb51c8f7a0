"""`greenfi token`: the settlement token (tdCNY, 6 decimals): the bank mints it to participants,
holders transfer it, anyone reads a balance (SettlementToken, or the ERC-20 the deployment uses).

Refusals are the contract's: `ZeroAmount()`, `ComplianceRefused(0x…, NotRegistered)` (with the
command that registers the account), `NetworkPaused()`, `ERC20InsufficientBalance` (in tdCNY),
`AccessControlUnauthorizedAccount(0x…, MINTER_ROLE)`.
"""

from __future__ import annotations

import click

from greenfi.cli.connected import Session, open_session
from greenfi.cli.options import read_options, write_options
from greenfi.domain.units import format_amount, parse_address, parse_amount

AMOUNT = click.argument("amount", metavar="AMOUNT")



def _token(session: Session):
    return session.contract("SettlementToken")


@click.group("token")
def token() -> None:
    """The settlement token (tdCNY): mint (the bank), transfer, balance."""


def _pay_command(function: str, doc: str, done: str) -> None:
    """`token mint` and `token transfer`: TO and AMOUNT, one call, one line."""
    @write_options
    @click.argument("to", metavar="TO")
    @AMOUNT
    def command(network_name, sender, deployments, to, amount):
        to, base = parse_address(to, "TO"), parse_amount(amount)
        session = open_session(network_name, sender, deployments)
        session.send(getattr(_token(session).functions, function)(to, base), function)
        click.echo(done.format(amount=format_amount(base), sender=session.signer.address, to=to))

    command.__doc__ = doc
    token.command(function)(command)


_pay_command("mint", "Mint AMOUNT tdCNY to TO against a deposit received off chain (sent by the bank, MINTER_ROLE).",
             "minted {amount} tdCNY to {to}")
_pay_command("transfer", "Send AMOUNT tdCNY from the sender to TO.", "sent {amount} tdCNY from {sender} to {to}")


@token.command()
@read_options
@click.argument("account", metavar="ACCOUNT")
def balance(network_name, deployments, account):
    """ACCOUNT's balance in tdCNY."""
    account = parse_address(account, "ACCOUNT")
    session = open_session(network_name, deployments=deployments)
    click.echo(f"{account}: {format_amount(_token(session).functions.balanceOf(account).call())} tdCNY")
