#!/usr/bin/env bash
# bench/run.sh: issue 5's scenarios against maptable-server and the `ws` peer
# (bench/peers/ws-broadcast) on this machine, in one run; appends one JSON
# line per load-generator run to bench/results/results.jsonl and prints one
# table with the ratios (bench/report.py). Every run gets a fresh server and
# a fresh temporary data directory.
#
#   bench/setup.sh             once: node modules of the peer, builds
#   bench/run.sh               B1 B2 B3 (about 15 minutes on 2 cores)
#   SCENARIOS="B2 B6" bench/run.sh
#   QUICK=1 bench/run.sh       a short pass of everything (checks the script)
#
# Environment: BUILD_DIR (build/), SERVER_BIN, LOADGEN_BIN, RESULTS,
# SCENARIOS ("B1 B2 B3"; also B4, B6), BENCH_NICE (-10), QUIET_MAX (0.25
# cores), QUIET_WAIT (20 s), DURABILITY of the server in B1-B4
# (normal; B6 always runs full), THREADS (server I/O threads, 0 = one per
# core), B1_CLIENTS (10000), B1_IDLE_S (30), B2_CLIENTS (200), B2_SIZES
# ("5 50 200"), B2_START (20000 deliveries/s), B2_FACTOR (1.6), B2_STEPS (11),
# B3_ROOMS (16x25,2x200), B3_REF (delivered/s taken as B2's saturation;
# default: maptable's at rooms of 50 in this run), B3_CURSOR_HZ (10).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
server_bin=${SERVER_BIN:-$build_dir/server/maptable-server}
loadgen_bin=${LOADGEN_BIN:-$build_dir/bench/maptable-loadgen}
peer=$root/bench/peers/ws-broadcast
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
warm=$d_warm
dur=$d_dur

for bin in "$server_bin" "$loadgen_bin"; do
  [[ -x $bin ]] || { echo "bench/run.sh: $bin is missing; run bench/setup.sh (or set BUILD_DIR)" >&2; exit 1; }
done
with_ws=1
if ! command -v node >/dev/null || [[ ! -d $peer/node_modules/ws ]]; then
  echo "bench/run.sh: node or $peer/node_modules missing (bench/setup.sh): maptable only" >&2
  with_ws=0
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
n=0

stop_server() {
  if [[ -n $srv_pid ]]; then
    kill -TERM "$srv_pid" 2>/dev/null || true
    wait "$srv_pid" 2>/dev/null || true
    srv_pid=
  fi
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
  "${run_nice[@]}" "$server_bin" --port 0 --data-dir "$dir/data" --secret "$secret" --durability "$durability" --threads "$threads" \
    --log-level warn --max-connections 50000 --max-connections-per-ip 50000 \
    --command-rate 1000000 --command-burst 1000000 "$@" >"$dir/out" 2>"$dir/out.err" &
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
  wait_quiet
  json=$("${run_nice[@]}" "$loadgen_bin" "${mode[@]}" --port "$port" --server-pid "$srv_pid" "$@") || true
  if [[ $json != \{* ]]; then
    echo "bench/run.sh: the load generator failed ($scenario $server)" >&2
    last=
    return
  fi
  last="{\"run\":\"$run_id\",\"commit\":\"$commit\",\"cores\":$cores,\"scenario\":\"$scenario\",\"server\":\"$server\",\"size\":$size,\"load\":$load,\"durability\":\"$durability\",\"threads\":$threads,${json#\{}"
  echo "$last" >>"$results"
}

field() { python3 "$report" get "$1" <<<"$last"; }
calc() { python3 -c "print($1)"; }

servers=(maptable)
(( with_ws )) && servers+=(ws)

echo "bench/run.sh: run $run_id, commit $commit, $cores cores shared by the load generator and the server;" \
  "scenarios: $scenarios; results: $results"

for scenario in $scenarios; do
  case $scenario in
  B1)
    # Idle: connections joined in 100 rooms; pings every 10 s on both servers
    # (maptable pings at half its idle timeout).
    for server in "${servers[@]}"; do
      if [[ $server == maptable ]]; then start_maptable --ws-idle-timeout 20; else start_ws --ping-interval 10; fi
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
        best=0
        target=$b2_start
        for ((step = 1; step <= b2_steps; step++)); do
          rate=$(calc "$target / ($b2_clients * ($size - 1))")
          if [[ $server == maptable ]]; then start_maptable; else start_ws; fi
          lg B2 "$server" "$size" 0 --clients "$b2_clients" --room-size "$size" --rate "$rate" \
            --warmup "$warm" --duration "$dur" --drain 3 --label "B2 rooms of $size, offered $target/s"
          stop_server
          [[ -n $last ]] || break
          got=$(field delivered_per_s)
          p99=$(field lat_p99_ms)
          if [[ $(calc "$got < 1.05 * $best or $p99 > 2000") == True ]]; then break; fi
          best=$got
          target=$(calc "int($target * $b2_factor)")
        done
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
        if [[ $server == maptable ]]; then start_maptable; else start_ws; fi
        lg B3 "$server" 25 "$load" --rooms "$b3_rooms" --mix mixed --cursor-hz "$b3_cursor" --rate "$rate" \
          --warmup "$((warm + 1))" --duration "$((dur * 2))" --drain 3 --label "B3 $load% of $ref/s"
        stop_server
      done
    done
    ;;
  B4)
    # Slow consumer: one member of a room of 200 stops reading for the
    # window; the others' latency and the server's RSS are what count.
    for server in "${servers[@]}"; do
      if [[ $server == maptable ]]; then start_maptable; else start_ws; fi
      lg B4 "$server" 200 0 --clients 200 --room-size 200 --rate 1 --slow 1 \
        --warmup "$warm" --duration "$((quick == 1 ? 5 : 60))" --drain 3 --label "B4 slow consumer"
      stop_server
    done
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
  *)
    echo "bench/run.sh: unknown scenario $scenario (B1 B2 B3 B4 B6)" >&2
    ;;
  esac
done

echo
python3 "$report" table "$results" "$run_id"
