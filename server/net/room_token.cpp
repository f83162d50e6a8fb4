#include "net/room_token.hpp"

#include "session/revocations.hpp"

#include <boost/beast/http/field.hpp>

#include <chrono>

namespace maptable::net {

namespace http = boost::beast::http;
namespace pb = maptable::v1;

namespace {

std::int64_t unix_seconds()
{
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace

admin_response unauthorized(unsigned version, std::string_view message)
{
    auto res = json_error(http::status::unauthorized, version, message);
    res.set(http::field::www_authenticate, "Bearer realm=\"maptable\"");
    return res;
}

std::variant<room_caller, admin_response> authenticate_for_room(const admin_request& req,
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
    const auto verified = auth::verify_join_token(credential, context.verifier, unix_seconds());
    if (const auto* error = std::get_if<auth::token_error>(&verified))
        return unauthorized(version,
                            "the token was refused: " + error->message + " (" + pb::ErrorCode_Name(error->code) + ")");
    const auto& claims = std::get<auth::join_claims>(verified);
    if (context.revocations && context.revocations->is_revoked(claims.token_id))
        return unauthorized(version, "the token was revoked (ERROR_CODE_TOKEN_REVOKED)");
    if (claims.room != room_id)
        return json_error(http::status::forbidden, version,
                          "the token is for another room (ERROR_CODE_TOKEN_WRONG_ROOM)");
    return room_caller{claims};
}

} // namespace maptable::net
