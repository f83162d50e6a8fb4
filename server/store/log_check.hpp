// Layer: store. An offline check of a whole event log, for
// `maptable-server check`: every room's records against their checksums,
// seqs without gaps, command ids without duplicates, and the database's own
// structure (SQLite's quick_check; PostgreSQL's schema version and the
// indexes that keep seqs and command ids unique). Reads only, in one
// read-only transaction, so it may run beside live servers.
//
// The store does not decode events (it keeps bytes); the caller passes the
// decoding checks in.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace maptable::store {

struct room_check {
    std::string room_id;
    std::uint64_t events = 0;
    std::uint64_t first_seq = 0; // 0 when the room has no events
    std::uint64_t last_seq = 0;
    std::uint64_t snapshot_seq = 0;    // 0 = no snapshot
    std::vector<std::string> problems; // each names the seq it is about
};

struct log_check_report {
    std::vector<room_check> rooms;     // by room id
    std::vector<std::string> problems; // the database's own (structure, schema), not one room's
    bool checksums = true;             // false: a SQLite file from before checksums (schema 4 or older)

    bool clean() const;
};

// Returns "" when the record's bytes are sound, else what is wrong with them.
using record_check = std::function<std::string(std::string_view bytes, std::uint64_t seq)>;

// Checks the log at path. Throws std::runtime_error when the file cannot be
// opened or is not an event log at all.
log_check_report check_log(const std::string& path, const record_check& check_event,
                           const record_check& check_snapshot);

// Checks the log in the PostgreSQL database at url (a postgresql:// URL) on
// a read-only connection, in one REPEATABLE READ transaction: the rooms are
// seen as of one moment however many nodes write meanwhile. Throws
// std::runtime_error (pg_error) when the database cannot be reached or holds
// no maptable event log.
log_check_report check_postgres_log(const std::string& url, const record_check& check_event,
                                    const record_check& check_snapshot);

} // namespace maptable::store
