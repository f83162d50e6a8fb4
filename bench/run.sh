#!/usr/bin/env bash
# bench/run.sh: the scenarios against maptable-server and the peers (`ws`,
# bench/peers/ws-broadcast, and the C peer on libwebsockets,
# bench/peers/lws-broadcast) on this machine, in one run; appends one JSON
# line per load-generator run to bench/results/results.jsonl and prints one
# table with the ratios (bench/report.py). Every run gets a fresh server and
# a fresh temporary data directory.
#
#   bench/setup.sh             once: node modules of the peer, builds
#   bench/run.sh               B1 B2 B3 (about 15 minutes on 2 cores)
#   SCENARIOS="B2 B6" bench/run.sh
#   SCENARIOS="B4 B5 B7 TM" bench/run.sh
#   SCENARIOS="B1 S1 S2 S3 D1 C1" bench/run.sh   round two (about 15 minutes)
#   QUICK=1 bench/run.sh       a short pass of everything (checks the script)
#
# Environment: BUILD_DIR (build/), SERVER_BIN, LOADGEN_BIN, SEED_BIN, RESULTS,
# SCENARIOS ("B1 B2 B3"; also B4, B5, B6, B7 and TM, the thread-model
# comparison; S1 S2 S3 D1, round two), WITH_WS (1; 0 leaves the node peer
# out), WITH_LWS (1 when bench/setup.sh built the C peer; 0 leaves it out),
# LWS_BIN (BUILD_DIR/bench/peers/lws-broadcast), SERVER_FLAGS (extra flags
# for maptable-server, e.g. "--thread-model shared"), BENCH_NICE (-10), QUIET_MAX (0.25
# cores), QUIET_WAIT (20 s), DURABILITY of the server in B1-B4
# (normal; B6 always runs full), THREADS (server I/O threads, 0 = one per
# core), B1_CLIENTS (10000), B1_IDLE_S (30), B2_CLIENTS (200), B2_SIZES
# ("5 50 200"), B2_START (20000 deliveries/s), B2_FACTOR (1.6), B2_STEPS (11),
# B3_ROOMS (16x25,2x200), B3_REF (delivered/s taken as B2's saturation;
# default: maptable's at rooms of 50 in this run), B3_CURSOR_HZ (10),
# B4_RATE (1 chat/s per member), B4_S (60), B5_FEATURES (10000), B5_CHAT
# (50000), B5_CLIENTS (200), B7_EVENTS (1000000), TM_SIZES ("5 50"),
# TM_VARIANTS ("t1 shared2 core2"; also pin2).
# Round two: S_DURABILITY (maptable's durability in S1-S3: full), S_WARMUP
# (3 s), S_S (the window, 10 s), S3_RATES (per-client chat/s of the S3 sweep:
# "2 4 6 8 10 12"), D1_ROOMS (100), D1_RATES (offered edits/s: "2000 8000
# 16000 32000 64000 128000"), D1_WARMUP (3 s), D1_S (10 s), D1_READERS (0:
# members of each room that only read the writer's events); C1 (cold rooms)
# reuses B5_FEATURES, B5_CHAT and B5_CLIENTS.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
server_bin=${SERVER_BIN:-$build_dir/server/maptable-server}
loadgen_bin=${LOADGEN_BIN:-$build_dir/bench/maptable-loadgen}
seed_bin=${SEED_BIN:-$build_dir/bench/maptable-bench-seed}
peer=$root/bench/peers/ws-broadcast
lws_bin=${LWS_BIN:-$build_dir/bench/peers/lws-broadcast}
report=$root/bench/report.py
results=${RESULTS:-$root/bench/results/results.jsonl}
scenarios=${SCENARIOS:-"B1 B2 B3"}
durability=${DURABILITY:-normal}
threads=${THREADS:-0}
quick=${QUICK:-0}
# The servers and the load generator run at this niceness (BENCH_NICE, -10
# when allowed), so that builds on a shared machine take less of the window.
bench_nice=${BENCH_NICE:--10}
run_nice=(nice -n "$bench_nice")
nice -n "$bench_nice" true 2>/dev/null || run_nice=()
# With the kernel's autogroup scheduling (/proc/sys/kernel/sched_autogroup_enabled),
# nice orders processes within one session only; against other sessions (the
# other engineers' builds) a session weighs by its autogroup's nice. So the
# bench runs in a session of its own whose autogroup gets BENCH_NICE too.
if [[ -z ${BENCH_OWN_SESSION:-} && $(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null) == 1 ]] &&
  command -v setsid >/dev/null; then
  BENCH_OWN_SESSION=1 exec setsid --wait bash "$0" "$@"
fi
echo "$bench_nice" >/proc/self/autogroup 2>/dev/null || true

if [[ $quick == 1 ]]; then
  d_b1_clients=1000 d_b1_idle=5 d_warm=1 d_dur=2 d_steps=4
else
  d_b1_clients=10000 d_b1_idle=30 d_warm=2 d_dur=5 d_steps=11
fi
b1_clients=${B1_CLIENTS:-$d_b1_clients}
b1_idle=${B1_IDLE_S:-$d_b1_idle}
b2_clients=${B2_CLIENTS:-200}
b2_sizes=${B2_SIZES:-"5 50 200"}
b2_start=${B2_START:-20000}
b2_factor=${B2_FACTOR:-1.6}
b2_steps=${B2_STEPS:-$d_steps}
b3_rooms=${B3_ROOMS:-16x25,2x200}
b3_cursor=${B3_CURSOR_HZ:-10}
b4_rate=${B4_RATE:-1}
b5_features=${B5_FEATURES:-10000}
b5_chat=${B5_CHAT:-50000}
b5_clients=${B5_CLIENTS:-200}
b7_events=${B7_EVENTS:-1000000}
tm_sizes=${TM_SIZES:-"5 50"}
tm_variants=${TM_VARIANTS:-"t1 shared2 core2"}
s_durability=${S_DURABILITY:-full}
if [[ $quick == 1 ]]; then
  d_s_warm=1 d_s_s=3 d_s3_rates="2 6" d_d1_rates="2000 8000"
else
  d_s_warm=3 d_s_s=10 d_s3_rates="2 4 6 8 10 12" d_d1_rates="2000 8000 16000 32000 64000 128000"
fi
s_warm=${S_WARMUP:-$d_s_warm}
s_s=${S_S:-$d_s_s}
s3_rates=${S3_RATES:-$d_s3_rates}
d1_rooms=${D1_ROOMS:-100}
d1_readers=${D1_READERS:-0}
d1_rates=${D1_RATES:-$d_d1_rates}
d1_warm=${D1_WARMUP:-$d_s_warm}
d1_s=${D1_S:-$d_s_s}
warm=$d_warm
dur=$d_dur

for bin in "$server_bin" "$loadgen_bin" "$seed_bin"; do
  [[ -x $bin ]] || { echo "bench/run.sh: $bin is missing; run bench/setup.sh (or set BUILD_DIR)" >&2; exit 1; }
done
with_ws=${WITH_WS:-1}
if (( with_ws )) && ! command -v node >/dev/null || [[ ! -d $peer/node_modules/ws ]]; then
  echo "bench/run.sh: node or $peer/node_modules missing (bench/setup.sh): no ws peer" >&2
  with_ws=0
fi
with_lws=${WITH_LWS:-1}
if (( with_lws )) && [[ ! -x $lws_bin ]]; then
  echo "bench/run.sh: $lws_bin missing (bench/setup.sh, libwebsockets-dev): no C peer" >&2
  with_lws=0
fi

# B1 holds 10,000 connections in the load generator and as many in each server.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if (( $(ulimit -n) < b1_clients + 200 )); then
  echo "bench/run.sh: ulimit -n is $(ulimit -n): B1 uses $(( $(ulimit -n) - 200 )) connections" >&2
  b1_clients=$(( $(ulimit -n) - 200 ))
fi

mkdir -p "$(dirname "$results")"
run_id=$(date -u +%Y%m%dT%H%M%SZ)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
cores=$(nproc)
secret=bench-$RANDOM$RANDOM$RANDOM
work=$(mktemp -d "${TMPDIR:-/tmp}/maptable-bench.XXXXXX")
srv_pid=
port=
srv_pid2=
port2=
n=0
seeded=      # when set: start_maptable uses this data directory (B5, B7)
pin=()       # when set: start_maptable runs the server under it (taskset -c N)
lg_extra=    # when set: more JSON fields for the next records ("\"variant\":\"t1\",")
lg_wait=1    # 0: the next lg does not wait for a quiet machine (B7 measures from the server's start)

stop_server() {
  local p
  for p in "$srv_pid" "$srv_pid2"; do
    if [[ -n $p ]]; then
      kill -TERM "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
    fi
  done
  srv_pid= srv_pid2= port2=
}
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits for "... listening on ADDR:PORT" in $1; sets port.
await_listening() {
  local out=$1 line=
  for _ in $(seq 200); do
    line=$(grep -m1 'listening on' "$out" 2>/dev/null || true)
    [[ -n $line ]] && break
    kill -0 "$srv_pid" 2>/dev/null || break
    sleep 0.05
  done
  [[ -n $line ]] || { echo "bench/run.sh: the server did not start:" >&2; cat "$out" "$out.err" >&2 2>/dev/null; exit 1; }
  port=${line##*:}
}

# start_maptable [extra flags]: a fresh server on a free port. Limits that
# would refuse a load generator on one address are lifted; everything else is
# the default.
start_maptable() {
  local dir=$work/server-$((++n))
  mkdir -p "$dir"
  "${pin[@]}" "${run_nice[@]}" "$server_bin" --port 0 --data-dir "${seeded:-$dir/data}" --secret "$secret" --durability "$durability" --threads "$threads" \
    --log-level warn --max-connections 50000 --max-connections-per-ip 50000 \
    --command-rate 1000000 --command-burst 1000000 ${SERVER_FLAGS:-} "$@" >"$dir/out" 2>"$dir/out.err" &
  srv_pid=$!
  await_listening "$dir/out"
}

# start_ws [--ping-interval S]: the node peer on a free port.
start_ws() {
  local dir=$work/server-$((++n))
  mkdir -p "$dir"
  "${run_nice[@]}" node "$peer/server.js" --port 0 "$@" >"$dir/out" 2>"$dir/out.err" &
  srv_pid=$!
  await_listening "$dir/out"
}

# start_lws [--ping-interval S]: the C peer (libwebsockets) on a free port.
start_lws() {
  local dir=$work/server-$((++n))
  mkdir -p "$dir"
  "${run_nice[@]}" "$lws_bin" --port 0 "$@" >"$dir/out" 2>"$dir/out.err" &
  srv_pid=$!
  await_listening "$dir/out"
}

# start_server NAME: a fresh maptable (with the flags after NAME) or peer.
start_server() {
  local name=$1
  shift
  case $name in
  maptable) start_maptable "$@" ;;
  ws) start_ws ;;
  lws) start_lws ;;
  esac
}

# The machine is shared: before each run, wait (at most QUIET_WAIT s, 20)
# until the other processes use less than QUIET_MAX cores (0.25) over 1 s.
# Each record carries other_cpu_s, the CPU others used during its window.
busy_ticks() { local cpu u n s i w q sq st; read -r cpu u n s i w q sq st _ </proc/stat; echo $((u + n + s + q + sq + st)); }
wait_quiet() {
  local deadline=$((SECONDS + ${QUIET_WAIT:-20})) a b hz
  hz=$(getconf CLK_TCK)
  while :; do
    a=$(busy_ticks); sleep 1; b=$(busy_ticks)
    [[ $(calc "($b - $a) / $hz <= ${QUIET_MAX:-0.25}") == True ]] && return
    if (( SECONDS >= deadline )); then
      echo "bench/run.sh: the machine is busy ($(calc "($b - $a) / $hz") cores used by others); measuring anyway" >&2
      return
    fi
    sleep 2
  done
}

# lg SCENARIO SERVER SIZE LOAD [loadgen flags]: one load-generator run against
# the running server; appends its JSON line (with the run's fields) to
# $results and keeps it in $last.
last=
lg() {
  local scenario=$1 server=$2 size=$3 load=$4 json
  shift 4
  local mode=(--mode raw)
  [[ $server == maptable ]] && mode=(--mode maptable --secret "$secret")
  local second=()
  [[ -n $srv_pid2 ]] && second=(--port2 "$port2" --server-pid2 "$srv_pid2")
  (( lg_wait )) && wait_quiet
  # The load average before and after the run: a busy machine shows in the record.
  local load_before load_after
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  json=$("${run_nice[@]}" "$loadgen_bin" "${mode[@]}" --port "$port" --server-pid "$srv_pid" "${second[@]}" "$@") || true
  load_after=$(cut -d' ' -f1-3 /proc/loadavg)
  if [[ $json != \{* ]]; then
    echo "bench/run.sh: the load generator failed ($scenario $server)" >&2
    last=
    return
  fi
  last="{\"run\":\"$run_id\",\"commit\":\"$commit\",\"cores\":$cores,\"scenario\":\"$scenario\",\"server\":\"$server\",\"size\":$size,\"load\":$load,\"durability\":\"$durability\",\"threads\":$threads,\"loadavg_before\":\"$load_before\",\"loadavg_after\":\"$load_after\",$lg_extra${json#\{}"
  echo "$last" >>"$results"
}

field() { python3 "$report" get "$1" <<<"$last"; }
calc() { python3 -c "print($1)"; }

# chat_sweep SCENARIO SERVER SIZE LABEL START_COMMAND: the B2 sweep. Every
# member of every room sends chat; the offered deliveries/s start at B2_START
# and grow by B2_FACTOR per step (a fresh server from START_COMMAND each
# step) until delivered/s grows less than 5 % over the best so far or p99
# passes 2 s.
chat_sweep() {
  local scenario=$1 server=$2 size=$3 label=$4 starter=$5 best=0 target=$b2_start step rate got p99
  for ((step = 1; step <= b2_steps; step++)); do
    rate=$(calc "$target / ($b2_clients * ($size - 1))")
    $starter
    lg "$scenario" "$server" "$size" 0 --clients "$b2_clients" --room-size "$size" --rate "$rate" \
      --warmup "$warm" --duration "$dur" --drain 3 --label "$label rooms of $size, offered $target/s"
    stop_server
    [[ -n $last ]] || break
    got=$(field delivered_per_s)
    p99=$(field lat_p99_ms)
    if [[ $(calc "$got < 1.05 * $best or $p99 > 2000") == True ]]; then break; fi
    best=$got
    target=$(calc "int($target * $b2_factor)")
  done
}

servers=(maptable)
(( with_ws )) && servers+=(ws)
(( with_lws )) && servers+=(lws)

echo "bench/run.sh: run $run_id, commit $commit, $cores cores shared by the load generator and the server;" \
  "scenarios: $scenarios; results: $results"

for scenario in $scenarios; do
  case $scenario in
  B1)
    # Idle: connections joined in 100 rooms; pings every 10 s on both servers
    # (maptable pings at half its idle timeout).
    for server in "${servers[@]}"; do
      case $server in
      maptable) start_maptable --ws-idle-timeout 20 ;;
      ws) start_ws --ping-interval 10 ;;
      lws) start_lws --ping-interval 10 ;;
      esac
      lg B1 "$server" $((b1_clients / 100)) 0 --clients "$b1_clients" --room-size $((b1_clients / 100)) --rate 0 \
        --warmup 2 --duration "$b1_idle" --drain 0 --label "B1 idle $b1_clients"
      stop_server
    done
    ;;
  B2)
    # Chat storm: every member of every room sends; the offered deliveries/s
    # grow by B2_FACTOR per step until delivered/s stops growing (< 5 % more
    # than the best so far) or p99 passes 2 s.
    for size in $b2_sizes; do
      for server in "${servers[@]}"; do
        starter="start_server $server"
        chat_sweep B2 "$server" "$size" "B2" "$starter"
      done
    done
    ;;
  B3)
    # Mixed open loop at 50 % and 80 % of B2's saturation (delivered/s),
    # offered identically to both servers: chat, feature edits, cursors.
    ref=${B3_REF:-$(python3 "$report" saturation "$results" "$run_id" B2 maptable 50)}
    if [[ $ref == 0 ]]; then
      echo "bench/run.sh: B3 needs B2 at rooms of 50 in this run, or B3_REF" >&2
      continue
    fi
    pairs=$(calc "sum(int(c) * int(s) * (int(s) - 1) for c, s in (p.split('x') for p in '$b3_rooms'.split(',')))")
    for load in 50 80; do
      rate=$(calc "$load / 100 * $ref / $pairs")
      for server in "${servers[@]}"; do
        start_server "$server"
        lg B3 "$server" 25 "$load" --rooms "$b3_rooms" --mix mixed --cursor-hz "$b3_cursor" --rate "$rate" \
          --warmup "$((warm + 1))" --duration "$((dur * 2))" --drain 3 --label "B3 $load% of $ref/s"
        stop_server
      done
    done
    ;;
  B4)
    # Slow consumer: one member of a room of 200 stops reading for the
    # window; the others' latency and the server's RSS are what count. After
    # the drain (maptable) the slow member reads again: the server's close
    # (1013 when its queue overflowed, a reset when a write timed out) is
    # recorded and it rejoins with a Resume from the seq it had applied.
    b4_s=${B4_S:-$((quick == 1 ? 5 : 60))}
    for server in "${servers[@]}"; do
      resume=()
      start_server "$server"
      [[ $server == maptable ]] && resume=(--slow-resume)
      lg B4 "$server" 200 0 --clients 200 --room-size 200 --rate "$b4_rate" --slow 1 "${resume[@]}" \
        --warmup "$warm" --duration "$b4_s" --drain 3 --label "B4 slow consumer, $b4_rate/s per member, $b4_s s"
      stop_server
    done
    ;;
  B5)
    # Join storm: a room seeded with B5_FEATURES features and B5_CHAT chat
    # messages (through the state machine and the event log, snapshot
    # included, as a running server leaves it); B5_CLIENTS clients join it at
    # once; the time until the last has its Welcome (the full state).
    seeded=$work/b5-data
    "$seed_bin" --data-dir "$seeded" --room b5-0 --features "$b5_features" --chat "$b5_chat" >"$work/b5-seed.json"
    echo "bench/run.sh: B5 seeded: $(cat "$work/b5-seed.json")" >&2
    start_maptable
    lg_extra="\"seed\":$(cat "$work/b5-seed.json"),"
    lg B5 maptable "$b5_clients" 0 --clients "$b5_clients" --room-size "$b5_clients" --room-prefix b5 --join-only \
      --connect-concurrency "$b5_clients" --label "B5 join storm: $b5_clients into $b5_features features, $b5_chat chat"
    lg_extra=
    stop_server
    seeded=
    ;;
  B7)
    # Restart: a room with a B7_EVENTS-event log (1,000 features, then half
    # chat, half feature edits); the time from starting the server process
    # until it sends the first Welcome of that room to one client (which
    # retries its connection every 2 ms until the server listens). Twice:
    # with the snapshot a running server would have left (it snapshots every
    # 1,000 events), and with none (the whole log is replayed).
    # The database was just written: it is in the page cache (a warm restart).
    for snap in snapshot replay; do
      seeded=$work/b7-$snap
      flag=()
      [[ $snap == replay ]] && flag=(--no-snapshot)
      rest=$((b7_events - 1000))
      "$seed_bin" --data-dir "$seeded" --room b7-0 --features 1000 --chat $((rest / 2)) --updates $((rest - rest / 2)) \
        "${flag[@]}" >"$work/b7-seed.json"
      echo "bench/run.sh: B7 seeded: $(cat "$work/b7-seed.json")" >&2
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      wait_quiet
      t_start=$(date +%s%N)
      dir=$work/server-$((++n))
      mkdir -p "$dir"
      "${run_nice[@]}" "$server_bin" --port "$port" --data-dir "$seeded" --secret "$secret" --durability "$durability" \
        --threads "$threads" --log-level warn >"$dir/out" 2>"$dir/out.err" &
      srv_pid=$!
      lg_extra="\"seed\":$(cat "$work/b7-seed.json"),\"variant\":\"$snap\",\"server_started_unix_ns\":$t_start,"
      lg_wait=0
      lg B7 maptable 1 0 --clients 1 --room-size 1 --room-prefix b7 --join-only --connect-retry 60 \
        --label "B7 restart with a $b7_events-event log ($snap)"
      lg_wait=1
      if [[ -n $last ]]; then
        last="${last%\}},\"start_to_serve_s\":$(calc "($(field first_ready_unix_ns) - $t_start) / 1e9")}"
        sed -i '$d' "$results" && echo "$last" >>"$results"
      fi
      lg_extra=
      stop_server
      seeded=
    done
    ;;
  TM)
    # Thread models (issue 5 item 4), maptable only, the same offered loads:
    #   t1:      --threads 1 (one io_context, one I/O thread; plus the store writer)
    #   shared2: --threads 2 --thread-model shared (one io_context, a strand
    #            per room and per connection; "t2" in runs before 2aaa80e)
    #   core2:   --threads 2 --thread-model per-core (one io_context per
    #            thread, rooms pinned by id, connections round robin, one
    #            hand-over per loop per commit: the default)
    #   pin2: two server processes with --threads 1, pinned with taskset -c 0 and
    #         -c 1, the rooms split between them by the loadgen (even rooms to
    #         one, odd to the other): a stand-in for one io_context per core
    #         with rooms pinned. The loadgen itself is not pinned.
    # B2 sweeps at rooms of TM_SIZES, then B3 at 50 % of the core2 saturation
    # at rooms of 50 (or B3_REF).
    saved_threads=$threads
    tm_start() {
      case $1 in
      t1) threads=1; start_maptable ;;
      t2 | shared2) threads=2; start_maptable --thread-model shared ;;
      core2) threads=2; start_maptable --thread-model per-core ;;
      pin2)
        threads=1
        pin=(taskset -c 1); start_maptable; srv_pid2=$srv_pid; port2=$port
        pin=(taskset -c 0); start_maptable
        pin=()
        ;;
      esac
    }
    for variant in $tm_variants; do
      lg_extra="\"variant\":\"$variant\","
      for size in $tm_sizes; do
        chat_sweep TM-B2 maptable "$size" "TM $variant B2" "tm_start $variant"
      done
    done
    ref=${B3_REF:-$(python3 "$report" saturation "$results" "$run_id" TM-B2 maptable 50 core2)}
    if [[ $ref == 0 ]]; then
      echo "bench/run.sh: TM's B3 needs the core2 sweep at rooms of 50, or B3_REF" >&2
    else
      pairs=$(calc "sum(int(c) * int(s) * (int(s) - 1) for c, s in (p.split('x') for p in '$b3_rooms'.split(',')))")
      rate=$(calc "50 / 100 * $ref / $pairs")
      for variant in $tm_variants; do
        lg_extra="\"variant\":\"$variant\","
        tm_start "$variant"
        lg TM-B3 maptable 25 50 --rooms "$b3_rooms" --mix mixed --cursor-hz "$b3_cursor" --rate "$rate" \
          --warmup "$((warm + 1))" --duration "$((dur * 2))" --drain 3 --label "TM $variant B3 50% of $ref/s"
        stop_server
      done
    fi
    lg_extra=
    threads=$saved_threads
    ;;
  B6)
    # Durable edits: rooms of one, AddFeature then UpdateFeatures, acked after
    # the SQLite commit with synchronous=FULL. Maptable only.
    saved=$durability
    durability=full
    best=0
    target=2000
    for ((step = 1; step <= b2_steps; step++)); do
      start_maptable
      lg B6 maptable 1 0 --clients 100 --room-size 1 --mix edits --rate "$(calc "$target / 100")" \
        --warmup "$warm" --duration "$dur" --drain 3 --label "B6 offered $target edits/s"
      stop_server
      [[ -n $last ]] || break
      got=$(field acks_per_s)
      if [[ $(calc "$got < 1.05 * $best") == True ]]; then break; fi
      best=$got
      target=$(calc "int($target * 2)")
    done
    durability=$saved
    ;;
  S1 | S2)
    # Round two, open loop, the same offered load on every server; maptable
    # with S_DURABILITY (full). S1: a workshop, 20 rooms of 25, 5 chat/s per
    # member (60 000 deliveries/s); S2: one room of 200 at 2 chat/s per
    # member (79 600 deliveries/s).
    saved=$durability
    durability=$s_durability
    if [[ $scenario == S1 ]]; then shape=(500 25 5); else shape=(200 200 2); fi
    for server in "${servers[@]}"; do
      start_server "$server"
      lg "$scenario" "$server" "${shape[1]}" "${shape[2]}" --clients "${shape[0]}" --room-size "${shape[1]}" \
        --rate "${shape[2]}" --warmup "$s_warm" --duration "$s_s" --drain 3 \
        --label "$scenario ${shape[0]} clients in rooms of ${shape[1]} at ${shape[2]}/s"
      stop_server
    done
    durability=$saved
    ;;
  S3)
    # Round two: 10 rooms of 50, every member sending chat at each rate of
    # S3_RATES (2/s = 49 000 deliveries/s); a server's sweep stops after a
    # step with p99 over 2 s or less than 95 % delivered. report.py names the
    # highest step with p99 <= 50 ms and everything delivered.
    saved=$durability
    durability=$s_durability
    for server in "${servers[@]}"; do
      for rate in $s3_rates; do
        start_server "$server"
        lg S3 "$server" 50 "$rate" --clients 500 --room-size 50 --rate "$rate" --warmup "$s_warm" --duration "$s_s" \
          --drain 3 --label "S3 10 rooms of 50 at $rate/s"
        stop_server
        [[ -n $last ]] || break
        if [[ $(calc "$(field lat_p99_ms) > 2000 or $(field delivered) < 0.95 * $(field expected)") == True ]]; then break; fi
      done
    done
    durability=$saved
    ;;
  D1)
    # Round two, durable edits: D1_ROOMS rooms (100) of one writer each, one
    # AddFeature then UpdateFeatures at a fixed rate (open loop), acked after
    # the commit with --durability full; each rate of D1_RATES on a fresh
    # server. Maptable only. B6 is the same load with a 2 s warm-up and a
    # 5 s window, doubling until acked/s stops growing (D1_WARMUP=2 D1_S=5
    # reproduces it; see docs/perf/bench-round-two.md).
    saved=$durability
    durability=full
    for target in $d1_rates; do
      start_maptable
      lg D1 maptable $((1 + d1_readers)) "$target" --clients $((d1_rooms * (1 + d1_readers))) --room-size $((1 + d1_readers)) \
        --writers 1 --mix edits --rate "$(calc "$target / $d1_rooms")" --warmup "$d1_warm" --duration "$d1_s" --drain 3 \
        --label "D1 $d1_rooms rooms of one writer and $d1_readers readers, offered $target edits/s"
      stop_server
    done
    durability=$saved
    ;;
  C1)
    # Round two, cold rooms: B5's seeded room (B5_FEATURES features,
    # B5_CHAT chat messages) on a fresh server: one client joins (the room
    # loads: cold), then another (loaded: warm). Then a second fresh server:
    # B5_CLIENTS clients join at once (the first storm of the process), and
    # as many again into the loaded room. Variants: cold1, warm1, cold200,
    # warm200. Maptable only.
    seeded=$work/c1-data
    "$seed_bin" --data-dir "$seeded" --room c1-0 --features "$b5_features" --chat "$b5_chat" >"$work/c1-seed.json"
    echo "bench/run.sh: C1 seeded: $(cat "$work/c1-seed.json")" >&2
    for count in 1 "$b5_clients"; do
      start_maptable
      for phase in cold warm; do
        lg_extra="\"seed\":$(cat "$work/c1-seed.json"),\"variant\":\"$phase$count\","
        lg C1 maptable "$count" 0 --clients "$count" --room-size "$count" --room-prefix c1 --join-only \
          --connect-concurrency "$count" --label "C1 $phase: $count into $b5_features features, $b5_chat chat"
      done
      lg_extra=
      stop_server
    done
    seeded=
    ;;
  *)
    echo "bench/run.sh: unknown scenario $scenario (B1 B2 B3 B4 B5 B6 B7 TM S1 S2 S3 D1 C1)" >&2
    ;;
  esac
done

echo
python3 "$report" table "$results" "$run_id"
