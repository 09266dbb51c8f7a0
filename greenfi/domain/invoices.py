"""The canonical form of an invoice, so the voucher's double-financing guard sees one invoice as one
hash however it was encoded.

An invoice is a JSON object. Its hash is keccak256 of the UTF-8 bytes of the compact JSON (sorted
keys, no spaces) of exactly these fields, normalized:

    number      the invoice number: NFKC, all whitespace removed, upper case
    seller      the seller's tax id (e.g. a USCC): NFKC, whitespace and hyphens removed, upper case
    buyer       the buyer's tax id, as the seller's
    issue_date  ISO 8601 date YYYY-MM-DD (from YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD,
                YYYY年M月D日 or an ISO date-time, whose date part is kept)
    currency    ISO 4217 code, upper case
    total       integer base units, 6 decimals (1 250.50 -> 1250500000), from an integer, a JSON
                number or a string with optional thousands separators (",", "_", " ")

Field names are matched case-insensitively with spaces and hyphens read as underscores; any other
field (notes, line items, layout) is left out of the hash. See docs/vouchers.md for what this
catches and what it cannot.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from eth_utils import keccak

from greenfi.errors import ConfigError

DECIMALS = 6  # the settlement token's, so an invoice total compares with a voucher amount
FIELDS = ("number", "seller", "buyer", "issue_date", "currency", "total")

_DATE_FORMS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
)


class InvoiceError(ConfigError):
    """An invoice that has no canonical form: a field missing or malformed."""


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise InvoiceError(f"invoice {field} must be text, got {value!r}")
    return unicodedata.normalize("NFKC", value)


def _identifier(value: Any, field: str, drop: str) -> str:
    text = re.sub(drop, "", _text(value, field)).upper()
    if not text:
        raise InvoiceError(f"invoice {field} is empty")
    return text


def _date(value: Any) -> str:
    text = _text(value, "issue_date").strip()
    for form in _DATE_FORMS:
        match = form.fullmatch(text)
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups())).isoformat()
            except ValueError:
                break
    raise InvoiceError(f"invoice issue_date is not a date (YYYY-MM-DD and the forms docs/vouchers.md lists): {value!r}")


def _currency(value: Any) -> str:
    code = _text(value, "currency").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise InvoiceError(f"invoice currency must be a 3-letter ISO 4217 code, got {value!r}")
    return code


def _base_units(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise InvoiceError(f"invoice total must be a number, got {value!r}")
    text = re.sub(r"[,_\s]", "", unicodedata.normalize("NFKC", value)) if isinstance(value, str) else value
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InvoiceError(f"invoice total is not a number: {value!r}") from None
    units = amount.scaleb(DECIMALS)
    if not amount.is_finite() or units != units.to_integral_value() or units < 0:
        raise InvoiceError(f"invoice total must be >= 0 with at most {DECIMALS} decimals, got {value!r}")
    return int(units)


def canonical_invoice(invoice: dict[str, Any]) -> dict[str, Any]:
    """The six hashed fields of `invoice`, normalized (see the module docstring)."""
    by_name = {re.sub(r"[\s-]+", "_", str(k).strip().lower()): v for k, v in invoice.items()}
    missing = [f for f in FIELDS if f not in by_name]
    if missing:
        raise InvoiceError(f"invoice lacks {', '.join(missing)}")
    return {
        "number": _identifier(by_name["number"], "number", r"\s"),
        "seller": _identifier(by_name["seller"], "seller", r"[\s-]"),
        "buyer": _identifier(by_name["buyer"], "buyer", r"[\s-]"),
        "issue_date": _date(by_name["issue_date"]),
        "currency": _currency(by_name["currency"]),
        "total": _base_units(by_name["total"]),
    }


def canonical_bytes(invoice: dict[str, Any]) -> bytes:
    """The bytes that are hashed: compact JSON with sorted keys, UTF-8."""
    return json.dumps(canonical_invoice(invoice), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def invoice_hash(invoice: dict[str, Any]) -> bytes:
    """keccak256 of the canonical bytes: the invoice hash a voucher is issued against."""
    return keccak(canonical_bytes(invoice))


def invoice_file_hash(path: Path) -> bytes:
    """The canonical hash of a JSON invoice file (UTF-8, a byte-order mark allowed)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"), parse_float=Decimal)
    except OSError as exc:
        raise InvoiceError(f"cannot read {path}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvoiceError(f"{path} is not a JSON invoice: {exc}") from None
    if not isinstance(data, dict):
        raise InvoiceError(f"{path} is not a JSON object")
    return invoice_hash(data)
