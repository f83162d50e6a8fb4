// Layer: store. Moving an installation from its SQLite file to PostgreSQL:
// every table copied as it is (events with their op ids and checksums,
// snapshots, epochs, revocations, the room catalogue), in one PostgreSQL
// transaction, so a failed copy leaves the target as empty as it was.
#pragma once

#include "store/postgres_event_log.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace maptable::store {

struct migration_counts {
    std::size_t rooms = 0;
    std::size_t events = 0;
    std::size_t snapshots = 0;
    std::size_t revocations = 0;
    std::size_t catalog_entries = 0;
};

// Copies the SQLite event log at sqlite_path (opened read-only, in one read
// transaction: stop the server first, or the copy is of one moment) into
// target, which must hold no events, rooms, snapshots, revocations or
// catalogue entries yet: merging two histories is not a migration. Every
// record's checksum is checked on the way (a damaged one throws
// corrupt_record and nothing is written), and written unchanged: the same
// function guards both stores. Epochs are kept, so connected clients'
// resumes stay valid across the move. Throws std::runtime_error on any
// failure, with nothing committed.
migration_counts copy_sqlite_to_postgres(const std::string& sqlite_path, postgres_event_log& target);

// Every room the SQLite event log at sqlite_path knows (with an epoch, events
// or a snapshot), by id.
std::vector<std::string> sqlite_room_ids(const std::string& sqlite_path);

} // namespace maptable::store
