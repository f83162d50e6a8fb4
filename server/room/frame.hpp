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

namespace maptable::room {

namespace pb = maptable::v1;

using shared_piece = std::shared_ptr<const std::string>;

// One ServerMessage, encoded as a ServerFrame piece.
shared_piece encode_piece(const pb::ServerMessage& message);

// The piece for ServerMessage{event} built from the already encoded Event
// bytes (the same bytes the log stores): no second serialization.
shared_piece encode_event_piece(std::string_view event_bytes);

// Convenience pieces for one recipient.
shared_piece error_piece(std::uint64_t request_id, pb::ErrorCode code, std::string message);
shared_piece ack_piece(std::uint64_t request_id, std::uint64_t seq);

} // namespace maptable::room
