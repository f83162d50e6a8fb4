# tests/deploy: helpers shared by the deploy tests (sourced, not run).
# Each test starts real processes on loopback in its own temporary directory
# and stops them, by their pids, when it exits.

set -euo pipefail

WORK=$(mktemp -d "${TMPDIR:-/tmp}/maptable-deploy.XXXXXX")
PIDS=()

cleanup() {
    local status=$?
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [ "$status" -ne 0 ] && [ "$status" -ne 77 ]; then
        for log in "$WORK"/*.log; do
            [ -f "$log" ] || continue
            echo "---- $log (last 40 lines)" >&2
            tail -n 40 "$log" >&2
        done
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

pass() {
    echo "ok: $*"
}

# Exits 77 (CTest: skipped) when a tool the test needs is not installed;
# deploy/setup.sh installs them.
need() {
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool is not installed (deploy/setup.sh installs it)"; exit 77; }
    done
}

# The Debian Python that has python3-websockets (not a pyenv shim).
PYTHON=/usr/bin/python3
need_websockets() {
    [ -x "$PYTHON" ] && "$PYTHON" -c 'import websockets' 2>/dev/null ||
        { echo "SKIP: python3-websockets is not installed (deploy/setup.sh installs it)"; exit 77; }
}

# wait_until DESCRIPTION COMMAND...: runs COMMAND until it succeeds. The
# bound (60 s) only ends a test that would otherwise hang; passing never
# depends on how fast something happens.
wait_until() {
    local what=$1
    shift
    local tries=0
    until "$@"; do
        tries=$((tries + 1))
        [ "$tries" -lt 600 ] || fail "timed out waiting for $what"
        sleep 0.1
    done
}

# start_node NAME DATA_DIR [FLAGS...]: starts maptable-server on a free port;
# sets NODE_PID and NODE_PORT. stdout goes to $WORK/NAME.out, the log to
# $WORK/NAME.log.
start_node() {
    local name=$1 data_dir=$2
    shift 2
    "$SERVER" --listen 127.0.0.1 --port 0 --data-dir "$data_dir" "$@" >"$WORK/$name.out" 2>"$WORK/$name.log" &
    NODE_PID=$!
    PIDS+=("$NODE_PID")
    wait_until "$name to listen" grep -qs "listening on" "$WORK/$name.out"
    NODE_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/$name.out")
    [ -n "$NODE_PORT" ] || fail "$name printed no port: $(cat "$WORK/$name.out")"
}

# stop_node PID: SIGTERM, then waits for the exit; fails unless it exits 0.
stop_node() {
    local pid=$1 status=0
    kill -TERM "$pid"
    wait "$pid" || status=$?
    [ "$status" -eq 0 ] || fail "server $pid exited with $status after SIGTERM"
}

# metric PORT NAME_WITH_LABELS: one sample of a node's /metrics.
metric() {
    curl -sf "http://127.0.0.1:$1/metrics" | awk -v name="$2" '$1 == name { print $2 }'
}

# make_ca_and_cert DIR: a test CA (DIR/ca.crt) and a certificate for
# localhost and 127.0.0.1 signed by it (DIR/server.crt, DIR/server.key,
# and both in DIR/server.pem for HAProxy).
make_ca_and_cert() {
    local dir=$1
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=maptable deploy test CA" \
        -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
        -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$dir/san.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
        -days 2 -extfile "$dir/san.ext" -out "$dir/server.crt" 2>/dev/null
    cat "$dir/server.crt" "$dir/server.key" >"$dir/server.pem"
}

# free_port: a port nothing listens on right now.
free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
