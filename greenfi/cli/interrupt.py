"""Ctrl-C: what an interrupted command did and how to resume it, then exit status 130.

Every transaction the command sent is listed with its hash and whether it was mined
(greenfi.chain.journal). A command that knows how to resume says so with `resume_with` (deploy: run it
again, the record keeps what is deployed; simulate-devices: the row and sequence to continue from);
`note` adds what it did besides transactions (readings posted)."""

from __future__ import annotations

import shlex
import sys

from greenfi.chain import journal

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports it

_notes: list[str] = []
_resume: list[str] = []


def note(line: str) -> None:
    _notes.append(line)


def resume_with(text: str) -> None:
    """How to resume this command; the latest word wins."""
    _resume[:] = [text]


def reset() -> None:
    """A new command starts (the CLI also runs in-process, in tests)."""
    journal.reset()
    _notes.clear()
    _resume.clear()


def report(argv: list[str] | None = None) -> list[str]:
    """The lines printed on Ctrl-C."""
    sent = journal.entries()
    lines = [f"interrupted: {len(sent)} transaction(s) sent" + (":" if sent else ".")]
    lines += [f"  {entry.line()}" for entry in sent]
    lines += [f"  {line}" for line in _notes]
    pending = [e for e in sent if e.block is None]
    if pending:
        lines.append("a transaction not yet mined may still be: look its hash up before sending it again")
    command = "greenfi " + shlex.join(sys.argv[1:] if argv is None else argv)
    lines.append(f"resume: {_resume[0] if _resume else f'check the state, then run `{command}` again'}")
    return lines
