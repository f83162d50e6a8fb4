// Layer: net (handlers). Breakout groups (docs/BREAKOUTS.md) under /v1/rooms/{room}/breakouts:
// open groups, broadcast to them, back to plenary, for the plenary's facilitators
// (a join token of the plenary, or a network invitation that makes its holder
// one there: net/upload_gate.hpp).
#pragma once

#include "net/admin_routes.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <functional>
#include <string_view>

namespace maptable::net {

// Whether path (without the query) is one of these routes.
bool is_breakout_path(std::string_view path);

// Answers one request under these paths; done once, on reply_on. The
// request is taken whole (its body moves to the work pool).
void handle_breakout_request(admin_request req, session::server_context& context, boost::asio::any_io_executor reply_on,
                             std::uint64_t connection_id, std::function<void(admin_response)> done);

} // namespace maptable::net
