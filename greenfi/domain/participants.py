"""The participant kinds and refusal reasons of IParticipantRegistry, mirrored for Python callers."""

from __future__ import annotations

from enum import IntEnum

from greenfi.chain.contracts import BuildEnum, kebab
from greenfi.domain.units import format_date


class Kind(IntEnum):
    NONE = 0
    ENTERPRISE = 1
    BANK = 2
    INVESTOR = 3
    PROJECT_DEVELOPER = 4
    VERIFIER = 5
    ORACLE_OPERATOR = 6
    REGULATOR = 7
    AUDITOR = 8


class Reason(IntEnum):
    OK = 0
    NOT_REGISTERED = 1
    FROZEN = 2
    KYC_EXPIRED = 3
    JURISDICTION_RESTRICTED = 4
    WRONG_KIND = 5
    SYSTEM_PAUSED = 6


def jurisdiction(code: str) -> bytes:
    """An ISO 3166-1 alpha-2 code as the registry's bytes2."""
    if len(code) != 2 or not code.isascii() or not code.isupper():
        raise ValueError(f"jurisdiction must be two upper-case letters, got {code!r}")
    return code.encode()


# The enums as the CLI shows them, read from the build: `project-developer`, `not-registered`.
KINDS = BuildEnum("IParticipantRegistry.Kind", kebab)
REASONS = BuildEnum("IParticipantRegistry.Reason", kebab)


class RegistrableKinds(BuildEnum):
    """The kinds one can register as: every kind but `none`."""

    @property
    def members(self) -> tuple[str, ...]:
        return super().members[1:]

    def value(self, shown: str) -> int:
        return self.members.index(shown) + 1


REGISTRABLE = RegistrableKinds("IParticipantRegistry.Kind", kebab)


def participant_line(account: str, record: dict, standing: int) -> str:
    """One participant as `greenfi participant show|list` print it."""
    if record["kind"] == 0:
        return f"{account}  not registered"
    return (f"{account}  {KINDS.name(record['kind'])}  {bytes(record['jurisdiction']).decode(errors='replace')}  "
            f"KYC until {format_date(record['kycExpiry'])}  {'frozen' if record['frozen'] else 'not frozen'}  "
            f"may hold assets: {'yes' if standing == 0 else 'no, ' + REASONS.name(standing)}")
