#!/usr/bin/env bash
# Test (style): clang-tidy-14 with the root's .clang-tidy (a small set of
# checks for real bugs: use after move, dangling views, moves that copy,
# misleading indentation...) over the layers below the network: the model,
# auth, store, room, session, export and metrics. The net layer and the SDK's
# transport include Beast, whose parsing would cost minutes per file on CI's
# two cores; they are left out on purpose.
#   cpp_tidy.sh BUILD_DIR   (needs BUILD_DIR/compile_commands.json)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
tidy=$(command -v clang-tidy-14 || true)
if [ -z "$tidy" ]; then
  echo "skipped: clang-tidy-14 is not installed (deploy/setup.sh installs it)"
  exit 77
fi
[ -f "$build/compile_commands.json" ] || { echo "FAIL: no $build/compile_commands.json"; exit 1; }
cd "$root"
mapfile -t files < <(ls protocol/model/*.cpp protocol/model/rules/*.cpp server/auth/*.cpp server/store/*.cpp \
                        server/room/*.cpp server/session/*.cpp server/export/*.cpp server/metrics/*.cpp)
# Two at a time (CI has two cores); each prints only its findings.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
printf '%s\n' "${files[@]}" | xargs -P 2 -n 4 "$tidy" -p "$build" --quiet >"$out" 2>/dev/null || status=$?
if [ $status -ne 0 ] || grep -qE '(warning|error): ' "$out"; then
  grep -E -A3 '(warning|error): ' "$out" || cat "$out"
  echo "FAIL: clang-tidy found the above in ${#files[@]} files"
  exit 1
fi
echo "ok: clang-tidy, ${#files[@]} files, no findings"
