#!/usr/bin/env python3
"""Prints, for each test that failed in a ctest run, the lines that say why.

ctest --output-on-failure prints a failed test's whole output, which for the
multi-node suites holds thousands of server log lines: a CI log cut at its
end then keeps the logs and loses the assertion. This runs after ctest and
prints, last, each failed test's doctest failures (the file:line, the check,
its values and what was logged) and its sanitizer or crash lines.

Usage: failure_summary.py BUILD_DIR
"""
import re
import sys
from pathlib import Path

WHY = re.compile(r"(ERROR:|FATAL ERROR|TEST CASE:|SUBCASE:|values:|logged:|with expansion|"
                 r"Sanitizer|runtime error:|Segmentation|Aborted|Timeout|\*\*\*Exception|Test Failed|Test Timeout)")
MAX_LINES_PER_TEST = 120
LOGGED_LINES = 50


def sections(log_text):
    """(test name, output lines) for every test in a LastTest.log."""
    name, lines = None, []
    for line in log_text.splitlines():
        m = re.match(r"^\d+/\d+ Testing: (\S+)", line)
        if m:
            if name:
                yield name, lines
            name, lines = m.group(1), []
        elif name:
            lines.append(line)
    if name:
        yield name, lines


def main():
    temp = Path(sys.argv[1]) / "Testing" / "Temporary"
    failed_list = temp / "LastTestsFailed.log"
    if not failed_list.exists():
        return
    failed = {line.split(":", 1)[1].strip() for line in failed_list.read_text().splitlines() if ":" in line}
    logs = sorted(temp.glob("LastTest*.log"))
    log = next((p for p in logs if p.name.startswith("LastTest") and "Failed" not in p.name), None)
    if not failed or log is None:
        return
    print(f"test: why each failed test of {sys.argv[1]} failed (from {log}):")
    for name, lines in sections(log.read_text(errors="replace")):
        # The list can outlive a rerun that passed: the log's own verdict decides.
        if name not in failed or "Test Passed." in lines:
            continue
        print(f"--- {name}")
        # A matching line and the two after it (a check's values and what
        # was logged follow its ERROR: line), each line printed once.
        keep = set()
        for i, line in enumerate(lines):
            if WHY.search(line):
                keep.update(range(i, min(i + 3, len(lines))))
            if "logged:" in line:
                # What a check logged can span lines (a message, a server
                # log's tail): kept up to doctest's next separator.
                end = i + 1
                while end < len(lines) and end < i + LOGGED_LINES and not lines[end].startswith(("====", "[doctest]")):
                    end += 1
                keep.update(range(i, end))
        keep = sorted(keep)
        shown = 0
        for j in keep:
            print("  " + lines[j][:400])
            shown += 1
            if shown >= MAX_LINES_PER_TEST:
                print("  (more in the log)")
                break
        if shown == 0:
            print("  (no assertion or crash line found; the tail of its output:)")
            for line in lines[-20:]:
                print("  " + line[:400])


if __name__ == "__main__":
    main()
