"""`greenfi role`: the operational roles of the suite's contracts (AccessControl), granted and
revoked by the holder of the role's admin role, and read by anyone.

The admin (DEFAULT_ADMIN_ROLE) grants e.g. ModelRegistry's MODEL_OPERATOR_ROLE; a governed role
(RiskOracle's OPERATOR_ROLE, SettlementToken's MINTER_ROLE, ...: docs/governance.md) is granted by
GOVERNOR_ROLE, which on a timelocked deployment only the timelock holds: there the refusal names
`greenfi governance schedule CONTRACT grantRole ROLE ACCOUNT`. Refusals are the contract's:
`AccessControlUnauthorizedAccount(0x…, ADMIN_ROLE)`, `AccessControlEnforcedDefaultAdminRules()` for
the default admin (two-step transfer instead: docs/governance.md).
"""

from __future__ import annotations

import click

from greenfi.cli.connected import Session, open_session
from greenfi.cli.options import deployments_option, network_option, sender_option
from greenfi.domain.units import parse_address
from greenfi.errors import ConfigError


def _writes(fn):
    return network_option(sender_option(deployments_option(fn)))


CONTRACT = click.argument("contract_name", metavar="CONTRACT")
ROLE = click.argument("role_name", metavar="ROLE")
ACCOUNT = click.argument("account", metavar="ACCOUNT")


def _role(session: Session, contract_name: str, role_name: str) -> tuple[object, bytes]:
    """CONTRACT's handle and the id of its constant ROLE (e.g. MODEL_OPERATOR_ROLE)."""
    contract = session.contract(contract_name)
    if role_name == "DEFAULT_ADMIN_ROLE" or not role_name.endswith("_ROLE") or \
            not any(item.get("name") == role_name for item in contract.abi):
        roles = sorted(i["name"] for i in contract.abi if i.get("name", "").endswith("_ROLE")
                       and i.get("type") == "function" and i["name"] != "DEFAULT_ADMIN_ROLE")
        raise ConfigError(f"{contract_name} has no role {role_name}: one of {', '.join(roles) or 'none'}")
    return contract, session.read(getattr(contract.functions, role_name)())


def _change(verb: str, network_name, sender, deployments, contract_name, role_name, account) -> None:
    account = parse_address(account, "ACCOUNT")
    session = open_session(network_name, sender, deployments)
    contract, role_id = _role(session, contract_name, role_name)
    admin = session.read(contract.functions.getRoleAdmin(role_id))
    if admin == session.read(contract.functions.GOVERNOR_ROLE()) and \
            not session.read(contract.functions.hasRole(admin, session.signer.address)):
        raise ConfigError(f"{contract_name}.{role_name} is a governed role: schedule it through the timelock with "
                          f"`greenfi governance schedule --network {network_name} {contract_name} {verb}Role "
                          f"0x{bytes(role_id).hex()} {account}`")
    session.send(getattr(contract.functions, f"{verb}Role")(role_id, account), f"{verb}Role")
    click.echo(f"{'granted' if verb == 'grant' else 'revoked'} {contract_name}.{role_name} "
               f"{'to' if verb == 'grant' else 'from'} {account}")


@click.group("role")
def role() -> None:
    """Contract roles: grant and revoke (the role's admin), show (anyone)."""


@role.command()
@_writes
@CONTRACT
@ROLE
@ACCOUNT
def grant(network_name, sender, deployments, contract_name, role_name, account):
    """Grant CONTRACT's ROLE to ACCOUNT (sent by the holder of the role's admin role), e.g.
    `ModelRegistry MODEL_OPERATOR_ROLE`."""
    _change("grant", network_name, sender, deployments, contract_name, role_name, account)


@role.command()
@_writes
@CONTRACT
@ROLE
@ACCOUNT
def revoke(network_name, sender, deployments, contract_name, role_name, account):
    """Revoke CONTRACT's ROLE from ACCOUNT (sent by the holder of the role's admin role)."""
    _change("revoke", network_name, sender, deployments, contract_name, role_name, account)


@role.command()
@network_option
@deployments_option
@CONTRACT
@ROLE
@ACCOUNT
def show(network_name, deployments, contract_name, role_name, account):
    """Whether ACCOUNT holds CONTRACT's ROLE, and which role administers it (no key needed)."""
    account = parse_address(account, "ACCOUNT")
    session = open_session(network_name, None, deployments)
    contract, role_id = _role(session, contract_name, role_name)
    holds = session.read(contract.functions.hasRole(role_id, account))
    admin = session.read(contract.functions.getRoleAdmin(role_id))
    names = {session.read(getattr(contract.functions, i["name"])()): i["name"] for i in contract.abi
             if i.get("name", "").endswith("_ROLE") and i.get("type") == "function" and not i["inputs"]}
    click.echo(f"{account} {'holds' if holds else 'does not hold'} {contract_name}.{role_name} "
               f"(administered by {names.get(admin, '0x' + bytes(admin).hex())})")
