// Layer: webhook (pure). What a webhook request carries: an event of the
// room's log as the JSON body of a POST, its type name ("feature.added"), and
// which registered kinds it matches. No I/O, no clock: the event brings its
// own server time.
#pragma once

#include "maptable/v1/room.pb.h"
#include "webhook/commit_observer.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace maptable::webhook {

// The type of an event as webhooks name it: "<group>.<what>", e.g.
// "feature.added", "chat.posted", "comment.added", "vote.closed",
// "session.ended", "participant.removed". "" for an event without a body
// (none is stored; a newer server's event this one does not know).
std::string_view event_type(const maptable::v1::Event& event);

// Every type event_type can return, in the Event oneof's order.
const std::vector<std::string_view>& event_types();

// The types of presence changes, which are not events of the log:
// "participant.joined" and "participant.left".
const std::vector<std::string_view>& presence_types();

// The type of a presence change.
std::string_view presence_type(const presence_change& change);

// Whether kind may be registered: "*" (everything), a type ("vote.closed",
// "participant.joined") or a group, the part of a type before the dot
// ("feature": feature.added, feature.updated and feature.deleted).
bool known_kind(std::string_view kind);

// Whether an event of type is wanted by an endpoint registered with kinds.
bool wanted(const std::vector<std::string>& kinds, std::string_view type);

// The request body for one event of room:
//   {"type":"feature.added","room":"r1","seq":7,"time_ms":...,
//    "actor":{"id":"...","name":"..."},"session_id":0,"data":{...}}
// data is the event's body message in protobuf's JSON mapping (field names
// in lowerCamelCase, 64-bit integers as strings), the same shape the replay
// and export routes use. actor is null for an anonymous ballot's event.
std::string event_json(std::string_view room, const maptable::v1::Event& event);

// The request body for a presence change of room, in the same envelope:
//   {"type":"participant.joined","room":"r1","seq":12,"time_ms":...,
//    "actor":{"id":"ana","name":"Ana"},"session_id":0,
//    "data":{"participant":{"id":"ana","name":"Ana","role":"ROLE_PARTICIPANT"}}}
// seq is the room's newest event when it happened (the change itself is not
// in the log); data is the same for a join and a leave.
std::string presence_json(std::string_view room, const presence_change& change);

} // namespace maptable::webhook
