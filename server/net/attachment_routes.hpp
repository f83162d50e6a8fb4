// Layer: net (handlers). Attachments over HTTP (docs/ATTACHMENTS.md):
//
//   POST /v1/rooms/{room}/attachments                 the body is the file  -> 201 {id, type, size, ...}
//   GET  /v1/rooms/{room}/attachments/{id}            the stored bytes
//   GET  /v1/rooms/{room}/attachments/{id}/thumbnail  a WebP, photos only
//
// Allowed with the join token of the room or a network invitation, under
// the rules of a Join (net/upload_gate.hpp): signature, expiry, not revoked,
// this room (or a room of the invitation's network, in the role the network
// gives there), the participant not removed. Observers may look but not
// upload. GET also takes the admin key. An
// "Idempotency-Key" header (the client's request id) makes a retried upload
// get the first answer: an offline queue uploads each photo exactly once.
//
// The checking, decoding and storing run on the work pool
// (server_context::work): libvips, files and SQLite never touch an event loop.
#pragma once

#include "media/attachment_store.hpp"
#include "media/media_limits.hpp"
#include "net/admin_routes.hpp"
#include "net/upload_gate.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>

namespace maptable::net {

// What the attachment routes need beyond the server_context: the store and
// the limits. Made by app/server; shared by every connection.
struct attachment_config {
    std::shared_ptr<media::attachment_store> store;
    media::media_limits limits;
    // Uploads being checked or stored now, against limits.max_concurrent_uploads.
    std::atomic<std::size_t> uploads_in_flight{0};
};

// Turns the attachment routes on for the server whose context this is
// (before it listens); without it they answer 404. A null config turns them
// off again (after the server stopped, before context is destroyed). Kept
// beside the context rather than in it while server_context has no field
// for it.
void enable_attachments(const session::server_context& context, std::shared_ptr<attachment_config> config);
// The routes' configuration for context, or null when they are off.
std::shared_ptr<attachment_config> attachments_of(const session::server_context& context);

// Whether path (without the query) is /v1/rooms/{room}/attachments or below it.
bool is_attachment_path(std::string_view path);

// The verdict on an upload's header (net/upload_gate.hpp); a request that
// is not an attachment upload gets monostate.
upload_header_verdict check_upload_header(const session::server_context& context, const admin_request& header);

// The 413 for an upload whose body went over attachment_body_limit.
admin_response attachment_too_large(const session::server_context& context, unsigned version);

// Answers one request under an attachment path; done once, on reply_on. The
// request is taken whole: an upload's body moves to the work pool, uncopied.
void handle_attachment_request(admin_request req, session::server_context& context,
                               boost::asio::any_io_executor reply_on, std::uint64_t connection_id,
                               std::function<void(admin_response)> done);

} // namespace maptable::net
