#!/usr/bin/env bash
# tests/deploy: deploy/haproxy/haproxy.cfg, unchanged, in front of two real
# maptable-server nodes on loopback, with TLS at the proxy:
#   - every client of one room reaches the same node (the proxy's header and
#     each node's /metrics agree), and the rooms spread over both nodes;
#   - a WebSocket with ?room= through the proxy joins and chats (the Python
#     client, and the maptable CLI over wss:// trusting the test's CA);
#   - /healthz answers through the proxy, /metrics does not;
#   - a node that stops is marked down by the /healthz check, and its rooms
#     then go to the other node.
#
#   proxy_test.sh SERVER CLI SOURCE_DIR
# Exit status 0 passed, 1 failed, 77 a tool is missing (skipped).
SERVER=$1
CLI=$2
SOURCE_DIR=$3
source "$SOURCE_DIR/tests/deploy/lib.sh"

need haproxy openssl curl
need_websockets
CLIENT="$SOURCE_DIR/tests/deploy/ws_client.py"

make_ca_and_cert "$WORK"
SECRET=$(openssl rand -hex 32)

# Two nodes, each with its own data dir (its own SQLite file) and the same
# token secret, so one token is good on either.
start_node node1 "$WORK/data1" --secret "$SECRET" --max-connections-per-ip 1000
NODE1_PID=$NODE_PID NODE1_PORT=$NODE_PORT
start_node node2 "$WORK/data2" --secret "$SECRET" --max-connections-per-ip 1000
NODE2_PID=$NODE_PID NODE2_PORT=$NODE_PORT

PROXY_PORT=$(free_port)
export MAPTABLE_TLS_PEM="$WORK/server.pem"
export MAPTABLE_PROXY_BIND="127.0.0.1:$PROXY_PORT"
export MAPTABLE_NODE1="127.0.0.1:$NODE1_PORT"
export MAPTABLE_NODE2="127.0.0.1:$NODE2_PORT"
export MAPTABLE_STATS_SOCKET="$WORK/haproxy.sock"
haproxy -c -q -f "$SOURCE_DIR/deploy/haproxy/haproxy.cfg" || fail "haproxy -c refused deploy/haproxy/haproxy.cfg"
haproxy -db -f "$SOURCE_DIR/deploy/haproxy/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
PIDS+=($!)

# server_status NAME: the proxy's view of a node (UP, DOWN, ...), from its
# admin socket.
server_status() {
    "$PYTHON" - "$MAPTABLE_STATS_SOCKET" "$1" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"show stat\n")
data = b""
while chunk := s.recv(65536):
    data += chunk
lines = data.decode().splitlines()
header = lines[0].lstrip("# ").split(",")
for line in lines[1:]:
    row = dict(zip(header, line.split(",")))
    if row.get("pxname") == "maptable_nodes" and row.get("svname") == sys.argv[2]:
        print(row["status"].split()[0])
PY
}
is_status() { [ "$(server_status "$1")" = "$2" ]; }
wait_until "node1 UP at the proxy" is_status node1 UP
wait_until "node2 UP at the proxy" is_status node2 UP
pass "haproxy up, both nodes UP by their /healthz"

URL="wss://localhost:$PROXY_PORT/v1/ws"
token() { "$SERVER" token --secret "$SECRET" --room "$1" --name "${2:-Ana}" 2>/dev/null; }
joins() { metric "$1" 'maptable_commands_total{command="join"}'; }

# join ROOM [ARGS...]: one client through the proxy; prints its output.
join() {
    local room=$1
    shift
    "$PYTHON" "$CLIENT" "$URL?room=$room" "$WORK/ca.crt" "$room" "$(token "$room")" "$@"
}

# Each join through the proxy: which node the proxy says answered, checked
# against which node's join counter moved.
declare -A room_node
for i in $(seq 1 12); do
    room="room-$i"
    before1=$(joins "$NODE1_PORT") before2=$(joins "$NODE2_PORT")
    out=$(join "$room") || fail "join of $room through the proxy: $out"
    node=$(awk '$1 == "node" { print $2 }' <<<"$out")
    after1=$(joins "$NODE1_PORT") after2=$(joins "$NODE2_PORT")
    case "$node:$((after1 - before1)):$((after2 - before2))" in
        node1:1:0 | node2:0:1) ;;
        *) fail "$room: the proxy said '$node', node1 counted $((after1 - before1)) joins, node2 $((after2 - before2))" ;;
    esac
    room_node[$room]=$node
done
on1=0 on2=0
for room in "${!room_node[@]}"; do
    [ "${room_node[$room]}" = node1 ] && on1=$((on1 + 1)) || on2=$((on2 + 1))
done
[ "$on1" -gt 0 ] && [ "$on2" -gt 0 ] || fail "12 rooms all went to one node (node1 $on1, node2 $on2)"
pass "12 rooms spread: $on1 on node1, $on2 on node2 (the proxy's header and the nodes' /metrics agree)"

for room in room-1 room-2 room-3; do
    for repeat in 1 2 3; do
        node=$(join "$room" | awk '$1 == "node" { print $2 }')
        [ "$node" = "${room_node[$room]}" ] || fail "$room went to $node, before to ${room_node[$room]}"
    done
done
pass "every join of a room reaches the same node"

# The HTTP routes about one room hash on the id in their path to the same node.
for path in /v1/rooms/room-1/export/geojson /v1/admin/rooms/room-1 "/v1/admin/rooms?room=room-1"; do
    node=$(curl -s -o /dev/null -D - --cacert "$WORK/ca.crt" "https://localhost:$PROXY_PORT$path" |
        tr -d '\r' | awk 'tolower($1) == "x-maptable-node:" { print $2 }')
    [ "$node" = "${room_node[room-1]}" ] || fail "$path went to '$node', room-1's WebSocket to ${room_node[room-1]}"
done
pass "a room's HTTP routes reach the node of its WebSocket"

# A chat through the proxy is there for the room's next client, which only
# holds if both reached the node that has the room's log.
out=$(join room-4 --say "through the proxy") || fail "chat in room-4: $out"
grep -q '^ack [0-9]' <<<"$out" || fail "no ack for the chat: $out"
out=$(join room-4) || fail "second join of room-4: $out"
grep -q '^chat [0-9]* through the proxy$' <<<"$out" || fail "room-4's next client does not see the chat: $out"
pass "a WebSocket through the proxy joins and chats; the room's next client sees the message"

# The CLI over wss:// trusts the test's CA through OpenSSL's SSL_CERT_FILE
# (it has no --ca-file of its own).
sent_before=$(( $(metric "$NODE1_PORT" 'maptable_commands_total{command="send_chat"}') +
                $(metric "$NODE2_PORT" 'maptable_commands_total{command="send_chat"}') ))
SSL_CERT_FILE="$WORK/ca.crt" "$CLI" --url "$URL?room=room-5" --token "$(token room-5 Ben)" say "hi from the CLI" \
    >"$WORK/cli.log" 2>&1 || fail "maptable say over wss:// through the proxy: $(cat "$WORK/cli.log")"
sent_after=$(( $(metric "$NODE1_PORT" 'maptable_commands_total{command="send_chat"}') +
               $(metric "$NODE2_PORT" 'maptable_commands_total{command="send_chat"}') ))
[ $((sent_after - sent_before)) -eq 1 ] || fail "the CLI's chat reached no node (send_chat $sent_before -> $sent_after)"
pass "the maptable CLI says hi over wss:// through the proxy"

# Each node's own address through the proxy (its --advertise-url with
# several nodes): /nodeN/... reaches node N, whatever the room.
for n in node1 node2; do
    for path in "/$n/healthz" "/$n/v1/rooms/room-1/export/geojson"; do
        got=$(curl -s -o /dev/null -D - --cacert "$WORK/ca.crt" "https://localhost:$PROXY_PORT$path" |
            tr -d '\r' | awk 'tolower($1) == "x-maptable-node:" { print $2 }')
        [ "$got" = "$n" ] || fail "$path went to '$got', not $n"
    done
done
[ "$(curl -sf --cacert "$WORK/ca.crt" "https://localhost:$PROXY_PORT/node2/healthz")" = ok ] ||
    fail "/node2/healthz did not reach node2's /healthz (the prefix must be taken off)"
pass "/node1/... and /node2/... reach that node, the prefix taken off"

[ "$(curl -sf --cacert "$WORK/ca.crt" "https://localhost:$PROXY_PORT/healthz")" = ok ] ||
    fail "/healthz through the proxy did not answer ok"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/ca.crt" "https://localhost:$PROXY_PORT/metrics")
[ "$code" = 404 ] || fail "/metrics through the proxy answered $code, not 404"
pass "/healthz through the proxy answers ok; /metrics is not served to the internet"

# Stop node1: the proxy's /healthz check marks it down, and node1's rooms go
# to node2.
stop_node "$NODE1_PID"
wait_until "node1 DOWN at the proxy" is_status node1 DOWN
is_status node2 UP || fail "node2 is $(server_status node2) after node1 stopped"
moved=""
for room in "${!room_node[@]}"; do
    [ "${room_node[$room]}" = node1 ] && { moved=$room; break; }
done
out=$(join "$moved") || fail "join of $moved after node1 stopped: $out"
[ "$(awk '$1 == "node" { print $2 }' <<<"$out")" = node2 ] || fail "$moved did not move to node2: $out"
pass "node1 stopped: marked DOWN by the health check; its room $moved is served by node2"

echo "proxy_test: all checks passed"
