// Layer: session. What a participant needs of its network connection.
// net/websocket_connection implements it; the participant never sees Beast.
#pragma once

#include "room/frame.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace maptable::session {

namespace pb = maptable::v1;

// WebSocket close codes the server uses (RFC 6455, section 7.4.1).
enum class close_code : std::uint16_t {
    going_away = 1001,       // the server is shutting down: resume later
    unsupported_data = 1003, // a text frame: only binary Protobuf is spoken
    policy = 1008,           // the join was refused (token, version, room id)
    too_big = 1009,          // a frame over the size limit
    internal = 1011,         // the room failed
    try_again_later = 1013,  // the client read too slowly: resume when you can
    // Application range (4000-4999). The room is served by another node: the
    // client reconnects at once, without backoff (to the Redirect's url when
    // one came first, else where it connected) and resumes.
    room_moved = 4001,
};

class connection {
public:
    virtual ~connection() = default;
    // Queues a piece to send. Thread-safe.
    virtual void send(room::shared_piece piece) = 0;
    // Queues pieces, in order, with one hand-over. Thread-safe.
    virtual void send_all(std::vector<room::shared_piece> pieces) = 0;
    // Queues pieces, in order. Only on the connection's own executor, when
    // that is a one-thread io_context (the per-core thread model).
    virtual void send_here(const std::vector<room::shared_piece>& pieces) = 0;
    // Queues a join's catch-up (the Welcome and the events a resume missed),
    // in order, as one hand-over: sent in full, paced by the socket, not
    // counted against the live queue's byte limit (room::subscriber::
    // deliver_catch_up says why). Thread-safe.
    virtual void send_catch_up(std::vector<room::shared_piece> pieces) { send_all(std::move(pieces)); }
    // Sends what is queued, then closes with code and reason. Thread-safe.
    virtual void close(close_code code, std::string reason) = 0;
};

} // namespace maptable::session
