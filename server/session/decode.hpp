// Layer: session. Turning the bytes of one WebSocket message into a
// ClientMessage, or into an error a client can act on.
//
// Protobuf refuses a whole message when a string field holds invalid UTF-8
// (proto3 rule), and then the request id is lost with it. So when parsing
// fails, the bytes are walked once more by field number: the request id is
// recovered where it can be read, and a string field with invalid UTF-8 is
// reported as INVALID_UTF8 naming the field, anything else as MALFORMED_MESSAGE.
#pragma once

#include "maptable/v1/envelope.pb.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace maptable::session {

struct decode_failure {
    std::uint64_t request_id = 0; // 0 when it could not be read
    maptable::v1::ErrorCode code = maptable::v1::ERROR_CODE_MALFORMED_MESSAGE;
    std::string message;
};

std::variant<maptable::v1::ClientMessage, decode_failure> decode_client_message(std::string_view bytes);

} // namespace maptable::session
