#!/bin/sh
# The CTest entry of the API description (tests/api_spec/CMakeLists.txt):
# checks docs/openapi.yaml against a real maptable-server and against the
# routes in server/net (api_spec.test.mjs). Exits 77, which CTest reports as
# skipped, when what it needs is not installed: node, or
# tests/api_spec/node_modules (npm ci in tests/api_spec/).
cd "$(dirname "$0")" || exit 1
skip() {
    echo "api_spec skipped: $1"
    exit 77
}
command -v node >/dev/null 2>&1 || skip "node is not installed"
[ -d node_modules/ajv ] && [ -d node_modules/@seriousme/openapi-schema-validator ] ||
    skip "tests/api_spec/node_modules is missing; run: (cd tests/api_spec && npm ci)"
exec node --test --test-reporter=spec --test-concurrency=1 api_spec.test.mjs
