#!/usr/bin/env bash
# tests/deploy: deploy/maptable-server.service and deploy/maptable.env.example.
#   - systemd-analyze verify on a copy of the unit that names the built
#     binary and the example environment file, with no message at all
#     (verify exits 0 on unknown keys and bad values; it only prints them);
#   - the hardening the unit promises is there, and systemd-analyze security
#     rates its exposure OK (below 2.0 of 10);
#   - every variable of the example environment file is a flag of
#     maptable-server (the server ignores MAPTABLE_ variables it does not
#     know, so a typo would be silent), and the server starts with exactly
#     that environment and answers /healthz.
#
#   systemd_test.sh SERVER SOURCE_DIR
# Exit status 0 passed, 1 failed, 77 a tool is missing (skipped).
SERVER=$1
SOURCE_DIR=$2
source "$SOURCE_DIR/tests/deploy/lib.sh"

need systemd-analyze curl
UNIT="$SOURCE_DIR/deploy/maptable-server.service"
ENV_EXAMPLE="$SOURCE_DIR/deploy/maptable.env.example"

grep -q '^ExecStart=/usr/local/bin/maptable-server ' "$UNIT" || fail "the unit's ExecStart is not /usr/local/bin/maptable-server"
mkdir -p "$WORK/unit"
sed -e "s#^ExecStart=/usr/local/bin/maptable-server #ExecStart=$SERVER #" \
    -e "s#^EnvironmentFile=/etc/maptable/maptable.env\$#EnvironmentFile=$ENV_EXAMPLE#" \
    "$UNIT" >"$WORK/unit/maptable-server.service"
systemd-analyze verify "$WORK/unit/maptable-server.service" >"$WORK/verify.log" 2>&1 ||
    fail "systemd-analyze verify: $(cat "$WORK/verify.log")"
[ ! -s "$WORK/verify.log" ] || fail "systemd-analyze verify complained: $(cat "$WORK/verify.log")"
pass "systemd-analyze verify: no complaint"

for directive in DynamicUser=yes ProtectSystem=strict StateDirectory=maptable NoNewPrivileges=yes \
    Restart=on-failure LimitNOFILE= ProtectHome=yes PrivateTmp=yes CapabilityBoundingSet= UMask=0077; do
    grep -q "^$directive" "$UNIT" || fail "the unit lacks $directive"
done
grep -q '^ExecStart=.* --data-dir %S/maptable' "$UNIT" || fail "the data dir is not the StateDirectory"
systemd-analyze security --offline=yes --threshold=20 "$WORK/unit/maptable-server.service" >"$WORK/security.log" 2>&1 ||
    fail "systemd-analyze security rates the unit above 2.0: $(tail -n 5 "$WORK/security.log")"
pass "hardened: $(grep -o 'Overall exposure level.*' "$WORK/security.log")"

# Every MAPTABLE_ variable of the example is a flag in --help.
"$SERVER" --help >"$WORK/help.txt"
variables=$(sed -n 's/^#\{0,1\}\(MAPTABLE_[A-Z_]*\)=.*/\1/p' "$ENV_EXAMPLE" | sort -u)
[ -n "$variables" ] || fail "no MAPTABLE_ variable in the example"
for variable in $variables; do
    flag=$(tr 'A-Z_' 'a-z-' <<<"${variable#MAPTABLE_}")
    grep -q -- "--$flag\b" "$WORK/help.txt" || fail "$variable in maptable.env.example is no flag of maptable-server (--$flag)"
done
pass "every variable of maptable.env.example is a flag: $(wc -w <<<"$variables") variables"

# The server with exactly the example's settings (but a free port and a
# temporary data dir, as the unit's StateDirectory would be).
(
    set -a
    source "$ENV_EXAMPLE"
    set +a
    export MAPTABLE_PORT=0
    exec "$SERVER" --data-dir "$WORK/state"
) >"$WORK/node.out" 2>"$WORK/node.log" &
NODE_PID=$!
PIDS+=("$NODE_PID")
wait_until "the server to listen with the example's settings" grep -qs "listening on" "$WORK/node.out"
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/node.out")
[ "$(curl -sf "http://127.0.0.1:$port/healthz")" = ok ] || fail "/healthz with the example's settings"
[ "$(stat -c %a "$WORK/state/secret")" = 600 ] || fail "the secret is not mode 0600"
stop_node "$NODE_PID"
pass "the server starts with the example's settings, answers /healthz and stops on SIGTERM with status 0"

echo "systemd_test: all checks passed"
