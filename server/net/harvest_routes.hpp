// Layer: net (handlers). The network harvest (docs/HARVEST.md): a report over a time range under
// /v1/networks/{id}/harvest, for network facilitators.
#pragma once

#include "net/admin_routes.hpp"
#include "net/attachment_routes.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <functional>
#include <string_view>

namespace maptable::net {

// Whether path (without the query) is one of these routes.
bool is_harvest_path(std::string_view path);

// Answers one request under these paths; done once, on reply_on. The
// request is taken whole (an upload's body moves to the work pool).
void handle_harvest_request(admin_request req, session::server_context& context, boost::asio::any_io_executor reply_on,
                            std::uint64_t connection_id, std::function<void(admin_response)> done);

} // namespace maptable::net
