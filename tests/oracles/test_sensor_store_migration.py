"""A store written by the previous schema (no hold columns, no decisions, no user_version) opens,
is upgraded in place, and keeps every reading, head and batch with its meaning."""

import sqlite3

from tests.oracles.support import DOMAIN, T0, make_devices

from oracles.codec import from_json
from oracles.sensor.store import MIGRATIONS, Store

V0_SCHEMA = """
CREATE TABLE readings (device_id BLOB NOT NULL, sequence INTEGER NOT NULL, period_start INTEGER NOT NULL,
    period_end INTEGER NOT NULL, energy_wh INTEGER NOT NULL, signature BLOB NOT NULL, leaf BLOB NOT NULL,
    project_id INTEGER NOT NULL, received_at REAL NOT NULL, batch_id INTEGER, PRIMARY KEY (device_id, sequence)
) WITHOUT ROWID;
CREATE INDEX readings_unbatched ON readings (project_id, received_at) WHERE batch_id IS NULL;
CREATE INDEX readings_by_batch ON readings (batch_id) WHERE batch_id IS NOT NULL;
CREATE TABLE device_heads (device_id BLOB PRIMARY KEY, sequence INTEGER NOT NULL, period_end INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE rejections (id INTEGER PRIMARY KEY, received_at REAL NOT NULL, device_id BLOB, sequence INTEGER,
    reason TEXT NOT NULL, detail TEXT, flagged INTEGER NOT NULL DEFAULT 0);
CREATE TABLE batches (id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, window_start INTEGER NOT NULL,
    window_end INTEGER NOT NULL, root BLOB NOT NULL UNIQUE, total_wh INTEGER NOT NULL, reading_count INTEGER NOT NULL,
    content_hash BLOB NOT NULL, status TEXT NOT NULL DEFAULT 'built', tx_hash BLOB, nonce INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0, sent_at REAL, created_at REAL NOT NULL, anchored_at REAL);
"""


def test_a_previous_store_survives_the_upgrade(tmp_path):
    path = tmp_path / "old.db"
    [device] = make_devices(1)
    old = [from_json(device.reading(s)) for s in (1, 2)]
    with sqlite3.connect(path) as db:
        db.executescript(V0_SCHEMA)
        for i, (reading, sig) in enumerate(old):
            db.execute("INSERT INTO readings VALUES (?,?,?,?,?,?,?,?,?,?)",
                       (reading.device_id, reading.sequence, reading.period_start, reading.period_end,
                        reading.energy_wh, sig, old[i].leaf(), 1, T0, 1 if i == 0 else None))
        db.execute("INSERT INTO device_heads VALUES (?,?,?)", (device.info.device_id, 2, old[1].reading.period_end))
        db.execute("INSERT INTO batches (id, project_id, window_start, window_end, root, total_wh, reading_count,"
                   " content_hash, status, created_at) VALUES (1, 1, 0, 1, ?, 400, 1, ?, 'anchored', ?)",
                   (b"\x01" * 32, b"\x02" * 32, T0))

    store = Store(path)
    try:
        assert store._db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert store.reading_states() == {(device.info.device_id, 1): (1, None), (device.info.device_id, 2): (None, None)}
        assert store.heads([device.info.device_id])[device.info.device_id].sequence == 2
        assert store.batch_readings(1) == [old[0]]
        assert store.batch(1).status == "anchored" and store.batch(1).reason is None
        assert store.pending_projects()[0][:2] == (1, 1)
    finally:
        store.close()
    Store(path).close()  # opening again runs no migration twice
    assert DOMAIN  # the fixture module's domain signs the readings above
