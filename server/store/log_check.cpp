// Layer: store. The offline log check: plain reads on a read-only
// connection of its own (SQLite or libpq), one room at a time in key order,
// each room's records fed to the same walk whatever the database.
#include "store/log_check.hpp"

#include "store/checksum.hpp"
#include "store/pg_connection.hpp"
#include "store/postgres_event_log.hpp"
#include "store/sqlite_statement.hpp"

#include <sqlite3.h>

#include <bit>
#include <memory>
#include <optional>
#include <stdexcept>

namespace maptable::store {

namespace {

using db_handle = std::unique_ptr<sqlite3, decltype(&sqlite3_close)>;

// Reading the log file with the store's one statement wrapper; its errors
// read "reading the log: <SQLite's reason>".
class query : public sqlite_statement {
public:
    query(sqlite3* db, const std::string& sql) : sqlite_statement(db, sql, "reading the log") {}
    // Seqs are stored as SQLite's signed integers; read back bit for bit.
    std::uint64_t seq(int column) const { return std::bit_cast<std::uint64_t>(sqlite3_int64(integer(column))); }
};

std::string at(std::uint64_t seq)
{
    return "seq " + std::to_string(seq) + ": ";
}

// The checks of one room's records, fed in seq order: the same rules for
// both databases. A stored checksum of nullopt means the column is NULL.
class room_walk {
public:
    room_walk(room_check& room, const record_check& check_event, const record_check& check_snapshot)
        : room_(room), check_event_(check_event), check_snapshot_(check_snapshot)
    {
    }

    // with_checksums false: the log predates checksums, so none is expected.
    void snapshot(std::uint64_t seq, const std::string& body, std::optional<std::int64_t> crc, bool with_checksums)
    {
        room_.snapshot_seq = seq;
        std::string problem = with_checksums ? checksum_problem(crc, seq, body) : std::string();
        if (problem.empty())
            problem = check_snapshot_(body, seq);
        if (!problem.empty())
            room_.problems.push_back(at(seq) + "the snapshot: " + problem);
    }

    void event(std::uint64_t seq, const std::string& body, std::optional<std::int64_t> crc, bool with_checksums)
    {
        if (room_.events == 0) {
            room_.first_seq = seq;
            // Events before a snapshot may be gone; none after it may.
            if (seq != 1 && !(room_.snapshot_seq > 0 && seq <= room_.snapshot_seq + 1))
                room_.problems.push_back(at(1) + "missing: the log starts at seq " + std::to_string(seq));
        } else if (seq != expected_) {
            room_.problems.push_back(at(expected_) + "missing: the next stored event is seq " + std::to_string(seq));
        }
        expected_ = seq + 1;
        room_.last_seq = seq;
        ++room_.events;
        std::string problem = with_checksums ? checksum_problem(crc, seq, body) : std::string();
        if (problem.empty())
            problem = check_event_(body, seq);
        if (!problem.empty())
            room_.problems.push_back(at(seq) + "the event " + problem);
    }

    // A command id stored at more than one seq: the unique index makes this
    // impossible unless the index itself is damaged, and it means a command
    // applied twice.
    void duplicate_command(const std::string& client_id, std::uint64_t op_id, std::uint64_t first_seq,
                           std::uint64_t last_seq)
    {
        room_.problems.push_back(at(last_seq) + "command " + std::to_string(op_id) + " of client '" + client_id +
                                 "' is stored again (first at seq " + std::to_string(first_seq) + ")");
    }

    void finish()
    {
        if (room_.snapshot_seq > room_.last_seq)
            room_.problems.push_back(at(room_.snapshot_seq) + "the snapshot is beyond the log, which ends at seq " +
                                     std::to_string(room_.last_seq));
    }

private:
    // "" when the stored checksum matches.
    std::string checksum_problem(std::optional<std::int64_t> crc, std::uint64_t seq, const std::string& body) const
    {
        if (!crc)
            return "no checksum";
        if (*crc != std::int64_t(record_checksum(room_.room_id, seq, body)))
            return "does not match its checksum";
        return {};
    }

    room_check& room_;
    const record_check& check_event_;
    const record_check& check_snapshot_;
    std::uint64_t expected_ = 1;
};

std::optional<std::int64_t> crc_of(const query& q, int column)
{
    if (q.is_null(column))
        return std::nullopt;
    return q.integer(column);
}

} // namespace

bool log_check_report::clean() const
{
    if (!problems.empty())
        return false;
    for (const auto& room : rooms)
        if (!room.problems.empty())
            return false;
    return true;
}

log_check_report check_log(const std::string& path, const record_check& check_event, const record_check& check_snapshot)
{
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    db_handle db(raw, &sqlite3_close);
    if (rc != SQLITE_OK)
        throw std::runtime_error("cannot open " + path + ": " + (raw ? sqlite3_errmsg(raw) : "out of memory"));
    sqlite3_busy_timeout(db.get(), 5000);

    log_check_report report;
    const auto count = [&](const std::string& sql) {
        query q(db.get(), sql);
        return q.next() ? q.integer(0) : 0;
    };
    if (count("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'") == 0)
        throw std::runtime_error(path + " is not a maptable event log (it has no events table)");
    report.checksums = count("SELECT count(*) FROM pragma_table_info('events') WHERE name = 'crc'") > 0;
    const bool snapshot_checksums = count("SELECT count(*) FROM pragma_table_info('snapshots') WHERE name = 'crc'") > 0;

    // SQLite's own check of its pages and indexes, minus the slow
    // index-content comparison of integrity_check.
    {
        query q(db.get(), "PRAGMA quick_check");
        while (q.next()) {
            const auto line = q.text(0);
            if (line != "ok")
                report.problems.push_back("SQLite structure check: " + line);
        }
    }

    // One read transaction, so a server writing meanwhile cannot make the
    // check see half a commit.
    query(db.get(), "BEGIN").next();
    query rooms(db.get(),
                "SELECT room FROM rooms UNION SELECT room FROM snapshots UNION SELECT DISTINCT room FROM events "
                "ORDER BY 1");
    while (rooms.next()) {
        room_check room;
        room.room_id = rooms.text(0);
        room_walk walk(room, check_event, check_snapshot);

        query snapshot(db.get(),
                       snapshot_checksums ? "SELECT seq, body, crc FROM snapshots WHERE room = ?1"
                                          : "SELECT seq, body, NULL FROM snapshots WHERE room = ?1");
        snapshot.bind(1, room.room_id);
        if (snapshot.next())
            walk.snapshot(snapshot.seq(0), snapshot.text(1), crc_of(snapshot, 2), snapshot_checksums);

        query events(db.get(),
                     report.checksums ? "SELECT seq, body, crc FROM events WHERE room = ?1 ORDER BY seq"
                                      : "SELECT seq, body, NULL FROM events WHERE room = ?1 ORDER BY seq");
        events.bind(1, room.room_id);
        while (events.next())
            walk.event(events.seq(0), events.text(1), crc_of(events, 2), report.checksums);
        walk.finish();

        query ops(db.get(),
                  "SELECT client_id, op_id, min(seq), max(seq) FROM events WHERE room = ?1 AND op_id IS NOT NULL "
                  "GROUP BY client_id, op_id HAVING count(*) > 1");
        ops.bind(1, room.room_id);
        while (ops.next())
            walk.duplicate_command(ops.text(0), ops.seq(1), ops.seq(2), ops.seq(3));
        report.rooms.push_back(std::move(room));
    }
    query(db.get(), "COMMIT").next();
    return report;
}

namespace {

std::uint64_t pg_seq(const pg_rows& rows, int row, int column)
{
    return std::bit_cast<std::uint64_t>(rows.integer(row, column));
}

std::optional<std::int64_t> pg_crc(const pg_rows& rows, int row, int column)
{
    if (rows.is_null(row, column))
        return std::nullopt;
    return rows.integer(row, column);
}

// Events are read this many at a time, so a room of millions of events
// never sits in memory whole.
constexpr std::int64_t events_per_read = 2000;

// The structure PostgreSQL cannot check by itself without extensions: the
// constraints that make a seq, and a command id, impossible to store twice.
// Without them two nodes could both write a seq and nothing would refuse it.
void check_postgres_structure(pg_connection& conn, log_check_report& report)
{
    const auto version = conn.exec("SELECT coalesce(max(version), 0)::bigint FROM schema_version").integer(0, 0);
    if (version > postgres_schema_version())
        report.problems.push_back("schema version " + std::to_string(version) + " is newer than this binary's " +
                                  std::to_string(postgres_schema_version()) +
                                  ": check with the maptable-server that wrote it");
    const auto primary = conn.exec(
        "SELECT count(*)::bigint FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
        "WHERE c.relname = 'events' AND c.relnamespace = to_regnamespace(current_schema()) AND i.indisprimary "
        "AND i.indisvalid");
    if (primary.integer(0, 0) != 1)
        report.problems.push_back("the events table has no valid primary key (room, seq): a seq could be stored twice");
    const auto unique_ops = conn.exec(
        "SELECT count(*)::bigint FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid "
        "WHERE x.relname = 'events_op' AND x.relnamespace = to_regnamespace(current_schema()) AND i.indisunique "
        "AND i.indisvalid");
    if (unique_ops.integer(0, 0) != 1)
        report.problems.push_back("the index events_op is missing or invalid: a command could be applied twice");
}

} // namespace

log_check_report check_postgres_log(const std::string& url, const record_check& check_event,
                                    const record_check& check_snapshot)
{
    pg_connection conn(url, true);
    const auto tables =
        conn.exec("SELECT count(*)::bigint FROM information_schema.tables WHERE table_schema = current_schema() "
                  "AND table_name IN ('events', 'snapshots', 'rooms', 'schema_version')");
    if (tables.integer(0, 0) != 4)
        throw std::runtime_error(
            "postgresql " + conn.where() +
            " holds no maptable event log (no events, snapshots, rooms and schema_version tables)");

    log_check_report report;
    // One snapshot of the whole database: nodes appending meanwhile cannot
    // make the check see half a commit, or a room at two moments.
    conn.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    try {
        check_postgres_structure(conn, report);
        const auto rooms =
            conn.exec("SELECT room FROM rooms UNION SELECT room FROM snapshots UNION SELECT DISTINCT room FROM events "
                      "ORDER BY 1");
        for (int r = 0; r < rooms.size(); ++r) {
            room_check room;
            room.room_id = rooms.text(r, 0);
            room_walk walk(room, check_event, check_snapshot);

            const auto snapshot =
                conn.exec("SELECT seq, body, crc FROM snapshots WHERE room = $1", pg_params().text(room.room_id));
            if (snapshot.size() == 1)
                walk.snapshot(pg_seq(snapshot, 0, 0), snapshot.text(0, 1), pg_crc(snapshot, 0, 2), true);

            // Keyset pagination on the primary key; seqs are stored bit for
            // bit in bigint and never reach the sign bit.
            std::int64_t after = -1;
            for (;;) {
                const auto events =
                    conn.exec("SELECT seq, body, crc FROM events WHERE room = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                              pg_params().text(room.room_id).integer(after).integer(events_per_read));
                for (int i = 0; i < events.size(); ++i)
                    walk.event(pg_seq(events, i, 0), events.text(i, 1), pg_crc(events, i, 2), true);
                if (events.size() < events_per_read)
                    break;
                after = events.integer(events.size() - 1, 0);
            }
            walk.finish();

            const auto ops = conn.exec(
                "SELECT client_id, op_id, min(seq), max(seq) FROM events WHERE room = $1 AND op_id IS NOT NULL "
                "GROUP BY client_id, op_id HAVING count(*) > 1",
                pg_params().text(room.room_id));
            for (int i = 0; i < ops.size(); ++i)
                walk.duplicate_command(ops.text(i, 0), pg_seq(ops, i, 1), pg_seq(ops, i, 2), pg_seq(ops, i, 3));
            report.rooms.push_back(std::move(room));
        }
        conn.exec("COMMIT");
    } catch (...) {
        conn.rollback_quietly();
        throw;
    }
    return report;
}

} // namespace maptable::store
