#!/usr/bin/env bash
# The bench's set-up (issue 5), separate from the product's deploy/setup.sh:
# installs the peer server's node modules (bench/peers/ws-broadcast, the npm
# package `ws` pinned by package-lock.json) and builds the load generator and
# the server into BUILD_DIR (default build/) when that tree is configured.
#
# Needs node (18 or newer) and npm reaching the npm registry; the C++ part
# needs nothing beyond deploy/setup.sh's packages.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}

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
