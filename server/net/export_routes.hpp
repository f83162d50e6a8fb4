// Layer: net (handlers). Exports and replay over HTTP (docs/API.md):
//
//   GET /v1/rooms/{id}/export/geojson | chat.json | chat.csv | comments.json
//       | comments.csv | report.md      [?seq=N | ?time=<unix ms>][&include_deleted=1][&session=<id>]
//   GET /v1/rooms/{id}/state           [?seq=N | ?time=<unix ms>]
//
// Allowed with the admin key, or with the join token of a facilitator of
// that room (verified like a join: signature, expiry, room, revocation). The
// exports themselves are pure functions (server/export/); this file reads the
// log and writes the answer.
#pragma once

#include "export/table_export.hpp"
#include "net/admin_routes.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>

namespace maptable::net {

// Whether path is under /v1/rooms/.
bool is_room_path(std::string_view path);

// Answers one request under /v1/rooms/. done once, on reply_on.
void handle_room_request(const admin_request& req, session::server_context& context,
                         boost::asio::any_io_executor reply_on, std::uint64_t connection_id,
                         std::function<void(admin_response)> done);

// ---------------------------------------------------------------- reading a room's log (also for room_routes)

// Why a room could not be read: an HTTP status and a text for people.
struct read_failure {
    unsigned status = 500;
    std::string message;
};

// The point of the history to show: the newest, a seq, or a server time.
struct history_point {
    std::optional<std::uint64_t> seq;
    std::optional<std::int64_t> time_ms;
};

// The room's log folded up to at (every event from seq 1), for exports.
// done runs on reply_on.
void read_room_record(session::server_context& context, const std::string& room_id, history_point at,
                      boost::asio::any_io_executor reply_on,
                      std::function<void(std::variant<exports::room_record, read_failure>)> done);

// The room's newest state (its snapshot and the events after it: cheap).
// done runs on reply_on.
void read_latest_state(session::server_context& context, const std::string& room_id,
                       boost::asio::any_io_executor reply_on,
                       std::function<void(std::variant<model::room_state, read_failure>)> done);

} // namespace maptable::net
