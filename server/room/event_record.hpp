// Layer: room. The index columns of a stored event.
//
// The log stores each event encoded, plus a few columns it can query without
// decoding: chat messages by kind, and each reaction, edit or deletion by the
// message it changes, so that a page of chat history is folded from a few
// index reads instead of a scan of the room's whole log. The room host fills
// them on every append; tools that write a log directly (bench/seed) must
// fill them the same way, or the server would not find their chat.
#pragma once

#include "maptable/v1/room.pb.h"
#include "store/event_log.hpp"

namespace maptable::room {

namespace pb = maptable::v1;

// Sets record.kind, and record.target_seq for a change to a chat message,
// from the event; leaves every other field of record as it is.
void describe(const pb::Event& event, store::event_record& record);

} // namespace maptable::room
