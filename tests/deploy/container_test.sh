#!/usr/bin/env bash
# tests/deploy: what can be checked of the container files without a
# container engine or a registry (CI has neither, so the image is not built):
#   - docker-compose.yml is valid: `docker compose config` (or Debian's
#     docker-compose) with example env files; two nodes on their own
#     volumes, the proxy, the planned postgres only under its profile;
#     every variable haproxy.cfg reads is set for the proxy container;
#   - the Dockerfiles: multi-stage on Debian 12, the runtime stage on
#     debian:12-slim, a user without privileges, a /healthz health check, a
#     volume for the data dir; every runtime library the built server links
#     is installed in the runtime stage.
#
#   container_test.sh SERVER SOURCE_DIR
# Exit status 0 passed, 1 failed, 77 a tool is missing (skipped).
SERVER=$1
SOURCE_DIR=$2
source "$SOURCE_DIR/tests/deploy/lib.sh"

if docker compose version >/dev/null 2>&1; then
    COMPOSE=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
    COMPOSE=(docker-compose)
else
    echo "SKIP: neither docker compose nor docker-compose is installed (deploy/setup.sh installs docker-compose)"
    exit 77
fi
need dpkg-query ldd readelf

# The compose file with the files an operator makes beside it.
mkdir -p "$WORK/repo/deploy/haproxy"
cp "$SOURCE_DIR/deploy/docker-compose.yml" "$WORK/repo/deploy/"
cp "$SOURCE_DIR/deploy/maptable.env.example" "$WORK/repo/deploy/maptable.env"
printf 'MAPTABLE_SECRET=%s\nMAPTABLE_ADMIN_KEY=%s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" example >"$WORK/repo/deploy/secrets.env"
echo example >"$WORK/repo/deploy/postgres_password.txt"
(cd "$WORK/repo" && "${COMPOSE[@]}" -f deploy/docker-compose.yml config) >"$WORK/compose.out" 2>"$WORK/compose.log" ||
    fail "compose config: $(cat "$WORK/compose.log")"
(cd "$WORK/repo" && "${COMPOSE[@]}" -f deploy/docker-compose.yml --profile postgres config --services) >"$WORK/services" 2>>"$WORK/compose.log" ||
    fail "compose config --services: $(cat "$WORK/compose.log")"
for service in node1 node2 proxy postgres; do
    grep -qx "$service" "$WORK/services" || fail "no service $service in docker-compose.yml"
done
grep -q 'node1-data:/var/lib/maptable' "$WORK/compose.out" && grep -q 'node2-data:/var/lib/maptable' "$WORK/compose.out" ||
    fail "the nodes do not keep their data dirs on their own volumes"
grep -q 'MAPTABLE_SECRET' "$SOURCE_DIR/deploy/docker-compose.yml" && ! grep -q '^ *MAPTABLE_SECRET: ' "$WORK/compose.out" &&
    fail "the secret is written in the compose file"
pass "docker-compose.yml is valid (${COMPOSE[*]} config): $(tr '\n' ' ' <"$WORK/services")"

DOCKERFILE="$SOURCE_DIR/deploy/Dockerfile"
[ "$(grep -c '^FROM ' "$DOCKERFILE")" -ge 2 ] || fail "the Dockerfile is not multi-stage"
grep -q '^FROM debian:12 AS build' "$DOCKERFILE" || fail "the build stage is not Debian 12"
[ "$(grep '^FROM ' "$DOCKERFILE" | tail -n 1)" = "FROM debian:12-slim" ] || fail "the runtime stage is not debian:12-slim"
user=$(awk '$1 == "USER" { u = $2 } END { print u }' "$DOCKERFILE")
[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || fail "the image runs as root"
grep -q '^HEALTHCHECK .*' "$DOCKERFILE" && grep -A1 '^HEALTHCHECK' "$DOCKERFILE" | grep -q '/healthz' ||
    fail "no HEALTHCHECK on /healthz"
grep -q '^VOLUME /var/lib/maptable' "$DOCKERFILE" || fail "no volume for the data dir"
# Every library the server links directly comes from a package the runtime
# stage installs (what those libraries need in turn, apt brings with them).
runtime=$(awk '/^FROM debian:12-slim/ { on = 1 } on' "$DOCKERFILE")
needed=$(readelf -d "$SERVER" | awk '/\(NEEDED\)/ { gsub(/[][]/, "", $5); print $5 }')
# (A sanitizer build's runtime is the test build's, not the image's.)
for library in $(ldd "$SERVER" | awk -v needed="$needed" '
        BEGIN { n = split(needed, list, "\n"); for (i = 1; i <= n; ++i) direct[list[i]] = 1 }
        $3 ~ /^\// && ($1 in direct) && $1 !~ /asan|ubsan|clang_rt/ { print $3 }'); do
    # dpkg may record the file under /lib or /usr/lib (merged /usr).
    real=$(readlink -f "$library")
    package=$( (dpkg-query -S "$real" || dpkg-query -S "/lib/${real#/usr/lib/}" || dpkg-query -S "*/$(basename "$real")") 2>/dev/null |
        head -n 1 | cut -d: -f1 || true)
    case "$package" in
        "" | libc6 | libgcc-s1 | libstdc++6 | zlib1g) continue ;;  # in debian:12-slim already
    esac
    grep -qw -- "$package" <<<"$runtime" || fail "the runtime stage lacks $package (for $(basename "$library"))"
done
grep -q '^FROM debian:12-slim' "$SOURCE_DIR/deploy/haproxy/Dockerfile" &&
    grep -q '^USER maptable-proxy' "$SOURCE_DIR/deploy/haproxy/Dockerfile" || fail "the proxy image is not Debian's HAProxy as a plain user"
# Every ${VAR} haproxy.cfg reads is set for the proxy container, by the
# compose file or by the proxy's image.
proxy_env=$(awk '/^  proxy:/ { on = 1; next } on && /^  [a-z]/ { on = 0 } on' "$WORK/compose.out"
            grep -o 'MAPTABLE_[A-Z_0-9]*=' "$SOURCE_DIR/deploy/haproxy/Dockerfile")
for variable in $(grep -o '"${[A-Z_0-9]*}"' "$SOURCE_DIR/deploy/haproxy/haproxy.cfg" | tr -d '"${}' | sort -u); do
    grep -q "$variable" <<<"$proxy_env" || fail "haproxy.cfg reads $variable, which neither the compose file nor the proxy image sets"
done
pass "the Dockerfiles: multi-stage, debian:12-slim, user $user, HEALTHCHECK on /healthz, every linked library installed"

echo "container_test: all checks passed"
