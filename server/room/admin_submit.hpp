// Layer: room. Commands sent to a room by the server itself on behalf of the
// admin HTTP API (room info, archive): the same path as a participant's
// command (validate, persist, publish), as the admin role, with the Ack's seq
// or the Error handed back through a callback instead of a socket.
#pragma once

#include "model/room_state.hpp"
#include "room/room_registry.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace maptable::room {

// Who the admin API is in a room's log: events it causes name this actor.
model::actor admin_actor();

// How a command sent as the admin ended.
struct admin_outcome {
    bool ok = false;
    std::uint64_t seq = 0;                           // the event's seq when ok
    pb::ErrorCode code = pb::ERROR_CODE_UNSPECIFIED; // when refused
    std::string message;                             // for people, when refused
    // When another node owns the room (several nodes on one PostgreSQL
    // store): that node's HTTP base URL ("http://10.0.0.2:8080"), where the
    // request must go instead; the code is then ROOM_UNAVAILABLE. Empty
    // otherwise.
    std::string moved_to;
};

// The HTTP base URL of the node whose WebSocket address (lease_owner::url) is
// ws_url: "wss://node1.example.org/v1/ws" -> "https://node1.example.org".
std::string http_base_of(const std::string& ws_url);

using admin_done = std::function<void(admin_outcome)>;

// Submits command (its request_id is replaced) to room_id as the admin and
// calls done exactly once, from any thread, with the Ack or the Error. A room
// still loading, or unloaded meanwhile, is opened and asked again for a few
// seconds (timers on retry_on) before ROOM_UNAVAILABLE is handed back; a room
// the registry cannot open (too many loaded, shutting down) gives
// SERVER_BUSY at once. A room another node owns is not loaded here: done gets
// ROOM_UNAVAILABLE with moved_to set to the owner's HTTP address.
//
// The command carries no client id: the admin API does not resend commands,
// so nothing needs deduplicating across restarts.
void submit_as_admin(room_registry& rooms, boost::asio::any_io_executor retry_on, const std::string& room_id,
                     pb::ClientMessage command, admin_done done);

// The same, for what the server does on a person's behalf through an HTTP
// route of theirs (a layer they imported, breakout groups they opened): the
// command is validated as the admin's (commands only the server may send),
// and the event names the person (their id and name) as its actor.
void submit_on_behalf(room_registry& rooms, boost::asio::any_io_executor retry_on, const std::string& room_id,
                      pb::ClientMessage command, model::actor person, admin_done done);

} // namespace maptable::room
