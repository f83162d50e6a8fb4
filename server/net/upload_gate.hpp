// Layer: net (handlers). The gate of the HTTP routes through which a person
// changes one room: layer imports (layer_routes), attachments
// (attachment_routes) and breakout groups (breakout_routes). One rule for
// all of them: a join token of the room or a network invitation placed in
// the room as a Join places it (model::role_in_room, on the work pool), and
// the role the room gives it must be one the route allows; or, where the
// route lets it, the admin key. Whether the person was removed from the room
// needs the room's committed state: each route checks it after this.
//
// Uploads are also decided once from their header, before a body of many
// MiB is read: the checks that need no store, and the Content-Length.
#pragma once

#include "net/admin_routes.hpp"
#include "net/room_token.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace maptable::net {

// Which roles a route takes.
enum class roles_allowed {
    anyone,       // every role a join token carries
    contributors, // facilitator, participant: who may change the room's map
    facilitators,
};

// What a route's gate takes, and what it says to those it refuses.
struct room_gate {
    roles_allowed roles = roles_allowed::anyone;
    bool admin_key_allowed = false;
    // The 401's text when no credential came at all (which ones it takes).
    std::string_view missing_token;
    // The 403's text for a role the route refuses, before "; this token's
    // role is ... (ERROR_CODE_PERMISSION_DENIED)".
    std::string_view refused_role;
};

// The 403 for a caller whose role gate refuses, or nullopt (the admin key
// and allowed roles pass).
std::optional<admin_response> refused_for_role(const room_gate& gate, const room_caller& caller, unsigned version);

// The gate, for a request whose body is in: done once, on reply_on (at once
// for a token of the room, the admin key or a refusal; after the store was
// read on the work pool for a network invitation, whose token then names
// this room and the role it has here).
void pass_room_gate(const admin_request& req, session::server_context& context, const std::string& room_id,
                    const room_gate& gate, boost::asio::any_io_executor reply_on,
                    std::function<void(std::variant<room_caller, admin_response>)> done);

// ---------------------------------------------------------------- uploads

// What an upload's body may take: more bytes and more time than the
// connection's usual request (a 20 MB photo from a phone in the field).
struct upload_allowance {
    std::size_t body_limit = 0;
    std::chrono::seconds timeout{0};
};

// What the header of a request says about its body, once it is read:
//   monostate         not an upload: the connection's usual limits apply;
//   upload_allowance  an upload that may go on: read its body with these;
//   admin_response    an upload refused from its header alone (no or a bad
//                     token, another room, a role the route refuses, a
//                     Content-Length over the limit): answer it and close,
//                     without reading a body that would only be thrown away.
// The route checks everything again (and what needs the store or the room's
// state) once the body is in.
using upload_header_verdict = std::variant<std::monostate, upload_allowance, admin_response>;

// The verdict on the header of an upload to room_id: the gate's checks that
// need no store (a network invitation by the role it claims, the most it
// can have in any room), then the announced Content-Length against
// allowance.body_limit (too_large answers it). what names the upload in the
// log ("layer upload").
upload_header_verdict check_upload_header_for(const admin_request& header, const session::server_context& context,
                                              const std::string& room_id, const room_gate& gate,
                                              upload_allowance allowance, std::string_view what,
                                              const std::function<admin_response(unsigned version)>& too_large);

// The request's "Idempotency-Key" (the client's request id: a retried upload
// gets the first answer): "" when absent, or the 400 for one that is not
// 1-128 printable ASCII characters.
std::variant<std::string, admin_response> idempotency_key_of(const admin_request& req);

} // namespace maptable::net
