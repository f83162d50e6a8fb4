#include "room/frame.hpp"

#include <algorithm>
#include <cstdint>

namespace maptable::room {
namespace {

// Field 1 of ServerFrame and field 4 (event) of ServerMessage, both
// length-delimited (wire type 2).
constexpr char frame_messages_tag = (1 << 3) | 2;
constexpr char server_message_event_tag = (4 << 3) | 2;
// Field 1 (welcome) of ServerMessage and field 2 (state) of Welcome.
constexpr char server_message_welcome_tag = (1 << 3) | 2;
constexpr char welcome_state_tag = (2 << 3) | 2;

void append_varint(std::string& out, std::uint64_t value)
{
    while (value >= 0x80) {
        out.push_back(static_cast<char>((value & 0x7f) | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<char>(value));
}

std::size_t varint_size(std::uint64_t value)
{
    std::size_t n = 1;
    while (value >= 0x80) {
        value >>= 7;
        ++n;
    }
    return n;
}

} // namespace

shared_piece encode_piece(const pb::ServerMessage& message)
{
    const std::size_t size = message.ByteSizeLong();
    auto piece = std::make_shared<std::string>();
    piece->reserve(1 + varint_size(size) + size);
    piece->push_back(frame_messages_tag);
    append_varint(*piece, size);
    const std::size_t header = piece->size();
    piece->resize(header + size);
    message.SerializeWithCachedSizesToArray(reinterpret_cast<std::uint8_t*>(piece->data() + header));
    return piece;
}

shared_piece encode_event_piece(std::string_view event_bytes)
{
    const std::size_t inner = 1 + varint_size(event_bytes.size()) + event_bytes.size();
    auto piece = std::make_shared<std::string>();
    piece->reserve(1 + varint_size(inner) + inner);
    piece->push_back(frame_messages_tag);
    append_varint(*piece, inner);
    piece->push_back(server_message_event_tag);
    append_varint(*piece, event_bytes.size());
    piece->append(event_bytes);
    return piece;
}

welcome_pieces encode_welcome_pieces(const pb::Welcome& welcome_without_state, shared_piece state)
{
    // Protobuf accepts a message's fields in any order, so the state may
    // follow the other fields: parsed, head + state is the Welcome with its state.
    const std::string fields = welcome_without_state.SerializeAsString();
    const std::size_t welcome_size = fields.size() + 1 + varint_size(state->size()) + state->size();
    const std::size_t message_size = 1 + varint_size(welcome_size) + welcome_size;
    auto head = std::make_shared<std::string>();
    head->reserve(1 + varint_size(message_size) + message_size - state->size());
    head->push_back(frame_messages_tag);
    append_varint(*head, message_size);
    head->push_back(server_message_welcome_tag);
    append_varint(*head, welcome_size);
    head->append(fields);
    head->push_back(welcome_state_tag);
    append_varint(*head, state->size());
    return {std::move(head), std::move(state)};
}

std::size_t pieces_for_one_write(const std::vector<shared_piece>& pieces, std::size_t head, std::size_t max)
{
    std::size_t take = std::min(pieces.size() - head, max);
    while (head + take < pieces.size() && continues(*pieces[head + take - 1]))
        ++take;
    return take;
}

bool continues(const std::string& piece)
{
    if (piece.empty() || piece[0] != frame_messages_tag)
        return false;
    // The message's length, a varint after the tag.
    std::uint64_t length = 0;
    std::size_t at = 1;
    for (int shift = 0; at < piece.size() && shift < 64; shift += 7) {
        const auto byte = static_cast<unsigned char>(piece[at++]);
        length |= std::uint64_t(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0)
            return length > piece.size() - at;
    }
    return false; // not a whole varint: not a head this code made
}

shared_piece error_piece(std::uint64_t request_id, pb::ErrorCode code, std::string message)
{
    pb::ServerMessage out;
    auto* error = out.mutable_error();
    error->set_request_id(request_id);
    error->set_code(code);
    error->set_message(std::move(message));
    return encode_piece(out);
}

shared_piece ack_piece(std::uint64_t request_id, std::uint64_t seq)
{
    pb::ServerMessage out;
    out.mutable_ack()->set_request_id(request_id);
    out.mutable_ack()->set_seq(seq);
    return encode_piece(out);
}

} // namespace maptable::room
