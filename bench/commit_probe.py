#!/usr/bin/env python3
"""bench/commit_probe.py: the floor under a durable ack on this disk.

Times N bare SQLite commits (one small row each, WAL, synchronous=FULL, the
server's settings for --durability full) in a temporary directory next to
where the bench keeps its data, and prints one JSON line: p50, p99 and max in
ms, with the load average. A durable ack cannot come sooner than one of these;
docs/perf/bench-round-two.md compares the ack latency with it.

  bench/commit_probe.py [N=500] [DIR=$TMPDIR]
"""
import json
import os
import sqlite3
import sys
import tempfile
import time


def main(argv):
    n = int(argv[1]) if len(argv) > 1 else 500
    where = argv[2] if len(argv) > 2 else None
    with tempfile.TemporaryDirectory(dir=where) as d:
        db = sqlite3.connect(os.path.join(d, "probe.db"), isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
        times = []
        body = b"x" * 150  # about one event
        for i in range(n):
            t0 = time.perf_counter_ns()
            db.execute("BEGIN")
            db.execute("INSERT INTO t (body) VALUES (?)", (body,))
            db.execute("COMMIT")
            times.append(time.perf_counter_ns() - t0)
        db.close()
    times.sort()
    pct = lambda q: times[min(len(times) - 1, int(q * len(times)))] / 1e6
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(json.dumps({"commits": n, "p50_ms": round(pct(0.5), 3), "p99_ms": round(pct(0.99), 3),
                      "max_ms": round(times[-1] / 1e6, 3), "sqlite": sqlite3.sqlite_version, "loadavg": load,
                      "when": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
