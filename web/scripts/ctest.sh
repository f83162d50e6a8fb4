#!/bin/sh
# The CTest entry of the web app (web/CMakeLists.txt): builds the app into
# web/dist (type check + esbuild), checks the language catalogues
# (test/i18n.test.mjs) and that maptable-server serves it
# (test/serving.test.mjs), then runs it in Debian's Chromium against a real
# server (every other test/*.test.mjs, sharing test/browser.mjs). Exits 77, which CTest reports as skipped,
# when what it needs is not installed: node, web/node_modules (npm ci in
# web/), client-sdk/js/node_modules (npm ci there), /usr/bin/chromium.
cd "$(dirname "$0")/.." || exit 1
skip() {
    echo "web_app skipped: $1"
    exit 77
}
command -v node >/dev/null 2>&1 || skip "node is not installed"
[ -x node_modules/.bin/esbuild ] && [ -d node_modules/playwright-core ] || skip "web/node_modules is missing; run: (cd web && npm ci)"
[ -d ../client-sdk/js/node_modules/@bufbuild/protobuf ] || skip "client-sdk/js/node_modules is missing; run: (cd client-sdk/js && npm ci)"
[ -x "${MAPTABLE_CHROMIUM:-/usr/bin/chromium}" ] || skip "no Chromium at ${MAPTABLE_CHROMIUM:-/usr/bin/chromium}; run: apt-get install chromium"
node scripts/build.mjs || exit 1
exec node --test --test-reporter=spec --test-concurrency=1 test/i18n.test.mjs test/serving.test.mjs test/browser.test.mjs test/language.test.mjs test/accessibility.test.mjs test/phone.test.mjs test/voting.test.mjs test/facilitation.test.mjs test/details.test.mjs test/offline.test.mjs test/map.test.mjs test/mapread.test.mjs test/mapbase.test.mjs test/mapfind.test.mjs test/editing.test.mjs test/replay.test.mjs test/room_info.test.mjs test/mentions.test.mjs test/rtl.test.mjs test/time_zone.test.mjs test/geocoder.test.mjs test/layers.test.mjs test/photo.test.mjs test/attach.test.mjs test/breakouts.test.mjs test/network_home.test.mjs test/compare.test.mjs
