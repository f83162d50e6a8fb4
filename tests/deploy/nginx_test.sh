#!/usr/bin/env bash
# tests/deploy: deploy/nginx/maptable.conf in front of one real node, TLS at
# nginx (the one-node set-up of docs/DEPLOY.md), with only its names, paths
# and ports replaced: https /healthz, a WebSocket join and chat through it,
# plain http redirected to https, /metrics not served.
#
#   nginx_test.sh SERVER SOURCE_DIR
# Exit status 0 passed, 1 failed, 77 a tool is missing (skipped).
SERVER=$1
SOURCE_DIR=$2
source "$SOURCE_DIR/tests/deploy/lib.sh"

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "SKIP: nginx is not installed (deploy/setup.sh installs it)"; exit 77; }
need openssl curl
need_websockets

make_ca_and_cert "$WORK"
start_node node "$WORK/data"
HTTPS_PORT=$(free_port)
HTTP_PORT=$(free_port)

sed -e "s#server 127.0.0.1:8080;#server 127.0.0.1:$NODE_PORT;#" \
    -e "/listen \[::\]/d" \
    -e "s#listen 80;#listen 127.0.0.1:$HTTP_PORT;#" \
    -e "s#listen 443 ssl http2;#listen 127.0.0.1:$HTTPS_PORT ssl http2;#" \
    -e "s#server_name maps.example.org;#server_name localhost;#" \
    -e "s#/etc/ssl/maptable/fullchain.pem#$WORK/server.crt#" \
    -e "s#/etc/ssl/maptable/privkey.pem#$WORK/server.key#" \
    "$SOURCE_DIR/deploy/nginx/maptable.conf" >"$WORK/maptable.conf"
grep -q "127.0.0.1:$HTTPS_PORT ssl" "$WORK/maptable.conf" && grep -q "$WORK/server.key" "$WORK/maptable.conf" ||
    fail "the substitutions no longer match deploy/nginx/maptable.conf"
mkdir -p "$WORK/nginx-temp"
cat >"$WORK/nginx.conf" <<CONF
daemon off;
user root;
pid $WORK/nginx.pid;
error_log $WORK/nginx.log info;
events {}
http {
    access_log $WORK/nginx.log;
    client_body_temp_path $WORK/nginx-temp/body;
    proxy_temp_path $WORK/nginx-temp/proxy;
    fastcgi_temp_path $WORK/nginx-temp/fastcgi;
    uwsgi_temp_path $WORK/nginx-temp/uwsgi;
    scgi_temp_path $WORK/nginx-temp/scgi;
    include $WORK/maptable.conf;
}
CONF
"$NGINX" -t -q -c "$WORK/nginx.conf" -p "$WORK" 2>"$WORK/nginx-t.log" || fail "nginx -t: $(cat "$WORK/nginx-t.log")"
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK" &
PIDS+=($!)

healthz() { [ "$(curl -sf --cacert "$WORK/ca.crt" "https://localhost:$HTTPS_PORT/healthz")" = ok ]; }
wait_until "https /healthz through nginx" healthz
pass "https /healthz through nginx answers ok"

TOKEN=$("$SERVER" token --data-dir "$WORK/data" --room harbour --name Ana 2>/dev/null)
URL="wss://localhost:$HTTPS_PORT/v1/ws?room=harbour"
out=$("$PYTHON" "$SOURCE_DIR/tests/deploy/ws_client.py" "$URL" "$WORK/ca.crt" harbour "$TOKEN" --say "through nginx") ||
    fail "join and chat through nginx: $out"
grep -q '^ack [0-9]' <<<"$out" || fail "no ack through nginx: $out"
out=$("$PYTHON" "$SOURCE_DIR/tests/deploy/ws_client.py" "$URL" "$WORK/ca.crt" harbour "$TOKEN") || fail "second join: $out"
grep -q '^chat [0-9]* through nginx$' <<<"$out" || fail "the chat is not in the room: $out"
pass "a WebSocket through nginx joins and chats"

location=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$HTTP_PORT/healthz")
case "$location" in
    "301 https://"*/healthz) ;;
    *) fail "plain http was not redirected to https: $location" ;;
esac
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/ca.crt" "https://localhost:$HTTPS_PORT/metrics")
[ "$code" = 404 ] || fail "/metrics through nginx answered $code, not 404"
pass "http redirects to https; /metrics is not served through nginx"

echo "nginx_test: all checks passed"
