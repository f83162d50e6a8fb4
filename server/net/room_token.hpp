// Layer: net (handlers). The gate of the HTTP routes about one room that a
// join token opens (exports, replay, attachments): the checks of a Join
// that need no room state. The token verifies (signature, expiry, issuer,
// audience), is not revoked, and is for this room; or, where the route lets
// it, the admin key stands in for a token. What the token's role may do,
// and whether its participant was removed (that needs the room's committed
// state), each route checks after this.
#pragma once

#include "auth/join_token.hpp"
#include "net/admin_routes.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace maptable::net {

// Who asks: the holder of a verified join token, or the admin (nullopt).
struct room_caller {
    std::optional<auth::join_claims> token;
};

// 401 with the Bearer challenge.
admin_response unauthorized(unsigned version, std::string_view message);

// missing_token: the text of the 401 when no credential came at all (it
// says which credentials this route takes).
std::variant<room_caller, admin_response> authenticate_for_room(const admin_request& req,
                                                                const session::server_context& context,
                                                                const std::string& room_id, bool admin_key_allowed,
                                                                std::string_view missing_token);

} // namespace maptable::net
