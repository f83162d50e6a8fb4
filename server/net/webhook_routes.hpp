// Layer: net (handlers). The webhook admin API under /v1/admin/webhooks
// (docs/WEBHOOKS.md): register an endpoint for a room's events, list,
// inspect (with each delivery's cursor, failures and dead-letter reason),
// delete, and reactivate a dead-lettered one. Kept out of http_connection,
// which only routes a request here and writes the answer.
//
// The admin key guards it as the rest of /v1/admin/ (admin_routes.hpp): 404
// when no key is configured, 401 without the right one. The work runs on the
// webhook dispatcher's control thread; the answer comes back on the
// connection's strand.
#pragma once

#include "net/admin_routes.hpp"

#include <functional>
#include <string_view>

namespace maptable::webhook {
class dispatcher;
}

namespace maptable::net {

// The dispatcher the routes talk to: set by the server's wiring before it
// listens, cleared after the last connection is gone. Without one the
// routes answer 503.
void install_webhooks(webhook::dispatcher* dispatcher);

// The webhook counters for GET /metrics ("" without a dispatcher).
std::string webhook_metrics();

// Whether path (without the query) is /v1/admin/webhooks or below it.
bool is_webhook_path(std::string_view path);

// Answers one webhook admin request; done is called exactly once, on
// reply_on, unless the server stops first.
void handle_webhook_request(const admin_request& req, session::server_context& context,
                            boost::asio::any_io_executor reply_on, std::uint64_t connection_id,
                            std::function<void(admin_response)> done);

} // namespace maptable::net
