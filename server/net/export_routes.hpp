// Layer: net (handlers). Exports and replay over HTTP (docs/API.md):
//
//   GET /v1/rooms/{id}/export/geojson | chat.json | chat.csv | comments.json
//       | comments.csv | report.md      [?seq=N | ?time=<unix ms>][&include_deleted=1][&session=<id>]
//   GET /v1/rooms/{id}/state           [?seq=N | ?time=<unix ms>]
//
// Allowed with the admin key, or with the join token of a facilitator of
// that room, under the rules of a Join: signature, expiry, room, revocation,
// and the participant not removed from the room. The exports themselves are
// pure functions (server/export/); this file reads the log in pages and has
// them folded and written on the work pool, never on an event loop.
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

// ---------------------------------------------------------------- reading a room's log (also for admin_room_routes)

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

// The room's log folded up to at (every event from seq 1), for exports: read
// in pages (one short store read each), folded on fold_on, and done runs
// there too. Pass the work pool (server_context::work): a long history is
// seconds of CPU, which no event loop may spend. Never creates the room.
void read_room_record(session::server_context& context, const std::string& room_id, history_point at,
                      boost::asio::any_io_executor fold_on,
                      std::function<void(std::variant<exports::room_record, read_failure>)> done);

// The room's newest committed state: its snapshot and the events after it,
// read in pages and folded on the work pool; done runs on done_on. Sees
// every commit that completed before the call. Never creates the room (a
// room without history is the empty room at seq 0).
void read_latest_state(session::server_context& context, const std::string& room_id,
                       boost::asio::any_io_executor done_on,
                       std::function<void(std::variant<model::room_state, read_failure>)> done);

} // namespace maptable::net
