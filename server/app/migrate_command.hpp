// Layer: app. `maptable-server migrate-store --from sqlite:DIR --to
// postgresql://…`: moves an installation from its SQLite file to PostgreSQL
// without loss, and proves it by rebuilding every room from both stores and
// comparing their state hashes.
#pragma once

#include "store/event_log.hpp"

#include <string>

namespace maptable::app {

int run_migrate_store_command(int argc, char** argv);

// The canonical hash (model::room_state::canonical_hash) of room_id as
// rebuilt from log: its snapshot, then every event after it. Throws
// std::runtime_error when the history does not decode or replay.
std::string stored_room_hash(store::event_log& log, const std::string& room_id);

} // namespace maptable::app
