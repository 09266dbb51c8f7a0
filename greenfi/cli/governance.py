"""`greenfi governance`: value-moving parameter changes through the deployment's timelock
(docs/governance.md).

    schedule CONTRACT FUNCTION [ARGS...]   queue the call; it becomes executable after the delay
    execute  CONTRACT FUNCTION [ARGS...]   run a queued call whose delay has passed
    cancel   CONTRACT FUNCTION [ARGS...]   drop a queued call
    status                                 every operation: id, state, ready time, decoded call

CONTRACT is a name in deployments/<chainId>.json, ARGS are the function's arguments as words
(numbers, 0x addresses, 0x bytes32). The sender must hold the timelock's PROPOSER_ROLE (schedule,
cancel) or EXECUTOR_ROLE (execute); refusals are the timelock's own errors, decoded
(`TimelockUnexpectedOperationState(0x…, 4)` for "not ready yet").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import click
from web3.contract import Contract

from greenfi.chain import governance
from greenfi.chain.session import Session, open_session
from greenfi.cli.options import deployments_option, network_option, sender_option
from greenfi.domain.units import format_time

salt_option = click.option("--salt", help="Tells apart identical calls: 0x + 64 hex digits or any text (default 0).")


def _when(ts: int) -> str:
    # The timelock answers 0 for an unknown (or cancelled) operation and 1 for a done one.
    return format_time(ts) if ts > 1 else "-"


@click.group("governance")
def governance_cli() -> None:
    """Schedule, execute and list parameter changes through the deployment's TimelockController."""


@dataclass(frozen=True)
class TimelockedCall:
    """One call named on the command line, encoded for the deployment's timelock."""

    session: Session
    timelock: Contract
    contract: str
    target: str
    data: bytes
    salt: bytes

    def operation(self) -> tuple:
        """The timelock's (target, value, data, predecessor, salt) of this call."""
        return self.target, 0, self.data, governance.ZERO_BYTES32, self.salt

    def operation_id(self) -> bytes:
        return bytes(self.session.read(self.timelock.functions.hashOperation(*self.operation())))

    def shown(self) -> str:
        return governance.describe((self.contract, self.session.contract(self.contract)), self.data)


def timelocked_call(command):
    """Give `command` the options and arguments that name one call (network, sender, record, salt,
    CONTRACT FUNCTION [ARGS...]) and call it with the encoded TimelockedCall."""

    @functools.wraps(command)
    def run(network_name: str, sender: str | None, deployments: Path | None, salt: str | None,
            contract: str, function: str, args: tuple[str, ...]) -> None:
        session = open_session(network_name, sender, deployments)
        target = session.contract(contract)
        command(TimelockedCall(session, session.contract(governance.TIMELOCK), contract, target.address,
                               governance.encode_call(target, function, list(args)), governance.salt_of(salt)))

    for decorator in reversed((governance_cli.command(), network_option, sender_option, deployments_option,
                               salt_option, click.argument("contract"), click.argument("function"),
                               click.argument("args", nargs=-1))):
        run = decorator(run)
    return run


@timelocked_call
def schedule(call: TimelockedCall) -> None:
    """Queue CONTRACT.FUNCTION(ARGS) on the timelock with its minimum delay. Caller: PROPOSER_ROLE."""
    delay = call.session.read(call.timelock.functions.getMinDelay())
    call.session.send(call.timelock.functions.schedule(*call.operation(), delay))
    ready_at = call.session.read(call.timelock.functions.getTimestamp(call.operation_id()))
    click.echo(f"scheduled {call.shown()}")
    click.echo(f"operation 0x{call.operation_id().hex()} ready at {_when(ready_at)}")


@timelocked_call
def execute(call: TimelockedCall) -> None:
    """Run a queued CONTRACT.FUNCTION(ARGS) whose delay has passed. Caller: EXECUTOR_ROLE."""
    call.session.send(call.timelock.functions.execute(*call.operation()))
    click.echo(f"executed {call.shown()}")


@timelocked_call
def cancel(call: TimelockedCall) -> None:
    """Drop a queued CONTRACT.FUNCTION(ARGS). Caller: CANCELLER_ROLE (the proposers)."""
    call.session.send(call.timelock.functions.cancel(call.operation_id()))
    click.echo(f"cancelled operation 0x{call.operation_id().hex()}")


@governance_cli.command()
@network_option
@deployments_option
def status(network_name: str, deployments: Path | None) -> None:
    """The timelock's delay and every operation scheduled on it, with its state and decoded call."""
    session = open_session(network_name, deployments=deployments)
    timelock = session.contract(governance.TIMELOCK)
    click.echo(f"timelock {timelock.address}, minimum delay {session.read(timelock.functions.getMinDelay())} s")
    targets = {name: session.contract(name) for name in session.record.contracts
               if not session.record.get(name).external}
    ops = governance.operations(timelock, targets, session.from_block(governance.TIMELOCK))
    if not ops:
        click.echo("no operations")
    for op in ops:
        click.echo(f"{op.id}  {op.state:8} ready {_when(op.ready_at)}  {op.call}")
