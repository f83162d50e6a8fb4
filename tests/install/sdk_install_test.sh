#!/usr/bin/env bash
# Test (install): the C++ SDK installed with `cmake --install` into a fresh
# prefix is usable as a client app would use it: examples/embed-sdk, a
# project outside the tree, finds it with find_package(maptable), builds and
# runs against a real server; a one-file program builds with pkg-config,
# linked shared and static.
#
#   sdk_install_test.sh SOURCE_DIR BUILD_DIR SERVER_BINARY CLI_BINARY
set -euo pipefail
source_dir=$1 build_dir=$2 server=$3 cli=$4

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

prefix=$WORK/prefix
cmake --install "$build_dir" --prefix "$prefix" --component client-dev >/dev/null

# Only what find_package(maptable) gives: no path into the source or build tree.
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$source_dir/examples/embed-sdk" -B "$WORK/example" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >"$WORK/configure.log" 2>&1 \
  || { cat "$WORK/configure.log"; fail "the example does not configure against the installed SDK"; }
cmake --build "$WORK/example" >"$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log"; fail "the example does not build against the installed SDK"; }
# The SDK's interface must not hand its users Asio, Beast or OpenSSL.
if grep -Eq 'BOOST_ASIO|BOOST_BEAST|openssl' "$WORK/example/compile_commands.json"; then
  cat "$WORK/example/compile_commands.json"
  fail "building against the SDK pulls in Asio, Beast or OpenSSL settings"
fi
echo "ok: examples/embed-sdk built against $prefix"

# Linked statically, it needs no maptable library at run time; without
# arguments it prints its usage and exits 2.
cmake -S "$source_dir/examples/embed-sdk" -B "$WORK/example-static" "${generator[@]}" -DEMBED_SDK_STATIC=ON \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" >"$WORK/configure-static.log" 2>&1 \
  && cmake --build "$WORK/example-static" >"$WORK/build-static.log" 2>&1 \
  || { cat "$WORK/configure-static.log" "$WORK/build-static.log" 2>/dev/null; fail "the example does not link the static SDK"; }
if ldd "$WORK/example-static/embed-sdk" | grep -q maptable; then
  fail "the statically linked example still loads a maptable shared library"
fi
status=0
"$WORK/example-static/embed-sdk" >/dev/null 2>"$WORK/usage.txt" || status=$?
[[ $status == 2 ]] && grep -q '^usage: embed-sdk' "$WORK/usage.txt" || fail "the static example does not run (exit $status)"
echo "ok: examples/embed-sdk linked with maptable::client_static"

start_server "$server"
run_embed_example "$WORK/example/embed-sdk" "$server" "$cli"
echo "ok: the example mirrored a marker into GeoJSON and printed the chat"

# pkg-config, shared and static.
cat >"$WORK/one_file.cpp" <<'CPP'
#include <maptable/client.hpp>
#include <model/geojson.hpp>
#include <iostream>
int main()
{
    maptable::model::room_state state("one-file");
    std::cout << maptable::random_id().size() << " " << maptable::model::to_geojson(state) << "\n";
}
CPP
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
for linkage in shared static; do
  flags=()
  [[ $linkage == static ]] && flags=(--static)
  libs=$(pkg-config "${flags[@]}" --libs maptable-client) || fail "pkg-config does not know maptable-client"
  if [[ $linkage == static ]]; then
    libs="-Wl,-Bstatic -lmaptable-client -lmaptable-model -Wl,-Bdynamic $libs"
  fi
  # shellcheck disable=SC2046,SC2086
  c++ -std=c++20 "$WORK/one_file.cpp" -o "$WORK/one_file_$linkage" $(pkg-config --cflags maptable-client) $libs \
    -Wl,-rpath,"$prefix/lib" || fail "a one-file program does not build with pkg-config ($linkage)"
  output=$("$WORK/one_file_$linkage") || fail "the pkg-config program failed ($linkage)"
  [[ $output == "16 "*'"room_id":"one-file"'* ]] || fail "unexpected output ($linkage): $output"
  echo "ok: pkg-config, $linkage"
done
if ldd "$WORK/one_file_static" | grep -q maptable; then
  fail "the static program still loads a maptable shared library"
fi

stop_process "$server_pid"
[[ $STATUS == 0 ]] || fail "the server exited with $STATUS"
echo "1 passed, 0 failed"
