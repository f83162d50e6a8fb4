// Layer: net (handlers). The gate of the HTTP routes about one room that a
// join token opens (exports and replay here; the routes that change a room
// go through net/upload_gate, which uses the network-aware gate below): the
// checks of a Join
// that need no room state. The token verifies (signature, expiry, issuer,
// audience), is not revoked, and is for this room; or, where the route lets
// it, the admin key stands in for a token. What the token's role may do,
// and whether its participant was removed (that needs the room's committed
// state), each route checks after this.
#pragma once

#include "auth/join_token.hpp"
#include "net/admin_routes.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace maptable::net {

// The room ids a Join accepts, and so every HTTP route: 1-64 of A-Z a-z 0-9
// . _ - (they end up in logs, URLs and file names). Kept equal to the
// session layer's check, so a room joined as "a.b" is reachable here.
bool valid_room_id(std::string_view id);
inline constexpr std::string_view room_id_rule = "room ids are 1-64 of A-Z a-z 0-9 . _ -";

// Who asks: the holder of a verified join token, or the admin (nullopt).
struct room_caller {
    std::optional<auth::join_claims> token;
};

// 401 with the Bearer challenge.
admin_response unauthorized(unsigned version, std::string_view message);

// missing_token: the text of the 401 when no credential came at all (it
// says which credentials this route takes).
//
// A network invitation (a "net" claim and no room) cannot be decided here:
// its role in the room depends on the room's RoomInfo and the network's
// state, read from the store. This answers 403 for one; routes that take
// network invitations call authenticate_for_room_async instead.
std::variant<room_caller, admin_response> authenticate_for_room(const admin_request& req,
                                                                const session::server_context& context,
                                                                const std::string& room_id, bool admin_key_allowed,
                                                                std::string_view missing_token);

// The checks that need no store, with a network invitation let through as
// it is: its claims name no room yet and the role it claims, which is the
// most role_in_room gives it in any room (an observer stays one, a
// participant may become one). For a decision that cannot wait for the
// store (an upload's header); authenticate_for_room_async decides after.
std::variant<room_caller, admin_response> verify_room_caller(const admin_request& req,
                                                             const session::server_context& context,
                                                             const std::string& room_id, bool admin_key_allowed,
                                                             std::string_view missing_token);

// Whether the caller holds a network invitation not yet placed in a room.
bool is_network_invitation(const room_caller& caller);

// The same checks, and for a network invitation the rule of a Join
// (model::role_in_room: TOKEN_WRONG_NETWORK when the room is in another
// network or in none, CITY_NOT_FOUND for a city that left): the caller's
// token then names this room and the role it has here. The store is read on
// the work pool; done runs once, on reply_on.
void authenticate_for_room_async(const admin_request& req, session::server_context& context, const std::string& room_id,
                                 bool admin_key_allowed, std::string_view missing_token,
                                 boost::asio::any_io_executor reply_on,
                                 std::function<void(std::variant<room_caller, admin_response>)> done);

} // namespace maptable::net
