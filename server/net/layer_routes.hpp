// Layer: net (handlers). Reference layers (docs/REFERENCE-LAYERS.md) under
// /v1/rooms/{room}/layers: a file imported as a read-only layer of the room.
//
//   POST /v1/rooms/{room}/layers[?format=&name=&colour=&filename=&lon=&lat=]
//        the body is the file           -> 201 {id, name, features, vertices, notes, seq, ...}
//   GET  /v1/rooms/{room}/layers        -> 200 {layers: [...]} (without their features)
//
// Uploads take the join token of a facilitator or a participant of the room,
// or a network invitation that makes its holder one there (a city's team
// imports into its living lab; observers may look, not import), under the
// rules of a Join (net/upload_gate.hpp), or the admin key. The file is parsed by
// server/import on the work pool and becomes one AddLayer, sent to the room
// on the uploader's behalf (room::submit_on_behalf): the layer is in the
// room's log whole, or nothing is stored. An "Idempotency-Key" header makes a
// retried upload get the first answer, as for attachments.
#pragma once

#include "net/admin_routes.hpp"
#include "net/upload_gate.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <functional>
#include <string_view>

namespace maptable::net {

// Whether path (without the query) is one of these routes.
bool is_layer_path(std::string_view path);

// Answers one request under these paths; done once, on reply_on. The
// request is taken whole (an upload's body moves to the work pool).
void handle_layer_request(admin_request req, session::server_context& context, boost::asio::any_io_executor reply_on,
                          std::uint64_t connection_id, std::function<void(admin_response)> done);

// Like attachments (check_upload_header): an upload's header decides its
// body's limit and deadline, or refuses it before the body is read; a
// request that is not a layer upload gets monostate.
upload_header_verdict check_layer_upload_header(const session::server_context& context, const admin_request& header);
// The largest body a layer upload may have (0: uploads off).
std::size_t layer_upload_limit(const session::server_context& context);
// The 413 for an upload whose body went over its limit.
admin_response layer_too_large(const session::server_context& context, unsigned version);

} // namespace maptable::net
