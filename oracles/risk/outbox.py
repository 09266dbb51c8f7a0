"""The persistent outbox: every batch is written (with the nonce it will use) BEFORE it is sent.

States of a batch:
    pending    written, nonce reserved, not known to be sent (or the daemon died around the send)
    sent       handed to the node; tx hash recorded
    confirmed  mined successfully (with enough confirmations): its scores are the subjects' last posted
    failed     reverted, or refused before sending; its scores will be re-evaluated next cycle
    dropped    its nonce was used by another transaction and its scores are not on chain

`posted` holds the last confirmed score per subject, which the post/skip policy compares against;
`explanations` the explanation documents (by SHA-256) of the scores the daemon selected to post, so
every `explanationHash` on chain can be resolved to the document it hashes.
SQLite with WAL and synchronous=FULL: a committed state survives a crash of the process or machine.
"""

from __future__ import annotations

import functools
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from greenfi.errors import GreenfiError
from oracles.risk.policy import LastPosted
from oracles.risk.scorer import ScoredRow

OPEN_STATES = ("pending", "sent")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'confirmed', 'failed', 'dropped')),
    sender TEXT NOT NULL,
    nonce INTEGER NOT NULL,
    model_version INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    expiry INTEGER NOT NULL,
    tx_hash TEXT,
    block INTEGER,
    error TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    position INTEGER NOT NULL,
    subject TEXT NOT NULL,
    score_bps INTEGER NOT NULL,
    input_hash TEXT NOT NULL,
    explanation_hash TEXT NOT NULL,
    PRIMARY KEY (batch_id, position)
);
CREATE INDEX IF NOT EXISTS items_subject ON items(subject);
CREATE TABLE IF NOT EXISTS explanations (
    hash TEXT PRIMARY KEY,
    document TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS posted (
    subject TEXT PRIMARY KEY,
    score_bps INTEGER NOT NULL,
    model_version INTEGER NOT NULL,
    timestamp INTEGER NOT NULL
);
"""


class OutboxError(GreenfiError):
    """The outbox database refused an operation (locked by another connection, unreadable, full).
    Nothing half-done is left behind: each write is one SQLite transaction."""


def _guarded(method):
    """sqlite3.OperationalError as an OutboxError naming the file: a one-line error for the CLI, and
    a failed cycle (retried, counted by the breaker) for the loop."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.OperationalError as exc:
            hint = "; another process holds it (one daemon per outbox)" if "locked" in str(exc) else ""
            raise OutboxError(f"outbox {self.path}: {exc}{hint}") from exc

    return wrapper


@dataclass(frozen=True)
class Batch:
    id: int
    state: str
    sender: str
    nonce: int
    model_version: int
    timestamp: int
    expiry: int
    tx_hash: str | None
    block: int | None
    items: list[ScoredRow]


class Outbox:
    @_guarded
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    # ------------------------------------------------------------------ writing

    @_guarded
    def add(self, sender: str, nonce: int, model_version: int, timestamp: int, expiry: int,
            items: list[ScoredRow]) -> Batch:
        """Record a new pending batch and its items in one transaction."""
        now = time.time()
        with self._transaction():
            cur = self._db.execute(
                "INSERT INTO batches (state, sender, nonce, model_version, timestamp, expiry, created, updated)"
                " VALUES ('pending', ?, ?, ?, ?, ?, ?, ?)",
                (sender, nonce, model_version, timestamp, expiry, now, now),
            )
            batch_id = cur.lastrowid
            self._db.executemany(
                "INSERT INTO items VALUES (?, ?, ?, ?, ?, ?)",
                [(batch_id, i, r.subject, r.score_bps, r.input_hash, r.explanation_hash) for i, r in enumerate(items)],
            )
        return self.get(batch_id)

    @_guarded
    def keep_explanations(self, documents: dict[str, str]) -> None:
        """Store explanation documents by hash (before the batches that reference them are recorded)."""
        with self._transaction():
            self._db.executemany("INSERT OR IGNORE INTO explanations VALUES (?, ?)", list(documents.items()))

    @_guarded
    def explanation(self, explanation_hash: str) -> str | None:
        row = self._db.execute("SELECT document FROM explanations WHERE hash = ?", (explanation_hash.lower(),)).fetchone()
        return None if row is None else row[0]

    @_guarded
    def mark_sent(self, batch_id: int, tx_hash: str) -> None:
        self._set(batch_id, "sent", tx_hash=tx_hash)

    @_guarded
    def mark_confirmed(self, batch_id: int, block: int | None, tx_hash: str | None = None) -> None:
        """Confirm the batch and make its scores the subjects' last posted ones (newer timestamps win)."""
        batch = self.get(batch_id)
        with self._transaction():
            self._set(batch_id, "confirmed", block=block, tx_hash=tx_hash or batch.tx_hash)
            self._db.executemany(
                "INSERT INTO posted VALUES (?, ?, ?, ?) ON CONFLICT(subject) DO UPDATE SET"
                " score_bps = excluded.score_bps, model_version = excluded.model_version,"
                " timestamp = excluded.timestamp WHERE excluded.timestamp > posted.timestamp",
                [(r.subject, r.score_bps, batch.model_version, batch.timestamp) for r in batch.items],
            )

    @_guarded
    def mark_failed(self, batch_id: int, error: str) -> None:
        self._set(batch_id, "failed", error=error[:2000])

    @_guarded
    def mark_dropped(self, batch_id: int) -> None:
        self._set(batch_id, "dropped", error="nonce used by another transaction; scores not on chain")

    @_guarded
    def remember(self, subject: str, last: LastPosted) -> None:
        """Record a score found on chain (e.g. after the outbox was lost) as the subject's last posted one."""
        self._db.execute(
            "INSERT INTO posted VALUES (?, ?, ?, ?) ON CONFLICT(subject) DO UPDATE SET"
            " score_bps = excluded.score_bps, model_version = excluded.model_version,"
            " timestamp = excluded.timestamp WHERE excluded.timestamp > posted.timestamp",
            (subject, last.score_bps, last.model_version, last.timestamp),
        )

    # ------------------------------------------------------------------ reading

    @_guarded
    def get(self, batch_id: int) -> Batch:
        row = self._db.execute(
            "SELECT id, state, sender, nonce, model_version, timestamp, expiry, tx_hash, block FROM batches WHERE id = ?",
            (batch_id,),
        ).fetchone()
        items = [
            ScoredRow(*r) for r in self._db.execute(
                "SELECT subject, score_bps, input_hash, explanation_hash FROM items WHERE batch_id = ? ORDER BY position",
                (batch_id,),
            )
        ]
        return Batch(*row, items=items)

    @_guarded
    def open_batches(self) -> list[Batch]:
        """Pending and sent batches, oldest nonce first."""
        ids = self._db.execute(
            "SELECT id FROM batches WHERE state IN ('pending', 'sent') ORDER BY nonce, id"
        ).fetchall()
        return [self.get(i) for (i,) in ids]

    @_guarded
    def in_flight_subjects(self) -> set[str]:
        return {s for (s,) in self._db.execute(
            "SELECT DISTINCT subject FROM items JOIN batches ON batches.id = items.batch_id"
            " WHERE batches.state IN ('pending', 'sent')"
        )}

    @_guarded
    def next_nonce(self, sender: str) -> int | None:
        """One past the highest nonce reserved by an open batch of `sender` (None when none is open)."""
        (top,) = self._db.execute(
            "SELECT MAX(nonce) FROM batches WHERE sender = ? AND state IN ('pending', 'sent')", (sender,)
        ).fetchone()
        return None if top is None else top + 1

    @_guarded
    def last_posted(self) -> dict[str, LastPosted]:
        return {s: LastPosted(score, version, ts) for s, score, version, ts in
                self._db.execute("SELECT subject, score_bps, model_version, timestamp FROM posted")}

    @_guarded
    def counts(self) -> dict[str, int]:
        """Items per batch state."""
        counts = dict.fromkeys(("pending", "sent", "confirmed", "failed", "dropped"), 0)
        for state, n in self._db.execute(
            "SELECT state, COUNT(*) FROM items JOIN batches ON batches.id = items.batch_id GROUP BY state"
        ):
            counts[state] = n
        return counts

    # ------------------------------------------------------------------ internals

    def _set(self, batch_id: int, state: str, **columns) -> None:
        assignments = ", ".join(f"{k} = ?" for k in columns)
        sql = f"UPDATE batches SET state = ?, updated = ?{', ' + assignments if columns else ''} WHERE id = ?"
        self._db.execute(sql, (state, time.time(), *columns.values(), batch_id))

    def _transaction(self):
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db

    def __enter__(self):
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb):
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
        return False
