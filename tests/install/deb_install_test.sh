#!/usr/bin/env bash
# Test (install): the Debian packages. CPack makes maptable-server and
# libmaptable-client-dev from the build tree as it is (nothing is rebuilt),
# dpkg installs them into the real system, examples/embed-sdk builds against
# /usr with find_package(maptable) and runs against the installed server,
# then dpkg purges both. Needs root (CI); skipped (77) otherwise.
#
#   deb_install_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$1 build_dir=$2

if [[ $(id -u) != 0 ]] || ! command -v dpkg >/dev/null; then
  echo "skipped: installing packages needs root and dpkg"
  exit 77
fi
for package in maptable-server libmaptable-client-dev; do
  if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    echo "skipped: $package is already installed here; this test does not replace it"
    exit 77
  fi
done

WORK=$(mktemp -d)
installed=()
cleanup() {
  local pid
  for pid in ${example_pid:-} ${server_pid:-}; do
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  if ((${#installed[@]})); then
    dpkg --purge "${installed[@]}" >/dev/null || echo "cannot remove ${installed[*]}" >&2
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"

(cd "$build_dir" && cpack -G DEB -B "$WORK/packages" >"$WORK/cpack.log" 2>&1) \
  || { cat "$WORK/cpack.log"; fail "cpack could not make the packages"; }
server_deb=$(ls "$WORK"/packages/maptable-server_*.deb)
sdk_deb=$(ls "$WORK"/packages/libmaptable-client-dev_*.deb)
dpkg-deb -f "$server_deb" Depends | grep -q libssl || fail "maptable-server has no runtime dependencies: $(dpkg-deb -f "$server_deb" Depends)"
echo "ok: $(basename "$server_deb") and $(basename "$sdk_deb")"

installed=(maptable-server libmaptable-client-dev)
dpkg -i "$server_deb" "$sdk_deb" >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; fail "dpkg -i failed"; }
[[ -x /usr/bin/maptable-server && -x /usr/bin/maptable ]] || fail "the server package lacks its binaries"
[[ -f /usr/lib/cmake/maptable/maptableConfig.cmake ]] || fail "the SDK package lacks its CMake package"
echo "ok: installed with dpkg"

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$source_dir/examples/embed-sdk" -B "$WORK/example" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  >"$WORK/configure.log" 2>&1 || { cat "$WORK/configure.log"; fail "the example does not configure against /usr"; }
cmake --build "$WORK/example" >"$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log"; fail "the example does not build against /usr"; }
grep -q '/usr/lib/libmaptable-client.so' "$WORK/example/CMakeCache.txt" "$WORK/example/build.ninja" "$WORK/example/CMakeFiles"/*/link.txt 2>/dev/null \
  || ldd "$WORK/example/embed-sdk" | grep -q '/usr/lib/libmaptable-client' \
  || fail "the example is not linked against the packaged SDK"
echo "ok: examples/embed-sdk built against /usr"

start_server /usr/bin/maptable-server
run_embed_example "$WORK/example/embed-sdk" /usr/bin/maptable-server /usr/bin/maptable
echo "ok: the example mirrored a marker into GeoJSON and printed the chat"

stop_process "$server_pid"
[[ $STATUS == 0 ]] || fail "the server exited with $STATUS"

dpkg --purge "${installed[@]}" >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; fail "dpkg --purge failed"; }
installed=()
[[ ! -e /usr/bin/maptable-server && ! -e /usr/lib/cmake/maptable ]] || fail "dpkg --purge left files behind"
echo "1 passed, 0 failed"
