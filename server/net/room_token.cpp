#include "net/room_token.hpp"

#include "model/network_state.hpp"
#include "model/plain_id.hpp"
#include "network/network_service.hpp"
#include "session/revocations.hpp"
#include "store/clock.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <boost/beast/http/field.hpp>

#include <chrono>

namespace maptable::net {

namespace http = boost::beast::http;
namespace pb = maptable::v1;

namespace {

} // namespace

bool valid_room_id(std::string_view id)
{
    return model::is_plain_id(id);
}

admin_response unauthorized(unsigned version, std::string_view message)
{
    auto res = json_error(http::status::unauthorized, version, message);
    res.set(http::field::www_authenticate, "Bearer realm=\"maptable\"");
    return res;
}

// The checks that need no store: the admin key, or a token that verifies and
// is not revoked. A token for a room must name this one.
std::variant<room_caller, admin_response> verify_room_caller(const admin_request& req,
                                                             const session::server_context& context,
                                                             const std::string& room_id, bool admin_key_allowed,
                                                             std::string_view missing_token)
{
    const unsigned version = req.version();
    if (admin_key_allowed && has_admin_key(req, context))
        return room_caller{};
    const auto credential = bearer_credential(req);
    if (credential.empty())
        return unauthorized(version, missing_token);
    const auto verified = auth::verify_join_token(credential, context.verifier, clock::now_seconds());
    if (const auto* error = std::get_if<auth::token_error>(&verified))
        return unauthorized(version,
                            "the token was refused: " + error->message + " (" + pb::ErrorCode_Name(error->code) + ")");
    const auto& claims = std::get<auth::join_claims>(verified);
    if (context.revocations && context.revocations->is_revoked(claims.token_id))
        return unauthorized(version, "the token was revoked (ERROR_CODE_TOKEN_REVOKED)");
    if (claims.room != room_id && !(claims.room.empty() && !claims.network.empty()))
        return json_error(http::status::forbidden, version,
                          "the token is for another room (ERROR_CODE_TOKEN_WRONG_ROOM)");
    return room_caller{claims};
}

bool is_network_invitation(const room_caller& caller)
{
    return caller.token && caller.token->room.empty() && !caller.token->network.empty();
}

std::variant<room_caller, admin_response> authenticate_for_room(const admin_request& req,
                                                                const session::server_context& context,
                                                                const std::string& room_id, bool admin_key_allowed,
                                                                std::string_view missing_token)
{
    auto checked = verify_room_caller(req, context, room_id, admin_key_allowed, missing_token);
    if (const auto* caller = std::get_if<room_caller>(&checked); caller && is_network_invitation(*caller))
        return json_error(http::status::forbidden, req.version(),
                          "this route does not take network invitations yet; use a token for this room "
                          "(ERROR_CODE_TOKEN_WRONG_ROOM)");
    return checked;
}

void authenticate_for_room_async(const admin_request& req, session::server_context& context, const std::string& room_id,
                                 bool admin_key_allowed, std::string_view missing_token,
                                 boost::asio::any_io_executor reply_on,
                                 std::function<void(std::variant<room_caller, admin_response>)> done)
{
    auto checked = verify_room_caller(req, context, room_id, admin_key_allowed, missing_token);
    const auto* caller = std::get_if<room_caller>(&checked);
    if (!caller || !is_network_invitation(*caller))
        return done(std::move(checked));
    const unsigned version = req.version();
    if (context.store == nullptr || !context.work)
        return done(json_error(http::status::service_unavailable, version, "this server keeps no networks"));
    auto claims = *caller->token;
    boost::asio::post(
        context.work,
        [&context, claims = std::move(claims), room_id, version, reply_on, done = std::move(done)]() mutable {
        std::variant<room_caller, admin_response> result = room_caller{};
        try {
            auto& service = network::service_for(*context.store);
            const model::network_member who{claims.network, claims.city, claims.role};
            const auto place = service.place_of(room_id);
            auto state = place.network_id == who.network_id ? service.find(who.network_id) : std::nullopt;
            auto role = model::role_in_room(who, place, state ? *state : model::network_state(who.network_id));
            if (const auto* refused = std::get_if<model::rejection>(&role)) {
                result = json_error(http::status::forbidden, version,
                                    refused->message + " (" + pb::ErrorCode_Name(refused->code) + ")");
            } else {
                // From here on the token stands for this room, in the role it has here.
                claims.room = room_id;
                claims.role = std::get<pb::Role>(role);
                result = room_caller{std::move(claims)};
            }
        } catch (const std::exception& e) {
            spdlog::error("room={} network {} could not be read: {}", room_id, claims.network, e.what());
            result = json_error(http::status::service_unavailable, version,
                                "the room's network could not be read; try again");
        }
        boost::asio::post(reply_on,
                          [done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
        });
}

} // namespace maptable::net
