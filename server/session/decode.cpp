#include "session/decode.hpp"

#include "model/text.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

namespace maptable::session {
namespace {

namespace gp = google::protobuf;
using wire = gp::internal::WireFormatLite;

constexpr int max_depth = 16; // our messages nest 4 deep; deeper is an attack or garbage

// Walks one message's fields. Returns false when the walk stopped (a
// diagnosis was made or the bytes are not a message).
bool walk(gp::io::CodedInputStream& in, const gp::Descriptor* type, decode_failure& failure, bool top, int depth)
{
    if (depth > max_depth)
        return false;
    while (const std::uint32_t tag = in.ReadTag()) {
        const int number = wire::GetTagFieldNumber(tag);
        const auto wire_type = wire::GetTagWireType(tag);
        const gp::FieldDescriptor* field = type ? type->FindFieldByNumber(number) : nullptr;

        if (top && number == 1 && wire_type == wire::WIRETYPE_VARINT) {
            std::uint64_t id = 0;
            if (!in.ReadVarint64(&id))
                return false;
            failure.request_id = id;
            continue;
        }
        if (field && wire_type == wire::WIRETYPE_LENGTH_DELIMITED &&
            field->type() == gp::FieldDescriptor::TYPE_STRING) {
            std::uint32_t length = 0;
            std::string value;
            if (!in.ReadVarint32(&length) || !in.ReadString(&value, static_cast<int>(length)))
                return false;
            if (!model::is_valid_utf8(value)) {
                failure.code = maptable::v1::ERROR_CODE_INVALID_UTF8;
                failure.message = "field " + field->full_name() + " is not valid UTF-8";
                return false;
            }
            continue;
        }
        if (field && wire_type == wire::WIRETYPE_LENGTH_DELIMITED &&
            field->type() == gp::FieldDescriptor::TYPE_MESSAGE) {
            std::uint32_t length = 0;
            if (!in.ReadVarint32(&length))
                return false;
            const auto limit = in.PushLimit(static_cast<int>(length));
            if (!walk(in, field->message_type(), failure, false, depth + 1))
                return false;
            if (in.BytesUntilLimit() != 0)
                return false;
            in.PopLimit(limit);
            continue;
        }
        if (!wire::SkipField(&in, tag))
            return false;
    }
    return in.ConsumedEntireMessage() || in.BytesUntilLimit() == 0;
}

} // namespace

std::variant<maptable::v1::ClientMessage, decode_failure> decode_client_message(std::string_view bytes)
{
    maptable::v1::ClientMessage message;
    if (message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        return message;

    decode_failure failure;
    failure.message = "the message is not a maptable.v1.ClientMessage";
    gp::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(bytes.data()), static_cast<int>(bytes.size()));
    walk(in, maptable::v1::ClientMessage::descriptor(), failure, true, 0);
    return failure;
}

} // namespace maptable::session
