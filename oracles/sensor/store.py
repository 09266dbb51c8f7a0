"""SQLite persistence of the sensor oracle: nothing is acknowledged before it is committed here.

Tables
    readings      accepted readings; (device_id, sequence) is the primary key, so a replay can
                  never be stored twice; batch_id is set when the reading is cut into a batch
    device_heads  the last accepted sequence and period end per device (ordering checks in O(1))
    rejections    every rejected or flagged reading with its reason, for audit
    batches       the outbox: a batch's root, totals and content hash, then its anchoring state
                  (built → sending with its nonce → sent with its tx hash → anchored), so a
                  restart resumes it without sending it twice

WAL mode with synchronous=FULL: a committed reading survives kill -9 and power loss.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from oracles.codec import SignedReading
from oracles.readings import Reading

SCHEMA = """
CREATE TABLE IF NOT EXISTS readings (
    device_id    BLOB    NOT NULL,
    sequence     INTEGER NOT NULL,
    period_start INTEGER NOT NULL,
    period_end   INTEGER NOT NULL,
    energy_wh    INTEGER NOT NULL,
    signature    BLOB    NOT NULL,
    leaf         BLOB    NOT NULL,
    project_id   INTEGER NOT NULL,
    received_at  REAL    NOT NULL,
    batch_id     INTEGER,
    PRIMARY KEY (device_id, sequence)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS readings_unbatched ON readings (project_id, received_at) WHERE batch_id IS NULL;
CREATE INDEX IF NOT EXISTS readings_by_batch ON readings (batch_id) WHERE batch_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS device_heads (
    device_id  BLOB PRIMARY KEY,
    sequence   INTEGER NOT NULL,
    period_end INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rejections (
    id          INTEGER PRIMARY KEY,
    received_at REAL NOT NULL,
    device_id   BLOB,
    sequence    INTEGER,
    reason      TEXT NOT NULL,
    detail      TEXT,
    flagged     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS batches (
    id             INTEGER PRIMARY KEY,
    project_id     INTEGER NOT NULL,
    window_start   INTEGER NOT NULL,
    window_end     INTEGER NOT NULL,
    root           BLOB    NOT NULL UNIQUE,
    total_wh       INTEGER NOT NULL,
    reading_count  INTEGER NOT NULL,
    content_hash   BLOB    NOT NULL,
    status         TEXT    NOT NULL DEFAULT 'built',
    tx_hash        BLOB,
    nonce          INTEGER,
    attempts       INTEGER NOT NULL DEFAULT 0,
    sent_at        REAL,
    created_at     REAL    NOT NULL,
    anchored_at    REAL
);
"""


@dataclass(frozen=True, slots=True)
class Head:
    sequence: int
    period_end: int


@dataclass(frozen=True, slots=True)
class StoredBatch:
    id: int
    project_id: int
    window_start: int
    window_end: int
    root: bytes
    total_wh: int
    reading_count: int
    content_hash: bytes
    status: str
    tx_hash: bytes | None
    nonce: int | None
    attempts: int
    sent_at: float | None


class Store:
    """One SQLite database; a lock serialises writers so device heads stay consistent."""

    def __init__(self, path: Path | str, busy_timeout_s: float = 5.0):
        """`busy_timeout_s`: how long a write waits for another connection's lock before it fails
        with `sqlite3.OperationalError: database is locked` (the daemon then backs off)."""
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, timeout=busy_timeout_s, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self.lock = threading.RLock()

    def close(self) -> None:
        with self.lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT under the writer lock; ROLLBACK on any exception."""
        with self.lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # ------------------------------------------------------------------ readings

    def heads(self, device_ids: Iterable[bytes]) -> dict[bytes, Head]:
        ids = list(set(device_ids))
        found: dict[bytes, Head] = {}
        with self.lock:
            for start in range(0, len(ids), 500):  # SQLite's bound-parameter limit
                chunk = ids[start:start + 500]
                rows = self._db.execute(
                    f"SELECT device_id, sequence, period_end FROM device_heads WHERE device_id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
                found.update({row[0]: Head(row[1], row[2]) for row in rows})
        return found

    @staticmethod
    def insert_accepted(db: sqlite3.Connection, accepted: list[tuple[SignedReading, int]], now: float) -> None:
        """Insert (signed reading, project id) pairs and move their devices' heads forward."""
        db.executemany(
            "INSERT INTO readings (device_id, sequence, period_start, period_end, energy_wh, signature, leaf,"
            " project_id, received_at) VALUES (?,?,?,?,?,?,?,?,?)",
            [
                (r.device_id, r.sequence, r.period_start, r.period_end, r.energy_wh, sig, signed.leaf(), project, now)
                for signed, project in accepted
                for r, sig in (signed,)
            ],
        )
        last: dict[bytes, Reading] = {}
        for signed, _ in accepted:
            last[signed.reading.device_id] = signed.reading
        db.executemany(
            "INSERT INTO device_heads (device_id, sequence, period_end) VALUES (?,?,?) "
            "ON CONFLICT(device_id) DO UPDATE SET sequence=excluded.sequence, period_end=excluded.period_end",
            [(d, r.sequence, r.period_end) for d, r in last.items()],
        )

    @staticmethod
    def insert_rejections(db: sqlite3.Connection, rows: list[tuple[bytes | None, int | None, str, str, bool]],
                          now: float) -> None:
        db.executemany(
            "INSERT INTO rejections (received_at, device_id, sequence, reason, detail, flagged) VALUES (?,?,?,?,?,?)",
            [(now, d, s, reason, detail, int(flagged)) for d, s, reason, detail, flagged in rows],
        )

    def recent_readings(self, device_id: bytes, since: int) -> list[tuple[int, int, int]]:
        """(period start, period end, energy Wh) of a device's accepted readings starting at or after `since`."""
        with self.lock:
            return self._db.execute(
                "SELECT period_start, period_end, energy_wh FROM readings WHERE device_id = ? AND period_start >= ?"
                " ORDER BY sequence", (device_id, since)).fetchall()

    def reading_count(self, batched: bool | None = None) -> int:
        where = {None: "", True: " WHERE batch_id IS NOT NULL", False: " WHERE batch_id IS NULL"}[batched]
        with self.lock:
            return self._db.execute(f"SELECT COUNT(*) FROM readings{where}").fetchone()[0]

    def rejection_counts(self) -> dict[str, int]:
        with self.lock:
            return dict(self._db.execute("SELECT reason, COUNT(*) FROM rejections GROUP BY reason"))

    def energy_by_device(self, batched_only: bool = False) -> dict[bytes, int]:
        where = " WHERE batch_id IS NOT NULL" if batched_only else ""
        with self.lock:
            return dict(self._db.execute(f"SELECT device_id, SUM(energy_wh) FROM readings{where} GROUP BY device_id"))

    # ------------------------------------------------------------------ batches

    def pending_projects(self) -> list[tuple[int, int, float]]:
        """(project, unbatched readings, oldest received_at) for projects with unbatched readings."""
        with self.lock:
            return list(self._db.execute(
                "SELECT project_id, COUNT(*), MIN(received_at) FROM readings WHERE batch_id IS NULL GROUP BY project_id"
            ))

    @staticmethod
    def unbatched(db: sqlite3.Connection, project_id: int, limit: int) -> list[SignedReading]:
        rows = db.execute(
            "SELECT device_id, sequence, period_start, period_end, energy_wh, signature FROM readings"
            " WHERE project_id = ? AND batch_id IS NULL ORDER BY received_at, device_id, sequence LIMIT ?",
            (project_id, limit),
        )
        return [SignedReading(Reading(d, s, ps, pe, e), sig) for d, s, ps, pe, e, sig in rows]

    @staticmethod
    def insert_batch(db: sqlite3.Connection, project_id: int, readings: list[SignedReading], root: bytes,
                     content_hash: bytes, now: float) -> int:
        starts = [r.reading.period_start for r in readings]
        ends = [r.reading.period_end for r in readings]
        cur = db.execute(
            "INSERT INTO batches (project_id, window_start, window_end, root, total_wh, reading_count, content_hash,"
            " created_at) VALUES (?,?,?,?,?,?,?,?)",
            (project_id, min(starts), max(ends), root, sum(r.reading.energy_wh for r in readings), len(readings),
             content_hash, now),
        )
        batch_id = cur.lastrowid
        db.executemany(
            "UPDATE readings SET batch_id = ? WHERE device_id = ? AND sequence = ?",
            [(batch_id, r.reading.device_id, r.reading.sequence) for r in readings],
        )
        return batch_id

    def batch(self, batch_id: int) -> StoredBatch | None:
        with self.lock:
            row = self._db.execute(f"SELECT {_BATCH_COLUMNS} FROM batches WHERE id = ?", (batch_id,)).fetchone()
        return StoredBatch(*row) if row else None

    def batches(self, status: str | None = None) -> list[StoredBatch]:
        where, args = ("WHERE status = ?", (status,)) if status else ("", ())
        with self.lock:
            rows = self._db.execute(f"SELECT {_BATCH_COLUMNS} FROM batches {where} ORDER BY id", args)
            return [StoredBatch(*row) for row in rows]

    def batch_readings(self, batch_id: int) -> list[SignedReading]:
        with self.lock:
            rows = self._db.execute(
                "SELECT device_id, sequence, period_start, period_end, energy_wh, signature FROM readings WHERE batch_id = ?",
                (batch_id,),
            )
            return [SignedReading(Reading(d, s, ps, pe, e), sig) for d, s, ps, pe, e, sig in rows]

    def mark_sending(self, batch_id: int, nonce: int) -> None:
        """Record the nonce a batch's transaction will use, before it is sent (see oracles.sensor.anchor)."""
        with self.transaction() as db:
            db.execute("UPDATE batches SET status='sending', nonce=?, attempts=attempts+1 WHERE id=?", (nonce, batch_id))

    def mark_sent(self, batch_id: int, tx_hash: bytes | None) -> None:
        """Sent (tx_hash None: the node already held a transaction with the batch's nonce)."""
        with self.transaction() as db:
            db.execute("UPDATE batches SET status='sent', tx_hash=?, sent_at=? WHERE id=?", (tx_hash, time.time(), batch_id))

    def mark_resent(self, batch_id: int, tx_hash: bytes | None) -> None:
        """Replaced with higher fees: one more attempt, so the next replacement bids higher again."""
        with self.transaction() as db:
            db.execute("UPDATE batches SET status='sent', tx_hash=COALESCE(?, tx_hash), sent_at=?, attempts=attempts+1"
                       " WHERE id=?", (tx_hash, time.time(), batch_id))

    def mark_anchored(self, batch_id: int) -> None:
        with self.transaction() as db:
            db.execute("UPDATE batches SET status='anchored', anchored_at=? WHERE id=?", (time.time(), batch_id))

    def mark_built(self, batch_id: int) -> None:
        """Back to the queue: its transaction failed without anchoring it."""
        with self.transaction() as db:
            db.execute("UPDATE batches SET status='built', tx_hash=NULL, nonce=NULL WHERE id=?", (batch_id,))

    def max_nonce(self) -> int | None:
        with self.lock:
            return self._db.execute("SELECT MAX(nonce) FROM batches WHERE status IN ('sending','sent')").fetchone()[0]


_BATCH_COLUMNS = ("id, project_id, window_start, window_end, root, total_wh, reading_count, content_hash, status,"
                  " tx_hash, nonce, attempts, sent_at")
