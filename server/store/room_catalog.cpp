#include "store/room_catalog.hpp"

#include "store/sqlite_statement.hpp"

#include <sqlite3.h>

#include <stdexcept>

namespace maptable::store {
namespace {

// The event log's writer may hold the write lock for a group commit; a
// catalog write waits for it rather than failing.
constexpr int busy_timeout_ms = 5000;

constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS room_catalog (
  room       TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  archived   INTEGER NOT NULL DEFAULT 0,
  title      TEXT NOT NULL DEFAULT '',
  city       TEXT NOT NULL DEFAULT '',
  info       BLOB NOT NULL,
  seq        INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
)sql";

std::runtime_error failure(sqlite3* db, const std::string& what)
{
    return std::runtime_error("room catalog: " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

// One step of a catalogue statement: SQLITE_ROW or SQLITE_DONE, or a
// constraint code (a room added twice), which the caller answers itself;
// throws on anything else.
int step(sqlite_statement& s, const char* what)
{
    const int rc = s.step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE && (rc & 0xff) != SQLITE_CONSTRAINT)
        throw std::runtime_error("room catalog: " + std::string(what) + ": " + s.error());
    return rc;
}

catalog_entry read_entry(const sqlite_statement& s)
{
    catalog_entry e;
    e.room_id = s.text(0);
    e.created_at_ms = s.integer(1);
    e.archived = s.integer(2) != 0;
    e.title = s.text(3);
    e.city = s.text(4);
    e.info = s.text(5);
    e.seq = static_cast<std::uint64_t>(s.integer(6));
    return e;
}

constexpr const char* select_columns = "SELECT room, created_at, archived, title, city, info, seq FROM room_catalog";

} // namespace

sqlite_room_catalog::sqlite_room_catalog(const std::string& path)
{
    const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) {
        const auto error = failure(db_, "cannot open " + path);
        sqlite3_close(db_);
        throw error;
    }
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    // The event log's writer checkpoints this file between its commits; a
    // catalogue write that checkpointed as well would take the WAL's pages
    // to the database from a second connection, in the middle of the
    // writer's commits.
    sqlite3_wal_autocheckpoint(db_, 0);
    char* message = nullptr;
    if (sqlite3_exec(db_, schema_sql, nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string text = message ? message : "unknown error";
        sqlite3_free(message);
        sqlite3_close(db_);
        throw std::runtime_error("room catalog: cannot create its table in " + path + ": " + text);
    }
}

sqlite_room_catalog::~sqlite_room_catalog()
{
    sqlite3_close(db_);
}

bool sqlite_room_catalog::add(const catalog_entry& entry)
{
    std::lock_guard lock(mutex_);
    sqlite_statement s(db_,
                       "INSERT INTO room_catalog(room, created_at, archived, title, city, info, seq) "
                       "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(room) DO NOTHING",
                       "room catalog");
    s.bind(1, entry.room_id);
    s.bind(2, entry.created_at_ms);
    s.bind(3, std::int64_t(entry.archived));
    s.bind(4, entry.title);
    s.bind(5, entry.city);
    s.bind_blob(6, entry.info);
    s.bind(7, static_cast<std::int64_t>(entry.seq));
    step(s, "add a room");
    return sqlite3_changes(db_) == 1;
}

void sqlite_room_catalog::update(const catalog_entry& entry)
{
    std::lock_guard lock(mutex_);
    sqlite_statement s(db_,
                       "UPDATE room_catalog SET archived = ?2, title = ?3, city = ?4, info = ?5, seq = ?6 "
                       "WHERE room = ?1 AND seq <= ?6",
                       "room catalog");
    s.bind(1, entry.room_id);
    s.bind(2, std::int64_t(entry.archived));
    s.bind(3, entry.title);
    s.bind(4, entry.city);
    s.bind_blob(5, entry.info);
    s.bind(6, static_cast<std::int64_t>(entry.seq));
    step(s, "update a room");
}

void sqlite_room_catalog::remove(const std::string& room_id)
{
    std::lock_guard lock(mutex_);
    sqlite_statement s(db_, "DELETE FROM room_catalog WHERE room = ?1", "room catalog");
    s.bind(1, room_id);
    step(s, "remove a room");
}

std::optional<catalog_entry> sqlite_room_catalog::find(const std::string& room_id)
{
    std::lock_guard lock(mutex_);
    sqlite_statement s(db_, (std::string(select_columns) + " WHERE room = ?1").c_str(), "room catalog");
    s.bind(1, room_id);
    if (step(s, "find a room") != SQLITE_ROW)
        return std::nullopt;
    return read_entry(s);
}

std::vector<catalog_entry> sqlite_room_catalog::list()
{
    std::lock_guard lock(mutex_);
    sqlite_statement s(db_, (std::string(select_columns) + " ORDER BY room").c_str(), "room catalog");
    std::vector<catalog_entry> out;
    while (step(s, "list rooms") == SQLITE_ROW)
        out.push_back(read_entry(s));
    return out;
}

bool sqlite_room_catalog::has_history(const std::string& room_id)
{
    std::lock_guard lock(mutex_);
    sqlite_statement s(db_, "SELECT 1 FROM events WHERE room = ?1 LIMIT 1", "room catalog");
    s.bind(1, room_id);
    return step(s, "look for a room's events") == SQLITE_ROW;
}

} // namespace maptable::store
