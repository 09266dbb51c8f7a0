"""The co-signer's record of what it signed (SQLite, one row per batch id), so that it never signs
two different batches under one batch id: a second request for a root it signed gets the same
signature back if it asks for the same digest, and `conflicting_batch` otherwise.

Signing and recording are one transaction under one lock: a signature leaves the co-signer only
after its row is committed, and a refused request never writes.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from oracles.attestation import BatchHeader
from oracles.sensor.cosign import CosignRefused, Refusal

_SCHEMA = """
CREATE TABLE IF NOT EXISTS signed (
    root          BLOB    PRIMARY KEY,
    digest        BLOB    NOT NULL,
    project_id    INTEGER NOT NULL,
    window_start  INTEGER NOT NULL,
    window_end    INTEGER NOT NULL,
    energy_wh     INTEGER NOT NULL,
    reading_count INTEGER NOT NULL,
    content_hash  BLOB    NOT NULL,
    signature     BLOB    NOT NULL,
    signed_at     REAL    NOT NULL
) WITHOUT ROWID;
"""


class SigningRecord:
    def __init__(self, path: Path, busy_timeout_s: float = 5.0, clock: Callable[[], float] = time.time):
        self._db = sqlite3.connect(str(path), timeout=busy_timeout_s, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._clock = clock

    def sign_once(self, header: BatchHeader, digest: bytes, sign: Callable[[bytes], bytes]) -> bytes:
        """`sign(digest)`, recorded under the header's root; the recorded signature if this digest was
        signed before; CosignRefused(conflicting_batch), with nothing written, if another was."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute("SELECT digest, signature FROM signed WHERE root = ?",
                                       (header.merkle_root,)).fetchone()
                if row is not None:
                    if bytes(row[0]) != digest:
                        raise CosignRefused(Refusal.CONFLICTING_BATCH,
                                            f"batch 0x{header.merkle_root.hex()} was signed with another header "
                                            f"(digest 0x{bytes(row[0]).hex()})")
                    signature = bytes(row[1])
                else:
                    signature = sign(digest)
                    self._db.execute("INSERT INTO signed VALUES (?,?,?,?,?,?,?,?,?,?)",
                                     (header.merkle_root, digest, header.project_id, header.window_start,
                                      header.window_end, header.energy_wh, header.reading_count, header.content_hash,
                                      signature, self._clock()))
                self._db.execute("COMMIT")
                return signature
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def entries(self) -> list[tuple]:
        """Every row (root, digest, …, signature, signed_at), by root."""
        with self._lock:
            return self._db.execute("SELECT * FROM signed ORDER BY root").fetchall()

    def count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM signed").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
