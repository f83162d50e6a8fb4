// Layer: room. What a room needs of a connected participant: somewhere to put
// encoded pieces, and a way to end the connection. The session layer
// implements it; the room never sees a socket.
#pragma once

#include "room/frame.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <string>
#include <utility>
#include <vector>

namespace maptable::room {

class subscriber {
public:
    virtual ~subscriber() = default;

    // Queues a piece for this participant. Thread-safe and non-blocking: it
    // is called from the room's strand and must only hand the piece over.
    virtual void deliver(shared_piece piece) = 0;

    // Queues several pieces, in order, as one hand-over. Thread-safe.
    virtual void deliver_all(std::vector<shared_piece> pieces)
    {
        for (auto& piece : pieces)
            deliver(std::move(piece));
    }

    // Queues what a join sends before anything live: the Welcome and, on a
    // resume, every event the client missed, in order, as one hand-over.
    // These pieces are shared (the room holds the same bytes for every
    // joiner), however large they are: a connection must send them all,
    // paced by its socket, and must not count them against the byte limit
    // meant for a live reader that stopped reading (a large catch-up would
    // otherwise close the connection, and the client would resume into the
    // same close forever). Thread-safe.
    virtual void deliver_catch_up(std::vector<shared_piece> pieces) { deliver_all(std::move(pieces)); }

    // The lane of a subscriber whose handlers all run on one thread that
    // runs them one at a time (a one-thread io_context: the per-core thread
    // model, app/io_pool): its executor. A room then posts ONE batch to that
    // executor for all of its members there, and the batch calls
    // deliver_on_lane on that thread. nullptr (the default): no lane; the
    // room calls deliver or deliver_all.
    virtual const boost::asio::any_io_executor* lane() const { return nullptr; }

    // Queues pieces, in order. Called only on the lane's thread.
    virtual void deliver_on_lane(const std::vector<shared_piece>& pieces) { deliver_all(pieces); }

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
