// Layer: session. What every connection of this server shares: the rooms,
// how tokens are verified, the limits. Owned by app/server, outlives every
// connection.
#pragma once

#include "auth/join_token.hpp"
#include "limits.hpp"
#include "room/room_registry.hpp"

#include <atomic>
#include <cstdint>

namespace maptable::session {

struct server_context {
    room::room_registry& rooms;
    auth::verifier_options verifier;
    server_limits limits;
    std::atomic<std::uint64_t> next_connection_id{1};
};

} // namespace maptable::session
