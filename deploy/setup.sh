#!/usr/bin/env bash
# Installs what maptable needs on Debian 12 and builds it twice:
#   build/       Release with the system compiler: the server, the CLI, the tests
#   build-asan/  clang-14 with AddressSanitizer + UndefinedBehaviorSanitizer
#                (-O1, asserts on) and the libFuzzer targets: the same tests
#                instrumented, plus a fuzz run
#
#   ./deploy/setup.sh                 install packages (needs root or sudo), configure, build both
#   SKIP_ASAN=1 ./deploy/setup.sh     only build/: a quick local build
#   BUILD_DIR=out ASAN_BUILD_DIR=out-asan ./deploy/setup.sh
#
# Afterwards run every test with:  ./deploy/test.sh
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-Release}
ASAN_BUILD_DIR=${ASAN_BUILD_DIR:-build-asan}
SKIP_ASAN=${SKIP_ASAN:-0}

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-all-dev          # Asio, Beast, JSON, URL, program_options
  libprotobuf-dev protobuf-compiler
  libssl-dev                    # HMAC for join tokens, TLS
  libsqlite3-dev sqlite3        # the embedded event log (sqlite3: inspecting it by hand)
  libpq-dev                     # the PostgreSQL event log (--store postgresql://...)
  postgresql                    # tests: a real PostgreSQL, started by the tests themselves (initdb in a temp dir)
  libspdlog-dev libfmt-dev      # logs
  libtomlplusplus-dev           # the config file (--config maptable.toml)
  libpugixml-dev                # importing KML and GPX reference layers
  libcsv-dev                    # reference layers from CSV (RFC 4180)
  libvips-dev                   # attachments: thumbnails, metadata stripped, checked by content
  doctest-dev                   # tests
  clang-14 libclang-rt-14-dev   # the sanitizer build and libFuzzer
  llvm-14                       # llvm-symbolizer: sanitizer reports with file:line
  clang-format-14 clang-tidy-14 # tests/style: the C++ layout and a few bug-finding checks
  python3-websockets            # tests: an independent wss:// client (integration_tls)
  chromium                      # tests: the web app in a real browser (web_app, via playwright-core)
  fonts-noto-color-emoji python3-fonttools # the web build cuts the app's emoji font out of Noto Color Emoji
  haproxy nginx                 # tests/deploy: the proxy configurations in front of real nodes
  docker-compose                # tests/deploy: lints the compose file (no engine here: nothing is built or run)
  curl openssl                  # tests/deploy: requests through the proxies, a test CA
  systemd                       # tests/deploy: systemd-analyze verify on the unit
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Node.js 20 for the TypeScript SDK (client-sdk/js) and its tests. A machine
# that already has node (NodeSource's package brings npm along) keeps it;
# otherwise Debian's nodejs and npm.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing nodejs npm"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends nodejs npm
fi
# The SDK's packages, exactly as package-lock.json pins them (no download
# addresses in it: the npm registry configured on the machine serves them).
(cd client-sdk/js && npm ci --no-audit --no-fund --loglevel=error)
# The browser app (web/), served by maptable-server at /; its build also
# builds client-sdk/js/dist, which it bundles.
(cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build)
# The HTTP API's description checked against a real server (tests/api_spec).
(cd tests/api_spec && npm ci --no-audit --no-fund --loglevel=error)
# buf, which lints the .proto files and checks them against the released v1 (tests/protocol).
(cd tests/protocol && npm ci --no-audit --no-fund --loglevel=error)
# eslint and prettier for the TypeScript (tests/style).
(cd tests/style && npm ci --no-audit --no-fund --loglevel=error)

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE"
cmake --build "$BUILD_DIR" --parallel "$(nproc)"
echo "setup: built into $BUILD_DIR/ (server: $BUILD_DIR/server/maptable-server, CLI: $BUILD_DIR/client-sdk/maptable)"

if [ "$SKIP_ASAN" = 1 ]; then
  echo "setup: SKIP_ASAN=1: $ASAN_BUILD_DIR/ (sanitizers, fuzzers) not built; test with SKIP_ASAN=1 ./deploy/test.sh"
  exit 0
fi
# -O1 as AddressSanitizer recommends; no NDEBUG, so asserts are checked too.
CC=clang-14 CXX=clang++-14 cmake -S . -B "$ASAN_BUILD_DIR" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DMAPTABLE_SANITIZE=address,undefined -DMAPTABLE_BUILD_FUZZERS=ON
cmake --build "$ASAN_BUILD_DIR" --parallel "$(nproc)"
echo "setup: built $ASAN_BUILD_DIR/ (clang-14, ASan + UBSan, fuzzer: $ASAN_BUILD_DIR/tests/fuzz/client_message_fuzzer)"
