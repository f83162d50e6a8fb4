// Layer: model (internal to the rules). The attachments features and
// comments name (field.proto Attachment; docs/ATTACHMENTS.md). Defined in
// field_trip.cpp, which owns the room's attachments; used by features.cpp
// and comments.cpp, so that both check and release them the same way.
#pragma once

#include "model/rules/checks.hpp"

#include <google/protobuf/repeated_ptr_field.h>

#include <string>

namespace maptable::model::rules {

// A feature or a comment shows at most this many photos and PDFs: a popup
// or a comment card still fits a phone.
constexpr int max_attachments_per_item = 10;

// ids (of a feature or a comment) are each an attachment of this room that
// is not released (ATTACHMENT_NOT_FOUND), at most max_attachments_per_item
// (INVALID_LIMIT), none twice (INVALID_ID).
problem check_attachment_ids(const room_data& room, const google::protobuf::RepeatedPtrField<std::string>& ids);

// After an event at seq deleted a feature or comment, or replaced a
// feature's list: each of ids that no live feature and no comment that is
// not deleted names any more is released (released_seq = seq), so that it
// answers 410 Gone. Call it once the state no longer has the old names.
void release_unnamed(room_data& room, const google::protobuf::RepeatedPtrField<std::string>& ids, std::uint64_t seq);

} // namespace maptable::model::rules
