#!/usr/bin/env bash
# Test (install): the TypeScript SDK as its users get it. `npm pack` makes
# the @maptable/client tarball; a throwaway project outside the tree installs
# it (and ws, for Node 20) like any package, and runs the README's example,
# examples/quickstart.mjs, against a real server: it joins, marks a place, and
# prints the chat another client sends. The README must show that example
# exactly, so that what people copy is what this test runs.
#
#   npm_pack_test.sh SOURCE_DIR SERVER_BINARY CLI_BINARY
# Exits 77 (skipped) when node/npm or the SDK's node_modules are missing.
set -euo pipefail
source_dir=$1 server=$2 cli=$3
sdk=$source_dir/client-sdk/js
if ! command -v node >/dev/null || ! command -v npm >/dev/null || [ ! -x "$sdk/node_modules/.bin/tsc" ]; then
  echo "skipped: node, npm or client-sdk/js/node_modules missing (run npm ci in client-sdk/js)"
  exit 77
fi
WORK=$(mktemp -d)
cleanup() {
  local pid
  for pid in ${example_pid:-} ${server_pid:-}; do
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"

# The README's example block is the example file, line for line.
awk '/^```js title="examples\/quickstart.mjs"$/ {inside=1; next} inside && /^```$/ {exit} inside' "$sdk/README.md" >"$WORK/readme_example.mjs"
diff -u "$sdk/examples/quickstart.mjs" "$WORK/readme_example.mjs" >&2 \
  || fail "client-sdk/js/README.md does not show examples/quickstart.mjs as it is"

# prepack builds dist/ first; the tarball is what `npm publish` would upload.
(cd "$sdk" && npm pack --pack-destination "$WORK" --silent >"$WORK/pack.out" 2>"$WORK/pack.err") \
  || { cat "$WORK/pack.err" >&2; fail "npm pack failed"; }
tarball=$WORK/$(tail -n 1 "$WORK/pack.out")
[[ -f $tarball ]] || fail "npm pack made no tarball: $(cat "$WORK/pack.out")"
tar -tzf "$tarball" >"$WORK/contents.txt"
for wanted in package/package.json package/README.md package/dist/src/index.js package/dist/src/index.d.ts \
              package/examples/quickstart.mjs; do
  grep -qx "$wanted" "$WORK/contents.txt" || fail "the tarball lacks $wanted"
done
if grep -Eq '^package/(src|test|dist/test|node_modules)/' "$WORK/contents.txt"; then
  fail "the tarball carries sources, tests or node_modules: $(grep -E '^package/(src|test|dist/test|node_modules)/' "$WORK/contents.txt" | head -3)"
fi
echo "ok: $(basename "$tarball") with ESM and types"

# A project that knows nothing of this tree. The packages come from npm's
# cache when setup.sh's npm ci filled it, else from the registry.
mkdir "$WORK/app"
cp "$sdk/examples/quickstart.mjs" "$WORK/app/"
printf '{ "name": "throwaway", "version": "1.0.0", "private": true, "type": "module" }\n' >"$WORK/app/package.json"
ws_version=$(node -p "require('$sdk/node_modules/ws/package.json').version")
(cd "$WORK/app" && npm install --prefer-offline --no-audit --no-fund "$tarball" "ws@$ws_version" >"$WORK/install.log" 2>&1) \
  || { cat "$WORK/install.log" >&2; fail "npm install of the tarball failed"; }
[[ -f $WORK/app/node_modules/@maptable/client/dist/src/index.d.ts ]] || fail "the installed package has no types"
echo "ok: installed into a throwaway project"

start_server "$server"
room="quickstart-$RANDOM"
token=$("$server" token --data-dir "$WORK/data" --room "$room" --name Mirror 2>/dev/null) || fail "cannot mint a token"
cli_token=$("$server" token --data-dir "$WORK/data" --room "$room" --name Ana 2>/dev/null) || fail "cannot mint a token"
start_with_fifo example node "$WORK/app/quickstart.mjs" "$URL" "$room" "$token"
await_line example "^joined $room as Mirror at seq 0$"
await_line example '^added at seq 1$'
# A command resolves after its event is in the replica: the map line came first.
grep -qx 'map: 1 features at seq 1' "$WORK/example.log" || fail "the event was not applied before the ack resolved"
"$cli" --url "$URL" --room "$room" --token "$cli_token" say "meet at the water point" >/dev/null \
  || fail "the CLI could not chat"
await_line example '^chat Ana: meet at the water point$'
stop_process "$example_pid"
await_line example '^stopping$'
echo "ok: the packed SDK's example joined, marked a place and printed the chat"
stop_process "$server_pid"
[[ $STATUS == 0 ]] || fail "the server exited with $STATUS"
echo "1 passed, 0 failed"
