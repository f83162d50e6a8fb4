#!/usr/bin/env bash
# bench/failover/run.sh: several nodes on one PostgreSQL store, on this machine.
#   1. Fail-over time: maptable-failover starts NODES nodes on a fresh
#      PostgreSQL database, puts CLIENTS readers and one writer per room in
#      ROOMS rooms, and kill -9s the rooms' owner CYCLES times; each reader's
#      time from the kill to its resumed Welcome on another node is one
#      sample (p50/p90/p99/max), and the writers' acked commands are checked
#      against the log (lost, stored twice, seq gaps: all must be 0).
#   2. Throughput: acked durable edits (the load generator's B6 load: rooms
#      of one, AddFeature then UpdateFeatures, each acked after its commit)
#      at rising offered rates, against one node on SQLite and against two
#      nodes on PostgreSQL (half the rooms on each).
# Appends one JSON line per run to bench/failover/results.jsonl and prints
# them. It starts its own PostgreSQL (initdb in a temp dir; as root, as the
# postgres user) and removes it at the end.
#
#   bench/failover/run.sh                  everything (about 6 minutes on 2 cores)
#   PARTS=failover bench/failover/run.sh   only the fail-over part (or PARTS=throughput)
#
# Environment: BUILD_DIR (build/), PARTS ("failover throughput"), NODES (3),
# ROOMS (6), CLIENTS (30), CYCLES (50), LEASES ("1000 5000": one fail-over
# run per --lease-ms), RATES ("1000 2000 4000" offered edits/s), DURATION (5 s).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
server_bin=$build_dir/server/maptable-server
failover_bin=$build_dir/bench/failover/maptable-failover
loadgen_bin=$build_dir/bench/maptable-loadgen
results=${RESULTS:-$root/bench/failover/results.jsonl}
parts=${PARTS:-"failover throughput"}
nodes=${NODES:-3}
rooms=${ROOMS:-6}
clients=${CLIENTS:-30}
cycles=${CYCLES:-50}
leases=${LEASES:-"1000 5000"}
rates=${RATES:-"1000 2000 4000"}
duration=${DURATION:-5}
secret=failover-bench-secret-0123456789abcdef

for bin in "$server_bin" "$failover_bin" "$loadgen_bin"; do
  [[ -x $bin ]] || { echo "bench/failover/run.sh: $bin is missing; build first (cmake --build build)" >&2; exit 1; }
done
pg_bin=
for v in 15 16 17 14 13; do
  [[ -x /usr/lib/postgresql/$v/bin/initdb ]] && { pg_bin=/usr/lib/postgresql/$v/bin; break; }
done
[[ -n $pg_bin ]] || { echo "bench/failover/run.sh: PostgreSQL's binaries are missing (deploy/setup.sh installs them)" >&2; exit 1; }

work=$(mktemp -d /tmp/maptable-failover-bench.XXXXXX)
as_pg=()
if [[ $(id -u) == 0 ]]; then
  chown postgres: "$work"
  as_pg=(runuser -u postgres --)
fi
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pg_port=$(free_port)
"${as_pg[@]}" "$pg_bin/initdb" -D "$work/pg" -U maptable -A trust -E UTF8 --locale=C >"$work/initdb.log" 2>&1
# Durable commits (fsync on) as a deployment has them; more connections
# than the default for three nodes' writers, readers and catalogues.
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
  -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
db_url() { echo "postgresql://maptable@127.0.0.1:$pg_port/$1"; }
new_db() { "${as_pg[@]}" "$pg_bin/psql" -h "$work" -p "$pg_port" -U maptable -d postgres -qc "CREATE DATABASE $1" >/dev/null; }

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
run_id=$(date -u +%Y%m%dT%H%M%SZ)
cores=$(nproc)
record() {   # record PART JSON
  local line="{\"run\":\"$run_id\",\"commit\":\"$commit\",\"cores\":$cores,\"part\":\"$1\",${2#\{}"
  echo "$line" >>"$results"
  echo "$line"
}

if [[ " $parts " == *" failover "* ]]; then
  for lease in $leases; do
    db=failover_$lease
    new_db "$db"
    json=$("$failover_bin" --server "$server_bin" --store "$(db_url "$db")" --nodes "$nodes" --rooms "$rooms" \
      --clients "$clients" --cycles "$cycles" --lease-ms "$lease" --label "fail-over, --lease-ms $lease") || status=$?
    # Exit 1 (a command lost, stored twice, a gap) still prints the result.
    [[ $json == \{* ]] && record failover "$json"
    (( ${status:-0} == 0 )) || { echo "bench/failover/run.sh: maptable-failover exited ${status}" >&2; exit 1; }
  done
fi

# wait_listening FILE: the port from a node's "listening on" line.
start_node() {   # start_node NAME ARGS...: starts maptable-server, sets node_pid and node_port
  local name=$1 out=$work/$1.out
  shift
  mkdir -p "$work/$name"
  "$server_bin" --port 0 --data-dir "$work/$name" --secret "$secret" --log-level warn "$@" >"$out" 2>"$work/$name.log" &
  node_pid=$!
  pids+=("$node_pid")
  for _ in $(seq 1 200); do
    grep -q 'listening on' "$out" 2>/dev/null && break
    kill -0 "$node_pid" 2>/dev/null || { echo "bench/failover/run.sh: $name did not start" >&2; cat "$work/$name.log" >&2; exit 1; }
    sleep 0.05
  done
  node_port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$out")
}
stop_nodes() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
}

if [[ " $parts " == *" throughput "* ]]; then
  for rate in $rates; do
    per_client=$(python3 -c "print($rate / 100)")
    # One node, SQLite, synchronous=FULL (the default durability).
    start_node sqlite-$rate
    json=$("$loadgen_bin" --mode maptable --secret "$secret" --port "$node_port" --server-pid "$node_pid" \
      --clients 100 --room-size 1 --mix edits --rate "$per_client" --warmup 2 --duration "$duration" --drain 3 \
      --room-prefix "sqlite$rate" --label "one node, SQLite, offered $rate edits/s") || true
    [[ $json == \{* ]] && record throughput "{\"store\":\"sqlite\",\"nodes\":1,${json#\{}"
    stop_nodes
    # Two nodes, one PostgreSQL database; the load generator sends the
    # odd-numbered rooms to the second node, which then owns them.
    db=throughput_$rate
    new_db "$db"
    start_node pg-a-$rate --store "$(db_url "$db")" --node-id node-a
    pid_a=$node_pid port_a=$node_port
    start_node pg-b-$rate --store "$(db_url "$db")" --node-id node-b
    json=$("$loadgen_bin" --mode maptable --secret "$secret" --port "$port_a" --server-pid "$pid_a" \
      --port2 "$node_port" --server-pid2 "$node_pid" \
      --clients 100 --room-size 1 --mix edits --rate "$per_client" --warmup 2 --duration "$duration" --drain 3 \
      --room-prefix "pg$rate" --label "two nodes, PostgreSQL, offered $rate edits/s") || true
    [[ $json == \{* ]] && record throughput "{\"store\":\"postgresql\",\"nodes\":2,${json#\{}"
    stop_nodes
  done
fi
