#include "room/event_record.hpp"

namespace maptable::room {

void describe(const pb::Event& event, store::event_record& record)
{
    switch (event.body_case()) {
    case pb::Event::kChatPosted: record.kind = store::event_kind::chat; break;
    case pb::Event::kChatReacted:
        record.kind = store::event_kind::chat_change;
        record.target_seq = event.chat_reacted().message_seq();
        break;
    case pb::Event::kChatEdited:
        record.kind = store::event_kind::chat_change;
        record.target_seq = event.chat_edited().message_seq();
        break;
    case pb::Event::kChatDeleted:
        record.kind = store::event_kind::chat_change;
        record.target_seq = event.chat_deleted().message_seq();
        break;
    default: record.kind = store::event_kind::other; break;
    }
}

} // namespace maptable::room
