// Layer: store. The PostgreSQL event log: the SQLite log's schema and
// contract on a server database.
//
// Schema (schema_version 1): the SQLite log's tables with PostgreSQL types.
//   events(room, seq, time_ms, kind, client_id, op_id, body, target_seq, crc),
//     primary key (room, seq); events_op UNIQUE (room, client_id, op_id)
//     WHERE op_id IS NOT NULL (op id 0, "not deduplicated", is stored as
//     NULL); events_chat (room, kind, seq); events_target (room, target_seq)
//     WHERE target_seq IS NOT NULL; events_time (room, time_ms, seq).
//     Seqs and op ids are unsigned 64-bit values stored bit for bit in
//     bigint, as in SQLite.
//   crc: record_checksum(room, seq, body), the same function as SQLite's,
//     checked by every read of a body. PostgreSQL's page checksums are off
//     by default (initdb --data-checksums), and a row copied by hand or a
//     tool can land in the wrong room: the record's own checksum catches both.
//   snapshots(room, seq, body, crc), rooms(room, epoch), meta(key, value),
//   revoked_tokens(jti, expires_at), room_catalog (the admin API's list,
//     store/room_catalog.hpp).
//   schema_version(version, applied_at): one row per migration applied.
//
// Schema version 2 adds room_leases(room, owner, owner_url, generation,
//   expires_at): which node sequences each room (store/room_lease.hpp).
// Schema version 3 adds attachments (one row per upload, as the file
//   store's SQLite index) and attachment_blobs(sha256, bytes, thumbnail):
//   photos and PDFs, shared by every node (media/postgres_attachment_store).
//
// Migrations: migrations[i] takes a database from version i to i + 1. The
// writer applies the missing ones at start, in one transaction holding an
// advisory lock, and refuses a database whose version is newer than
// migrations.size(): an older binary must not write into a schema it does not
// know (a rollback after an upgrade needs the database's backup too).
//
// Errors: as in SQLite, append() reports a unique-key violation (SQLSTATE
// 23505) as duplicate and anything else, a lost connection included, as io,
// with the transaction rolled back; reads and snapshot writes throw. A lost
// connection is reopened by the next call.
#include "store/postgres_event_log.hpp"

#include "metrics/metrics.hpp"
#include "store/checksum.hpp"
#include "store/database_file.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <bit>
#include <limits>

namespace maptable::store {

namespace {

constexpr const char* migrations[] = {
    // 0 -> 1: the schema as of the SQLite log's version 5.
    R"sql(
CREATE TABLE events(
    room       text   NOT NULL,
    seq        bigint NOT NULL,
    time_ms    bigint NOT NULL,
    kind       bigint NOT NULL,
    client_id  text   NOT NULL DEFAULT '',
    op_id      bigint,
    body       bytea  NOT NULL,
    target_seq bigint,
    crc        bigint NOT NULL,
    PRIMARY KEY (room, seq)
);
CREATE UNIQUE INDEX events_op ON events(room, client_id, op_id) WHERE op_id IS NOT NULL;
CREATE INDEX events_chat ON events(room, kind, seq);
CREATE INDEX events_target ON events(room, target_seq) WHERE target_seq IS NOT NULL;
CREATE INDEX events_time ON events(room, time_ms, seq);
CREATE TABLE rooms(
    room  text PRIMARY KEY,
    epoch text NOT NULL
);
CREATE TABLE snapshots(
    room text   PRIMARY KEY,
    seq  bigint NOT NULL,
    body bytea  NOT NULL,
    crc  bigint NOT NULL
);
CREATE TABLE meta(
    key   text PRIMARY KEY,
    value text NOT NULL
);
CREATE TABLE revoked_tokens(
    jti        text PRIMARY KEY,
    expires_at bigint
);
CREATE TABLE room_catalog(
    room       text   PRIMARY KEY,
    created_at bigint NOT NULL,
    archived   bigint NOT NULL DEFAULT 0,
    title      text   NOT NULL DEFAULT '',
    city       text   NOT NULL DEFAULT '',
    info       bytea  NOT NULL,
    seq        bigint NOT NULL DEFAULT 0
);
INSERT INTO meta(key, value)
    VALUES('database_id', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '-' ||
                          replace(gen_random_uuid()::text, '-', ''));
)sql",
    // 1 -> 2: room leases, for several nodes on one database.
    R"sql(
CREATE TABLE room_leases(
    room       text        PRIMARY KEY,
    owner      text        NOT NULL,
    owner_url  text        NOT NULL,
    generation bigint      NOT NULL,
    expires_at timestamptz NOT NULL
);
)sql",
    // 2 -> 3: attachments, for several nodes on one database.
    R"sql(
CREATE TABLE attachment_blobs(
    sha256    text  PRIMARY KEY,
    bytes     bytea NOT NULL,
    thumbnail bytea
);
-- Photos and PDFs are compressed already: kept out of line, as they are.
ALTER TABLE attachment_blobs ALTER COLUMN bytes SET STORAGE EXTERNAL;
ALTER TABLE attachment_blobs ALTER COLUMN thumbnail SET STORAGE EXTERNAL;
CREATE TABLE attachments(
    id              text   PRIMARY KEY,
    room            text   NOT NULL,
    uploader        text   NOT NULL,
    type            text   NOT NULL,
    sha256          text   NOT NULL,
    size            bigint NOT NULL,
    width           bigint NOT NULL,
    height          bigint NOT NULL,
    gps_lat         float8,
    gps_lon         float8,
    has_thumbnail   bigint NOT NULL,
    created_ms      bigint NOT NULL,
    deleted_ms      bigint,
    idempotency_key text
);
CREATE UNIQUE INDEX attachments_by_key ON attachments(room, uploader, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX attachments_by_sha ON attachments(sha256);
CREATE INDEX attachments_by_room ON attachments(room);
)sql",
};

constexpr int latest_version = int(std::size(migrations));

// Any constant will do, as long as nothing else takes the same advisory lock:
// "maptable" in ASCII.
constexpr const char* migration_lock_sql = "SELECT pg_advisory_xact_lock(7809644666444391781)";

constexpr const char* new_epoch_sql = "replace(gen_random_uuid()::text, '-', '')";

std::int64_t to_sql(std::uint64_t v)
{
    return std::bit_cast<std::int64_t>(v);
}
std::uint64_t from_sql(std::int64_t v)
{
    return std::bit_cast<std::uint64_t>(v);
}
constexpr std::uint64_t max_seq = std::uint64_t(std::numeric_limits<std::int64_t>::max());

[[noreturn]] void report_corrupt(const std::string& room_id, std::uint64_t seq, const std::string& what)
{
    corrupt_record error(room_id, seq, what);
    spdlog::error("store: {}", error.what());
    throw error;
}

// The body in column `column` checked against the crc in column + 1.
std::string checked_body(const pg_rows& rows, int row, int column, const std::string& room_id, std::uint64_t seq,
                         const char* what)
{
    std::string body = rows.text(row, column);
    if (rows.is_null(row, column + 1))
        report_corrupt(room_id, seq, std::string(what) + " has no checksum");
    if (rows.integer(row, column + 1) != std::int64_t(record_checksum(room_id, seq, body)))
        report_corrupt(room_id, seq, std::string(what) + " does not match its checksum");
    return body;
}

// Seqs of events read as a contiguous range must be contiguous: a missing
// row must stop the read, not shift every later event.
std::vector<std::string> contiguous_bodies(const pg_rows& rows, const std::string& room_id, std::uint64_t first)
{
    std::vector<std::string> out;
    out.reserve(std::size_t(rows.size()));
    std::uint64_t expected = first;
    for (int i = 0; i < rows.size(); ++i) {
        const std::uint64_t seq = from_sql(rows.integer(i, 0));
        if (seq != expected)
            report_corrupt(room_id, expected,
                           "the event is missing (the next stored one is seq " + std::to_string(seq) + ")");
        out.push_back(checked_body(rows, i, 1, room_id, seq, "the event"));
        ++expected;
    }
    return out;
}

} // namespace

int postgres_schema_version()
{
    return latest_version;
}

postgres_event_log::postgres_event_log(const std::string& url, bool read_only)
    : conn_(url, read_only), read_only_(read_only)
{
    if (read_only) {
        const auto rows = conn_.exec("SELECT coalesce(max(version), 0)::bigint FROM schema_version");
        const auto version = rows.integer(0, 0);
        if (version != latest_version)
            throw std::runtime_error("postgresql " + conn_.where() + " has schema version " + std::to_string(version) +
                                     ", this server reads " + std::to_string(latest_version));
    } else {
        migrate();
    }
    const auto id = conn_.exec("SELECT value FROM meta WHERE key = 'database_id'");
    if (id.size() == 1)
        database_id_ = id.text(0, 0);
}

void postgres_event_log::migrate()
{
    conn_.exec("BEGIN");
    try {
        conn_.exec(migration_lock_sql);
        conn_.exec("CREATE TABLE IF NOT EXISTS schema_version(version bigint PRIMARY KEY, "
                   "applied_at timestamptz NOT NULL DEFAULT now())");
        const auto version = conn_.exec("SELECT coalesce(max(version), 0)::bigint FROM schema_version").integer(0, 0);
        if (version > latest_version)
            throw start_refused("postgresql " + conn_.where() + " has schema version " + std::to_string(version) +
                                ", newer than this server's " + std::to_string(latest_version) +
                                ": it was written by a newer maptable-server; run that version (or restore the "
                                "database's backup from before the upgrade)");
        for (auto v = version; v < latest_version; ++v) {
            conn_.exec_script(migrations[v]);
            conn_.exec("INSERT INTO schema_version(version) VALUES($1)", pg_params().integer(v + 1));
            spdlog::info("store: postgresql {} migrated to schema version {}", conn_.where(), v + 1);
        }
        conn_.exec("COMMIT");
    } catch (...) {
        conn_.rollback_quietly();
        throw;
    }
}

void postgres_event_log::set_reachable(bool reachable, const std::string& why)
{
    if (reachable == reachable_)
        return;
    reachable_ = reachable;
    metrics::global().store_writable.set(reachable ? 1 : 0);
    if (reachable)
        spdlog::info("store: postgresql {} answers again; writes are accepted", conn_.where());
    else
        spdlog::error("store: postgresql {} is unreachable ({}); writes fail (clients get STORE_UNAVAILABLE, /healthz "
                      "answers 503) until it answers again; each write and a ping every second retry the connection",
                      conn_.where(), why);
}

bool postgres_event_log::stored(const event_record& record)
{
    try {
        const auto rows = conn_.exec("SELECT crc FROM events WHERE room = $1 AND seq = $2",
                                     pg_params().text(record.room_id).integer(to_sql(record.seq)));
        return rows.size() == 1 &&
            rows.integer(0, 0) == std::int64_t(record_checksum(record.room_id, record.seq, record.bytes));
    } catch (const std::exception&) {
        return false; // still unreachable: the outcome stays unknown, reported as io
    }
}

bool postgres_event_log::still_writable()
{
    if (read_only_)
        return false;
    if (!reachable_) {
        try {
            conn_.exec("SELECT 1");
            set_reachable(true);
        } catch (const std::exception&) {
            // Still down: said once already.
        }
    }
    return true;
}

append_error postgres_event_log::append(std::span<const event_record> records)
{
    if (records.empty())
        return append_error::ok;
    if (read_only_)
        return append_error::io;
    for (const auto& r : records)
        if (r.seq > max_seq)
            return append_error::io; // would be stored negative and break ordering
    bool committing = false;
    try {
        conn_.exec("BEGIN");
        if (!lease_holds(records)) {
            conn_.exec("ROLLBACK");
            return append_error::fenced;
        }
        // Many rows per INSERT: one round trip per chunk instead of per
        // event, so a large group commit costs little more than a small one.
        // A chunk stays well below the protocol's 65,535 parameters.
        constexpr std::size_t rows_per_insert = 500;
        for (std::size_t first = 0; first < records.size(); first += rows_per_insert) {
            const auto chunk = records.subspan(first, std::min(rows_per_insert, records.size() - first));
            std::string sql =
                "INSERT INTO events(room, seq, time_ms, kind, client_id, op_id, body, target_seq, crc) VALUES";
            pg_params p;
            int n = 0;
            for (const auto& r : chunk) {
                sql += n == 0 ? "(" : ",(";
                for (int column = 0; column < 9; ++column)
                    sql += (column ? ",$" : "$") + std::to_string(++n);
                sql += ")";
                p.text(r.room_id)
                    .integer(to_sql(r.seq))
                    .integer(r.time_ms)
                    .integer(static_cast<int>(r.kind))
                    .text(r.client_id);
                if (r.op_id == 0)
                    p.null_integer();
                else
                    p.integer(to_sql(r.op_id));
                p.bytes(r.bytes);
                if (r.target_seq == 0)
                    p.null_integer();
                else
                    p.integer(to_sql(r.target_seq));
                p.integer(std::int64_t(record_checksum(r.room_id, r.seq, r.bytes)));
            }
            conn_.exec(sql.c_str(), p);
        }
        // With synchronous_commit on (set for every connection), COMMIT
        // returns once the transaction is on disk.
        committing = true;
        conn_.exec("COMMIT");
        set_reachable(true);
        return append_error::ok;
    } catch (const pg_error& e) {
        conn_.rollback_quietly();
        if (e.unique_violation())
            return append_error::duplicate;
        // A connection lost during COMMIT leaves it unknown whether the
        // server committed. Reporting io for a stored batch would make the
        // room reuse its seqs, and every later batch of the room would meet
        // the (room, seq) key. The transaction was all or nothing, so its
        // first record, with its checksum, answers for the whole batch.
        if (committing && !conn_.connected() && stored(records.front())) {
            set_reachable(true);
            return append_error::ok;
        }
        if (!conn_.connected())
            set_reachable(false, e.what());
        else
            spdlog::error("store: append failed: {}", e.what());
        return append_error::io;
    } catch (const std::exception& e) {
        conn_.rollback_quietly();
        spdlog::error("store: append failed: {}", e.what());
        return append_error::io;
    }
}

namespace {

// Room ids joined for string_to_array(): one statement for any number of
// rooms. Room ids are plain ids (A-Z a-z 0-9 . _ -), so the unit separator
// never occurs in one.
constexpr char list_separator = '\x1f';
constexpr const char* list_separator_sql = "E'\\x1f'";

template <class Range, class Item>
std::string joined(const Range& items, Item item)
{
    std::string out;
    for (const auto& i : items) {
        if (!out.empty())
            out += list_separator;
        out += item(i);
    }
    return out;
}

} // namespace

bool postgres_event_log::lease_holds(std::span<const event_record> records)
{
    // The generation each fenced room's records were sequenced under (one
    // owner sequences a room, so a batch carries one per room).
    std::vector<std::pair<std::string, std::uint64_t>> fenced;
    for (const auto& r : records) {
        if (r.lease_generation == 0)
            continue;
        if (std::none_of(fenced.begin(), fenced.end(), [&](const auto& f) { return f.first == r.room_id; }))
            fenced.emplace_back(r.room_id, r.lease_generation);
    }
    if (fenced.empty())
        return true;
    // FOR SHARE: a node taking one of these rooms over (acquire updates the
    // row) waits until this transaction ends, and then loads the room with
    // these events in it; one that took it over first has bumped the
    // generation, and this batch is refused.
    const auto rows =
        conn_.exec((std::string("SELECT room, generation FROM room_leases WHERE room = ANY(string_to_array($1, ") +
                    list_separator_sql + ")) FOR SHARE")
                       .c_str(),
                   pg_params().text(joined(fenced, [](const auto& f) { return f.first; })));
    for (const auto& [room, generation] : fenced) {
        bool holds = false;
        for (int i = 0; i < rows.size(); ++i)
            if (rows.text(i, 0) == room)
                holds = from_sql(rows.integer(i, 1)) == generation;
        if (!holds) {
            spdlog::warn("store: room={} lease generation {} is no longer the room's: its events are refused "
                         "(another node owns the room now)",
                         room, generation);
            return false;
        }
    }
    return true;
}

lease_claim postgres_event_log::acquire(const std::string& room_id, const lease_owner& me)
{
    // A plain read first: a room another live node holds is the common case
    // of a join on the wrong node, and the claim below locks the row, which
    // makes its transaction a write that waits for a WAL flush (measured:
    // about 10 ms per redirect on the test machine, against one round trip).
    if (auto held = holder(room_id); held && held->node_id != me.node_id)
        return *held;
    // Twice at most: a lease that expires between the claim and the look at
    // its holder is claimed on the second pass.
    for (int attempt = 0; attempt < 2; ++attempt) {
        const auto claimed =
            conn_.exec("INSERT INTO room_leases AS l (room, owner, owner_url, generation, expires_at) "
                       "VALUES ($1, $2, $3, 1, now() + $4 * interval '1 millisecond') "
                       "ON CONFLICT (room) DO UPDATE SET owner = excluded.owner, owner_url = excluded.owner_url, "
                       "generation = l.generation + 1, expires_at = excluded.expires_at "
                       "WHERE l.expires_at < now() OR l.owner = excluded.owner "
                       "RETURNING generation",
                       pg_params().text(room_id).text(me.node_id).text(me.url).integer(me.ttl.count()));
        if (claimed.size() == 1)
            return lease_grant{from_sql(claimed.integer(0, 0))};
        if (auto held = holder(room_id))
            return *held;
    }
    throw std::runtime_error("postgresql " + conn_.where() + ": the lease of room " + room_id +
                             " could be neither claimed nor read");
}

std::vector<std::string> postgres_event_log::renew(const std::vector<held_lease>& held, const lease_owner& me)
{
    if (held.empty())
        return {};
    const auto rows =
        conn_.exec((std::string("UPDATE room_leases AS l SET expires_at = now() + $3 * interval '1 millisecond' "
                                "FROM (SELECT unnest(string_to_array($1, ") +
                    list_separator_sql + ")) AS room, unnest(string_to_array($2, " + list_separator_sql +
                    "))::bigint AS generation) AS h "
                    "WHERE l.room = h.room AND l.generation = h.generation AND l.owner = $4 RETURNING l.room")
                       .c_str(),
                   pg_params()
                       .text(joined(held, [](const held_lease& h) { return h.room_id; }))
                       .text(joined(held, [](const held_lease& h) { return std::to_string(h.generation); }))
                       .integer(me.ttl.count())
                       .text(me.node_id));
    std::vector<std::string> lost;
    for (const auto& h : held) {
        bool renewed = false;
        for (int i = 0; i < rows.size() && !renewed; ++i)
            renewed = rows.text(i, 0) == h.room_id;
        if (!renewed)
            lost.push_back(h.room_id);
    }
    return lost;
}

void postgres_event_log::release(const std::string& room_id, std::uint64_t generation)
{
    conn_.exec("UPDATE room_leases SET expires_at = '-infinity' WHERE room = $1 AND generation = $2",
               pg_params().text(room_id).integer(to_sql(generation)));
}

std::optional<lease_holder> postgres_event_log::holder(const std::string& room_id)
{
    const auto rows = conn_.exec("SELECT owner, owner_url FROM room_leases WHERE room = $1 AND expires_at >= now()",
                                 pg_params().text(room_id));
    if (rows.size() == 0)
        return std::nullopt;
    return lease_holder{rows.text(0, 0), rows.text(0, 1)};
}

room_history postgres_event_log::load(const std::string& room_id, const load_options& options)
{
    room_history history;
    history.epoch = epoch_of(room_id);
    // One snapshot of the database for the whole load, so the snapshot and
    // the events after it are a consistent pair even if another server
    // wrote in between.
    conn_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    try {
        if (options.recent_ops > 0) {
            const auto rows = conn_.exec(
                "SELECT client_id, op_id, seq FROM events WHERE room = $1 AND op_id IS NOT NULL ORDER BY seq DESC "
                "LIMIT $2",
                pg_params().text(room_id).integer(std::int64_t(std::min<std::size_t>(options.recent_ops, max_seq))));
            for (int i = 0; i < rows.size(); ++i)
                history.recent_ops.push_back(
                    op_record{rows.text(i, 0), from_sql(rows.integer(i, 1)), from_sql(rows.integer(i, 2))});
        }
        {
            const auto rows =
                conn_.exec("SELECT seq, body, crc FROM snapshots WHERE room = $1", pg_params().text(room_id));
            if (rows.size() == 1) {
                history.snapshot_seq = from_sql(rows.integer(0, 0));
                history.snapshot = checked_body(rows, 0, 1, room_id, history.snapshot_seq, "its snapshot");
            }
        }
        const std::uint64_t after = history.snapshot_seq > options.events_before_snapshot
            ? history.snapshot_seq - options.events_before_snapshot
            : 0;
        history.first_event_seq = after + 1;
        const auto rows = conn_.exec("SELECT seq, body, crc FROM events WHERE room = $1 AND seq > $2 ORDER BY seq",
                                     pg_params().text(room_id).integer(to_sql(after)));
        history.events = contiguous_bodies(rows, room_id, after + 1);
        conn_.exec("COMMIT");
    } catch (...) {
        conn_.rollback_quietly();
        throw;
    }
    return history;
}

std::string postgres_event_log::epoch_of(const std::string& room_id)
{
    // Read first: only a room seen for the first time needs a write.
    for (int attempt = 0; attempt < 2; ++attempt) {
        const auto rows = conn_.exec("SELECT epoch FROM rooms WHERE room = $1", pg_params().text(room_id));
        if (rows.size() == 1)
            return rows.text(0, 0);
        conn_.exec((std::string("INSERT INTO rooms(room, epoch) VALUES($1, ") + new_epoch_sql +
                    ") ON CONFLICT (room) DO NOTHING")
                       .c_str(),
                   pg_params().text(room_id));
    }
    throw std::runtime_error("postgresql event log: room " + room_id + " has no epoch after creating one");
}

std::size_t postgres_event_log::rotate_epochs()
{
    return std::size_t(conn_.exec((std::string("UPDATE rooms SET epoch = ") + new_epoch_sql).c_str()).affected());
}

void postgres_event_log::save_snapshot(const std::string& room_id, std::uint64_t seq, const std::string& bytes)
{
    if (seq > max_seq)
        throw std::runtime_error("postgresql event log: snapshot seq out of range");
    // An older snapshot never replaces a newer one.
    conn_.exec("INSERT INTO snapshots(room, seq, body, crc) VALUES($1, $2, $3, $4) ON CONFLICT (room) DO UPDATE "
               "SET seq = excluded.seq, body = excluded.body, crc = excluded.crc WHERE excluded.seq >= snapshots.seq",
               pg_params()
                   .text(room_id)
                   .integer(to_sql(seq))
                   .bytes(bytes)
                   .integer(std::int64_t(record_checksum(room_id, seq, bytes))));
}

std::vector<std::string> postgres_event_log::chat_before(const std::string& room_id, std::uint64_t before_seq,
                                                         std::uint32_t limit)
{
    std::vector<std::string> out;
    if (limit == 0)
        return out;
    const std::uint64_t bound = (before_seq == 0 || before_seq > max_seq) ? max_seq : before_seq;
    const auto rows = conn_.exec(
        "SELECT seq, body, crc FROM (SELECT seq, body, crc FROM events WHERE room = $1 AND kind = $2 AND seq < $3 "
        "ORDER BY seq DESC LIMIT $4) AS page ORDER BY seq",
        pg_params().text(room_id).integer(static_cast<int>(event_kind::chat)).integer(to_sql(bound)).integer(limit));
    for (int i = 0; i < rows.size(); ++i) {
        const std::uint64_t seq = from_sql(rows.integer(i, 0));
        out.push_back(checked_body(rows, i, 1, room_id, seq, "the chat message"));
    }
    return out;
}

std::vector<std::string> postgres_event_log::chat_changes(const std::string& room_id, std::uint64_t first_target,
                                                          std::uint64_t last_target)
{
    std::vector<std::string> out;
    if (first_target > last_target || first_target > max_seq)
        return out;
    const auto rows = conn_.exec(
        "SELECT seq, body, crc FROM events WHERE room = $1 AND target_seq IS NOT NULL AND target_seq >= $2 AND "
        "target_seq <= $3 ORDER BY seq",
        pg_params().text(room_id).integer(to_sql(first_target)).integer(to_sql(std::min(last_target, max_seq))));
    for (int i = 0; i < rows.size(); ++i) {
        const std::uint64_t seq = from_sql(rows.integer(i, 0));
        out.push_back(checked_body(rows, i, 1, room_id, seq, "the chat change"));
    }
    return out;
}

std::vector<std::string> postgres_event_log::events_between(const std::string& room_id, std::uint64_t from_seq,
                                                            std::uint64_t to_seq)
{
    if (from_seq > to_seq || from_seq > max_seq)
        return {};
    const auto rows =
        conn_.exec("SELECT seq, body, crc FROM events WHERE room = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq",
                   pg_params().text(room_id).integer(to_sql(from_seq)).integer(to_sql(std::min(to_seq, max_seq))));
    return contiguous_bodies(rows, room_id, std::max<std::uint64_t>(from_seq, 1));
}

std::optional<std::uint64_t> postgres_event_log::seq_at_time(const std::string& room_id, std::int64_t time_ms,
                                                             std::uint64_t up_to_seq)
{
    const auto rows = conn_.exec(
        "SELECT seq FROM events WHERE room = $1 AND time_ms <= $2 AND seq <= $3 ORDER BY time_ms DESC, seq DESC "
        "LIMIT 1",
        pg_params().text(room_id).integer(time_ms).integer(to_sql(std::min(up_to_seq, max_seq))));
    if (rows.size() == 0)
        return std::nullopt;
    return from_sql(rows.integer(0, 0));
}

std::optional<stored_snapshot> postgres_event_log::snapshot_at_most(const std::string& room_id, std::uint64_t seq)
{
    const auto rows = conn_.exec("SELECT seq, body, crc FROM snapshots WHERE room = $1 AND seq <= $2",
                                 pg_params().text(room_id).integer(to_sql(std::min(seq, max_seq))));
    if (rows.size() == 0)
        return std::nullopt;
    const std::uint64_t at = from_sql(rows.integer(0, 0));
    return stored_snapshot{at, checked_body(rows, 0, 1, room_id, at, "its snapshot")};
}

std::optional<std::uint64_t> postgres_event_log::find_op(const std::string& room_id, const std::string& client_id,
                                                         std::uint64_t op_id)
{
    if (op_id == 0)
        return std::nullopt; // 0 means "not deduplicated": never stored as a key
    const auto rows = conn_.exec("SELECT seq FROM events WHERE room = $1 AND client_id = $2 AND op_id = $3",
                                 pg_params().text(room_id).text(client_id).integer(to_sql(op_id)));
    if (rows.size() == 0)
        return std::nullopt;
    return from_sql(rows.integer(0, 0));
}

void postgres_event_log::revoke(const std::string& jti, std::int64_t expires_at)
{
    pg_params p;
    p.text(jti);
    if (expires_at == 0)
        p.null_integer();
    else
        p.integer(expires_at);
    conn_.exec("INSERT INTO revoked_tokens(jti, expires_at) VALUES($1, $2) ON CONFLICT (jti) DO UPDATE SET "
               "expires_at = excluded.expires_at",
               p);
}

std::vector<std::pair<std::string, std::int64_t>> postgres_event_log::revocations()
{
    const auto rows = conn_.exec("SELECT jti, expires_at FROM revoked_tokens ORDER BY jti COLLATE \"C\"");
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (int i = 0; i < rows.size(); ++i)
        out.emplace_back(rows.text(i, 0), rows.is_null(i, 1) ? 0 : rows.integer(i, 1));
    return out;
}

} // namespace maptable::store
