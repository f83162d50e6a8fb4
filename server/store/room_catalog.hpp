// Layer: store. The rooms created through the admin API: the index the admin
// API lists them from. A room's real info (title, map centre, bounds,
// archived) lives in its event log, as events; the catalog keeps a copy of
// it as of the admin API's last change, so that listing many rooms reads one
// table instead of replaying every log.
//
// Its own table (room_catalog) in the event log's database, on its own
// connection (the event log's belongs to the commit queue's writer thread):
// sqlite_room_catalog in the SQLite file, postgres_room_catalog in the
// PostgreSQL database. Thread-safe: a mutex guards the connection; every
// call is one short statement. Throws std::runtime_error when the database
// fails.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace maptable::store {

struct catalog_entry {
    std::string room_id;
    std::int64_t created_at_ms = 0; // Unix milliseconds
    bool archived = false;          // mirror of the log's RoomArchived events
    std::string title;              // mirror, for listing
    std::string city;               // mirror, for listing
    std::string info;               // encoded maptable.v1.RoomInfo as of `seq` (opaque to the store)
    std::uint64_t seq = 0;          // the room's seq when the mirror was written
};

class room_catalog {
public:
    virtual ~room_catalog() = default;

    // Adds entry; false (nothing written) when its room id is listed already.
    virtual bool add(const catalog_entry& entry) = 0;

    // Replaces the mirror of a listed room (no-op for an unlisted one).
    virtual void update(const catalog_entry& entry) = 0;

    // Takes a room off the list (a creation whose first event was refused).
    virtual void remove(const std::string& room_id) = 0;

    virtual std::optional<catalog_entry> find(const std::string& room_id) = 0;

    // Every listed room, by id.
    virtual std::vector<catalog_entry> list() = 0;

    // Whether room_id has any event in the log: a room joined with a token
    // exists without ever being listed, and cannot be created again.
    virtual bool has_history(const std::string& room_id) = 0;
};

class sqlite_room_catalog final : public room_catalog {
public:
    // Opens path (the event log's file, already in WAL mode) and creates the
    // table if needed.
    explicit sqlite_room_catalog(const std::string& path);
    ~sqlite_room_catalog() override;
    sqlite_room_catalog(const sqlite_room_catalog&) = delete;
    sqlite_room_catalog& operator=(const sqlite_room_catalog&) = delete;

    bool add(const catalog_entry& entry) override;
    void update(const catalog_entry& entry) override;
    void remove(const std::string& room_id) override;
    std::optional<catalog_entry> find(const std::string& room_id) override;
    std::vector<catalog_entry> list() override;
    bool has_history(const std::string& room_id) override;

private:
    std::mutex mutex_;
    sqlite3* db_ = nullptr;
};

} // namespace maptable::store
