#!/usr/bin/env bash
# tests/deploy: the SQLite backup and restore of docs/DEPLOY.md, section 4,
# run word for word (the blocks marked deploy_backup: backup / restore are
# taken from the doc and run with bash), against a real node:
#   - a backup taken while clients write holds a consistent prefix of the
#     room: every event up to its seq, exactly as the node had it;
#   - restored into a fresh data dir, the node starts, the room has those
#     events, and its epoch is new;
#   - a client whose replica is newer than the backup gets a fresh snapshot
#     (Welcome.recovered = false) even once the room's seq has passed the
#     client's again, instead of a history spliced from two timelines; a
#     client of the new epoch still resumes;
#   - the same steps restore into the node's own data dir too, beside its
#     marker file.
#
#   backup_test.sh SERVER SOURCE_DIR
# Exit status 0 passed, 1 failed, 77 a tool is missing (skipped).
SERVER=$1
SOURCE_DIR=$2
source "$SOURCE_DIR/tests/deploy/lib.sh"

need sqlite3 curl install chown
need_websockets
CLIENT="$SOURCE_DIR/tests/deploy/ws_client.py"
DOC="$SOURCE_DIR/docs/DEPLOY.md"

# doc_block NAME: the shell block after "<!-- deploy_backup: NAME -->".
doc_block() {
    awk -v marker="<!-- deploy_backup: $1 -->" '
        $0 == marker { found = 1; next }
        found == 1 && /^```sh$/ { found = 2; next }
        found == 2 && /^```$/ { exit }
        found == 2 { print }' "$DOC"
}
doc_block backup >"$WORK/backup.sh"
doc_block restore >"$WORK/restore.sh"
[ -s "$WORK/backup.sh" ] && [ -s "$WORK/restore.sh" ] || fail "docs/DEPLOY.md has no deploy_backup blocks"
grep -q 'reset-epochs' "$WORK/restore.sh" || fail "the doc's restore does not run reset-epochs"
grep -q 'maptable-server check' "$WORK/restore.sh" || fail "the doc's restore does not check the restored log"

# The doc's steps call maptable-server by name, as installed.
mkdir -p "$WORK/bin"
ln -s "$SERVER" "$WORK/bin/maptable-server"
run_doc_block() {
    (cd "$WORK" && PATH="$WORK/bin:$PATH" DATA=$1 BACKUP=$2 bash -euo pipefail "$WORK/$3.sh") >"$WORK/$3.log" 2>&1 ||
        fail "the doc's $3 steps failed: $(cat "$WORK/$3.log")"
}

start_node node "$WORK/data"
NODE_PID1=$NODE_PID
PORT=$NODE_PORT
TOKEN=$("$SERVER" token --data-dir "$WORK/data" --room harbour --name Ana 2>/dev/null)
client() {
    "$PYTHON" "$CLIENT" "ws://127.0.0.1:$PORT/v1/ws?room=harbour" - harbour "$TOKEN" "$@"
}
welcome_field() { sed -n "s/^welcome .*$1=\([^ ]*\).*/\1/p" <<<"$2"; }

out=$(client --say before-1 --say before-2 --say before-3 --say before-4 --say before-5) || fail "first messages: $out"

# Clients write while the backup runs.
(
    for i in $(seq 1 10); do
        client --say "during-$i-a" --say "during-$i-b" || exit 1
    done
) >"$WORK/writers.log" 2>&1 &
WRITERS=$!
committed() { [ "$(metric "$PORT" maptable_events_committed_total)" -ge 7 ]; }
wait_until "the writers' first commits" committed
run_doc_block "$WORK/data" "$WORK/backups/maptable-test.db" backup
wait "$WRITERS" || fail "a writer failed: $(cat "$WORK/writers.log")"
[ -f "$WORK/backups/maptable-test.db" ] && [ -f "$WORK/backups/maptable-test.db.secret" ] ||
    fail "the backup steps left no backup: $(ls -l "$WORK/backups")"
pass "backup taken with the doc's steps while 10 clients wrote"

# After the backup: events the backup lacks, seen by a client whose replica
# is then (EPOCH, FULL_SEQ).
out=$(client --say after-1 --say after-2 --say after-3) || fail "messages after the backup: $out"
full=$(client) || fail "join after the backup: $full"
EPOCH=$(welcome_field epoch "$full")
FULL_SEQ=$(welcome_field seq "$full")
[ "$FULL_SEQ" = 28 ] || fail "the room should have 28 events, has $FULL_SEQ: $full"
stop_node "$NODE_PID1"

# Restore into a fresh data dir, exactly as the doc says, and start.
run_doc_block "$WORK/restored" "$WORK/backups/maptable-test.db" restore
start_node restored "$WORK/restored"
PORT=$NODE_PORT
restored=$(client) || fail "join after the restore: $restored"
BACKUP_SEQ=$(welcome_field seq "$restored")
NEW_EPOCH=$(welcome_field epoch "$restored")
[ "$BACKUP_SEQ" -ge 5 ] && [ "$BACKUP_SEQ" -lt "$FULL_SEQ" ] ||
    fail "the restored room has seq $BACKUP_SEQ: not between the 5 messages acked before the backup and $FULL_SEQ"
[ "$NEW_EPOCH" != "$EPOCH" ] || fail "the restored room kept its epoch $EPOCH: reset-epochs did not run"
# The restored chat is the original's, cut at the backup's seq.
diff <(grep '^chat ' <<<"$full" | awk -v s="$BACKUP_SEQ" '$2 <= s') <(grep '^chat ' <<<"$restored") >"$WORK/chat.diff" ||
    fail "the restored chat differs from the original's first $BACKUP_SEQ events: $(cat "$WORK/chat.diff")"
pass "restored: the room's $BACKUP_SEQ events up to the backup, as they were; a new epoch"

# The room goes on past the stale client's seq; its resume must still get a
# snapshot, not events spliced after its seq from the other timeline.
says=()
for i in $(seq 1 $((FULL_SEQ - BACKUP_SEQ + 1))); do says+=(--say "new-$i"); done
out=$(client "${says[@]}") || fail "messages after the restore: $out"
stale=$(client --resume "$EPOCH" "$FULL_SEQ") || fail "resume of the stale replica: $stale"
[ "$(welcome_field recovered "$stale")" = 0 ] || fail "a replica from after the backup was resumed, not given a snapshot: $stale"
[ "$(welcome_field epoch "$stale")" = "$NEW_EPOCH" ] || fail "the snapshot has another epoch: $stale"
current=$(client --resume "$NEW_EPOCH" "$BACKUP_SEQ") || fail "resume in the new epoch: $current"
[ "$(welcome_field recovered "$current")" = 1 ] || fail "a replica of the new epoch was not resumed: $current"
[ "$(curl -sf "http://127.0.0.1:$PORT/healthz")" = ok ] || fail "/healthz after the restore"
pass "a replica newer than the backup gets a fresh Welcome (recovered=0); one of the new epoch resumes"

# The same steps into the node's own data dir, over its newer database and
# beside its marker (maptable.db.id): the backup keeps the database's id, so
# the start is not refused.
stop_node "$NODE_PID"
[ -f "$WORK/data/maptable.db.id" ] || fail "the first data dir has no marker maptable.db.id"
run_doc_block "$WORK/data" "$WORK/backups/maptable-test.db" restore
start_node in-place "$WORK/data"
PORT=$NODE_PORT
in_place=$(client) || fail "join after restoring in place: $in_place"
[ "$(welcome_field seq "$in_place")" = "$BACKUP_SEQ" ] || fail "restored in place, the room is not at the backup's seq $BACKUP_SEQ: $in_place"
[ "$(welcome_field epoch "$in_place")" != "$EPOCH" ] || fail "restored in place, the room kept its epoch"
ls -d "$WORK/data"/before-restore-* >/dev/null || fail "the replaced database was not kept aside"
pass "restored in place over the newer database: accepted beside its marker, the old files kept aside"

echo "backup_test: all checks passed"
