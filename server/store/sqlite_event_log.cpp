// Layer: store. The SQLite event log: one connection, WAL, prepared statements.
//
// Schema (user_version 6; version 2 added the rooms table, version 3
// revoked_tokens, version 4 events.target_seq and the events_target and
// events_time indexes, version 5 the crc columns and the meta table, version
// 6 dropped events_time, made events_chat hold chat alone and added
// time_setbacks):
//   events(room, seq, time_ms, kind, client_id, op_id, body, target_seq, crc), primary key
//     (room, seq), WITHOUT ROWID so the rows are stored in key order and a
//     room's history is one contiguous range scan.
//   events_op: UNIQUE (room, client_id, op_id) WHERE op_id IS NOT NULL. An
//     op_id of 0 ("not deduplicated") is stored as NULL, so it never conflicts.
//     The partial-index condition is "IS NOT NULL" rather than "op_id > 0" for
//     two reasons: op ids are unsigned 64-bit values stored bit for bit in a
//     signed column, so ids above 2^63 are negative in SQL and "> 0" would stop
//     deduplicating them; and SQLite can use an "x IS NOT NULL" partial index
//     for a query with "x = ?", but cannot prove "? > 0", so find_op would scan.
//   events_chat: (room, kind, seq) WHERE kind = chat (1), for chat history
//     paging. Partial, so a map edit costs it nothing; kind stays a column
//     so that the index covers the query that pages through it.
//   events_target: (room, target_seq) WHERE target_seq IS NOT NULL: the
//     reactions, edits and deletions of a page of chat messages, found by the
//     messages' seqs. Only chat changes have a target, so the index holds
//     them alone and costs other events nothing.
//   No index on time: every index keyed by room gets about one dirty page
//     per room per commit, written to the WAL and again at the checkpoint,
//     and in the durable-edits load (100 rooms, an event each per commit)
//     those pages are most of the writer's cost. seq_at_time searches the
//     primary key instead (store/seq_at_time_search.hpp), because times grow
//     with seq within a room, except where the clock was set back:
//   time_setbacks(room, seq): the events whose time_ms is earlier than the
//     previous event's of the room, written by append() in the same
//     transaction as the event (both neighbours count, so the order of
//     inserts does not matter). Empty unless a clock went back. append()
//     knows each room's newest (seq, time) from its own earlier appends, so
//     an event that extends its room (every one, in practice) costs no read;
//     an SQL trigger doing the same cost 14 500 instructions per event.
//   crc: record_checksum(room, seq, body) (store/checksum.hpp), checked by
//     every read of the body: SQLite has no checksum of its own on its
//     pages, so without it a flipped bit in a message is served as the
//     message. (Other columns are the log's index, not its content: a
//     damaged one shows as a missing or misplaced row, which reads check too.)
//   snapshots(room, seq, body, crc): the newest snapshot per room.
//   meta(key, value): 'database_id', the id given to the file when it was
//     created, which the data dir's marker file repeats.
//   rooms(room, epoch): each room's history epoch, a random hex string.
//   revoked_tokens(jti, expires_at): join token ids refused by the admin API;
//     expires_at NULL = forever.
//
// Errors: append() reports duplicate keys and disk trouble as values (the
// room decides what to tell the client); reads and snapshot writes throw
// std::runtime_error, because a log that cannot be read is broken
// infrastructure, not a domain outcome.
#include "store/sqlite_event_log.hpp"

#include "metrics/metrics.hpp"
#include "store/checksum.hpp"
#include "store/seq_at_time_search.hpp"
#include "store/sqlite_statement.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <unordered_map>

namespace maptable::store {

namespace {

constexpr int schema_version = 6;

// Long enough to ride out a checkpoint or a backup tool's short lock; short
// enough that a stuck second writer surfaces as an io error, not a hang.
constexpr int default_busy_timeout_ms = 5000;

constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS events(
    room      TEXT    NOT NULL,
    seq       INTEGER NOT NULL,
    time_ms   INTEGER NOT NULL,
    kind      INTEGER NOT NULL,
    client_id TEXT,
    op_id     INTEGER,
    body      BLOB    NOT NULL,
    target_seq INTEGER,
    crc       INTEGER,
    PRIMARY KEY (room, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS events_op ON events(room, client_id, op_id) WHERE op_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_chat ON events(room, kind, seq) WHERE kind = 1;
CREATE INDEX IF NOT EXISTS events_target ON events(room, target_seq) WHERE target_seq IS NOT NULL;
CREATE TABLE IF NOT EXISTS time_setbacks(
    room TEXT    NOT NULL,
    seq  INTEGER NOT NULL,
    PRIMARY KEY (room, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rooms(
    room  TEXT PRIMARY KEY,
    epoch TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots(
    room TEXT    PRIMARY KEY,
    seq  INTEGER NOT NULL,
    body BLOB    NOT NULL,
    crc  INTEGER
);
CREATE TABLE IF NOT EXISTS meta(
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS revoked_tokens(
    jti        TEXT PRIMARY KEY,
    expires_at INTEGER
);
)sql";

// Version 3 -> 4: events gains target_seq (NULL for every older row: chat
// changes came with the same server version, so no stored event has a target
// to fill in). Must run before schema_sql, whose events_target index names
// the column. A no-op for a new file, whose events table schema_sql creates
// with the column.
constexpr const char* add_target_seq_sql = "ALTER TABLE events ADD COLUMN target_seq INTEGER";

// Version 4 -> 5: events and snapshots gain crc, computed once here for every
// row already stored (by the SQL function the constructor registers), so a
// migrated file is checked like a new one from its first load on. The
// checksums vouch for the rows as they are at migration: damage done before
// it goes unseen, damage after it does not.
constexpr const char* add_event_crc_sql = "ALTER TABLE events ADD COLUMN crc INTEGER";
constexpr const char* add_snapshot_crc_sql = "ALTER TABLE snapshots ADD COLUMN crc INTEGER";
constexpr const char* fill_crc_sql =
    "UPDATE events SET crc = maptable_record_checksum(room, seq, body) WHERE crc IS NULL;"
    "UPDATE snapshots SET crc = maptable_record_checksum(room, seq, body) WHERE crc IS NULL;";

// Version 5 -> 6: the time index goes (seq_at_time no longer reads it), the
// chat index is rebuilt to hold chat alone, and the setbacks already stored
// are found once (append() finds later ones). Must run before
// schema_sql, which creates the new events_chat under the old name.
constexpr const char* drop_v5_indexes_sql = "DROP INDEX IF EXISTS events_time; DROP INDEX IF EXISTS events_chat;";
constexpr const char* fill_time_setbacks_sql =
    "INSERT OR IGNORE INTO time_setbacks(room, seq) SELECT e.room, e.seq FROM events AS e JOIN events AS p ON "
    "p.room = e.room AND p.seq = e.seq - 1 WHERE e.time_ms < p.time_ms";
static_assert(static_cast<int>(event_kind::chat) == 1, "schema_sql's events_chat and chat_before name chat as 1");

// The id of a new database: when it was made, and 128 random bits so that two
// made in the same second differ.
constexpr const char* create_database_id_sql =
    "INSERT OR IGNORE INTO meta(key, value) VALUES('database_id', strftime('%Y-%m-%dT%H:%M:%SZ', 'now') || '-' || "
    "lower(hex(randomblob(16))))";

// SQLite integers are signed 64-bit; seqs and op ids are unsigned. Seqs stay
// far below 2^63 in practice; op ids come from clients and may use all 64
// bits, so they are stored bit for bit (see the schema note above).
sqlite3_int64 to_sql(std::uint64_t v)
{
    return std::bit_cast<sqlite3_int64>(v);
}
std::uint64_t from_sql(sqlite3_int64 v)
{
    return std::bit_cast<std::uint64_t>(v);
}
constexpr std::uint64_t max_seq = std::uint64_t(std::numeric_limits<sqlite3_int64>::max());

std::string error_text(sqlite3* db, const std::string& what)
{
    return "sqlite event log: " + what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory");
}

void exec(sqlite3* db, const char* sql, const char* what)
{
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        std::string text = "sqlite event log: " + std::string(what) + ": " + (message ? message : sqlite3_errmsg(db));
        sqlite3_free(message);
        throw std::runtime_error(text);
    }
}

// Runs a one-row query (a PRAGMA) and returns column 0 as text.
std::string query_text(sqlite3* db, const char* sql)
{
    sqlite_statement query(db, sql, "sqlite event log");
    return query.next() ? query.text(0) : std::string();
}

// SQLITE_STATIC: the string outlives the step that reads it. The 64-bit
// variants report an oversized value as SQLITE_TOOBIG instead of truncating
// its length to int.
int bind_text(sqlite3_stmt* stmt, int index, const std::string& s)
{
    return sqlite3_bind_text64(stmt, index, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
}

int bind_blob(sqlite3_stmt* stmt, int index, const std::string& s)
{
    // A null pointer would bind NULL (and trip NOT NULL); std::string::data()
    // is never null, even for an empty string.
    return sqlite3_bind_blob64(stmt, index, s.data(), s.size(), SQLITE_STATIC);
}

std::string column_blob(sqlite3_stmt* stmt, int index)
{
    const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, index));
    const int size = sqlite3_column_bytes(stmt, index);
    return data == nullptr ? std::string() : std::string(data, std::size_t(size));
}

// record_checksum as an SQL function, for the migration that fills in the
// checksums of rows stored before they existed.
void sql_record_checksum(sqlite3_context* context, int, sqlite3_value** args)
{
    const auto* room = reinterpret_cast<const char*>(sqlite3_value_text(args[0]));
    const std::string_view room_id(room == nullptr ? "" : room, std::size_t(sqlite3_value_bytes(args[0])));
    const auto seq = std::bit_cast<std::uint64_t>(sqlite3_int64(sqlite3_value_int64(args[1])));
    const auto* body = static_cast<const char*>(sqlite3_value_blob(args[2]));
    const std::string_view bytes(body == nullptr ? "" : body, std::size_t(sqlite3_value_bytes(args[2])));
    sqlite3_result_int64(context, sqlite3_int64(record_checksum(room_id, seq, bytes)));
}

// Logs and throws: the log line names room and seq whoever the caller is,
// so damage is on record even where a caller reports it only to a client.
[[noreturn]] void report_corrupt(const std::string& room_id, std::uint64_t seq, const std::string& what)
{
    corrupt_record error(room_id, seq, what);
    spdlog::error("store: {}", error.what());
    throw error;
}

// The body in column `index` after checking it against the crc in column
// index + 1; throws corrupt_record naming room and seq on a mismatch or a
// missing checksum (a row no version of this server wrote).
std::string checked_body(sqlite3_stmt* stmt, int index, const std::string& room_id, std::uint64_t seq, const char* what)
{
    std::string body = column_blob(stmt, index);
    if (sqlite3_column_type(stmt, index + 1) == SQLITE_NULL)
        report_corrupt(room_id, seq, std::string(what) + " has no checksum");
    const auto stored = sqlite3_column_int64(stmt, index + 1);
    if (stored != sqlite3_int64(record_checksum(room_id, seq, body)))
        report_corrupt(room_id, seq, std::string(what) + " does not match its checksum");
    return body;
}

// Resets a statement and drops its bindings when a use of it ends, however it
// ends, so no statement keeps a read transaction open or points at a caller's
// buffer after the call returns.
class statement_use {
public:
    explicit statement_use(sqlite3_stmt* stmt) : stmt_(stmt) {}
    ~statement_use()
    {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
    statement_use(const statement_use&) = delete;
    statement_use& operator=(const statement_use&) = delete;
    sqlite3_stmt* get() const { return stmt_; }

private:
    sqlite3_stmt* stmt_;
};

} // namespace

struct sqlite_event_log::statements {
    sqlite3_stmt* begin = nullptr;
    sqlite3_stmt* begin_read = nullptr;
    sqlite3_stmt* commit = nullptr;
    sqlite3_stmt* rollback = nullptr;
    sqlite3_stmt* insert_event = nullptr;
    sqlite3_stmt* select_snapshot = nullptr;
    sqlite3_stmt* select_events_after = nullptr;
    sqlite3_stmt* upsert_snapshot = nullptr;
    sqlite3_stmt* select_chat_before = nullptr;
    sqlite3_stmt* select_op = nullptr;
    sqlite3_stmt* insert_room = nullptr;
    sqlite3_stmt* select_epoch = nullptr;
    sqlite3_stmt* rotate_epochs = nullptr;
    sqlite3_stmt* select_recent_ops = nullptr;
    sqlite3_stmt* upsert_revocation = nullptr;
    sqlite3_stmt* select_revocations = nullptr;
    sqlite3_stmt* select_chat_changes = nullptr;
    sqlite3_stmt* select_events_between = nullptr;
    sqlite3_stmt* select_last_time = nullptr;
    sqlite3_stmt* select_first_seq = nullptr;
    sqlite3_stmt* select_time = nullptr;
    sqlite3_stmt* select_setbacks = nullptr;
    sqlite3_stmt* insert_setback = nullptr;

    // Not a statement, but the same connection's state: each room's newest
    // committed (seq, time) this log appended, so that finding setbacks
    // reads nothing in the usual case (see note_time).
    std::unordered_map<std::string, timed_seq> newest_time;
    static constexpr std::size_t max_rooms_remembered = 100000;

    // The stored time of (room, seq), this transaction's rows included.
    std::optional<std::int64_t> stored_time(sqlite3* db, const std::string& room_id, std::uint64_t seq)
    {
        statement_use use(select_time);
        bind_text(use.get(), 1, room_id);
        sqlite3_bind_int64(use.get(), 2, to_sql(seq));
        const int rc = sqlite3_step(use.get());
        if (rc == SQLITE_ROW)
            return sqlite3_column_int64(use.get(), 0);
        if (rc != SQLITE_DONE)
            throw std::runtime_error(error_text(db, "read the time of an event of room " + room_id));
        return std::nullopt;
    }

    // Records in time_setbacks whether r's time is earlier than its
    // predecessor's, or its successor's earlier than r's (an out-of-order
    // insert); false on an error. batch_newest: per room, the newest event of
    // the batch being appended so far.
    bool note_time(sqlite3* db, const event_record& r, std::unordered_map<std::string, timed_seq>& batch_newest)
    {
        const auto record_setback = [&](std::uint64_t seq) {
            statement_use use(insert_setback);
            bind_text(use.get(), 1, r.room_id);
            sqlite3_bind_int64(use.get(), 2, to_sql(seq));
            return sqlite3_step(use.get()) == SQLITE_DONE;
        };
        // The room's newest event before this one: from this batch, from an
        // earlier append, or (first append since opening, or out of order) read.
        timed_seq newest{};
        bool known = false;
        if (const auto in_batch = batch_newest.find(r.room_id); in_batch != batch_newest.end()) {
            newest = in_batch->second;
            known = true;
        } else if (const auto before = newest_time.find(r.room_id); before != newest_time.end()) {
            newest = before->second;
            known = true;
        }
        try {
            if (known && newest.seq + 1 == r.seq) {
                // The usual case: the event extends its room.
                if (newest.time_ms > r.time_ms && !record_setback(r.seq))
                    return false;
            } else {
                // Both neighbours, as stored (this transaction's rows included).
                if (r.seq > 1) {
                    const auto previous = stored_time(db, r.room_id, r.seq - 1);
                    if (previous && *previous > r.time_ms && !record_setback(r.seq))
                        return false;
                }
                const auto next = stored_time(db, r.room_id, r.seq + 1);
                if (next && *next < r.time_ms && !record_setback(r.seq + 1))
                    return false;
            }
        } catch (const std::runtime_error&) {
            return false;
        }
        auto& in_batch = batch_newest[r.room_id];
        if (r.seq > in_batch.seq)
            in_batch = {r.seq, r.time_ms};
        return true;
    }
    sqlite3_stmt* select_snapshot_at_most = nullptr;

    explicit statements(sqlite3* db)
    {
        try {
            prepare(db, begin, "BEGIN IMMEDIATE");
            prepare(db, begin_read, "BEGIN");
            prepare(db, commit, "COMMIT");
            prepare(db, rollback, "ROLLBACK");
            prepare(db, insert_event,
                    "INSERT INTO events(room, seq, time_ms, kind, client_id, op_id, body, target_seq, crc) VALUES(?1, "
                    "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
            prepare(db, select_snapshot, "SELECT seq, body, crc FROM snapshots WHERE room = ?1");
            prepare(db, select_events_after,
                    "SELECT seq, body, crc FROM events WHERE room = ?1 AND seq > ?2 ORDER BY seq");
            // An older snapshot never replaces a newer one: load() would still be
            // correct, but would replay more events than it needs to.
            prepare(db, upsert_snapshot,
                    "INSERT INTO snapshots(room, seq, body, crc) VALUES(?1, ?2, ?3, ?4) ON CONFLICT(room) DO UPDATE "
                    "SET seq = excluded.seq, body = excluded.body, crc = excluded.crc WHERE excluded.seq >= "
                    "snapshots.seq");
            // The seqs come from events_chat alone (a covering index), then the
            // bodies by primary key. The kind is written out (1, chat), not
            // bound: only a literal lets the planner use the partial index. Asked for seq and body at once, SQLite's
            // planner (without ANALYZE statistics) walks the primary key instead
            // and filters out every map edit on the way, which is slow exactly
            // when chat is sparse among edits.
            prepare(db, select_chat_before,
                    "SELECT e.seq, e.body, e.crc FROM events AS e JOIN (SELECT seq FROM events WHERE room = ?1 AND "
                    "kind = 1 AND seq < ?3 ORDER BY seq DESC LIMIT ?4) AS page ON e.room = ?1 AND e.seq = page.seq "
                    "ORDER BY e.seq");
            prepare(db, select_op, "SELECT seq FROM events WHERE room = ?1 AND client_id = ?2 AND op_id = ?3");
            prepare(db, insert_room, "INSERT OR IGNORE INTO rooms(room, epoch) VALUES(?1, lower(hex(randomblob(16))))");
            prepare(db, select_epoch, "SELECT epoch FROM rooms WHERE room = ?1");
            prepare(db, rotate_epochs, "UPDATE rooms SET epoch = lower(hex(randomblob(16)))");
            prepare(db, select_recent_ops,
                    "SELECT client_id, op_id, seq FROM events WHERE room = ?1 AND op_id IS NOT NULL ORDER BY seq DESC "
                    "LIMIT ?2");
            prepare(db, upsert_revocation,
                    "INSERT INTO revoked_tokens(jti, expires_at) VALUES(?1, ?2) ON CONFLICT(jti) DO UPDATE SET "
                    "expires_at = excluded.expires_at");
            prepare(db, select_revocations, "SELECT jti, expires_at FROM revoked_tokens ORDER BY jti");
            // INDEXED BY: without ANALYZE statistics the planner prefers the
            // primary key (it yields seq order for free) and would filter
            // every event of the room; the changes of one page are few, so
            // reading them by target and sorting them is the cheap plan.
            // "target_seq IS NOT NULL" lets the partial index apply.
            prepare(db, select_chat_changes,
                    "SELECT seq, body, crc FROM events INDEXED BY events_target WHERE room = ?1 AND target_seq IS NOT "
                    "NULL AND "
                    "target_seq >= ?2 AND target_seq <= ?3 ORDER BY seq");
            prepare(db, select_events_between,
                    "SELECT seq, body, crc FROM events WHERE room = ?1 AND seq >= ?2 AND seq <= ?3 ORDER BY seq");
            // seq_at_time's reads, each one seek of the primary key.
            prepare(db, select_last_time,
                    "SELECT seq, time_ms FROM events WHERE room = ?1 AND seq <= ?2 ORDER BY seq DESC LIMIT 1");
            prepare(db, select_first_seq, "SELECT seq FROM events WHERE room = ?1 ORDER BY seq LIMIT 1");
            prepare(db, select_time, "SELECT time_ms FROM events WHERE room = ?1 AND seq = ?2");
            prepare(db, select_setbacks,
                    "SELECT seq FROM time_setbacks WHERE room = ?1 AND seq > ?2 AND seq <= ?3 ORDER BY seq");
            prepare(db, insert_setback, "INSERT OR IGNORE INTO time_setbacks(room, seq) VALUES(?1, ?2)");
            prepare(db, select_snapshot_at_most, "SELECT seq, body, crc FROM snapshots WHERE room = ?1 AND seq <= ?2");
        } catch (...) {
            finalize();
            throw;
        }
    }
    ~statements() { finalize(); }
    statements(const statements&) = delete;
    statements& operator=(const statements&) = delete;

private:
    static void prepare(sqlite3* db, sqlite3_stmt*& stmt, const char* sql)
    {
        if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
            throw std::runtime_error(error_text(db, std::string("prepare ") + sql));
        }
    }
    void finalize()
    {
        for (sqlite3_stmt* stmt : {begin,
                                   begin_read,
                                   commit,
                                   rollback,
                                   insert_event,
                                   select_snapshot,
                                   select_events_after,
                                   upsert_snapshot,
                                   select_chat_before,
                                   select_op,
                                   insert_room,
                                   select_epoch,
                                   rotate_epochs,
                                   select_recent_ops,
                                   upsert_revocation,
                                   select_revocations,
                                   select_chat_changes,
                                   select_events_between,
                                   select_last_time,
                                   select_first_seq,
                                   select_time,
                                   select_setbacks,
                                   insert_setback,
                                   select_snapshot_at_most}) {
            sqlite3_finalize(stmt); // a no-op for nullptr
        }
    }
};

sqlite_event_log::sqlite_event_log(const std::string& path, durability mode, log_access access)
    : path_(path), access_(access)
{
    // NOMUTEX: the log is used by one thread at a time (the commit queue's
    // writer, or one reader thread), so SQLite's per-connection mutex would
    // only cost time.
    const int flags =
        (access == log_access::read_write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) |
        SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    try {
        if (rc != SQLITE_OK)
            throw std::runtime_error(error_text(db_, "cannot open " + path));
        sqlite3_extended_result_codes(db_, 1);
        sqlite3_busy_timeout(db_, default_busy_timeout_ms);
        if (sqlite3_create_function(db_, "maptable_record_checksum", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                    sql_record_checksum, nullptr, nullptr) != SQLITE_OK)
            throw std::runtime_error(error_text(db_, "register the checksum function"));

        if (access == log_access::read_only) {
            // The writer set the file up; a reader only checks that it is
            // the schema this server reads.
            const int version = std::stoi(query_text(db_, "PRAGMA user_version"));
            if (version != schema_version) {
                throw std::runtime_error("sqlite event log: " + path + " has schema version " +
                                         std::to_string(version) + ", this server reads " +
                                         std::to_string(schema_version));
            }
            database_id_ = query_text(db_, "SELECT value FROM meta WHERE key = 'database_id'");
            stmts_ = std::make_unique<statements>(db_);
            return;
        }

        // The first statement that reads the file: a file that is not a
        // database fails here, with "file is not a database".
        const std::string journal = query_text(db_, "PRAGMA journal_mode=WAL");
        if (journal != "wal" && !(journal == "memory" && path == ":memory:")) {
            throw std::runtime_error("sqlite event log: cannot use WAL journal mode for " + path + " (got '" + journal +
                                     "')");
        }
        exec(db_, mode == durability::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
             "set synchronous");
        exec(db_, "PRAGMA foreign_keys=ON", "enable foreign keys");

        // Create or check the schema in one write transaction, so two processes
        // starting on one new file cannot both half-create it.
        exec(db_, "BEGIN IMMEDIATE", "begin schema transaction");
        try {
            const int version = std::stoi(query_text(db_, "PRAGMA user_version"));
            if (version > schema_version) {
                throw std::runtime_error("sqlite event log: " + path + " has schema version " +
                                         std::to_string(version) + ", newer than this server's " +
                                         std::to_string(schema_version));
            }
            if (version < schema_version) {
                // Version 0 is a new file: schema_sql creates everything.
                // Older files get the steps that schema_sql's "IF NOT EXISTS"
                // cannot express (new columns) first, then the missing tables
                // and indexes from schema_sql.
                const auto has_column = [this](const char* table, const char* column) {
                    return query_text(db_,
                                      ("SELECT count(*) FROM pragma_table_info('" + std::string(table) +
                                       "') WHERE name = '" + column + "'")
                                          .c_str()) != "0";
                };
                const auto has_table = [this](const char* table) {
                    return query_text(db_,
                                      ("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" +
                                       std::string(table) + "'")
                                          .c_str()) != "0";
                };
                if (has_table("events") && !has_column("events", "target_seq"))
                    exec(db_, add_target_seq_sql, "add events.target_seq");
                if (has_table("events") && !has_column("events", "crc"))
                    exec(db_, add_event_crc_sql, "add events.crc");
                if (has_table("snapshots") && !has_column("snapshots", "crc"))
                    exec(db_, add_snapshot_crc_sql, "add snapshots.crc");
                exec(db_, drop_v5_indexes_sql, "drop the version 5 indexes");
                exec(db_, schema_sql, "create schema");
                exec(db_, fill_crc_sql, "checksum the stored rows");
                exec(db_, fill_time_setbacks_sql, "find the clock setbacks already stored");
                exec(db_, ("PRAGMA user_version=" + std::to_string(schema_version)).c_str(), "set schema version");
            }
            // A new file, or one from before ids existed, gets its id now.
            exec(db_, create_database_id_sql, "give the database an id");
            database_id_ = query_text(db_, "SELECT value FROM meta WHERE key = 'database_id'");
            exec(db_, "COMMIT", "commit schema transaction");
        } catch (...) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }

        stmts_ = std::make_unique<statements>(db_);

        // No commit checkpoints: between_commits() does, after the acks.
        // (Registering the hook replaces SQLite's automatic checkpoint,
        // which is itself a WAL hook; setting it to 0 first says so.)
        sqlite3_wal_autocheckpoint(db_, 0);
        sqlite3_wal_hook(db_, &sqlite_event_log::on_wal_commit, this);

        // The file as opened, to notice later when the path stops naming it.
        if (path != ":memory:") {
            struct stat st {};
            if (::stat(path.c_str(), &st) != 0)
                throw std::runtime_error("sqlite event log: " + path +
                                         " vanished while it was opened: " + std::strerror(errno));
            device_ = st.st_dev;
            inode_ = st.st_ino;
        }
    } catch (...) {
        // The destructor does not run for a constructor that throws.
        stmts_.reset();
        sqlite3_close(db_); // a no-op for nullptr
        db_ = nullptr;
        throw;
    }
}

int sqlite_event_log::on_wal_commit(void* self, sqlite3*, const char*, int frames)
{
    static_cast<sqlite_event_log*>(self)->wal_frames_ = frames;
    return SQLITE_OK;
}

void sqlite_event_log::between_commits() noexcept
{
    if (wal_frames_ < checkpoint_after_frames || db_ == nullptr)
        return;
    // PASSIVE: copies what no reader still needs and never waits for one; a
    // reader holding old frames only makes this checkpoint partial, and the
    // next one continues. Once the whole WAL is copied, the next commit
    // starts it again from the beginning, so the file stops growing.
    int log_frames = 0, copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        spdlog::warn("store: WAL checkpoint of {} failed: {}", path_, sqlite3_errmsg(db_));
    wal_frames_ = 0; // until the next commit reports the WAL's length again
}

bool sqlite_event_log::still_writable()
{
    if (access_ == log_access::read_only || file_lost_)
        return false;
    if (device_ == 0 && inode_ == 0)
        return true; // in memory: no file to lose
    struct stat st {};
    std::string why;
    if (::stat(path_.c_str(), &st) != 0)
        why = std::string("it is gone from the directory (") + std::strerror(errno) + ")";
    else if (static_cast<unsigned long long>(st.st_dev) != device_ ||
             static_cast<unsigned long long>(st.st_ino) != inode_)
        why = "another file has taken its place";
    if (why.empty())
        return true;
    file_lost_ = true;
    metrics::global().store_writable.set(0);
    spdlog::error("store: {} is no longer the database this server opened: {}. Every write is refused from now on "
                  "(clients get STORE_UNAVAILABLE, /healthz answers 503); what was acked before is in the file the "
                  "server still holds open. Stop the server, put the database back (or restore a backup), and "
                  "start it again",
                  path_, why);
    return false;
}

void sqlite_event_log::require_writable(const char* what)
{
    if (!still_writable())
        throw std::runtime_error(
            "sqlite event log: cannot " + std::string(what) + ": " + path_ +
            (access_ == log_access::read_only ? " is open read-only" : " is no longer the database file"));
}

sqlite_event_log::~sqlite_event_log()
{
    stmts_.reset(); // every statement must be finalized before close
    sqlite3_close(db_);
}

void sqlite_event_log::set_busy_timeout(std::chrono::milliseconds timeout)
{
    const auto ms = std::max<std::int64_t>(0, std::min<std::int64_t>(timeout.count(), std::numeric_limits<int>::max()));
    sqlite3_busy_timeout(db_, int(ms));
}

append_error sqlite_event_log::append(std::span<const event_record> records)
{
    if (records.empty())
        return append_error::ok;
    if (!still_writable())
        return append_error::io;
    for (const auto& r : records) {
        // A seq that does not fit the column would be stored negative and
        // break ordering. The sequencer never produces one; refuse rather
        // than write a wrong log.
        if (r.seq > max_seq)
            return append_error::io;
    }

    {
        statement_use begin(stmts_->begin);
        if (sqlite3_step(begin.get()) != SQLITE_DONE)
            return append_error::io; // e.g. SQLITE_BUSY: nothing begun
    }

    append_error result = append_error::ok;
    std::unordered_map<std::string, timed_seq> batch_newest; // per room, this batch's newest event so far
    for (const auto& r : records) {
        statement_use insert(stmts_->insert_event);
        sqlite3_stmt* stmt = insert.get();
        int bound = bind_text(stmt, 1, r.room_id);
        bound |= sqlite3_bind_int64(stmt, 2, to_sql(r.seq));
        bound |= sqlite3_bind_int64(stmt, 3, r.time_ms);
        bound |= sqlite3_bind_int(stmt, 4, static_cast<int>(r.kind));
        bound |= bind_text(stmt, 5, r.client_id);
        bound |= r.op_id == 0 ? sqlite3_bind_null(stmt, 6) : sqlite3_bind_int64(stmt, 6, to_sql(r.op_id));
        bound |= bind_blob(stmt, 7, r.bytes);
        bound |= r.target_seq == 0 ? sqlite3_bind_null(stmt, 8) : sqlite3_bind_int64(stmt, 8, to_sql(r.target_seq));
        bound |= sqlite3_bind_int64(stmt, 9, sqlite3_int64(record_checksum(r.room_id, r.seq, r.bytes)));
        if (bound != SQLITE_OK) { // SQLITE_OK is 0: any failed bind shows
            result = append_error::io;
            break;
        }
        const int rc = sqlite3_step(stmt);
        if (rc != SQLITE_DONE) {
            result = (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) ? append_error::duplicate
                                                                                            : append_error::io;
            break;
        }
        if (!stmts_->note_time(db_, r, batch_newest)) {
            result = append_error::io;
            break;
        }
    }

    if (result == append_error::ok) {
        statement_use commit(stmts_->commit);
        if (sqlite3_step(commit.get()) == SQLITE_DONE) {
            // Only now are the batch's times the rooms' stored ones.
            if (stmts_->newest_time.size() > statements::max_rooms_remembered)
                stmts_->newest_time.clear(); // forgetting costs a read per room later, nothing else
            for (auto& [room, newest] : batch_newest) {
                auto& known = stmts_->newest_time[room];
                if (newest.seq > known.seq)
                    known = newest;
            }
            return append_error::ok;
        }
        result = append_error::io;
    }

    // Never leave a partial batch behind. Some errors (SQLITE_FULL, an I/O
    // error during commit) make SQLite roll back on its own; only roll back if
    // a transaction is still open.
    if (sqlite3_get_autocommit(db_) == 0) {
        statement_use rollback(stmts_->rollback);
        sqlite3_step(rollback.get());
    }
    return result;
}

room_history sqlite_event_log::load(const std::string& room_id, const load_options& options)
{
    room_history history;
    history.epoch = epoch_of(room_id);
    // One read transaction, so the snapshot and the events after it are a
    // consistent pair even if another process wrote in between.
    {
        statement_use begin(stmts_->begin_read);
        if (sqlite3_step(begin.get()) != SQLITE_DONE)
            throw std::runtime_error(error_text(db_, "begin load"));
    }
    try {
        if (options.recent_ops > 0) {
            statement_use use(stmts_->select_recent_ops);
            bind_text(use.get(), 1, room_id);
            sqlite3_bind_int64(use.get(), 2, sqlite3_int64(std::min<std::size_t>(options.recent_ops, max_seq)));
            int rc = 0;
            while ((rc = sqlite3_step(use.get())) == SQLITE_ROW)
                history.recent_ops.push_back(op_record{column_blob(use.get(), 0),
                                                       from_sql(sqlite3_column_int64(use.get(), 1)),
                                                       from_sql(sqlite3_column_int64(use.get(), 2))});
            if (rc != SQLITE_DONE)
                throw std::runtime_error(error_text(db_, "load ops of room " + room_id));
        }
        {
            statement_use use(stmts_->select_snapshot);
            bind_text(use.get(), 1, room_id);
            const int rc = sqlite3_step(use.get());
            if (rc == SQLITE_ROW) {
                history.snapshot_seq = from_sql(sqlite3_column_int64(use.get(), 0));
                history.snapshot = checked_body(use.get(), 1, room_id, history.snapshot_seq, "its snapshot");
            } else if (rc != SQLITE_DONE) {
                throw std::runtime_error(error_text(db_, "load snapshot of room " + room_id));
            }
        }
        {
            const std::uint64_t after = history.snapshot_seq > options.events_before_snapshot
                ? history.snapshot_seq - options.events_before_snapshot
                : 0;
            history.first_event_seq = after + 1;
            statement_use use(stmts_->select_events_after);
            bind_text(use.get(), 1, room_id);
            sqlite3_bind_int64(use.get(), 2, to_sql(after));
            int rc = 0;
            // The room numbers events by position from first_event_seq, so
            // a missing row must stop the load, not shift every later event.
            std::uint64_t expected = after + 1;
            while ((rc = sqlite3_step(use.get())) == SQLITE_ROW) {
                const std::uint64_t seq = from_sql(sqlite3_column_int64(use.get(), 0));
                if (seq != expected)
                    report_corrupt(room_id, expected,
                                   "the event is missing (the next stored one is seq " + std::to_string(seq) + ")");
                history.events.push_back(checked_body(use.get(), 1, room_id, seq, "the event"));
                ++expected;
            }
            if (rc != SQLITE_DONE)
                throw std::runtime_error(error_text(db_, "load events of room " + room_id));
        }
        statement_use commit(stmts_->commit);
        if (sqlite3_step(commit.get()) != SQLITE_DONE)
            throw std::runtime_error(error_text(db_, "end load"));
    } catch (...) {
        if (sqlite3_get_autocommit(db_) == 0)
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    return history;
}

std::string sqlite_event_log::epoch_of(const std::string& room_id)
{
    // Read first: only a room seen for the first time needs a write.
    for (int attempt = 0; attempt < 2; ++attempt) {
        {
            statement_use use(stmts_->select_epoch);
            bind_text(use.get(), 1, room_id);
            const int rc = sqlite3_step(use.get());
            if (rc == SQLITE_ROW)
                return column_blob(use.get(), 0);
            if (rc != SQLITE_DONE)
                throw std::runtime_error(error_text(db_, "read epoch of room " + room_id));
        }
        statement_use use(stmts_->insert_room);
        bind_text(use.get(), 1, room_id);
        if (sqlite3_step(use.get()) != SQLITE_DONE)
            throw std::runtime_error(error_text(db_, "create room " + room_id));
    }
    throw std::runtime_error("sqlite event log: room " + room_id + " has no epoch after creating one");
}

std::size_t sqlite_event_log::rotate_epochs()
{
    require_writable("rotate epochs");
    statement_use use(stmts_->rotate_epochs);
    if (sqlite3_step(use.get()) != SQLITE_DONE)
        throw std::runtime_error(error_text(db_, "rotate epochs"));
    return static_cast<std::size_t>(sqlite3_changes(db_));
}

void sqlite_event_log::save_snapshot(const std::string& room_id, std::uint64_t seq, const std::string& bytes)
{
    if (seq > max_seq)
        throw std::runtime_error("sqlite event log: snapshot seq out of range");
    require_writable("save a snapshot");
    statement_use use(stmts_->upsert_snapshot);
    bind_text(use.get(), 1, room_id);
    sqlite3_bind_int64(use.get(), 2, to_sql(seq));
    bind_blob(use.get(), 3, bytes);
    sqlite3_bind_int64(use.get(), 4, sqlite3_int64(record_checksum(room_id, seq, bytes)));
    if (sqlite3_step(use.get()) != SQLITE_DONE) {
        throw std::runtime_error(error_text(db_, "save snapshot of room " + room_id));
    }
}

std::vector<std::string> sqlite_event_log::chat_before(const std::string& room_id, std::uint64_t before_seq,
                                                       std::uint32_t limit)
{
    std::vector<std::string> out;
    if (limit == 0)
        return out;
    const std::uint64_t bound = (before_seq == 0 || before_seq > max_seq) ? max_seq : before_seq;
    statement_use use(stmts_->select_chat_before);
    bind_text(use.get(), 1, room_id);
    sqlite3_bind_int64(use.get(), 3, to_sql(bound));
    sqlite3_bind_int64(use.get(), 4, sqlite3_int64(limit));
    int rc = 0;
    while ((rc = sqlite3_step(use.get())) == SQLITE_ROW) {
        const std::uint64_t seq = from_sql(sqlite3_column_int64(use.get(), 0));
        out.push_back(checked_body(use.get(), 1, room_id, seq, "the chat message"));
    }
    if (rc != SQLITE_DONE)
        throw std::runtime_error(error_text(db_, "read chat history of room " + room_id));
    return out;
}

std::vector<std::string> sqlite_event_log::chat_changes(const std::string& room_id, std::uint64_t first_target,
                                                        std::uint64_t last_target)
{
    std::vector<std::string> out;
    if (first_target > last_target || first_target > max_seq)
        return out;
    statement_use use(stmts_->select_chat_changes);
    bind_text(use.get(), 1, room_id);
    sqlite3_bind_int64(use.get(), 2, to_sql(first_target));
    sqlite3_bind_int64(use.get(), 3, to_sql(std::min(last_target, max_seq)));
    int rc = 0;
    while ((rc = sqlite3_step(use.get())) == SQLITE_ROW) {
        const std::uint64_t seq = from_sql(sqlite3_column_int64(use.get(), 0));
        out.push_back(checked_body(use.get(), 1, room_id, seq, "the chat change"));
    }
    if (rc != SQLITE_DONE)
        throw std::runtime_error(error_text(db_, "read chat changes of room " + room_id));
    return out;
}

std::vector<std::string> sqlite_event_log::events_between(const std::string& room_id, std::uint64_t from_seq,
                                                          std::uint64_t to_seq)
{
    std::vector<std::string> out;
    if (from_seq > to_seq || from_seq > max_seq)
        return out;
    statement_use use(stmts_->select_events_between);
    bind_text(use.get(), 1, room_id);
    sqlite3_bind_int64(use.get(), 2, to_sql(from_seq));
    sqlite3_bind_int64(use.get(), 3, to_sql(std::min(to_seq, max_seq)));
    int rc = 0;
    // Replay counts a short page as the end of the log: a gap must not pass
    // for one, nor shift the events after it.
    std::uint64_t expected = std::max<std::uint64_t>(from_seq, 1); // seqs start at 1
    while ((rc = sqlite3_step(use.get())) == SQLITE_ROW) {
        const std::uint64_t seq = from_sql(sqlite3_column_int64(use.get(), 0));
        if (seq != expected)
            report_corrupt(room_id, expected,
                           "the event is missing (the next stored one is seq " + std::to_string(seq) + ")");
        out.push_back(checked_body(use.get(), 1, room_id, seq, "the event"));
        ++expected;
    }
    if (rc != SQLITE_DONE)
        throw std::runtime_error(error_text(db_, "read events of room " + room_id));
    return out;
}

std::optional<std::uint64_t> sqlite_event_log::seq_at_time(const std::string& room_id, std::int64_t time_ms,
                                                           std::uint64_t up_to_seq)
{
    const auto failed = [&] {
        return std::runtime_error(error_text(db_, "find the seq at a time in room " + room_id));
    };
    // The range to search: the room's events up to the bound.
    timed_seq last;
    {
        statement_use use(stmts_->select_last_time);
        bind_text(use.get(), 1, room_id);
        sqlite3_bind_int64(use.get(), 2, to_sql(std::min(up_to_seq, max_seq)));
        const int rc = sqlite3_step(use.get());
        if (rc == SQLITE_DONE)
            return std::nullopt; // no event at or below the bound
        if (rc != SQLITE_ROW)
            throw failed();
        last = {from_sql(sqlite3_column_int64(use.get(), 0)), sqlite3_column_int64(use.get(), 1)};
    }
    std::vector<std::uint64_t> setbacks;
    {
        statement_use use(stmts_->select_setbacks);
        bind_text(use.get(), 1, room_id);
        sqlite3_bind_int64(use.get(), 2, 0);
        sqlite3_bind_int64(use.get(), 3, to_sql(last.seq));
        int rc = 0;
        while ((rc = sqlite3_step(use.get())) == SQLITE_ROW)
            setbacks.push_back(from_sql(sqlite3_column_int64(use.get(), 0)));
        if (rc != SQLITE_DONE)
            throw failed();
    }
    if (setbacks.empty() && last.time_ms <= time_ms)
        return last.seq; // the common questions ("the newest event", "now") end here
    std::uint64_t first = 0;
    {
        statement_use use(stmts_->select_first_seq);
        bind_text(use.get(), 1, room_id);
        if (sqlite3_step(use.get()) != SQLITE_ROW)
            throw failed();
        first = from_sql(sqlite3_column_int64(use.get(), 0));
    }
    const auto time_of = [&](std::uint64_t seq) -> std::int64_t {
        if (seq == last.seq)
            return last.time_ms;
        statement_use use(stmts_->select_time);
        bind_text(use.get(), 1, room_id);
        sqlite3_bind_int64(use.get(), 2, to_sql(seq));
        const int rc = sqlite3_step(use.get());
        if (rc == SQLITE_DONE) // the search assumes no gaps, as load() does
            report_corrupt(room_id, seq, "the event is missing (a gap in the room's seqs)");
        if (rc != SQLITE_ROW)
            throw failed();
        return sqlite3_column_int64(use.get(), 0);
    };
    const auto found = last_at_or_before(first, last.seq, setbacks, time_ms, time_of);
    if (!found)
        return std::nullopt;
    return found->seq;
}

std::optional<stored_snapshot> sqlite_event_log::snapshot_at_most(const std::string& room_id, std::uint64_t seq)
{
    statement_use use(stmts_->select_snapshot_at_most);
    bind_text(use.get(), 1, room_id);
    sqlite3_bind_int64(use.get(), 2, to_sql(std::min(seq, max_seq)));
    const int rc = sqlite3_step(use.get());
    if (rc == SQLITE_ROW) {
        const std::uint64_t at = from_sql(sqlite3_column_int64(use.get(), 0));
        return stored_snapshot{at, checked_body(use.get(), 1, room_id, at, "its snapshot")};
    }
    if (rc != SQLITE_DONE)
        throw std::runtime_error(error_text(db_, "read a snapshot of room " + room_id));
    return std::nullopt;
}

std::optional<std::uint64_t> sqlite_event_log::find_op(const std::string& room_id, const std::string& client_id,
                                                       std::uint64_t op_id)
{
    if (op_id == 0)
        return std::nullopt; // 0 means "not deduplicated": never stored as a key
    statement_use use(stmts_->select_op);
    bind_text(use.get(), 1, room_id);
    bind_text(use.get(), 2, client_id);
    sqlite3_bind_int64(use.get(), 3, to_sql(op_id));
    const int rc = sqlite3_step(use.get());
    if (rc == SQLITE_ROW)
        return from_sql(sqlite3_column_int64(use.get(), 0));
    if (rc != SQLITE_DONE)
        throw std::runtime_error(error_text(db_, "find op in room " + room_id));
    return std::nullopt;
}

void sqlite_event_log::revoke(const std::string& jti, std::int64_t expires_at)
{
    require_writable("revoke a token id");
    statement_use use(stmts_->upsert_revocation);
    int bound = bind_text(use.get(), 1, jti);
    bound |= expires_at == 0 ? sqlite3_bind_null(use.get(), 2) : sqlite3_bind_int64(use.get(), 2, expires_at);
    if (bound != SQLITE_OK || sqlite3_step(use.get()) != SQLITE_DONE)
        throw std::runtime_error(error_text(db_, "revoke a token id"));
}

std::vector<std::pair<std::string, std::int64_t>> sqlite_event_log::revocations()
{
    std::vector<std::pair<std::string, std::int64_t>> out;
    statement_use use(stmts_->select_revocations);
    int rc;
    while ((rc = sqlite3_step(use.get())) == SQLITE_ROW) {
        const auto* text = sqlite3_column_text(use.get(), 0);
        out.emplace_back(text == nullptr ? std::string() : reinterpret_cast<const char*>(text),
                         sqlite3_column_type(use.get(), 1) == SQLITE_NULL ? 0 : sqlite3_column_int64(use.get(), 1));
    }
    if (rc != SQLITE_DONE)
        throw std::runtime_error(error_text(db_, "read revoked token ids"));
    return out;
}

} // namespace maptable::store
