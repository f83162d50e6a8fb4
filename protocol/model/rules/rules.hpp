// Layer: model (internal). The rules of a room, one file per area. Each area
// has one validate function, which checks a command of its own against the
// state and fills in the event's body (the event already carries its seq,
// time, actor and session), and one apply function, which folds an event of
// its own into the state. room_state.cpp routes commands and events to them;
// permissions.cpp decides who may send what before any of them runs.
#pragma once

#include "model/room_state.hpp"
#include "model/rules/checks.hpp"

namespace maptable::model::rules {

// Role, lock settings, mute and archive: the permission matrix
// (docs/PERMISSIONS.md). Authorship ("only the author or a facilitator") is
// checked by the area, which knows the content.
problem check_permission(const room_data& room, const pb::ClientMessage& command, const actor& who);

// features.cpp: add, update, delete.
problem validate_feature_command(const room_data& room, const pb::ClientMessage& command, const actor& who,
                                 pb::Event& event);
void apply_feature_event(room_data& room, const pb::Event& event);

// chat.cpp: send, react, edit, delete.
problem validate_chat_command(const room_data& room, const pb::ClientMessage& command, const actor& who,
                              pb::Event& event);
void apply_chat_event(room_data& room, const pb::Event& event);

// moderation.cpp: room info, settings, mute, remove.
problem validate_moderation_command(const room_data& room, const pb::ClientMessage& command, const actor& who,
                                    pb::Event& event);
void apply_moderation_event(room_data& room, const pb::Event& event);

// comments.cpp: threads and comments.
problem validate_comment_command(const room_data& room, const pb::ClientMessage& command, const actor& who,
                                 pb::Event& event);
void apply_comment_event(room_data& room, const pb::Event& event);
// Called by apply_feature_event before a feature is erased: its threads keep
// its last location.
void detach_threads(room_data& room, const pb::Feature& feature);

// workshop.cpp: agenda, timer, share view, follow, spotlight, raised hands.
problem validate_workshop_command(const room_data& room, const pb::ClientMessage& command, const actor& who,
                                  pb::Event& event);
void apply_workshop_event(room_data& room, const pb::Event& event);

// voting.cpp: dot voting rounds.
problem validate_vote_command(const room_data& room, const pb::ClientMessage& command, const actor& who,
                              pb::Event& event);
void apply_vote_event(room_data& room, const pb::Event& event);

// sessions.cpp: dated sessions (meetings) inside the room.
problem validate_session_command(const room_data& room, const pb::ClientMessage& command, const actor& who,
                                 pb::Event& event);
void apply_session_event(room_data& room, const pb::Event& event);

// layers.cpp: reference layers (added by the server, changed, removed and
// copied into features by facilitators).
problem validate_layer_command(const room_data& room, const pb::ClientMessage& command, const actor& who,
                               pb::Event& event);
void apply_layer_event(room_data& room, const pb::Event& event);

// breakouts.cpp: breakout groups, in the plenary room and in each group's room.
problem validate_breakout_command(const room_data& room, const pb::ClientMessage& command, const actor& who,
                                  pb::Event& event);
void apply_breakout_event(room_data& room, const pb::Event& event);

// field_trip.cpp: a study trip's itinerary, and the room's attachments.
problem validate_field_command(const room_data& room, const pb::ClientMessage& command, const actor& who,
                               pb::Event& event);
void apply_field_event(room_data& room, const pb::Event& event);

} // namespace maptable::model::rules
