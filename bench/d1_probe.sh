#!/usr/bin/env bash
# bench/d1_probe.sh: one durable-edits run (D1/B6's load) with what the
# loadgen does not see: the server's user and system CPU, its fsyncs and WAL
# writes (perf's syscall tracepoints) and the bytes it wrote, over the
# measured window. It is how docs/perf/bench-round-two.md tells the cost of
# a commit from the cost of an event: CPU per ack = (cost of a commit) /
# (events per commit) + (cost of an event), and the events per commit grow
# with the rate (group commit).
#
#   bench/d1_probe.sh RATE [ROOMS] [WARMUP_S] [WINDOW_S]
#   RATE: offered edits/s in all (default rooms 100, warm-up 3 s, window 10 s)
#   Environment: BUILD_DIR (build/), SERVER_FLAGS (more server flags, e.g.
#   "--commit-window-us 0"), DURABILITY (full), WRITERS (clients per room, 1),
#   BENCH_NICE (-10). With WRITERS=1 READERS=N each room also has N members
#   that only read (rooms of 1 + N).
#
# Prints one JSON line: the loadgen's figures plus server_user_s,
# server_sys_s, fdatasync, fsync, pwrite64 (calls in the window), write_bytes
# (/proc/PID/io), the store's transactions, their seconds and events (its
# /metrics histograms maptable_commit_seconds and _batch_events) and loadavg. Needs perf with syscall tracepoints (else the
# counts are null).
set -euo pipefail

rate=${1:?usage: d1_probe.sh RATE [ROOMS] [WARMUP_S] [WINDOW_S]}
rooms=${2:-100}
warm=${3:-3}
window=${4:-10}
writers=${WRITERS:-1}
readers=${READERS:-0}
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
server_bin=$build_dir/server/maptable-server
loadgen_bin=$build_dir/bench/maptable-loadgen
# BENCH_NICE (-10, as run.sh): 0 lets the server and the loadgen compete with
# other processes on equal terms (what a busy machine does to the figures).
nice_cmd=(nice -n "${BENCH_NICE:--10}")
nice -n "${BENCH_NICE:--10}" true 2>/dev/null || nice_cmd=()
# Under autogroup scheduling nice only counts within a session: a session of
# its own, whose autogroup gets BENCH_NICE (as bench/run.sh does).
if [[ -z ${BENCH_OWN_SESSION:-} && $(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null) == 1 ]] &&
  command -v setsid >/dev/null; then
  BENCH_OWN_SESSION=1 exec setsid --wait bash "$0" "$@"
fi
echo "${BENCH_NICE:--10}" >/proc/self/autogroup 2>/dev/null || true

work=$(mktemp -d "${TMPDIR:-/tmp}/maptable-d1.XXXXXX")
srv=
cleanup() {
  [[ -n $srv ]] && kill -TERM "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

secret=d1-$RANDOM$RANDOM
"${nice_cmd[@]}" "$server_bin" --port 0 --data-dir "$work/data" --secret "$secret" --durability "${DURABILITY:-full}" \
  --log-level warn --max-connections 50000 --max-connections-per-ip 50000 --command-rate 1000000 \
  --command-burst 1000000 ${SERVER_FLAGS:-} >"$work/out" 2>"$work/err" &
srv=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$work/out")
  [[ -n $port ]] && break
  sleep 0.05
done
[[ -n $port ]] || { echo "d1_probe: the server did not start" >&2; cat "$work/err" >&2; exit 1; }

# stat fields 14 and 15: utime and stime in clock ticks; /proc/PID/io: write_bytes.
cpu() { awk '{print $14, $15}' "/proc/$srv/stat"; }
wbytes() { awk '/^write_bytes/ {print $2}' "/proc/$srv/io"; }
# The store's own account (GET /metrics): transactions, their events and time.
commits() {
  curl -s "http://127.0.0.1:$port/metrics" |
    awk '/^maptable_commit_seconds_(sum|count) / {v[$1] = $2} /^maptable_commit_batch_events_sum / {v[$1] = $2}
         END {print v["maptable_commit_seconds_count"] + 0, v["maptable_commit_seconds_sum"] + 0, v["maptable_commit_batch_events_sum"] + 0}'
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
clients=$((rooms * (writers + readers)))
"${nice_cmd[@]}" "$loadgen_bin" --mode maptable --secret "$secret" --port "$port" --server-pid "$srv" \
  --clients "$clients" --room-size $((writers + readers)) --writers "$writers" --mix edits \
  --rate "$(python3 -c "print($rate / ($rooms * $writers))")" \
  --warmup "$warm" --duration "$window" --drain 3 --label "d1_probe $rate/s $rooms rooms" >"$work/lg.json" 2>"$work/lg.err" &
lg=$!
# The window starts about 0.1 s after the joins (100 clients join in well under 0.2 s) plus the warm-up.
sleep "$(python3 -c "print($warm + 0.3)")"
read -r u0 s0 < <(cpu)
w0=$(wbytes)
read -r c0 cs0 ce0 < <(commits)
perf stat -x, -e syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync,syscalls:sys_enter_pwrite64 -p "$srv" \
  -- sleep "$window" 2>"$work/perf" || true
read -r u1 s1 < <(cpu)
w1=$(wbytes)
read -r c1 cs1 ce1 < <(commits)
wait "$lg"
hz=$(getconf CLK_TCK)
count() { awk -F, -v e="$1" '$3 == e {print ($1 ~ /^[0-9]+$/) ? $1 : "null"}' "$work/perf" | head -1; }
extra="\"server_user_s\":$(python3 -c "print(($u1 - $u0) / $hz)"),\"server_sys_s\":$(python3 -c "print(($s1 - $s0) / $hz)")"
extra+=",\"probe_window_s\":$window,\"fdatasync\":$(count syscalls:sys_enter_fdatasync),\"fsync\":$(count syscalls:sys_enter_fsync)"
extra+=",\"pwrite64\":$(count syscalls:sys_enter_pwrite64),\"write_bytes\":$((w1 - w0)),\"loadavg\":\"$load\""
extra+=",\"transactions\":$((c1 - c0)),\"transaction_s\":$(python3 -c "print($cs1 - $cs0)"),\"transaction_events\":$(python3 -c "print($ce1 - $ce0)")"
extra+=",\"server_flags\":\"${SERVER_FLAGS:-}\",\"writers_per_room\":$writers,\"readers_per_room\":$readers,\"nice\":\"${BENCH_NICE:--10}\""
extra+=",\"commit\":\"$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)\",\"when\":\"$(date -u +%Y%m%dT%H%M%SZ)\""
json=$(cat "$work/lg.json")
echo "${json%\}},$extra}"
