// Layer: session. What every connection of this server shares: the rooms,
// how tokens are verified, the limits, which browser origins may connect, the
// table of live connections (connection_table.hpp), the revoked token ids and
// the admin key. Owned by app/server, outlives every connection (the
// connection table is shared, so it outlives even the handlers an
// io_context destroys after a shutdown timeout).
#pragma once

#include "auth/join_token.hpp"
#include "limits.hpp"
#include "room/room_registry.hpp"
#include "session/connection_table.hpp"
#include "session/revocations.hpp"
#include "store/commit_queue.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace maptable::session {

struct server_context {
    room::room_registry& rooms;
    auth::verifier_options verifier;
    server_limits limits;
    // Browser origins allowed to open a WebSocket ("https://maps.example.org").
    // Empty: only the origin of the request's own Host (same origin).
    // Requests without an Origin header (native apps, the SDK) always pass.
    std::vector<std::string> allowed_origins = {};
    std::atomic<std::uint64_t> next_connection_id{1};
    std::shared_ptr<connection_table> connections = std::make_shared<connection_table>();
    // Revoked token ids and who joined with which one (shared: participants
    // keep a copy, like the connection table). Filled from the store before listening.
    std::shared_ptr<revocation_list> revocations = std::make_shared<revocation_list>();
    // The bearer key of the admin HTTP API; empty = the API is disabled (404).
    // A secret: never log it.
    std::string admin_key = {};
    // Where the admin API persists revocations (through its writer thread).
    store::commit_queue* store = nullptr;
    // Where blocking or heavy work runs (room catalogue calls, export folds):
    // a small thread pool, never an event loop. Complete on the connection's
    // own executor afterwards.
    boost::asio::any_io_executor work = {};
    std::shared_ptr<const struct admin_api_config> admin_api =
        nullptr; // rooms, invitations, exports (net/admin_room_routes.hpp)
    // The per-core thread model (app/io_pool): every connection's executor is
    // a one-thread io_context's own, so rooms may hand its pieces over on
    // that thread directly (room::subscriber::lane).
    bool one_thread_per_context = false;
};

} // namespace maptable::session
