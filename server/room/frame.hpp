// Layer: room. Encoding server messages once, for many recipients.
//
// Every WebSocket message the server sends is a maptable.v1.ServerFrame whose
// only field is `repeated ServerMessage messages = 1`. On the wire a repeated
// message field is just a run of (tag, length, bytes) pieces, so a frame is
// the concatenation of pieces. A piece is encoded once, held in an immutable
// shared buffer, and gathered into the write of every recipient's connection
// without being copied or re-encoded.
#pragma once

#include "maptable/v1/envelope.pb.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace maptable::room {

namespace pb = maptable::v1;

using shared_piece = std::shared_ptr<const std::string>;

// One ServerMessage, encoded as a ServerFrame piece.
shared_piece encode_piece(const pb::ServerMessage& message);

// The piece for ServerMessage{event} built from the already encoded Event
// bytes (the same bytes the log stores): no second serialization.
shared_piece encode_event_piece(std::string_view event_bytes);

// ServerMessage{welcome} as two pieces, to be written one after the other in
// one message: the head (the frame's and the Welcome's tags and lengths, the
// Welcome's own fields, the state's tag and length), then state, an encoded
// RoomState made once per seq and shared by every join at that seq. A large
// room's state is then neither serialized nor copied per joining client (a
// join storm of 200 into a 2.5 MB state copied 500 MB into fresh memory).
struct welcome_pieces {
    shared_piece head;
    shared_piece state;
};
welcome_pieces encode_welcome_pieces(const pb::Welcome& welcome_without_state, shared_piece state);

// Whether piece starts a ServerMessage that it does not hold whole (a
// Welcome's head): the piece after it ends that message, and a write must
// not end between the two.
bool continues(const std::string& piece);

// How many of pieces[head...] one write (one WebSocket message) takes: at
// most max, and more when the last one taken continues into the next.
std::size_t pieces_for_one_write(const std::vector<shared_piece>& pieces, std::size_t head, std::size_t max);

// Convenience pieces for one recipient.
shared_piece error_piece(std::uint64_t request_id, pb::ErrorCode code, std::string message);
shared_piece ack_piece(std::uint64_t request_id, std::uint64_t seq);

} // namespace maptable::room
