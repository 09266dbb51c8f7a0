"""What every command that talks to the chain shares: it opens one greenfi.chain.session.Session
from --network, --from, --deployments and --rpc-url, and reports each mined transaction the same way."""

from __future__ import annotations

import click

from greenfi.chain.session import Session, open_session

__all__ = ["Session", "open_session", "send"]


def send(session: Session, call, label: str | None = None) -> dict:
    """Send `call` through `session` and print the line every write command prints for it."""
    receipt = session.send(call, label)
    click.echo(f"mined in block {receipt['blockNumber']}, gas {receipt['gasUsed']:,}")
    return receipt


def send_paying(session: Session, call, token, amount: int, label: str | None = None) -> dict:
    """`send` for a call that pulls `amount` of `token`: simulated with that allowance first, the approval
    sent only after the simulation succeeded (Session.send_paying); a line for each transaction."""
    def mined(receipt: dict) -> None:
        click.echo(f"mined in block {receipt['blockNumber']}, gas {receipt['gasUsed']:,}")

    receipt = session.send_paying(call, token, amount, label, on_sent=mined)
    mined(receipt)
    return receipt
