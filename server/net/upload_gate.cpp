#include "net/upload_gate.hpp"

#include "auth/join_token.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <memory>

namespace maptable::net {

namespace http = boost::beast::http;
namespace pb = maptable::v1;

namespace {

// An idempotency key is the client's request id: a UUID or similar fits with room to spare.
constexpr std::size_t max_idempotency_key = 128;

bool role_allowed(roles_allowed roles, pb::Role role)
{
    switch (roles) {
    case roles_allowed::anyone: return true;
    case roles_allowed::contributors: return role == pb::ROLE_FACILITATOR || role == pb::ROLE_PARTICIPANT;
    case roles_allowed::facilitators: return role == pb::ROLE_FACILITATOR;
    }
    return false;
}

bool printable_ascii(std::string_view text)
{
    for (char c : text)
        if (c < 0x21 || c > 0x7E)
            return false;
    return true;
}

} // namespace

std::optional<admin_response> refused_for_role(const room_gate& gate, const room_caller& caller, unsigned version)
{
    if (!caller.token || role_allowed(gate.roles, caller.token->role))
        return std::nullopt;
    return json_error(http::status::forbidden, version,
                      std::string(gate.refused_role) + "; this token's role is " +
                          std::string(auth::role_name(caller.token->role)) + " (ERROR_CODE_PERMISSION_DENIED)");
}

void pass_room_gate(const admin_request& req, session::server_context& context, const std::string& room_id,
                    const room_gate& gate, boost::asio::any_io_executor reply_on,
                    std::function<void(std::variant<room_caller, admin_response>)> done)
{
    authenticate_for_room_async(
        req, context, room_id, gate.admin_key_allowed, gate.missing_token, std::move(reply_on),
        [gate, version = req.version(), done = std::move(done)](std::variant<room_caller, admin_response> checked) {
        if (const auto* caller = std::get_if<room_caller>(&checked))
            if (auto refused = refused_for_role(gate, *caller, version))
                return done(std::move(*refused));
        done(std::move(checked));
        });
}

upload_header_verdict check_upload_header_for(const admin_request& header, const session::server_context& context,
                                              const std::string& room_id, const room_gate& gate,
                                              upload_allowance allowance, std::string_view what,
                                              const std::function<admin_response(unsigned version)>& too_large)
{
    auto checked = verify_room_caller(header, context, room_id, gate.admin_key_allowed, gate.missing_token);
    if (const auto* caller = std::get_if<room_caller>(&checked))
        if (auto refused = refused_for_role(gate, *caller, header.version()))
            checked = std::move(*refused);
    if (auto* refused = std::get_if<admin_response>(&checked)) {
        spdlog::info("{} to room {} refused from its header ({}): {}", what, room_id, refused->result_int(),
                     refused->body().substr(0, refused->body().find('\n')));
        return std::move(*refused);
    }
    if (const auto length = header.find(http::field::content_length); length != header.end()) {
        std::uint64_t bytes = 0;
        const auto value = std::string_view(length->value());
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), bytes);
        if (ec == std::errc{} && end == value.data() + value.size() && bytes > allowance.body_limit) {
            spdlog::info("{} to room {} refused from its header (413): {} bytes announced", what, room_id, bytes);
            return too_large(header.version());
        }
    }
    return allowance;
}

std::variant<std::string, admin_response> idempotency_key_of(const admin_request& req)
{
    const auto it = req.find("Idempotency-Key");
    if (it == req.end())
        return std::string{};
    auto key = std::string(it->value());
    if (key.empty() || key.size() > max_idempotency_key || !printable_ascii(key))
        return json_error(http::status::bad_request, req.version(),
                          "Idempotency-Key must be 1-128 printable ASCII characters (the client's request id)");
    return key;
}

} // namespace maptable::net
