#!/usr/bin/python3
# Style check, layering: every `#include "..."` in server/, protocol/model/,
# client-sdk/, bench/ and common/ must point down the layer graph below, never
# up or sideways. The compiler cannot see this while every server target
# exposes all of server/ as its include root, so this script keeps the rule.
#
#   check_layers.py ROOT         check the tree at ROOT; exit 1 on any violation
#   check_layers.py --self-test  prove the checker catches one (fixture trees)
#   check_layers.py --table      print the graph as a Markdown table (for docs)
#
# Python 3 standard library only, so it runs wherever CTest runs.

import os
import re
import subprocess
import sys
import tempfile

# --- The graph -------------------------------------------------------------
#
# Each layer: its name, the folders (or single files) that make it, the
# layers it may include directly, and what it is. A layer may also include
# whatever those include, and so on: the rule is about direction, so app
# wiring the store, or net reading a room's replay, is fine, while the store
# naming a room, or the model naming anything of the server, is not.
#
#   app -> net -> session -> room -> store -> metrics
#                 session -> auth -> protocol
#                            room -> model -> protocol
#          net -> export -> model
#   client SDK: cli -> sdk_api <- sdk_impl;  sdk_api -> model (never server/)
#
# A folder's deeper subfolders belong to it (protocol/model/rules is model).
LAYERS = [
    # name, paths, may include directly, what it is
    ("protocol", ["protocol/maptable"], [],
     "the generated wire types (maptable/v1/*.pb.h from the .proto files)"),
    ("common", ["common"], [],
     "Boost compiled once; no headers of ours"),
    ("model", ["protocol/model"], ["protocol"],
     "the pure room state machine, shared with the SDK: no server, no I/O"),
    ("metrics", ["server/metrics"], [],
     "relaxed atomics behind GET /metrics; every server layer may count"),
    # server/limits.hpp sits at the server root and is read by every server
    # layer (app fills it from flags, room, session and net obey it). It is
    # plain values with std includes only, so it is a leaf of its own rather
    # than a part of app that every layer would then reach up to.
    ("server_limits", ["server/limits.hpp"], [],
     "every server limit and timeout: one struct of plain values"),
    ("store", ["server/store"], ["metrics", "server_limits"],
     "event log and room catalog on SQLite; stores bytes, knows no protobuf"),
    # The one header a room includes to wake the webhook dispatcher after a
    # commit: std only, so it is a leaf of its own (as limits.hpp is) and the
    # room layer does not reach up into webhook.
    ("webhook_hook", ["server/webhook/commit_observer.hpp"], [],
     "the commit observer a room calls after each commit; std only"),
    ("webhook", ["server/webhook"], ["store", "protocol", "metrics", "server_limits", "webhook_hook"],
     "webhook dispatcher: delivers each room's events from the log to HTTP(S) endpoints"),
    ("auth", ["server/auth"], ["protocol", "server_limits"],
     "join tokens and ballot pseudonyms"),
    ("room", ["server/room"], ["model", "store", "metrics", "server_limits", "webhook_hook"],
     "room hosts, registry, frames, replay; Asio, no Beast"),
    ("export", ["server/export"], ["model", "server_limits"],
     "GeoJSON, JSON, CSV and report exports: pure functions of state and events"),
    ("import", ["server/import"], ["model"],
     "reference-layer parsers (GeoJSON, KML, GPX, CSV): bytes in, a layer or an error out; no I/O"),
    ("network", ["server/network"], ["model", "store", "metrics", "server_limits"],
     "learning networks: their logs in the store, the calendar; no Asio, no Beast"),
    ("breakout", ["server/breakout"], ["model"],
     "breakout groups' pure logic: dealing, group rooms, the captured layer; no I/O"),
    ("harvest", ["server/harvest"], ["export", "model"],
     "the network harvest: pure functions of a network's state and its rooms' records"),
    ("session", ["server/session"], ["room", "auth", "network", "metrics", "server_limits"],
     "one joined participant: join, auth, routing; no Beast"),
    ("media", ["server/media"], ["store"],
     "attachments: type sniffing, the libvips pipeline, the content-addressed store; no Asio "
     "(the store's SQLite statement and random ids only)"),
    ("net", ["server/net"], ["session", "export", "import", "media", "metrics", "server_limits", "webhook",
                             "network", "breakout", "harvest"],
     "listener, HTTP routes, WebSocket: the only server layer with Beast"),
    ("app", ["server/app"], ["net"],
     "flags, wiring, signals, main: the top of the server"),
    ("sdk_api", ["client-sdk/include"], ["model"],
     "the SDK's public headers (maptable/client.hpp): model only, never server/"),
    ("sdk_impl", ["client-sdk/src"], ["sdk_api"],
     "the SDK's implementation; its headers are private to it"),
    ("cli", ["client-sdk/cli"], ["sdk_api", "model"],
     "the command-line client: the SDK's public API, never its src/ or server/"),
    # The load generator mints tokens (auth) and speaks the wire protocol; the
    # seeder writes a room through the real model, room and store. Neither
    # goes through net, session or app: a bench that needs those starts a
    # real server process and talks to it over a socket.
    ("bench", ["bench"], ["auth", "room"],
     "the load generator and the room seeder"),
]

# Folders scanned for includes. tests/ is left out on purpose: a test may
# reach into any layer it exercises.
SCANNED = ["server", "protocol/model", "client-sdk", "bench", "common"]

SOURCE_SUFFIXES = (".hpp", ".cpp", ".h", ".hh", ".cc", ".cxx", ".ipp", ".inl", ".tpp")
PRUNED_DIRS = {"node_modules", ".git", "dist", "build"}

# The roots the compiler searches for a quoted include after the including
# file's own folder (target_include_directories in the CMake files). The
# generated protocol headers live in the build tree; they are matched to
# their .proto below instead.
INCLUDE_ROOTS = ["server", "protocol", "client-sdk/include"]
GENERATED_PROTO_DIR = "protocol"

# Violations that exist on main and are known, each to be fixed in its own
# change. Key: (including file, the quoted include as written). Every entry
# says why it exists and is marked REMOVE: fixing the include must remove the
# entry too (a stale entry fails the check, so the list only shrinks).
ALLOWED = {
    # ("server/store/example.cpp", "room/frame.hpp"):
    #     "REMOVE: reason it exists today and how it will be fixed",
}

INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"')


# --- The check -------------------------------------------------------------

def layer_table():
    names = [name for name, _, _, _ in LAYERS]
    if len(set(names)) != len(names):
        raise SystemExit("check_layers: a layer is named twice in LAYERS")
    deps = {}
    for name, _, direct, _ in LAYERS:
        for dep in direct:
            if dep not in names:
                raise SystemExit(f"check_layers: layer {name} names unknown layer {dep}")
        deps[name] = list(direct)
    return deps


def closure(deps):
    """Every layer reachable from each layer; fails on a cycle, which would
    make 'lower' meaningless."""
    reach = {}

    def visit(name, path):
        if name in path:
            raise SystemExit("check_layers: the layer graph has a cycle: "
                             + " -> ".join(path[path.index(name):] + [name]))
        if name in reach:
            return reach[name]
        out = set()
        for dep in deps[name]:
            out.add(dep)
            out |= visit(dep, path + [name])
        reach[name] = out
        return out

    for name in deps:
        visit(name, [])
    return reach


def layer_of(rel_path):
    """The layer a repository path belongs to: the longest matching path."""
    best = None
    for name, paths, _, _ in LAYERS:
        for p in paths:
            if rel_path == p or rel_path.startswith(p + "/"):
                if best is None or len(p) > best[1]:
                    best = (name, len(p))
    return best[0] if best else None


def resolve(root, including_rel, target):
    """The repository path a quoted include names, searched as the compiler
    does: the including file's folder first, then the include roots. None
    when it names no file of ours."""
    candidates = [os.path.join(os.path.dirname(including_rel), target)]
    candidates += [os.path.join(r, target) for r in INCLUDE_ROOTS]
    for cand in candidates:
        norm = os.path.normpath(cand)
        if norm.startswith(".."):
            continue
        if os.path.isfile(os.path.join(root, norm)):
            return norm
    if target.endswith(".pb.h"):
        proto = os.path.normpath(os.path.join(GENERATED_PROTO_DIR, target[: -len(".pb.h")] + ".proto"))
        if os.path.isfile(os.path.join(root, proto)):
            return proto
    return None


def strip_comments(text):
    """Blank out comments, keeping line breaks, so a commented-out include
    is not counted and line numbers stay true."""
    out = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif text[i] == '"' or (text[i] == "'" and not (i and text[i - 1].isalnum())):
            # A string or character literal (not a digit separator): copy it
            # whole, so "//" or "/*" inside it starts no comment.
            quote, j = text[i], i + 1
            while j < n and text[j] != quote and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def source_files(root):
    for top in SCANNED:
        base = os.path.join(root, top)
        if not os.path.isdir(base):
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if d not in PRUNED_DIRS)
            for f in sorted(filenames):
                if f.endswith(SOURCE_SUFFIXES):
                    yield os.path.relpath(os.path.join(dirpath, f), root)


def describe(frm, to, reach):
    allowed = ", ".join(sorted(reach[frm])) or "nothing of ours"
    if frm in reach[to]:
        why = f"upward include: {to} depends on {frm}, so {frm} must not include {to}"
    else:
        why = f"{frm} does not depend on {to}"
    return f"{why}; {frm} may include: {allowed}"


def check(root, allowed=None):
    """Returns (violations, stale allow-list entries, files, includes).
    A violation is (file, line, text)."""
    allowed = ALLOWED if allowed is None else allowed
    reach = closure(layer_table())
    violations, used = [], set()
    files = includes = 0
    for rel in source_files(root):
        files += 1
        frm = layer_of(rel)
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as fh:
            lines = strip_comments(fh.read()).split("\n")
        for lineno, line in enumerate(lines, 1):
            m = INCLUDE_RE.match(line)
            if not m:
                continue
            includes += 1
            target = m.group(1)
            key = (rel, target)
            if frm is None:
                problem = ("file in no layer: add its folder to LAYERS in "
                           "tests/layering/check_layers.py with the layers it may include")
            else:
                path = resolve(root, rel, target)
                to = layer_of(path) if path else None
                if path is None:
                    problem = (f'"{target}" names no header of ours: quoted includes are for this '
                               "repository's headers (use <...> for a library's)")
                elif to is None:
                    problem = (f'"{target}" ({path}) is in no layer: add its folder to LAYERS '
                               "in tests/layering/check_layers.py")
                elif to == frm or to in reach[frm]:
                    continue
                else:
                    problem = f'{frm} -> {to} ("{target}"): {describe(frm, to, reach)}'
            if key in allowed:
                used.add(key)
                continue
            violations.append((rel, lineno, problem))
    stale = sorted(set(allowed) - used)
    return violations, stale, files, includes


def run(root, allowed):
    if not os.path.isdir(root):
        print(f"check_layers: {root} is not a directory", file=sys.stderr)
        return 2
    violations, stale, files, includes = check(root, allowed)
    for rel, lineno, problem in violations:
        print(f"{rel}:{lineno}: {problem}")
    for rel, target in stale:
        print(f'{rel}: allow-list entry for "{target}" is no longer needed: '
              "remove it from ALLOWED in tests/layering/check_layers.py")
    if files == 0:
        print(f"check_layers: no source files under {root} (wrong root?)")
        return 1
    print(f"layering: {files} files, {includes} quoted includes, "
          f"{len(violations)} violations, {len(allowed) - len(stale)} allowed for now, "
          f"{len(stale)} stale allow-list entries")
    return 1 if violations or stale else 0


def print_table():
    reach = closure(layer_table())
    print("| layer | folder | may include (directly) | and through them | what it is |")
    print("| --- | --- | --- | --- | --- |")
    for name, paths, direct, what in LAYERS:
        through = sorted(reach[name] - set(direct))
        print(f"| {name} | {', '.join('`' + p + '`' for p in paths)} | "
              f"{', '.join(direct) or '—'} | {', '.join(through) or '—'} | {what} |")


# --- Self-test -------------------------------------------------------------
#
# Runs this script as CTest does, on small trees made in a temporary folder,
# and checks what it reports. The first case is the one the test exists for:
# one include down the graph, one up, exactly one violation.

SELF_TEST_CASES = [
    ("one upward include among allowed ones",
     {"server/store/event_log.hpp": '#pragma once\n#include "metrics/metrics.hpp"\n',
      "server/store/bad.cpp": '// the store must not know rooms\n#include "store/event_log.hpp"\n'
                              '#include "room/frame.hpp"\n',
      "server/room/frame.hpp": '#pragma once\n#include "store/event_log.hpp"\n',
      "server/metrics/metrics.hpp": "#pragma once\n"},
     [("server/store/bad.cpp", 3, "store -> room")]),
    ("allowed includes only",
     {"server/store/event_log.hpp": '#pragma once\n',
      "server/room/frame.hpp": '#pragma once\n#include "store/event_log.hpp"\n',
      "server/app/main.cpp": '#include "room/frame.hpp"\n#include "store/event_log.hpp"\n'},
     []),
    ("the SDK reaching into the server through a relative path",
     {"client-sdk/src/client.cpp": '#include "../../server/room/frame.hpp"\n',
      "server/room/frame.hpp": "#pragma once\n"},
     [("client-sdk/src/client.cpp", 1, "sdk_impl -> room")]),
    ("a commented-out include, a generated header, a file in no layer",
     {"protocol/maptable/v1/room.proto": 'syntax = "proto3";\n',
      "protocol/model/room_state.hpp": '/* #include "room/frame.hpp" */\n'
                                       '#include "maptable/v1/room.pb.h"\n',
      "server/newlayer/x.cpp": '#include "model/room_state.hpp"\n'},
     [("server/newlayer/x.cpp", 1, "file in no layer")]),
]


def self_test():
    layer_table()
    closure(layer_table())
    failures = 0
    for title, tree, expected in SELF_TEST_CASES:
        with tempfile.TemporaryDirectory(prefix="layering-") as tmp:
            for rel, text in tree.items():
                os.makedirs(os.path.dirname(os.path.join(tmp, rel)), exist_ok=True)
                with open(os.path.join(tmp, rel), "w", encoding="utf-8") as fh:
                    fh.write(text)
            # Without the allow-list: its entries name files of the real tree.
            proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--no-allow-list", tmp],
                                  capture_output=True, text=True)
        reported = [l for l in proc.stdout.splitlines() if re.match(r"^[^ :]+:\d+: ", l)]
        ok = proc.returncode == (1 if expected else 0) and len(reported) == len(expected)
        if ok:
            for line, (rel, lineno, fragment) in zip(reported, expected):
                if not line.startswith(f"{rel}:{lineno}: ") or fragment not in line:
                    ok = False
        print(f"{'ok  ' if ok else 'FAIL'} {title}")
        if not ok:
            failures += 1
            print(f"     exit {proc.returncode}, expected {1 if expected else 0}")
            print(f"     expected: {expected}")
            print("     output:\n" + "".join("       " + l + "\n" for l in proc.stdout.splitlines()))
            if proc.stderr:
                print("     stderr:\n" + proc.stderr)
    print(f"{len(SELF_TEST_CASES) - failures} passed, {failures} failed")
    return 1 if failures else 0


def main(argv):
    if argv == ["--self-test"]:
        return self_test()
    if argv == ["--table"]:
        print_table()
        return 0
    if len(argv) == 1 and not argv[0].startswith("--"):
        return run(argv[0], ALLOWED)
    if len(argv) == 2 and argv[0] == "--no-allow-list":
        return run(argv[1], {})
    print("usage: check_layers.py [--no-allow-list] ROOT | --self-test | --table", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
