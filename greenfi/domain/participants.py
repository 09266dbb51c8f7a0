"""The participant kinds and refusal reasons of IParticipantRegistry, mirrored for Python callers."""

from __future__ import annotations

from enum import IntEnum


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
