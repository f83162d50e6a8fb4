#!/bin/sh
# The CTest entry of the TypeScript SDK (registered in tests/golden/CMakeLists.txt):
# builds the SDK (generated protocol code + tsc) and runs its tests with node's
# test runner. Exits 77, which CTest reports as skipped, when the SDK's npm
# packages are not installed (run `npm ci` in client-sdk/js first).
cd "$(dirname "$0")/.." || exit 1
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "sdk_js skipped: node and npm are not installed"
    exit 77
fi
if [ ! -d node_modules/@bufbuild/protobuf ] || [ ! -x node_modules/.bin/tsc ]; then
    echo "sdk_js skipped: client-sdk/js/node_modules is missing; run: (cd client-sdk/js && npm ci)"
    exit 77
fi
exec npm test
