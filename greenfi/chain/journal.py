"""What this process sent: every transaction greenfi signs is noted here when it is sent and when it
is mined, so a command interrupted by Ctrl-C can say what it did (greenfi.cli.interrupt), and a long
command can show each transaction as it goes (`listen`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Sent:
    label: str
    tx_hash: str
    block: int | None = None  # None: not known to be mined

    def line(self) -> str:
        state = f"mined in block {self.block}" if self.block is not None else "sent, not yet mined"
        return f"{self.label}: {self.tx_hash} ({state})"


_sent: list[Sent] = []
_listeners: list[Callable[[Sent], None]] = []


def sent(label: str, tx_hash) -> Sent:
    """Note a transaction just sent."""
    entry = Sent(label, _hex(tx_hash))
    _sent.append(entry)
    _tell(entry)
    return entry


def mined(entry: Sent, block: int) -> None:
    entry.block = block
    _tell(entry)


def entries() -> list[Sent]:
    return list(_sent)


def listen(listener: Callable[[Sent], None]) -> Callable[[], None]:
    """Call `listener` on every transaction sent and mined from now on; returns the function that stops it."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


def reset() -> None:
    """Forget what was sent (a new command in the same process, as in tests)."""
    _sent.clear()


def _hex(tx_hash) -> str:
    """0x-prefixed hex of a hash given as bytes or text (web3 is not imported: `greenfi networks` stays light)."""
    text = bytes(tx_hash).hex() if isinstance(tx_hash, (bytes, bytearray)) else str(tx_hash)
    return "0x" + text.removeprefix("0x")


def _tell(entry: Sent) -> None:
    for listener in list(_listeners):
        listener(entry)
