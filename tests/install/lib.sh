# Test harness (install): helpers shared by the install tests, for bash.
#
# Processes write their stdout to a FIFO that the test reads line by line,
# so each step waits for the line that says the event happened; the time
# limit on a read only turns a hang into a failure.

LINE_TIMEOUT=${LINE_TIMEOUT:-60}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# start_with_fifo NAME CMD...: runs CMD with stdout into the FIFO $WORK/NAME.out,
# opened on a new fd stored in NAME_fd; its pid goes to NAME_pid; its
# stderr goes to $WORK/NAME.err.
start_with_fifo() {
  local name=$1; shift
  mkfifo "$WORK/$name.out"
  "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  printf -v "${name}_pid" '%s' "$!"
  local fd
  exec {fd}<"$WORK/$name.out"
  printf -v "${name}_fd" '%s' "$fd"
}

# await_line NAME PATTERN: reads NAME's stdout until a line matches the
# extended regex PATTERN; the line is left in $LINE. Every line read is kept
# in $WORK/NAME.log.
await_line() {
  local name=$1 pattern=$2 fd_var="${1}_fd"
  while IFS= read -r -t "$LINE_TIMEOUT" -u "${!fd_var}" LINE; do
    printf '%s\n' "$LINE" >>"$WORK/$name.log"
    [[ $LINE =~ $pattern ]] && return 0
  done
  echo "--- $name stdout:" >&2; cat "$WORK/$name.log" >&2 2>/dev/null
  echo "--- $name stderr:" >&2; tail -n 40 "$WORK/$name.err" >&2 2>/dev/null
  fail "$name never printed a line matching '$pattern'"
}

# drain NAME: keeps reading NAME's stdout in the background, so that a
# process whose output nobody awaits any more never blocks on a full pipe.
drain() {
  local fd_var="${1}_fd"
  cat <&"${!fd_var}" >>"$WORK/$1.log" &
}

# stop_process PID: SIGTERM, then waits for it; its exit status goes to
# STATUS (not printed: a command substitution's subshell cannot wait for it).
stop_process() {
  kill -TERM "$1" 2>/dev/null || true
  STATUS=0
  wait "$1" || STATUS=$?
}

# start_server SERVER_BINARY: a real maptable-server on port 0 with its data
# in $WORK/data; sets PORT and URL.
start_server() {
  start_with_fifo server "$1" --port 0 --data-dir "$WORK/data" --log-level info
  await_line server 'maptable-server listening on 127\.0\.0\.1:([0-9]+)'
  PORT=${BASH_REMATCH[1]}
  URL="ws://127.0.0.1:$PORT/v1/ws"
  drain server
}

# run_embed_example EXAMPLE_BINARY SERVER_BINARY CLI_BINARY: the example
# joins a room; the CLI adds a marker and chats; the example must mirror the
# marker into its GeoJSON file and print the chat line.
run_embed_example() {
  local example=$1 server=$2 cli=$3 room="harbour-$RANDOM"
  local example_token cli_token
  example_token=$("$server" token --data-dir "$WORK/data" --room "$room" --name Mirror 2>/dev/null) \
    || fail "cannot mint a token"
  cli_token=$("$server" token --data-dir "$WORK/data" --room "$room" --name Ana 2>/dev/null) \
    || fail "cannot mint a token"

  start_with_fifo example "$example" --url "$URL" --room "$room" --token "$example_token" --out "$WORK/map.geojson"
  await_line example "^joined $room at seq 0"

  "$cli" --url "$URL" --room "$room" --token "$cli_token" mark 18.4231 -33.9189 "Water point" >/dev/null \
    || fail "the CLI could not add a marker"
  "$cli" --url "$URL" --room "$room" --token "$cli_token" say "meet at the water point" >/dev/null \
    || fail "the CLI could not chat"

  # The example rewrites the file before it prints the map line.
  await_line example '^map: 1 features at seq 1$'
  grep -q '"title":"Water point"' "$WORK/map.geojson" || fail "the GeoJSON file lacks the marker: $(cat "$WORK/map.geojson")"
  grep -q '"coordinates":\[18.4231,-33.9189\]' "$WORK/map.geojson" \
    || fail "the GeoJSON file lacks the marker's position: $(cat "$WORK/map.geojson")"
  await_line example '^chat Ana: meet at the water point$'

  stop_process "$example_pid"
  await_line example '^stopping: signal$'
  [[ $STATUS == 0 ]] || fail "the example exited with $STATUS"
}
