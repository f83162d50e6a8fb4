// Layer: store. SQLite -> PostgreSQL copy (see store_migration.hpp).
#include "store/store_migration.hpp"

#include "store/checksum.hpp"
#include "store/sqlite_event_log.hpp"
#include "store/sqlite_statement.hpp"

#include <sqlite3.h>

#include <bit>
#include <functional>
#include <stdexcept>

namespace maptable::store {

namespace {

// A read-only connection to the SQLite file, for whole-table reads the
// event_log interface has no call for.
class sqlite_reader {
public:
    explicit sqlite_reader(const std::string& path)
    {
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
            const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            throw std::runtime_error("cannot open " + path + ": " + message);
        }
    }
    ~sqlite_reader() { sqlite3_close(db_); }
    sqlite_reader(const sqlite_reader&) = delete;
    sqlite_reader& operator=(const sqlite_reader&) = delete;

    bool has_table(const char* name)
    {
        bool found = false;
        each(("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '" + std::string(name) + "'").c_str(),
             [&](sqlite3_stmt*) { found = true; });
        return found;
    }

    void each(const char* sql, const std::function<void(sqlite3_stmt*)>& row)
    {
        sqlite_statement statement(db_, sql, "sqlite");
        while (statement.next())
            row(statement.get());
    }

    void exec(const char* sql)
    {
        if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_));
    }

private:
    sqlite3* db_ = nullptr;
};

std::string blob(sqlite3_stmt* stmt, int i)
{
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, i));
    return p == nullptr ? std::string() : std::string(p, std::size_t(sqlite3_column_bytes(stmt, i)));
}

bool is_null(sqlite3_stmt* stmt, int i)
{
    return sqlite3_column_type(stmt, i) == SQLITE_NULL;
}

// The crc in column i checked against the record; throws corrupt_record.
void check_crc(sqlite3_stmt* stmt, int i, const std::string& room, std::uint64_t seq, const std::string& body,
               const char* what)
{
    if (is_null(stmt, i))
        throw corrupt_record(room, seq, std::string(what) + " has no checksum");
    if (sqlite3_column_int64(stmt, i) != sqlite3_int64(record_checksum(room, seq, body)))
        throw corrupt_record(room, seq, std::string(what) + " does not match its checksum");
}

} // namespace

std::vector<std::string> sqlite_room_ids(const std::string& sqlite_path)
{
    sqlite_reader source(sqlite_path);
    std::vector<std::string> out;
    source.each("SELECT room FROM rooms UNION SELECT DISTINCT room FROM events UNION SELECT room FROM snapshots "
                "ORDER BY 1",
                [&](sqlite3_stmt* s) { out.push_back(blob(s, 0)); });
    return out;
}

migration_counts copy_sqlite_to_postgres(const std::string& sqlite_path, postgres_event_log& target)
{
    // Checks the schema version (and that it is a maptable event log at
    // all) the way the server's readers do.
    {
        sqlite_event_log check(sqlite_path, durability::full, log_access::read_only);
    }

    sqlite_reader source(sqlite_path);
    source.exec("BEGIN"); // one moment of the file, even if something writes beside the copy
    auto& pg = target.connection();
    migration_counts counts;
    pg.exec("BEGIN");
    try {
        const auto occupied = pg.exec(
            "SELECT (EXISTS(SELECT 1 FROM events) OR EXISTS(SELECT 1 FROM rooms) OR EXISTS(SELECT 1 FROM snapshots) "
            "OR EXISTS(SELECT 1 FROM revoked_tokens) OR EXISTS(SELECT 1 FROM room_catalog))::int::int8");
        if (occupied.integer(0, 0) != 0)
            throw std::runtime_error("postgresql " + pg.where() +
                                     " already holds rooms or events: migrate-store copies into an empty database "
                                     "only (create a new one, or drop this one's tables)");

        source.each("SELECT room, epoch FROM rooms", [&](sqlite3_stmt* s) {
            pg.exec("INSERT INTO rooms(room, epoch) VALUES($1, $2)", pg_params().text(blob(s, 0)).text(blob(s, 1)));
            ++counts.rooms;
        });
        source.each("SELECT room, seq, time_ms, kind, client_id, op_id, body, target_seq, crc FROM events ORDER BY "
                    "room, seq",
                    [&](sqlite3_stmt* s) {
            const std::string room = blob(s, 0);
            const auto seq = std::bit_cast<std::uint64_t>(sqlite3_int64(sqlite3_column_int64(s, 1)));
            const std::string body = blob(s, 6);
            check_crc(s, 8, room, seq, body, "the event");
            pg_params p;
            p.text(room)
                .integer(sqlite3_column_int64(s, 1))
                .integer(sqlite3_column_int64(s, 2))
                .integer(sqlite3_column_int64(s, 3))
                .text(blob(s, 4));
            if (is_null(s, 5))
                p.null_integer();
            else
                p.integer(sqlite3_column_int64(s, 5));
            p.bytes(body);
            if (is_null(s, 7))
                p.null_integer();
            else
                p.integer(sqlite3_column_int64(s, 7));
            p.integer(sqlite3_column_int64(s, 8));
            pg.exec("INSERT INTO events(room, seq, time_ms, kind, client_id, op_id, body, target_seq, crc) "
                    "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    p);
            ++counts.events;
        });
        source.each("SELECT room, seq, body, crc FROM snapshots", [&](sqlite3_stmt* s) {
            const std::string room = blob(s, 0);
            const auto seq = std::bit_cast<std::uint64_t>(sqlite3_int64(sqlite3_column_int64(s, 1)));
            const std::string body = blob(s, 2);
            check_crc(s, 3, room, seq, body, "its snapshot");
            pg.exec("INSERT INTO snapshots(room, seq, body, crc) VALUES($1, $2, $3, $4)",
                    pg_params()
                        .text(room)
                        .integer(sqlite3_column_int64(s, 1))
                        .bytes(body)
                        .integer(sqlite3_column_int64(s, 3)));
            ++counts.snapshots;
        });
        source.each("SELECT jti, expires_at FROM revoked_tokens", [&](sqlite3_stmt* s) {
            pg_params p;
            p.text(blob(s, 0));
            if (is_null(s, 1))
                p.null_integer();
            else
                p.integer(sqlite3_column_int64(s, 1));
            pg.exec("INSERT INTO revoked_tokens(jti, expires_at) VALUES($1, $2)", p);
            ++counts.revocations;
        });
        // The catalogue's table exists once a server has run on the file.
        if (source.has_table("room_catalog"))
            source.each("SELECT room, created_at, archived, title, city, info, seq FROM room_catalog",
                        [&](sqlite3_stmt* s) {
                pg.exec("INSERT INTO room_catalog(room, created_at, archived, title, city, info, seq) "
                        "VALUES($1, $2, $3, $4, $5, $6, $7)",
                        pg_params()
                            .text(blob(s, 0))
                            .integer(sqlite3_column_int64(s, 1))
                            .integer(sqlite3_column_int64(s, 2) != 0 ? 1 : 0)
                            .text(blob(s, 3))
                            .text(blob(s, 4))
                            .bytes(blob(s, 5))
                            .integer(sqlite3_column_int64(s, 6)));
                ++counts.catalog_entries;
            });
        std::string source_id;
        source.each("SELECT value FROM meta WHERE key = 'database_id'",
                    [&](sqlite3_stmt* s) { source_id = blob(s, 0); });
        pg.exec("INSERT INTO meta(key, value) VALUES('migrated_from', $1) ON CONFLICT (key) DO UPDATE SET value = "
                "excluded.value",
                pg_params().text(source_id.empty() ? sqlite_path : source_id));
        pg.exec("COMMIT");
    } catch (...) {
        pg.rollback_quietly();
        throw;
    }
    return counts;
}

} // namespace maptable::store
