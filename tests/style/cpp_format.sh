#!/usr/bin/env bash
# Test (style): every C++ file of the tree is as clang-format-14 lays it out
# with the root's .clang-format. On failure it names the files; fix them with
#   clang-format-14 -i <files>     (or: tests/style/cpp_format.sh --fix)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
formatter=$(command -v clang-format-14 || true)
if [ -z "$formatter" ]; then
  echo "skipped: clang-format-14 is not installed (deploy/setup.sh installs it)"
  exit 77
fi
if [ -d .git ] || git rev-parse --git-dir >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.cc')
else
  mapfile -t files < <(find . -path ./build\* -prune -o -path '*/node_modules' -prune -o \
                              \( -name '*.cpp' -o -name '*.hpp' \) -print | sed 's|^\./||' | sort)
fi
if [ "${1:-}" = "--fix" ]; then
  "$formatter" -i "${files[@]}"
  echo "formatted ${#files[@]} files"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  "$formatter" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "FAIL: ${#bad[@]} of ${#files[@]} files are not formatted (clang-format-14 -i, or tests/style/cpp_format.sh --fix):"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "ok: ${#files[@]} C++ files formatted"
