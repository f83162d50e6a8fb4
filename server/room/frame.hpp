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

// The piece for ServerMessage{welcome}: the Welcome's own fields (without a
// state) encoded here, followed by state_bytes, an encoded RoomState made once
// per seq and shared by every join at that seq. A large room's state is then
// serialized once, not once per joining client.
shared_piece encode_welcome_piece(const pb::Welcome& welcome_without_state, std::string_view state_bytes);

// Convenience pieces for one recipient.
shared_piece error_piece(std::uint64_t request_id, pb::ErrorCode code, std::string message);
shared_piece ack_piece(std::uint64_t request_id, std::uint64_t seq);

} // namespace maptable::room
