"""SQLite persistence of the sensor oracle: nothing is acknowledged before it is committed here.

Tables
    readings      accepted readings; (device_id, sequence) is the primary key, so a replay can
                  never be stored twice; batch_id is the one live batch holding the reading (NULL:
                  pending); `hold` keeps it out of batches: `flagged` (the anomaly screen's, until
                  the project's verifier decides), `verifier_rejected`, `quarantined` (its batch
                  was rejected on chain for this reading's fault)
    device_heads  the last accepted sequence and period end per device (ordering checks in O(1))
    rejections    every rejected reading with its reason, for audit
    decisions     the verifier's decision on each flagged reading, with its hash
    batches       the outbox: a batch's root, totals and content hash, then its anchoring state
                  (built → sending with its nonce → sent with its tx hash → anchored → final, or
                  rejected / withdrawn / set_aside with a reason), so a restart resumes it without
                  sending it twice

Sequences are uint64 but SQLite integers are signed 64-bit: a sequence ≥ 2⁶³ is stored as its
two's-complement wrap (v − 2⁶⁴) and unwrapped on read, so every stored value of an older store
keeps its meaning. The schema version is SQLite's `user_version`; MIGRATIONS upgrade an older
store in place when it is opened.

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

# Each entry upgrades the schema by one version; an existing store runs the ones it has not run.
MIGRATIONS = (
    """
    ALTER TABLE readings ADD COLUMN hold TEXT;
    ALTER TABLE readings ADD COLUMN hold_detail TEXT;
    ALTER TABLE readings ADD COLUMN decision_hash BLOB;
    ALTER TABLE batches ADD COLUMN reason TEXT;
    ALTER TABLE batches ADD COLUMN document BLOB;
    ALTER TABLE batches ADD COLUMN closed_at REAL;
    CREATE INDEX IF NOT EXISTS readings_held ON readings (hold, project_id, received_at) WHERE hold IS NOT NULL;
    CREATE INDEX IF NOT EXISTS batches_by_project ON batches (project_id, status, created_at);
    CREATE TABLE IF NOT EXISTS decisions (
        device_id  BLOB    NOT NULL,
        sequence   INTEGER NOT NULL,
        accepted   INTEGER NOT NULL,
        verifier   TEXT    NOT NULL,
        document   BLOB    NOT NULL,
        hash       BLOB    NOT NULL,
        decided_at REAL    NOT NULL,
        PRIMARY KEY (device_id, sequence)
    ) WITHOUT ROWID;
    """,
)

HOLD_FLAGGED = "flagged"
HOLD_VERIFIER_REJECTED = "verifier_rejected"
HOLD_QUARANTINED = "quarantined"
LIVE_STATUSES = ("built", "sending", "sent", "anchored", "final")  # a reading counts in at most one of these
BATCH_STATUSES = LIVE_STATUSES + ("rejected", "withdrawn", "set_aside")

_U64 = 1 << 64
_I64_MAX = (1 << 63) - 1


def to_sql_u64(value: int) -> int:
    """A uint64 as SQLite can store it (two's-complement wrap above 2⁶³ − 1)."""
    return value - _U64 if value > _I64_MAX else value


def from_sql_u64(value: int) -> int:
    return value + _U64 if value < 0 else value


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
    created_at: float
    reason: str | None  # why it was set aside, or the fault it was rejected for


@dataclass(frozen=True, slots=True)
class HeldReading:
    """A reading kept out of batches, with why (see the `hold` values above)."""

    signed: SignedReading
    project_id: int
    received_at: float
    hold: str
    detail: str | None


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
        self._migrate()
        self.lock = threading.RLock()

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            # SQLite's DDL is transactional: a crash mid-script leaves the store at the old version.
            self._db.executescript(f"BEGIN IMMEDIATE; {script}; PRAGMA user_version = {number}; COMMIT;")

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
                found.update({row[0]: Head(from_sql_u64(row[1]), row[2]) for row in rows})
        return found

    @staticmethod
    def insert_accepted(db: sqlite3.Connection, accepted: list[tuple[SignedReading, int]], now: float,
                        flags: list[str | None] | None = None) -> None:
        """Insert (signed reading, project id) pairs and move their devices' heads forward; a
        reading with a flag (the anomaly screen's reason) is stored held for the verifier."""
        flags = flags or [None] * len(accepted)
        db.executemany(
            "INSERT INTO readings (device_id, sequence, period_start, period_end, energy_wh, signature, leaf,"
            " project_id, received_at, hold, hold_detail) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                (r.device_id, to_sql_u64(r.sequence), r.period_start, r.period_end, r.energy_wh, sig, signed.leaf(),
                 project, now, HOLD_FLAGGED if flag else None, flag)
                for (signed, project), flag in zip(accepted, flags)
                for r, sig in (signed,)
            ],
        )
        last: dict[bytes, Reading] = {}
        for signed, _ in accepted:
            last[signed.reading.device_id] = signed.reading
        db.executemany(
            "INSERT INTO device_heads (device_id, sequence, period_end) VALUES (?,?,?) "
            "ON CONFLICT(device_id) DO UPDATE SET sequence=excluded.sequence, period_end=excluded.period_end",
            [(d, to_sql_u64(r.sequence), r.period_end) for d, r in last.items()],
        )

    @staticmethod
    def insert_rejections(db: sqlite3.Connection, rows: list[tuple[bytes | None, int | None, str, str, bool]],
                          now: float) -> None:
        db.executemany(
            "INSERT INTO rejections (received_at, device_id, sequence, reason, detail, flagged) VALUES (?,?,?,?,?,?)",
            [(now, d, None if s is None else to_sql_u64(s), reason, detail, int(flagged))
             for d, s, reason, detail, flagged in rows],
        )

    def recent_readings(self, device_id: bytes, since: int) -> list[tuple[int, int, int]]:
        """(period start, period end, energy Wh) of a device's accepted, unheld readings starting at or after `since`."""
        with self.lock:
            return self._db.execute(
                "SELECT period_start, period_end, energy_wh FROM readings WHERE device_id = ? AND period_start >= ?"
                " AND hold IS NULL ORDER BY period_start", (device_id, since)).fetchall()

    def reading_count(self, batched: bool | None = None) -> int:
        where = {None: "", True: " WHERE batch_id IS NOT NULL",
                 False: " WHERE batch_id IS NULL AND hold IS NULL"}[batched]
        with self.lock:
            return self._db.execute(f"SELECT COUNT(*) FROM readings{where}").fetchone()[0]

    def rejection_counts(self) -> dict[str, int]:
        with self.lock:
            return dict(self._db.execute("SELECT reason, COUNT(*) FROM rejections GROUP BY reason"))

    def energy_by_device(self, batched_only: bool = False) -> dict[bytes, int]:
        where = " WHERE batch_id IS NOT NULL" if batched_only else ""
        with self.lock:
            return dict(self._db.execute(f"SELECT device_id, SUM(energy_wh) FROM readings{where} GROUP BY device_id"))

    def reading_states(self) -> dict[tuple[bytes, int], tuple[int | None, str | None]]:
        """(device, sequence) → (live batch id or None, hold or None) of every stored reading."""
        with self.lock:
            return {(d, from_sql_u64(s)): (b, h)
                    for d, s, b, h in self._db.execute("SELECT device_id, sequence, batch_id, hold FROM readings")}

    # ------------------------------------------------------------------ held readings and verifier decisions

    def held(self, hold: str, project_id: int | None = None, after: tuple[float, bytes, int] | None = None,
             limit: int = 100) -> list[HeldReading]:
        """Readings held for `hold`, oldest first, optionally of one project; `after` pages on from
        the (received_at, device, sequence) of the last one seen."""
        where, args = ["hold = ?"], [hold]
        if project_id is not None:
            where.append("project_id = ?")
            args.append(project_id)
        if after is not None:
            where.append("(received_at, device_id, sequence) > (?, ?, ?)")
            args += [after[0], after[1], to_sql_u64(after[2])]
        with self.lock:
            rows = self._db.execute(
                f"SELECT {_READING_COLUMNS}, project_id, received_at, hold, hold_detail FROM readings"
                f" WHERE {' AND '.join(where)} ORDER BY received_at, device_id, sequence LIMIT ?", (*args, limit))
            return [HeldReading(_signed(row[:6]), *row[6:]) for row in rows]

    def held_reading(self, device_id: bytes, sequence: int) -> HeldReading | None:
        with self.lock:
            row = self._db.execute(
                f"SELECT {_READING_COLUMNS}, project_id, received_at, hold, hold_detail FROM readings"
                " WHERE device_id = ? AND sequence = ?", (device_id, to_sql_u64(sequence))).fetchone()
        return HeldReading(_signed(row[:6]), *row[6:]) if row and row[8] is not None else None

    def record_decision(self, device_id: bytes, sequence: int, accepted: bool, verifier: str, document: bytes,
                        decision_hash: bytes, now: float) -> bool:
        """Release (accepted) or reject a flagged reading and record the decision, in one
        transaction; False (nothing changed) unless the reading is still flagged."""
        key = (device_id, to_sql_u64(sequence))
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM readings WHERE device_id = ? AND sequence = ? AND hold = ?",
                          (*key, HOLD_FLAGGED)).fetchone() is None:
                return False
            db.execute("INSERT INTO decisions (device_id, sequence, accepted, verifier, document, hash, decided_at)"
                       " VALUES (?,?,?,?,?,?,?)", (*key, int(accepted), verifier, document, decision_hash, now))
            if accepted:
                db.execute("UPDATE readings SET hold = NULL, decision_hash = ? WHERE device_id = ? AND sequence = ?",
                           (decision_hash, *key))
            else:
                db.execute("UPDATE readings SET hold = ? WHERE device_id = ? AND sequence = ?",
                           (HOLD_VERIFIER_REJECTED, *key))
        return True

    def decision(self, device_id: bytes, sequence: int) -> tuple[bool, str, bytes, bytes, float] | None:
        """(accepted, verifier, decision document, its hash, decided at) of a flagged reading, if decided."""
        with self.lock:
            row = self._db.execute("SELECT accepted, verifier, document, hash, decided_at FROM decisions"
                                   " WHERE device_id = ? AND sequence = ?", (device_id, to_sql_u64(sequence))).fetchone()
        return (bool(row[0]), *row[1:]) if row else None

    # ------------------------------------------------------------------ batches

    def pending_projects(self) -> list[tuple[int, int, float, float]]:
        """(project, pending readings, oldest received_at, energy Wh) for projects with readings to batch
        (the energy as a float: TOTAL() cannot overflow where SUM() would raise)."""
        with self.lock:
            return list(self._db.execute(
                "SELECT project_id, COUNT(*), MIN(received_at), TOTAL(energy_wh) FROM readings"
                " WHERE batch_id IS NULL AND hold IS NULL"
                " GROUP BY project_id"
            ))

    @staticmethod
    def unbatched(db: sqlite3.Connection, project_id: int, limit: int) -> list[tuple[SignedReading, bytes | None]]:
        """(reading, verifier decision hash or None) of the project's pending readings, oldest first."""
        rows = db.execute(
            f"SELECT {_READING_COLUMNS}, decision_hash FROM readings WHERE project_id = ? AND batch_id IS NULL"
            " AND hold IS NULL ORDER BY received_at, device_id, sequence LIMIT ?",
            (project_id, limit),
        )
        return [(_signed(row[:6]), row[6]) for row in rows]

    @staticmethod
    def root_exists(db: sqlite3.Connection, root: bytes) -> bool:
        return db.execute("SELECT 1 FROM batches WHERE root = ?", (root,)).fetchone() is not None

    @staticmethod
    def hold_readings(db: sqlite3.Connection, readings: list[SignedReading], hold: str, detail: str) -> None:
        db.executemany("UPDATE readings SET hold = ?, hold_detail = ?, batch_id = NULL WHERE device_id = ? AND sequence = ?",
                       [(hold, detail, r.reading.device_id, to_sql_u64(r.reading.sequence)) for r in readings])

    @staticmethod
    def insert_batch(db: sqlite3.Connection, project_id: int, readings: list[SignedReading], root: bytes,
                     content_hash: bytes, now: float, set_aside: str | None = None) -> int:
        """A new batch of `readings` (built, or set_aside with that reason), each reading assigned to it."""
        starts = [r.reading.period_start for r in readings]
        ends = [r.reading.period_end for r in readings]
        cur = db.execute(
            "INSERT INTO batches (project_id, window_start, window_end, root, total_wh, reading_count, content_hash,"
            " created_at, status, reason) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (project_id, min(starts), max(ends), root, sum(r.reading.energy_wh for r in readings), len(readings),
             content_hash, now, "set_aside" if set_aside else "built", set_aside),
        )
        batch_id = cur.lastrowid
        db.executemany(
            "UPDATE readings SET batch_id = ? WHERE device_id = ? AND sequence = ?",
            [(batch_id, r.reading.device_id, to_sql_u64(r.reading.sequence)) for r in readings],
        )
        return batch_id

    def batch(self, batch_id: int) -> StoredBatch | None:
        with self.lock:
            row = self._db.execute(f"SELECT {_BATCH_COLUMNS} FROM batches WHERE id = ?", (batch_id,)).fetchone()
        return StoredBatch(*row) if row else None

    def batch_by_root(self, root: bytes) -> StoredBatch | None:
        with self.lock:
            row = self._db.execute(f"SELECT {_BATCH_COLUMNS} FROM batches WHERE root = ?", (root,)).fetchone()
        return StoredBatch(*row) if row else None

    def batches(self, status: str | None = None) -> list[StoredBatch]:
        where, args = ("WHERE status = ?", (status,)) if status else ("", ())
        with self.lock:
            rows = self._db.execute(f"SELECT {_BATCH_COLUMNS} FROM batches {where} ORDER BY id", args)
            return [StoredBatch(*row) for row in rows]

    def batch_page(self, project_id: int | None = None, status: str | None = None, since: float | None = None,
                   until: float | None = None, after_id: int = 0, limit: int = 100) -> list[StoredBatch]:
        """Batches by id ascending after `after_id`, filtered by project, status and creation time
        (`since` ≤ created_at < `until`, unix seconds)."""
        where, args = ["id > ?"], [after_id]
        for clause, value in (("project_id = ?", project_id), ("status = ?", status), ("created_at >= ?", since),
                              ("created_at < ?", until)):
            if value is not None:
                where.append(clause)
                args.append(value)
        with self.lock:
            rows = self._db.execute(f"SELECT {_BATCH_COLUMNS} FROM batches WHERE {' AND '.join(where)}"
                                    " ORDER BY id LIMIT ?", (*args, limit))
            return [StoredBatch(*row) for row in rows]

    def status_counts(self) -> dict[str, int]:
        with self.lock:
            return dict(self._db.execute("SELECT status, COUNT(*) FROM batches GROUP BY status"))

    def batch_readings(self, batch_id: int) -> list[SignedReading]:
        """The readings of a live batch (a rejected batch's are in its stored document)."""
        return [signed for signed, _ in self.batch_members(batch_id)]

    def batch_members(self, batch_id: int) -> list[tuple[SignedReading, bytes | None]]:
        """(reading, hash of the verifier's decision to release it or None) of a live batch."""
        with self.lock:
            rows = self._db.execute(f"SELECT {_READING_COLUMNS}, decision_hash FROM readings WHERE batch_id = ?",
                                    (batch_id,))
            return [(_signed(row[:6]), row[6]) for row in rows]

    def batch_document(self, batch_id: int) -> bytes | None:
        """The document a rejected batch had (stored when it was rejected), else None."""
        with self.lock:
            row = self._db.execute("SELECT document FROM batches WHERE id = ?", (batch_id,)).fetchone()
        return row[0] if row else None

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

    def mark_final(self, batch_id: int) -> None:
        """Past its challenge window unchallenged (or finalized): no longer watched."""
        with self.transaction() as db:
            db.execute("UPDATE batches SET status='final', closed_at=? WHERE id=? AND status='anchored'",
                       (time.time(), batch_id))

    def mark_built(self, batch_id: int) -> None:
        """Back to the queue: its transaction failed without anchoring it."""
        with self.transaction() as db:
            db.execute("UPDATE batches SET status='built', tx_hash=NULL, nonce=NULL WHERE id=?", (batch_id,))

    def set_aside(self, batch_id: int, reason: str) -> None:
        """A batch the contract would refuse whatever the retry: out of the anchoring queue, with why.
        Its readings stay assigned to it (never anchored twice, never lost from the store)."""
        with self.transaction() as db:
            db.execute("UPDATE batches SET status='set_aside', reason=?, tx_hash=NULL, nonce=NULL, closed_at=?"
                       " WHERE id=?", (reason, time.time(), batch_id))

    def reject_batch(self, batch_id: int, fault: str, document: bytes,
                     quarantined: dict[tuple[bytes, int], str]) -> bool:
        """Rejected on chain: keep its document, quarantine the faulty readings with their fault and
        return every other reading to the pending pool, all in one transaction (a crash redoes it all)."""
        return self._dissolve(batch_id, "rejected", ("anchored", "final"), fault, document, quarantined)

    def withdraw_batch(self, batch_id: int, reason: str, quarantined: dict[tuple[bytes, int], str]) -> bool:
        """A built batch never sent, found at fault before sending: quarantine the faulty readings,
        return the others to the pending pool (its root never reaches the chain)."""
        return self._dissolve(batch_id, "withdrawn", ("built",), reason, None, quarantined)

    def _dissolve(self, batch_id: int, status: str, from_statuses: tuple[str, ...], reason: str,
                  document: bytes | None, quarantined: dict[tuple[bytes, int], str]) -> bool:
        """False, changing nothing, unless the batch is in one of `from_statuses`."""
        with self.transaction() as db:
            changed = db.execute(
                f"UPDATE batches SET status=?, reason=?, document=?, closed_at=? WHERE id=? AND"
                f" status IN ({','.join('?' * len(from_statuses))})",
                (status, reason, document, time.time(), batch_id, *from_statuses)).rowcount
            if not changed:
                return False
            db.executemany("UPDATE readings SET hold=?, hold_detail=? WHERE device_id=? AND sequence=? AND batch_id=?",
                           [(HOLD_QUARANTINED, detail, d, to_sql_u64(s), batch_id)
                            for (d, s), detail in quarantined.items()])
            db.execute("UPDATE readings SET batch_id = NULL WHERE batch_id = ?", (batch_id,))
        return True

    def max_nonce(self) -> int | None:
        with self.lock:
            return self._db.execute("SELECT MAX(nonce) FROM batches WHERE status IN ('sending','sent')").fetchone()[0]


_READING_COLUMNS = "device_id, sequence, period_start, period_end, energy_wh, signature"
_BATCH_COLUMNS = ("id, project_id, window_start, window_end, root, total_wh, reading_count, content_hash, status,"
                  " tx_hash, nonce, attempts, sent_at, created_at, reason")


def _signed(row: tuple) -> SignedReading:
    device_id, sequence, start, end, energy, signature = row
    return SignedReading(Reading(device_id, from_sql_u64(sequence), start, end, energy), signature)
