#!/bin/sh
# bench/web/run.sh: the browser app's benchmark (bench/web/bench.mjs): page
# weight (brotli), time to interactive in a room of 2,000 features, and frame
# times while panning and zooming across the clusters, in Debian's Chromium
# against a real maptable-server. Prints one JSON object; docs/PERFORMANCE.md
# ("Browser app") has the figures of a run and how to read them.
#
#   bench/web/run.sh                     2,000 features, 5 page loads
#   FEATURES=5000 RUNS=3 bench/web/run.sh
#
# Needs: the server built (build/server/maptable-server, or
# MAPTABLE_SERVER_BINARY), the SDK built (client-sdk/js: npm ci && npm run
# build), the app's packages (web: npm ci), /usr/bin/chromium (or
# MAPTABLE_CHROMIUM). The app is built here first (web/dist).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
[ -d "$root/web/node_modules/playwright-core" ] || { echo "run (cd web && npm ci) first" >&2; exit 1; }
[ -f "$root/client-sdk/js/dist/src/index.js" ] || { echo "run (cd client-sdk/js && npm ci && npm run build) first" >&2; exit 1; }
(cd "$root/web" && node scripts/build.mjs >/dev/null)
exec node "$root/bench/web/bench.mjs"
