// Layer: net (handlers). The admin HTTP API under /v1/admin/: revocation of
// join token ids here; rooms and invitations in admin_room_routes (docs/API.md).
// Kept out of http_connection, which only routes a request here and writes the
// answer.
//
// Every request needs "Authorization: Bearer <admin key>" (--admin-key). With
// no admin key configured the whole API answers 404, as if it did not exist.
// Answers are JSON ({"error": "..."} for refusals) or 204 without a body.
#pragma once

#include "session/server_context.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <string_view>

namespace maptable::net {

using admin_request = boost::beast::http::request<boost::beast::http::string_body>;
using admin_response = boost::beast::http::response<boost::beast::http::string_body>;

// An admin body is a small JSON object; anything larger is refused with 400
// before parsing (the connection's own body limit is larger).
inline constexpr std::size_t max_admin_body = 4 * 1024;

// A token id is an opaque short string: 128 bytes fit any random id or UUID
// with a prefix, and bound what one revocation costs in memory and on disk.
inline constexpr std::size_t max_token_id_bytes = 128;

// A JSON answer (Cache-Control: no-store), and {"error": message}.
admin_response json_reply(boost::beast::http::status status, unsigned version, std::string body);
admin_response json_error(boost::beast::http::status status, unsigned version, std::string_view message);

// Whether the request carries "Authorization: Bearer <the admin key>"
// (constant time; false when no key is configured).
bool has_admin_key(const admin_request& req, const session::server_context& context);

// The credential of "Authorization: Bearer <credential>", or "" when there is none.
std::string bearer_credential(const admin_request& req);

// Whether path (without the query) belongs to the admin API.
bool is_admin_path(std::string_view path);

// Answers one admin request. done is called exactly once, on reply_on (the
// connection's strand), possibly after the store confirmed a write; it is
// never called if the server stops first. connection_id is for the log.
void handle_admin_request(const admin_request& req, session::server_context& context,
                          boost::asio::any_io_executor reply_on, std::uint64_t connection_id,
                          std::function<void(admin_response)> done);

// The answer to an admin request whose body was over the connection's body
// limit (so it never reached handle_admin_request): 400 with a JSON error,
// or 404 when the admin API is disabled.
admin_response admin_body_too_large(const session::server_context& context, unsigned version);

} // namespace maptable::net
