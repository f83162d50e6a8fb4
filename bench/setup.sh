#!/usr/bin/env bash
# The bench's set-up (issue 5), separate from the product's deploy/setup.sh:
# builds the C peer server (bench/peers/lws-broadcast, on Debian's
# libwebsockets-dev) into BUILD_DIR/bench/peers/, installs the node peer's
# modules (bench/peers/ws-broadcast, the npm package `ws` pinned by
# package-lock.json) and builds the load generator and the server into
# BUILD_DIR (default build/) when that tree is configured.
#
# Needs node (18 or newer) and npm reaching the npm registry; the C peer needs
# a C compiler, pkg-config and libwebsockets-dev (apt-get install
# libwebsockets-dev; skipped with a note when missing). The project's CMake
# does not build the C peer, so CI does not depend on it.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}

if command -v pkg-config >/dev/null && pkg-config --exists libwebsockets; then
  mkdir -p "$build_dir/bench/peers"
  # shellcheck disable=SC2046 # pkg-config's flags are words
  ${CC:-cc} -O2 -Wall -Wextra -std=c11 -o "$build_dir/bench/peers/lws-broadcast" \
    "$root/bench/peers/lws-broadcast/server.c" $(pkg-config --cflags --libs libwebsockets)
  echo "bench/setup.sh: built $build_dir/bench/peers/lws-broadcast (libwebsockets $(pkg-config --modversion libwebsockets))"
else
  echo "bench/setup.sh: libwebsockets-dev not found (apt-get install libwebsockets-dev): no C peer; run.sh runs without it" >&2
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "bench/setup.sh: node and npm are needed for the peer server (apt-get install nodejs npm, or Node 20 from nodejs.org)" >&2
  exit 1
fi
echo "bench/setup.sh: node $(node --version), npm $(npm --version)"
(cd "$root/bench/peers/ws-broadcast" && npm ci --no-audit --no-fund)

if [[ -f $build_dir/build.ninja || -f $build_dir/Makefile ]]; then
  cmake --build "$build_dir" --target maptable-server maptable-loadgen -j "${JOBS:-2}"
else
  echo "bench/setup.sh: $build_dir is not configured; run deploy/setup.sh first (or set BUILD_DIR)" >&2
fi
echo "bench/setup.sh: done; run bench/run.sh"
