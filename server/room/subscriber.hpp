// Layer: room. What a room needs of a connected participant: somewhere to put
// encoded pieces, and a way to end the connection. The session layer
// implements it; the room never sees a socket.
#pragma once

#include "room/frame.hpp"

#include <string>
#include <utility>

namespace maptable::room {

class subscriber {
public:
    virtual ~subscriber() = default;

    // Queues a piece for this participant. Thread-safe and non-blocking: it
    // is called from the room's strand and must only hand the piece over.
    virtual void deliver(shared_piece piece) = 0;

    // Ends the connection with a reason a person can read (room failed,
    // server shutting down). Thread-safe.
    virtual void disconnect(std::string reason) = 0;

    // The room refuses this participant from now on (code
    // PARTICIPANT_REMOVED): tell them why (Error{code, message}), make sure
    // the credential they joined with cannot come back, and end the
    // connection. The room has already dropped the subscriber from its
    // members when it calls this. Thread-safe and non-blocking.
    // The default, for subscribers that are not a person's connection (the
    // admin API's, the server's own), just disconnects.
    virtual void kick(pb::ErrorCode code, std::string message)
    {
        (void)code;
        disconnect(std::move(message));
    }
};

} // namespace maptable::room
