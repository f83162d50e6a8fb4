#!/usr/bin/env python3
"""bench/store_layout_probe.py: what a commit costs in each SQLite layout.

The durable-edits load (D1) commits a few events from different rooms per
transaction. With the events table keyed by (room, seq), every room in a
commit dirties its own leaf page in each tree (the table, the op-id index),
and the WAL gets those pages again at every commit. This probe measures,
without the server, the CPU (user + system) and the WAL pages per event of:

  events   the server's layout (schema 6): WITHOUT ROWID (room, seq) + the
           partial unique op-id index;
  journal  one append-only rowid table for every room (no index);
  fold     journal, folded into events every FOLD rows (sorted by room).

100 rooms, 200 events per room before the run, bodies of 300 bytes,
synchronous=NORMAL (the CPU and pages, not this disk's fsync), a PASSIVE
checkpoint whenever the WAL passes 4 000 pages. Prints one line per case.
docs/perf/store-round-two.md gives its figures and what they decided.

  bench/store_layout_probe.py [TRANSACTIONS=3000] [DIR=$TMPDIR]
"""
import os
import random
import sqlite3
import sys
import tempfile
import time

COLUMNS = "room, seq, time_ms, kind, client_id, op_id, body, target_seq, crc"
EVENTS = (
    "CREATE TABLE events(room TEXT NOT NULL, seq INTEGER NOT NULL, time_ms INTEGER, kind INTEGER, client_id TEXT, "
    "op_id INTEGER, body BLOB, target_seq INTEGER, crc INTEGER, PRIMARY KEY(room, seq)) WITHOUT ROWID;"
    "CREATE UNIQUE INDEX events_op ON events(room, client_id, op_id) WHERE op_id IS NOT NULL;"
)
JOURNAL = (
    "CREATE TABLE journal(room TEXT NOT NULL, seq INTEGER NOT NULL, time_ms INTEGER, kind INTEGER, "
    "client_id TEXT, op_id INTEGER, body BLOB, target_seq INTEGER, crc INTEGER);"
)


def run(where, layout, transactions, per_tx, fold=0, rooms=100, body=300):
    path = os.path.join(where, f"{layout}-{per_tx}-{fold}.db")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    db.executescript(EVENTS + (JOURNAL if layout != "events" else ""))
    insert_into = "events" if layout == "events" else "journal"
    names = [f"room-{i:04d}-workshop" for i in range(rooms)]
    seqs = [0] * rooms
    rnd = random.Random(1)
    payload = os.urandom(body)

    def row(r):
        seqs[r] += 1
        return (names[r], seqs[r], 0, 2, f"client-{r}-0123456789abcdef", seqs[r], payload, None, 7)

    db.execute("BEGIN")
    for r in range(rooms):
        for _ in range(200):
            db.execute(f"INSERT INTO events({COLUMNS}) VALUES(?,?,?,?,?,?,?,?,?)", row(r))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    pages = 0
    waiting = 0
    started = time.process_time()
    for _ in range(transactions):
        db.execute("BEGIN")
        for r in rnd.sample(range(rooms), per_tx):
            db.execute(f"INSERT INTO {insert_into}({COLUMNS}) VALUES(?,?,?,?,?,?,?,?,?)", row(r))
        db.execute("COMMIT")
        waiting += per_tx
        if fold and waiting >= fold:
            db.execute("BEGIN")
            db.execute(f"INSERT INTO events({COLUMNS}) SELECT {COLUMNS} FROM journal ORDER BY room, seq")
            db.execute("DELETE FROM journal")
            db.execute("COMMIT")
            waiting = 0
        if os.path.getsize(path + "-wal") > 4000 * 4096:
            pages += db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    pages += db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    cpu = time.process_time() - started
    events = transactions * per_tx
    name = layout if not fold else f"fold {fold}"
    print(
        f"{name:10s} {per_tx:2d} events/commit: {cpu / events * 1e6:6.1f} us CPU per event, "
        f"{cpu / transactions * 1e6:7.1f} per commit, {pages / events:.2f} WAL pages per event"
    )
    db.close()


def main(argv):
    transactions = int(argv[1]) if len(argv) > 1 else 3000
    where = argv[2] if len(argv) > 2 else None
    with tempfile.TemporaryDirectory(dir=where) as d:
        for per_tx in (1, 5, 20):
            run(d, "events", transactions, per_tx)
            run(d, "journal", transactions, per_tx)
            for fold in (512, 2048):
                run(d, "journal", transactions, per_tx, fold)


if __name__ == "__main__":
    main(sys.argv)
