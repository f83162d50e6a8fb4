// Layer: store. The room catalogue on PostgreSQL: the SQLite catalogue's
// statements, one per call, on a connection of its own.
#include "store/postgres_room_catalog.hpp"

namespace maptable::store {

namespace {

constexpr const char* select_columns = "SELECT room, created_at, archived, title, city, info, seq FROM room_catalog";

catalog_entry read_entry(const pg_rows& rows, int i)
{
    catalog_entry e;
    e.room_id = rows.text(i, 0);
    e.created_at_ms = rows.integer(i, 1);
    e.archived = rows.integer(i, 2) != 0;
    e.title = rows.text(i, 3);
    e.city = rows.text(i, 4);
    e.info = rows.text(i, 5);
    e.seq = static_cast<std::uint64_t>(rows.integer(i, 6));
    return e;
}

} // namespace

postgres_room_catalog::postgres_room_catalog(const std::string& url) : conn_(url, false) {}

bool postgres_room_catalog::add(const catalog_entry& entry)
{
    std::lock_guard lock(mutex_);
    const auto rows = conn_.exec(
        "INSERT INTO room_catalog(room, created_at, archived, title, city, info, seq) VALUES($1, $2, $3, $4, $5, $6, "
        "$7) ON CONFLICT (room) DO NOTHING",
        pg_params()
            .text(entry.room_id)
            .integer(entry.created_at_ms)
            .integer(entry.archived ? 1 : 0)
            .text(entry.title)
            .text(entry.city)
            .bytes(entry.info)
            .integer(static_cast<std::int64_t>(entry.seq)));
    return rows.affected() == 1;
}

void postgres_room_catalog::update(const catalog_entry& entry)
{
    std::lock_guard lock(mutex_);
    conn_.exec("UPDATE room_catalog SET archived = $2, title = $3, city = $4, info = $5, seq = $6 WHERE room = $1 "
               "AND seq <= $6",
               pg_params()
                   .text(entry.room_id)
                   .integer(entry.archived ? 1 : 0)
                   .text(entry.title)
                   .text(entry.city)
                   .bytes(entry.info)
                   .integer(static_cast<std::int64_t>(entry.seq)));
}

void postgres_room_catalog::remove(const std::string& room_id)
{
    std::lock_guard lock(mutex_);
    conn_.exec("DELETE FROM room_catalog WHERE room = $1", pg_params().text(room_id));
}

std::optional<catalog_entry> postgres_room_catalog::find(const std::string& room_id)
{
    std::lock_guard lock(mutex_);
    const auto rows = conn_.exec((std::string(select_columns) + " WHERE room = $1").c_str(), pg_params().text(room_id));
    if (rows.size() == 0)
        return std::nullopt;
    return read_entry(rows, 0);
}

std::vector<catalog_entry> postgres_room_catalog::list()
{
    std::lock_guard lock(mutex_);
    // COLLATE "C": byte order, as SQLite lists them, whatever the database's locale.
    const auto rows = conn_.exec((std::string(select_columns) + " ORDER BY room COLLATE \"C\"").c_str());
    std::vector<catalog_entry> out;
    for (int i = 0; i < rows.size(); ++i)
        out.push_back(read_entry(rows, i));
    return out;
}

bool postgres_room_catalog::has_history(const std::string& room_id)
{
    std::lock_guard lock(mutex_);
    return conn_.exec("SELECT 1 FROM events WHERE room = $1 LIMIT 1", pg_params().text(room_id)).size() > 0;
}

} // namespace maptable::store
