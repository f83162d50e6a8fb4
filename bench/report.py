#!/usr/bin/env python3
"""bench/report.py: helpers for bench/run.sh (standard library only).

  report.py get FIELD                 print FIELD of the JSON line on stdin
  report.py table RESULTS [RUN_ID]    print the comparison table of one run
                                      (default: the newest run in RESULTS)
  report.py probe FILE                the table of bench/d1_probe.sh's lines in FILE
  report.py saturation RESULTS RUN_ID SCENARIO SERVER SIZE [VARIANT]
                                      print the best delivered/s of those records
                                      (VARIANT: of the thread-model runs, TM)
"""
import json
import sys


def load(path, run_id=None):
    records = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                records.append(json.loads(line))
    if run_id is None and records:
        run_id = records[-1]["run"]
    return run_id, [r for r in records if r.get("run") == run_id]


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "-"


def best(records, **match):
    rs = [r for r in records if all(r.get(k) == v for k, v in match.items())]
    return max(rs, key=lambda r: r["delivered_per_s"]) if rs else None


def table(path, run_id=None):
    run_id, rs = load(path, run_id)
    if not rs:
        print("no records")
        return
    print("CPU figures are shares of one core over the measured window; 'others' is the CPU of every other\n"
          "process on the machine during that window (it should be near 0 %)")
    print(f"run {run_id}  (commit {rs[0].get('commit', '?')}; loadgen and servers share {rs[0].get('cores', '?')} cores)")

    b1 = {r["server"]: r for r in rs if r.get("scenario") == "B1"}
    if b1:
        print("\nB1 idle: connections joined and idle, pings on")
        print(f"  {'server':<9} {'conns':>6} {'RSS/conn KiB':>13} {'idle CPU %':>11} {'peak RSS MiB':>13} {'connect s':>10} {'errors':>7}")
        per = {}
        for name in ("maptable", "ws", "lws"):
            r = b1.get(name)
            if not r:
                continue
            n = max(r["clients_ready"], 1)
            per[name] = (r["server_rss_end_kib"] - r["server_rss_before_connect_kib"]) / n
            print(f"  {name:<9} {r['clients_ready']:>6} {per[name]:>13.2f} {100 * r['server_cpu_util']:>11.2f} "
                  f"{r['server_hwm_kib'] / 1024:>13.1f} {r['connect_s']:>10.2f} {r['errors']:>7}")
        if "ws" in per and "maptable" in per:
            print(f"  RSS per connection, maptable / ws: {ratio(per['maptable'], per['ws'])} (target: maptable <= 8 KiB)")
        if "lws" in per and "maptable" in per:
            print(f"  RSS per connection, maptable / lws: {ratio(per['maptable'], per['lws'])} (round two: maptable <= 3 KiB)")

    sizes = sorted({r["size"] for r in rs if r.get("scenario") == "B2"})
    if sizes:
        print("\nB2 chat storm: saturation = best delivered msgs/s over the rate sweep (>=: still growing at the last step)")
        print(f"  {'room':>5} {'maptable/s':>11} {'ws/s':>10} {'ratio':>7} {'target':>7}   "
              f"{'mt per CPU-s':>12} {'ws per CPU-s':>12} {'ratio':>7}   {'mt p99 ms':>9} {'ws p99 ms':>9}   {'lg CPU mt/ws':>12}")
        for size in sizes:
            m = best(rs, scenario="B2", server="maptable", size=size)
            w = best(rs, scenario="B2", server="ws", size=size)
            target = "2x" if size < 50 else "5x"
            mv = m["delivered_per_s"] if m else 0
            wv = w["delivered_per_s"] if w else 0
            # ">=": the best was the last step of the sweep and kept up (p99 <= 2 s, 95 % delivered):
            # the sweep ran out of steps before the server saturated.
            def bound(r, server):
                steps = [x for x in rs if x.get("scenario") == "B2" and x["server"] == server and x["size"] == size]
                last = r and r["offered_events_per_s"] >= max(x["offered_events_per_s"] for x in steps)
                kept_up = r and r["lat_p99_ms"] <= 2000 and r["delivered"] >= 0.95 * r["expected"]
                return ">=" if last and kept_up else ""
            mc = m["delivered_per_server_cpu_s"] if m else 0
            wc = w["delivered_per_server_cpu_s"] if w else 0
            lg = (f"{m['loadgen_cpu_s'] / m['window_s']:.0%}/{w['loadgen_cpu_s'] / w['window_s']:.0%}" if m and w else "-")
            others = max((r.get("other_cpu_s", 0) / r["window_s"] for r in (m, w) if r), default=0)
            print(f"  {size:>5} {bound(m, 'maptable') + f'{mv:.0f}':>11} {bound(w, 'ws') + f'{wv:.0f}':>10} {ratio(mv, wv):>7} {target:>7}   "
                  f"{mc:>12.0f} {wc:>12.0f} {ratio(mc, wc):>7}   "
                  f"{(m['lat_p99_ms'] if m else 0):>9.1f} {(w['lat_p99_ms'] if w else 0):>9.1f}   {lg:>12} {others:>7.0%}")

    b3 = [r for r in rs if r.get("scenario") == "B3"]
    if b3:
        print("\nB3 mixed open loop (same offered load for both servers)")
        print(f"  {'load':>5} {'server':<9} {'events/s':>9} {'delivered/expected':>21} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'p999 ms':>8} {'max ms':>8} {'errors':>7} {'srv CPU':>8} {'lg CPU':>7} {'others':>7}")
        for r in sorted(b3, key=lambda r: (r["load"], r["server"] != "maptable")):
            print(f"  {r['load']:>4}% {r['server']:<9} {r['offered_events_per_s']:>9.0f} "
                  f"{r['delivered']:>10}/{r['expected']:<10} {r['lat_p50_ms']:>8.2f} {r['lat_p99_ms']:>8.2f} "
                  f"{r['lat_p999_ms']:>8.2f} {r['lat_max_ms']:>8.2f} {r['errors']:>7} {r['server_cpu_util']:>8.0%} "
                  f"{r['loadgen_cpu_s'] / r['window_s']:>7.0%} {r.get('other_cpu_s', 0) / r['window_s']:>7.0%}")
        print("  targets: maptable p99 <= 10 ms at 50 %, <= 50 ms at 80 %")

    b6 = [r for r in rs if r.get("scenario") == "B6"]
    if b6:
        print("\nB6 durable edits (maptable only, --durability full)")
        print(f"  {'offered/s':>9} {'acked/s':>9} {'ack p50 ms':>10} {'ack p99 ms':>10} {'ack max ms':>10} {'errors':>7} {'srv CPU':>8}")
        for r in sorted(b6, key=lambda r: r["offered_events_per_s"]):
            print(f"  {r['offered_events_per_s']:>9.0f} {r['acks_per_s']:>9.0f} {r['ack_p50_ms']:>10.2f} "
                  f"{r['ack_p99_ms']:>10.2f} {r['ack_max_ms']:>10.2f} {r['errors']:>7} {r['server_cpu_util']:>8.0%}")
        print("  target: >= 50,000 acked edits/s with ack p99 <= 10 ms")

    b4 = [r for r in rs if r.get("scenario") == "B4"]
    if b4:
        print("\nB4 slow consumer: one member of a room of 200 stops reading for the window")
        print(f"  {'server':<9} {'rate/s':>6} {'window s':>8} {'delivered/expected':>21} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
              f"{'RSS start MiB':>13} {'RSS end MiB':>11} {'peak MiB':>8} {'errors':>6} {'others':>7}")
        for r in b4:
            print(f"  {r['server']:<9} {r['rate_per_client']:>6g} {r['window_s']:>8g} {r['delivered']:>10}/{r['expected']:<10} "
                  f"{r['lat_p50_ms']:>8.2f} {r['lat_p99_ms']:>8.2f} {r['lat_max_ms']:>8.2f} "
                  f"{r['server_rss_start_kib'] / 1024:>13.1f} {r['server_rss_end_kib'] / 1024:>11.1f} {r['server_hwm_kib'] / 1024:>8.1f} "
                  f"{r['errors']:>6} {r.get('other_cpu_s', 0) / r['window_s']:>7.0%}")
            if r.get("slow_close"):
                print(f"    the slow member: {r['slow_close']} at seq {r['slow_last_seq']}; resume: {r['resume_outcome']}, "
                      f"{r['resume_events']} events to seq {r['resume_seq']} of {r['room_seq']} in {r['resume_s']:.3f} s")
        b3m = [r for r in rs if r.get("scenario") == "B3" and r["server"] == "maptable"]
        if b3m:
            print("  B3 p99 of this run: " + ", ".join(f"{r['load']}%: {r['lat_p99_ms']:.2f} ms" for r in b3m) +
                  " (target: the others' p99 within 1.2x of B3)")

    b5 = [r for r in rs if r.get("scenario") == "B5"]
    if b5:
        print("\nB5 join storm: clients join the seeded room at once; time until the last has its Welcome (full state)")
        print(f"  {'clients':>7} {'features':>8} {'chat':>6} {'state KiB':>9} {'all ready s':>11} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'Welcome MiB':>11} {'srv CPU-s':>9} {'lg CPU-s':>8} {'others CPU-s':>12} {'errors':>6}")
        for r in b5:
            seed = r.get("seed", {})
            print(f"  {r['clients_ready']:>7} {seed.get('features', 0):>8} {seed.get('chat', 0):>6} {seed.get('state_bytes', 0) / 1024:>9.0f} "
                  f"{r['connect_s']:>11.3f} {r['join_p50_ms']:>8.1f} {r['join_p99_ms']:>8.1f} {r['welcome_bytes'] / 2**20:>11.1f} "
                  f"{r['server_cpu_s']:>9.2f} {r['loadgen_cpu_s']:>8.2f} {r.get('other_cpu_s', 0):>12.2f} {r['errors']:>6}")
        print("  target: <= 2 s")

    b7 = [r for r in rs if r.get("scenario") == "B7"]
    if b7:
        print("\nB7 restart: server process started -> first Welcome of the room with the long log")
        print(f"  {'log':<9} {'events':>8} {'snapshot':>8} {'start to serve s':>16} {'join ms':>8} {'retries':>7} {'srv CPU-s':>9} {'peak MiB':>8} {'errors':>6}")
        for r in b7:
            seed = r.get("seed", {})
            print(f"  {r.get('variant', ''):<9} {seed.get('events', 0):>8} {str(seed.get('snapshot', '')):>8} "
                  f"{r.get('start_to_serve_s', 0):>16.3f} {r['join_max_ms']:>8.1f} {r['connect_retries']:>7} "
                  f"{r['server_cpu_s']:>9.2f} {r['server_hwm_kib'] / 1024:>8.1f} {r['errors']:>6}")
        print("  target: <= 2 s")

    round_two(rs)

    tm = [r for r in rs if r.get("scenario", "").startswith("TM-")]
    if tm:
        variants = [v for v in ("t1", "t2", "shared2", "core2", "pin2") if any(r.get("variant") == v for r in tm)]
        print("\nThread models (maptable): t1 = --threads 1; shared2 (t2 before the per-core model existed) ="
              "\n  --threads 2 --thread-model shared (one io_context, strands); core2 = --threads 2 --thread-model"
              "\n  per-core (one io_context per thread, rooms pinned by id); pin2 = two --threads 1 processes"
              "\n  pinned to core 0 and core 1, rooms split between them")
        print(f"  {'':<22}" + "".join(f"{v:>24}" for v in variants))
        for size in sorted({r["size"] for r in tm if r["scenario"] == "TM-B2"}):
            cells, cpu = [], []
            for v in variants:
                b = best(tm, scenario="TM-B2", variant=v, size=size)
                cells.append(f"{b['delivered_per_s']:.0f}/s p99 {b['lat_p99_ms']:.0f} ms" if b else "-")
                cpu.append(f"{b['delivered_per_server_cpu_s']:.0f} (oth {b.get('other_cpu_s', 0) / b['window_s']:.0%})" if b else "-")
            print(f"  {'B2 rooms of ' + str(size) + ' best':<22}" + "".join(f"{c:>24}" for c in cells))
            print(f"  {'  per server CPU-s':<22}" + "".join(f"{c:>24}" for c in cpu))
            # The best step that still delivered everything with p99 <= 50 ms: throughput at a usable latency.
            cells = []
            for v in variants:
                ok = [r for r in tm if r["scenario"] == "TM-B2" and r.get("variant") == v and r["size"] == size
                      and r["lat_p99_ms"] <= 50 and r["delivered"] == r["expected"]]
                b = max(ok, key=lambda r: r["delivered_per_s"]) if ok else None
                cells.append(f"{b['delivered_per_s']:.0f}/s p99 {b['lat_p99_ms']:.0f} ms" if b else "-")
            print(f"  {'  best at p99<=50ms':<22}" + "".join(f"{c:>24}" for c in cells))
        b3 = {r["variant"]: r for r in tm if r["scenario"] == "TM-B3"}
        if b3:
            cells = [f"p50 {b3[v]['lat_p50_ms']:.1f} p99 {b3[v]['lat_p99_ms']:.1f} ms" if v in b3 else "-" for v in variants]
            print(f"  {'B3 50 %':<22}" + "".join(f"{c:>24}" for c in cells))
            cells = [f"{b3[v]['delivered']}/{b3[v]['expected']}" if v in b3 else "-" for v in variants]
            print(f"  {'  delivered/expected':<22}" + "".join(f"{c:>24}" for c in cells))
            cells = [f"srv {b3[v]['server_cpu_util']:.0%} oth {b3[v].get('other_cpu_s', 0) / b3[v]['window_s']:.0%}" if v in b3 else "-" for v in variants]
            print(f"  {'  CPU':<22}" + "".join(f"{c:>24}" for c in cells))


SERVERS = ("maptable", "lws", "ws")


def us_per_delivery(r):
    """Server CPU per delivery made during the window, in microseconds."""
    per_s = r.get("delivered_per_server_cpu_s", 0)
    return 1e6 / per_s if per_s else 0


def loop_us_per_delivery(r):
    """The same without the CPU of maptable's store threads (persistence): the event loops' fan-out
    (0 for a record without the split, or a peer, which has no store)."""
    per_s = r.get("delivered_per_server_loop_cpu_s", 0)
    return 1e6 / per_s if per_s else 0


def idle_kib_per_conn(r):
    """RSS the joined, not yet sending connections added, per connection (before the first send)."""
    joined = r.get("server_rss_joined_kib", r["server_rss_start_kib"])
    return (joined - r["server_rss_before_connect_kib"]) / max(r["clients_ready"], 1)


def machine(r):
    """Load average before the run and the other processes' cores during the window."""
    return f"{r.get('loadavg_before', '?').split(' ')[0]:>5} {r.get('other_cpu_s', 0) / r['window_s']:>6.2f}"


def fanout_row(r):
    delivered = 100 * r["delivered"] / r["expected"] if r["expected"] else 0
    return (f"{r['server']:<9} {us_per_delivery(r):>8.2f} {r['lat_p50_ms']:>8.2f} {r['lat_p99_ms']:>8.2f} "
            f"{delivered:>8.2f}% {r['delivered_per_s']:>10.0f} {idle_kib_per_conn(r):>8.2f} {r['errors']:>6} "
            f"{r['server_cpu_util']:>6.0%} {r['loadgen_cpu_s'] / r['window_s']:>6.0%} {machine(r)}")


FANOUT_HEAD = (f"{'server':<9} {'CPU us/d':>8} {'p50 ms':>8} {'p99 ms':>8} {'delivered':>9} {'deliv/s':>10} "
               f"{'KiB/conn':>8} {'errors':>6} {'srv':>6} {'lg':>6} {'load1':>5} {'others':>6}")


def round_two(rs):
    """S1 S2 S3 D1: maptable against the C peer (lws) and the node peer (ws)."""
    legend = False
    for scenario, title in (("S1", "S1 workshop: 20 rooms of 25, 5 chat/s per member (60 000 deliveries/s)"),
                            ("S2", "S2 one room of 200, 2 chat/s per member (79 600 deliveries/s)")):
        by = {r["server"]: r for r in rs if r.get("scenario") == scenario}
        if not by:
            continue
        if not legend:
            print("\nRound two. CPU us/d: server CPU per delivery; KiB/conn: RSS per joined idle connection (before the"
                  "\n  load); srv/lg: server and loadgen CPU (share of a core); load1: 1-minute load average before the"
                  "\n  run; others: cores used by other processes during the window (near 0 on a quiet machine)")
            legend = True
        print(f"\n{title}; maptable durability {next(iter(by.values())).get('durability')}")
        print("  " + FANOUT_HEAD)
        for name in SERVERS:
            if name in by:
                print("  " + fanout_row(by[name]))
        m = by.get("maptable")
        for peer in ("lws", "ws"):
            if m and peer in by:
                print(f"  maptable / {peer}: CPU per delivery {ratio(us_per_delivery(m), us_per_delivery(by[peer]))}, "
                      f"p99 {ratio(m['lat_p99_ms'], by[peer]['lat_p99_ms'])}, "
                      f"KiB per connection {ratio(idle_kib_per_conn(m), idle_kib_per_conn(by[peer]))}")
                if loop_us_per_delivery(m):
                    print(f"  maptable's event loops alone (its store threads' "
                          f"{m['server_store_cpu_s'] / m['window_s']:.0%} of a core left out): "
                          f"{loop_us_per_delivery(m):.2f} us per delivery, "
                          f"{ratio(loop_us_per_delivery(m), us_per_delivery(by[peer]))} {peer}'s")

    s3 = [r for r in rs if r.get("scenario") == "S3"]
    if s3:
        print("\nS3 sweep: 10 rooms of 50, every member sending chat at each rate (deliveries/s = 24 500 x rate)")
        print(f"  {'rate':>4} " + FANOUT_HEAD)
        for name in SERVERS:
            for r in sorted((r for r in s3 if r["server"] == name), key=lambda r: r["rate_per_client"]):
                print(f"  {r['rate_per_client']:>4g} " + fanout_row(r))
        best = {}
        for name in SERVERS:
            ok = [r for r in s3 if r["server"] == name and r["lat_p99_ms"] <= 50 and r["delivered"] == r["expected"]]
            if ok:
                best[name] = max(ok, key=lambda r: r["delivered_per_s"])
                b = best[name]
                print(f"  {name}: highest step with p99 <= 50 ms and everything delivered: {b['delivered_per_s']:.0f}/s "
                      f"(rate {b['rate_per_client']:g}, p99 {b['lat_p99_ms']:.1f} ms, {us_per_delivery(b):.2f} us/delivery)")
            elif any(r["server"] == name for r in s3):
                print(f"  {name}: no step with p99 <= 50 ms and everything delivered")
        for peer in ("lws", "ws"):
            if "maptable" in best and peer in best:
                print(f"  maptable / {peer} at that step: {ratio(best['maptable']['delivered_per_s'], best[peer]['delivered_per_s'])}")

    d1 = [r for r in rs if r.get("scenario") == "D1"]
    if d1:
        print("\nD1 durable edits: rooms of one writer, UpdateFeature at a fixed rate, open loop, --durability full")
        print(f"  {'rooms':>5} {'size':>4} {'offered/s':>9} {'acked/s':>9} {'CPU us/ack':>10} {'ack p50':>8} {'ack p99':>8} {'ack max':>8} "
              f"{'errors':>6} {'srv':>6} {'window s':>8} {'load1':>5} {'others':>6}")
        for r in sorted(d1, key=lambda r: (r["rooms"], r["size"], r["offered_events_per_s"])):
            per_ack = 1e6 * r["server_cpu_s"] / r["acks"] if r["acks"] else 0
            print(f"  {r['rooms']:>5} {r['size']:>4} {r['offered_events_per_s']:>9.0f} {r['acks_per_s']:>9.0f} {per_ack:>10.1f} "
                  f"{r['ack_p50_ms']:>8.2f} {r['ack_p99_ms']:>8.2f} {r['ack_max_ms']:>8.2f} {r['errors']:>6} "
                  f"{r['server_cpu_util']:>6.0%} {r['window_s']:>8g} {machine(r)}")
        print("  targets: <= 25 us per acked command; >= 100 000 acked/s; ack p99 <= 10 ms up to 50 000/s, <= 3 ms at 2 000/s")

    c1 = [r for r in rs if r.get("scenario") == "C1"]
    if c1:
        print("\nC1 cold rooms: the seeded room joined on a fresh server (cold: the room loads) and again (warm)")
        print(f"  {'variant':<9} {'clients':>7} {'features':>8} {'all ready ms':>12} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
              f"{'srv CPU-s':>9} {'peak MiB':>8} {'errors':>6} {'load1':>5} {'others':>6}")
        for r in c1:
            seed = r.get("seed", {})
            print(f"  {r.get('variant', ''):<9} {r['clients_ready']:>7} {seed.get('features', 0):>8} {1000 * r['connect_s']:>12.1f} "
                  f"{r['join_p50_ms']:>8.1f} {r['join_p99_ms']:>8.1f} {r['join_max_ms']:>8.1f} {r['server_cpu_s']:>9.2f} "
                  f"{r['server_hwm_kib'] / 1024:>8.1f} {r['errors']:>6} {machine(r)}")
        print("  targets: one client into a cold 10 000-feature room <= 50 ms; 200 clients <= 0.5 s cold as warm")


def probe(path):
    """bench/d1_probe.sh's records: where a durable edit's CPU goes (commits vs events)."""
    with open(path) as f:
        rs = [json.loads(line) for line in f if line.startswith("{")]
    print("d1_probe: per acked edit over the window; commits = fdatasync calls (the WAL's, synchronous=FULL);"
          "\n  txn ms = the store's mean transaction time, commit included (its /metrics)")
    print(f"  {'when':<17} {'rooms':>8} {'offered':>7} {'win s':>5} {'nice':>4} {'flags':<22} {'acked/s':>8} {'us/ack':>7} "
          f"{'usr':>6} {'sys':>6} {'commits/s':>9} {'ev/commit':>9} {'pwrite/ev':>9} {'KiB/ev':>7} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'txn ms':>7} {'load1':>5} {'others':>6}")
    txn_ms = lambda r: f"{1e3 * r['transaction_s'] / r['transactions']:.2f}" if r.get("transactions") else "-"
    for r in rs:
        if not r["acks"]:
            print(f"  {r.get('when', ''):<17} offered {r['offered_events_per_s']:.0f}/s: nothing acked in the window")
            continue
        acks = r["acks"]
        w = r["probe_window_s"]
        commits = (r.get("fdatasync") or 0) + (r.get("fsync") or 0)
        size = r.get('writers_per_room', 1) + r.get('readers_per_room', 0)
        print(f"  {r.get('when', ''):<17} {r['clients'] // size:>5}x{size:<2} "
              f"{r['offered_events_per_s']:>7.0f} {r['window_s']:>5g} {r.get('nice', ''):>4} {r.get('server_flags', ''):<22} "
              f"{r['acks_per_s']:>8.0f} {1e6 * r['server_cpu_s'] / acks:>7.1f} "
              f"{1e6 * r['server_user_s'] / (r['acks_per_s'] * w or 1):>6.1f} {1e6 * r['server_sys_s'] / (r['acks_per_s'] * w or 1):>6.1f} "
              f"{commits / w:>9.0f} {r['acks_per_s'] * w / (commits or 1):>9.1f} "
              f"{(r.get('pwrite64') or 0) / (r['acks_per_s'] * w or 1):>9.1f} {r['write_bytes'] / 1024 / (r['acks_per_s'] * w or 1):>7.1f} "
              f"{r['ack_p50_ms']:>7.2f} {r['ack_p99_ms']:>7.2f} {txn_ms(r):>7} {r['loadavg'].split(' ')[0]:>5} "
              f"{r.get('other_cpu_s', 0) / r['window_s']:>6.2f}")


def main(argv):
    if len(argv) >= 2 and argv[1] == "get":
        print(json.loads(sys.stdin.readline())[argv[2]])
    elif len(argv) >= 3 and argv[1] == "table":
        table(argv[2], argv[3] if len(argv) > 3 else None)
    elif len(argv) == 3 and argv[1] == "probe":
        probe(argv[2])
    elif len(argv) in (7, 8) and argv[1] == "saturation":
        _, rs = load(argv[2], argv[3])
        match = dict(scenario=argv[4], server=argv[5], size=int(argv[6]))
        if len(argv) == 8:
            match["variant"] = argv[7]
        r = best(rs, **match)
        print(f"{r['delivered_per_s']:.0f}" if r else 0)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
