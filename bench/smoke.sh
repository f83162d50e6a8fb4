#!/usr/bin/env bash
# The bench's smoke test (CTest: bench_smoke, label bench). Starts a real
# maptable-server on a free port in a temporary data directory, runs the load
# generator for about 3 s with a handful of clients in maptable mode (chat,
# then the mixed load with feature edits and cursor moves), and passes only if
# every message reached every other member and nothing failed. Before the
# server starts, maptable-bench-seed writes a small room into its data
# directory (B5/B7's tool); five clients join it with --join-only, which
# passes only if every one got its Welcome. No timing thresholds; no node.
#
# usage: smoke.sh MAPTABLE_SERVER MAPTABLE_LOADGEN MAPTABLE_BENCH_SEED
set -euo pipefail

usage="usage: smoke.sh MAPTABLE_SERVER MAPTABLE_LOADGEN MAPTABLE_BENCH_SEED"
server_bin=${1:?$usage}
loadgen_bin=${2:?$usage}
seed_bin=${3:?$usage}

work=$(mktemp -d "${TMPDIR:-/tmp}/maptable-bench-smoke.XXXXXX")
server_pid=
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

secret=smoke-secret-$RANDOM$RANDOM
seeded=$("$seed_bin" --data-dir "$work/data" --room smoke-seeded-0 --features 120 --chat 300 --updates 80 --batch 128)
echo "bench_smoke: seeded $seeded"
case $seeded in
*'"events":500,"features":120,"chat":300,"updates":80,'*) ;;
*) echo "bench_smoke: the seed tool did not write the room it was asked for" >&2; exit 1 ;;
esac
# A room that has events is not seeded twice (its seqs would collide).
if "$seed_bin" --data-dir "$work/data" --room smoke-seeded-0 --chat 1 >/dev/null 2>&1; then
  echo "bench_smoke: the seed tool wrote into a room that already had events" >&2
  exit 1
fi
mkfifo "$work/out"
"$server_bin" --port 0 --data-dir "$work/data" --secret "$secret" --durability normal \
  --log-level warn >"$work/out" 2>"$work/server.log" &
server_pid=$!

# The server prints "maptable-server listening on 127.0.0.1:PORT" on stdout.
port=
exec 3<"$work/out"
if read -r -t 20 line <&3; then
  port=${line##*:}
fi
if [[ -z $port ]]; then
  echo "bench_smoke: the server did not start" >&2
  cat "$work/server.log" >&2
  exit 1
fi
cat <&3 >/dev/null &

echo "bench_smoke: server pid $server_pid on port $port"
"$loadgen_bin" --mode maptable --port "$port" --secret "$secret" --clients 6 --room-size 3 \
  --rate 20 --warmup 0.5 --duration 1.5 --drain 5 --server-pid "$server_pid" --label smoke-chat --check
"$loadgen_bin" --mode maptable --port "$port" --secret "$secret" --rooms 1x4,1x2 --mix mixed \
  --rate 20 --cursor-hz 10 --warmup 0.5 --duration 1 --drain 5 --room-prefix smoke-mixed \
  --server-pid "$server_pid" --label smoke-mixed --check
# The seeded room: five clients join at once and each gets the state (the
# Welcome of a room at seq 500 with 120 features).
"$loadgen_bin" --mode maptable --port "$port" --secret "$secret" --clients 5 --room-size 5 --room-prefix smoke-seeded \
  --join-only --server-pid "$server_pid" --label smoke-join --check
echo "bench_smoke: passed"
