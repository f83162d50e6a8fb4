#!/usr/bin/env bash
# Test (style): the TypeScript of the web app and the SDK (web/src,
# client-sdk/js/src; not the generated protocol code).
#   ts_check.sh lint     eslint with eslint.config.js here
#   ts_check.sh format   prettier --check with prettier.config.js here (not the
#                        HTML page: its inline whitespace is part of its text)
#   ts_check.sh fix      prettier --write and eslint --fix, for people
# Exits 77 (skipped) when `npm ci` has not run here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$here/node_modules/.bin
if [ ! -x "$bin/eslint" ] || [ ! -x "$bin/prettier" ]; then
  echo "skipped: tests/style/node_modules is missing; run: (cd tests/style && npm ci)"
  exit 77
fi
cd "$root"
sources=(web/src client-sdk/js/src)
formatted=("web/src/**/*.{ts,js,css}" "client-sdk/js/src/**/*.ts" "!**/gen/**")
case ${1:-} in
  lint)
    "$bin/eslint" --max-warnings 0 -c "$here/eslint.config.js" "${sources[@]}"
    echo "ok: eslint"
    ;;
  format)
    "$bin/prettier" --config "$here/prettier.config.js" --check "${formatted[@]}"
    ;;
  fix)
    "$bin/prettier" --config "$here/prettier.config.js" --write "${formatted[@]}" >/dev/null
    "$bin/eslint" --fix -c "$here/eslint.config.js" "${sources[@]}"
    ;;
  *)
    echo "usage: ts_check.sh lint|format|fix" >&2
    exit 2
    ;;
esac
