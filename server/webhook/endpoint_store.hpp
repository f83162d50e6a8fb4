// Layer: webhook (repository). Where endpoint registrations and each
// endpoint's delivery state live: the SQLite file <data dir>/webhooks.db.
//
// A file of its own rather than tables in maptable.db: a delivery writes its
// cursor after every request, and SQLite has one writer per file, so in
// maptable.db those writes would queue behind (and hold up) the commits of
// every room. Its own file also keeps its schema and migrations apart from
// the event log's, and works the same whichever store holds the log (with
// --store postgresql:// the data dir still holds it; several nodes on one
// PostgreSQL would each deliver on their own: see docs/WEBHOOKS.md).
//
// Schema (user_version 1):
//   webhook_endpoints(id, url, scope, room, kinds, secret, created_ms)
//     scope is "room" (room names it); a later "network" scope leaves room
//     NULL. kinds: comma-separated. The secret signs requests, so it is kept
//     as given (the file is created 0600, like the data dir's secret).
//   webhook_deliveries(endpoint_id, room, cursor, attempts, next_attempt_ms,
//     state, last_error, delivered): per (endpoint, room), the last seq
//     delivered or skipped, failures in a row, when to try next (Unix ms),
//     "active" or "dead", the last failure, and how many requests succeeded.
//
// Synchronous and not thread-safe: the dispatcher calls it from its control
// thread only. Every call throws std::runtime_error on a database error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace maptable::webhook {

struct endpoint {
    std::string id; // "wh_" + 16 hex digits
    std::string url;
    std::string scope = "room";
    std::string room; // for scope "room"
    std::vector<std::string> kinds;
    std::string secret;
    std::int64_t created_ms = 0;
};

enum class delivery_status { active, dead };

struct delivery {
    std::string endpoint_id;
    std::string room;
    std::uint64_t cursor = 0; // every event up to here was delivered (or not wanted)
    unsigned attempts = 0;    // failures in a row
    std::int64_t next_attempt_ms = 0;
    delivery_status status = delivery_status::active;
    std::string last_error;
    std::uint64_t delivered = 0;
};

class endpoint_store {
public:
    // Opens (creating) the file and its tables. Throws on failure.
    explicit endpoint_store(const std::filesystem::path& file);
    ~endpoint_store();
    endpoint_store(const endpoint_store&) = delete;
    endpoint_store& operator=(const endpoint_store&) = delete;

    // Stores a new endpoint and its delivery to its room starting after cursor,
    // in one transaction.
    void add(const endpoint& e, std::uint64_t cursor);
    // Removes the endpoint and its deliveries; false when there was none.
    bool remove(const std::string& id);

    std::vector<endpoint> endpoints();
    std::vector<delivery> deliveries();

    // Writes one delivery's state (the row must exist).
    void save(const delivery& d);

private:
    void exec(const char* sql);
    sqlite3* db_ = nullptr;
};

} // namespace maptable::webhook
