"""Units and values of the command line and the reports: addresses, times, settlement amounts and
jurisdictions. One parser per kind of value, so every command accepts the same forms.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from web3 import Web3

from greenfi.errors import ConfigError, InvalidValue

DECIMALS = 6  # settlement token
UNIT = 10**DECIMALS


def parse_address(value: str, label: str) -> str:
    if not Web3.is_address(value):
        raise ConfigError(f"{label} is not an address: {value}")
    return Web3.to_checksum_address(value)


def parse_time(value: str, label: str = "time") -> int:
    """Unix seconds, or an ISO 8601 date (00:00 UTC) or date-time (UTC unless it names an offset)."""
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"{label} must be unix seconds or an ISO 8601 date/time, got {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())




def format_time(seconds: int) -> str:
    if not seconds:
        return "-"
    return f"{datetime.fromtimestamp(seconds, UTC):%Y-%m-%d %H:%M:%S} UTC ({seconds})"


def format_date(seconds: int) -> str:
    """A date for a one-line reply: `2027-01-01` at midnight UTC, else the minute."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return f"{moment:%Y-%m-%d}" if (moment.hour, moment.minute, moment.second) == (0, 0, 0) else f"{moment:%Y-%m-%d %H:%M} UTC"


def parse_amount(text: str) -> int:
    """`1250.5` settlement-token units → base units (6 decimals), refusing finer amounts."""
    return parse_scaled(text, UNIT, f"amount must be positive with at most {DECIMALS} decimals")


def parse_scaled(text: str, scale: int, rule: str, zero_allowed: bool = False) -> int:
    """A decimal number (`1,250.5`) times `scale` as an integer; `rule` words the refusal of a
    negative (or zero, unless allowed) value or one finer than 1/scale."""
    try:
        value = Decimal(text.replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise InvalidValue(f"not a number: {text!r}") from None
    scaled = value * scale
    if value < 0 or (value == 0 and not zero_allowed) or scaled != scaled.to_integral_value():
        raise InvalidValue(f"{rule}: {text!r}")
    return int(scaled)


def format_amount(base_units: int) -> str:
    whole, frac = divmod(int(base_units), UNIT)
    return f"{whole:,}.{frac:0{DECIMALS}d}"


def parse_code(value: str, label: str) -> bytes:
    """A two-letter jurisdiction as bytes2; the contract itself refuses codes that are not upper case."""
    if len(value) != 2 or not value.isascii():
        raise InvalidValue(f"a jurisdiction is two letters (ISO 3166-1 alpha-2), got {value!r}",
                           param_hint=label)
    return value.encode()


def hex32(value: bytes) -> str:
    return "0x" + bytes(value).hex()
