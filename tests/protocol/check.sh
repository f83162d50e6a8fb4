#!/usr/bin/env bash
# Test (protocol): the wire protocol's rules, checked by buf (from npm,
# pinned in this folder's package-lock.json).
#   check.sh lint      buf lint: protocol/ follows buf's STANDARD rules
#   check.sh breaking  buf breaking: protocol/ is wire-compatible with the
#                      released v1 (protocol/released/v1.binpb); and, so that
#                      a silent checker cannot pass, a copy with one field's
#                      number changed must be reported as breaking
# Exits 77 (skipped) when `npm ci` has not run here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
protocol=$(cd "$here/../../protocol" && pwd)
buf=$here/node_modules/.bin/buf
if [ ! -x "$buf" ]; then
  echo "skipped: tests/protocol/node_modules is missing; run: (cd tests/protocol && npm ci)"
  exit 77
fi
# buf keeps a cache; give it one of its own, not the user's home.
export BUF_CACHE_DIR=${BUF_CACHE_DIR:-$(mktemp -d)}

case ${1:-} in
  lint)
    (cd "$protocol" && "$buf" lint)
    echo "ok: buf lint"
    ;;
  breaking)
    (cd "$protocol" && "$buf" breaking --against released/v1.binpb)
    echo "ok: wire-compatible with the released v1"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    cp -r "$protocol/maptable" "$protocol/buf.yaml" "$work/"
    mkdir "$work/released" && cp "$protocol/released/v1.binpb" "$work/released/"
    # Join.token is field 2; as field 9 an old server would never see it.
    sed -i 's/^  string token = 2; /  string token = 9; /' "$work/maptable/v1/envelope.proto"
    grep -q '^  string token = 9; ' "$work/maptable/v1/envelope.proto" || { echo "FAIL: the self-test's edit did not apply"; exit 1; }
    if (cd "$work" && "$buf" breaking --against released/v1.binpb >"$work/out.txt" 2>&1); then
      echo "FAIL: buf breaking did not report a changed field number"; exit 1
    fi
    grep -q 'token' "$work/out.txt" || { cat "$work/out.txt"; echo "FAIL: the report does not name the field"; exit 1; }
    echo "ok: a changed field number is reported as breaking"
    ;;
  *)
    echo "usage: check.sh lint|breaking" >&2
    exit 2
    ;;
esac
