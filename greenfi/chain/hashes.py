"""Off-chain values as the bytes32 the contracts store: documents, free text and given hashes.

Free text (methodology, location, reasons, statements, names) stays off chain; only its keccak256
is sent, and a 0x-prefixed 32-byte value is taken as an already computed hash.
"""

from __future__ import annotations

from pathlib import Path

from eth_utils import keccak

from greenfi.errors import ConfigError

ZERO_HASH = b"\0" * 32


def parse_bytes32(value: str, label: str) -> bytes:
    """A 0x-prefixed 32-byte hex value."""
    body = value[2:] if value.startswith(("0x", "0X")) else None
    if body is None or len(body) != 64:
        raise ConfigError(f"{label} must be 0x followed by 64 hex digits, got {value!r}")
    try:
        return bytes.fromhex(body)
    except ValueError:
        raise ConfigError(f"{label} must be 0x followed by 64 hex digits, got {value!r}") from None


def text_hash(value: str) -> bytes:
    """keccak256 of `value` as UTF-8, unless it already is a 0x-prefixed 32-byte hash."""
    if value.startswith("0x") and len(value) == 66:
        return parse_bytes32(value, "hash")
    return keccak(text=value)


def file_hash(path: Path) -> bytes:
    """keccak256 of a document's bytes (the report published off chain)."""
    try:
        return keccak(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None


def digest(value: str) -> bytes:
    """bytes32 of a document or a text: a 0x 32-byte hash as is, a file by its bytes, else the text."""
    path = Path(value)
    return file_hash(path) if path.is_file() else text_hash(value)


def optional_digest(value: str | None) -> bytes:
    return ZERO_HASH if value is None else digest(value)
