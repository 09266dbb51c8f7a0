"""Carbon projects off chain: document names and the text of a project record and its history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from greenfi.chain.contracts import BuildEnum
from greenfi.domain.cai import CREDIT_CLASS, STATUS, _jurisdiction
from greenfi.domain.units import hex32
from greenfi.errors import InvalidValue

# A credit class as a command-line word: its initials (VerifiedEmissionReduction -> "ver").
CLASSES = BuildEnum("IProjectRegistry.CreditClass", lambda m: "".join(c for c in m if c.isupper()).lower())


# ---------------------------------------------------------------- pure parts


def document_name(text: str) -> bytes:
    """An ERC-1643 document name as bytes32: up to 32 ASCII characters, or 0x + 64 hex digits."""
    if text.startswith("0x") and len(text) == 66:
        try:
            return bytes.fromhex(text[2:])
        except ValueError:
            pass
    if not 0 < len(text) <= 32 or not text.isascii():
        raise InvalidValue(f"a document name is 1-32 ASCII characters or a 0x 32-byte value, got {text!r}")
    return text.encode().ljust(32, b"\0")


def name_text(raw: bytes) -> str:
    """A document name as written by `document_name`, or its hex when it is not printable text."""
    text = bytes(raw).rstrip(b"\0")
    return text.decode() if text and text.isascii() and text.decode().isprintable() else hex32(raw)


def _when(ts: int) -> str:
    return f"{datetime.fromtimestamp(ts, UTC):%Y-%m-%d %H:%M} UTC"


def project_row(project_id: int, info: list | tuple) -> str:
    developer, credit_class, status, code = info[:4]
    return (f"{project_id:>5}  {STATUS[status]:<10} {CREDIT_CLASS[credit_class]:<12} {_jurisdiction(code)}  "
            f"developer {developer}")



def project_lines(project_id: int, info: list | tuple, documents: list[dict[str, Any]],
                  history: list[dict[str, Any]]) -> list[str]:
    """`greenfi project show`: the record, its documents (name, hash, URI, time) and its status history."""
    developer, credit_class, status, code, methodology, version, location = info
    lines = [
        f"project      {project_id}",
        f"status       {STATUS[status]}",
        f"developer    {developer}",
        f"class        {CREDIT_CLASS[credit_class]}",
        f"jurisdiction {_jurisdiction(code)}",
        f"methodology  {hex32(methodology)} (version {hex32(version)})",
        f"location     {hex32(location)}",
        "documents",
    ]
    lines += [f"  {name_text(d['name'])}  {hex32(d['hash'])}  {d['uri']}  ({_when(d['modified'])})"
              for d in documents] or ["  none"]
    lines.append("history")
    lines += [f"  block {h['block']:>6}  {STATUS[h['from']]} -> {STATUS[h['to']]} by {h['actor']}"
              + (f" (evidence {hex32(h['evidence'])})" if any(h["evidence"]) else "") for h in history]
    return lines
