// Layer: store. The admin API's room catalogue in the PostgreSQL database
// (the room_catalog table, created by the event log's schema migration), so
// that a server on PostgreSQL needs no SQLite file at all.
#pragma once

#include "store/pg_connection.hpp"
#include "store/room_catalog.hpp"

#include <mutex>

namespace maptable::store {

class postgres_room_catalog final : public room_catalog {
public:
    // Connects to url. The table must exist: open the event log (which
    // migrates the schema) first.
    explicit postgres_room_catalog(const std::string& url);

    bool add(const catalog_entry& entry) override;
    void update(const catalog_entry& entry) override;
    void remove(const std::string& room_id) override;
    std::optional<catalog_entry> find(const std::string& room_id) override;
    std::vector<catalog_entry> list() override;
    bool has_history(const std::string& room_id) override;

private:
    std::mutex mutex_;
    pg_connection conn_;
};

} // namespace maptable::store
