#!/usr/bin/env bash
# Installs what maptable needs on Debian 12 and builds it (Release).
#
#   ./deploy/setup.sh            install packages (needs root or sudo), configure, build
#   BUILD_DIR=out ./deploy/setup.sh
#
# Afterwards run the tests with:  ctest --test-dir build --output-on-failure
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-Release}

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-all-dev          # Asio, Beast, JSON, URL, program_options
  libprotobuf-dev protobuf-compiler
  libssl-dev                    # HMAC for join tokens, TLS
  libsqlite3-dev sqlite3        # the embedded event log (sqlite3: inspecting it by hand)
  libspdlog-dev libfmt-dev      # logs
  doctest-dev                   # tests
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

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE"
cmake --build "$BUILD_DIR" --parallel "$(nproc)"
echo "setup: built into $BUILD_DIR/ (server: $BUILD_DIR/server/maptable-server, CLI: $BUILD_DIR/client-sdk/maptable)"
