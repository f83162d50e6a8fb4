#!/usr/bin/env bash
# Runs every test, in both trees that deploy/setup.sh builds:
#   build/       Release: unit and integration tests
#   build-asan/  the same tests under AddressSanitizer + UndefinedBehaviorSanitizer,
#                plus the ClientMessage fuzzer (label "fuzz": every seed once,
#                then a 60 s fuzz run)
#
#   ./deploy/test.sh                 both trees (what CI runs)
#   ./deploy/test.sh -L fuzz         arguments go to both ctest runs (here: only the fuzz tests)
#   SKIP_ASAN=1 ./deploy/test.sh     only build/, after SKIP_ASAN=1 ./deploy/setup.sh
#
# Tests run two at a time (one per core: most wait on sockets and fsyncs, and
# the longest, the browser suite, then runs beside the others instead of
# after them); MAPTABLE_TEST_JOBS=1 runs them one by one.
#
# Exit status: 0 when every test passed in every tree run, 1 otherwise.
set -uo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
ASAN_BUILD_DIR=${ASAN_BUILD_DIR:-build-asan}

jobs=${MAPTABLE_TEST_JOBS:-$(nproc)}
status=0
echo "test: $BUILD_DIR/ (Release)"
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 600 --parallel "$jobs" "$@" || status=1
release_status=$status
asan_status=0

if [ "${SKIP_ASAN:-0}" = 1 ]; then
  echo "test: SKIP_ASAN=1: $ASAN_BUILD_DIR/ (sanitizers, fuzzing) not run"
elif [ ! -f "$ASAN_BUILD_DIR/CTestTestfile.cmake" ]; then
  echo "test: $ASAN_BUILD_DIR/ is not built; run ./deploy/setup.sh (without SKIP_ASAN=1) first" >&2
  status=1
else
  echo "test: $ASAN_BUILD_DIR/ (AddressSanitizer + UndefinedBehaviorSanitizer, fuzzing)"
  # Sanitizer reports of every process, the servers that tests start included,
  # are written here (see tests/CMakeLists.txt); any report fails the run.
  reports="$ASAN_BUILD_DIR/sanitizer-reports"
  mkdir -p "$reports"
  find "$reports" -type f -delete
  ctest --test-dir "$ASAN_BUILD_DIR" --output-on-failure --timeout 600 --parallel "$jobs" "$@" || asan_status=1
  found=$(find "$reports" -type f | sort)
  if [ -n "$found" ]; then
    status=1
    for report in $found; do
      echo "test: sanitizer report $report:" >&2
      cat "$report" >&2
    done
  fi
fi

# Last in the log, so that a log cut short still says why: each failed
# test's assertions and crash lines, without the server logs around them.
if [ "$release_status" -ne 0 ]; then
  python3 deploy/failure_summary.py "$BUILD_DIR" >&2
fi
if [ "$asan_status" -ne 0 ]; then
  status=1
  python3 deploy/failure_summary.py "$ASAN_BUILD_DIR" >&2
fi
if [ "$status" -ne 0 ]; then
  echo "test: FAILED (see the failures listed above)" >&2
fi
exit "$status"
