// Layer: model (pure: no I/O, no clock, no threads).
//
// The room state machine. A room's state is a deterministic function of its
// ordered event log:
//
//     validate(command, actor, now) -> event with seq = seq() + 1, or a rejection
//     apply(event)                  -> the next state
//
// The server validates commands and applies the events it has sequenced; the
// client SDK applies the same events to its replica. Both run this code, so a
// replica at seq k is exactly the server's state at seq k.
#pragma once

#include "maptable/v1/envelope.pb.h"
#include "maptable/v1/room.pb.h"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <variant>

namespace maptable::model {

namespace pb = maptable::v1;

// Who sends a command: taken from the verified join token, never from the
// command itself.
struct actor {
    std::string id;
    std::string name;
    pb::Role role = pb::ROLE_UNSPECIFIED;
};

// Why a command was refused: a named code for programs and a text for people.
struct rejection {
    pb::ErrorCode code = pb::ERROR_CODE_UNSPECIFIED;
    std::string message;
};

using validation = std::variant<pb::Event, rejection>;

// Checks that can be made without a state (presence, positions).
std::optional<rejection> check_position(const pb::LonLat& p);
std::optional<rejection> check_viewport(const pb::Viewport& v);

// True when the command is one that validate() turns into an event (as
// opposed to join, history and presence, which the session handles).
bool produces_event(const pb::ClientMessage& message);

class room_state {
public:
    // A new, empty room. Its info starts with the id as title, centred on
    // (0, 0) at zoom 2, until a facilitator changes it.
    explicit room_state(std::string room_id);

    // The state held by a snapshot or a Welcome.
    static room_state from_proto(const pb::RoomState& state);
    pb::RoomState to_proto() const;

    // Validates a command against the current state and the actor's role.
    // On success the event carries seq() + 1, now_ms and the actor; the state
    // is not changed until apply() is called with it.
    validation validate(const pb::ClientMessage& command, const actor& who, std::int64_t now_ms) const;

    // Applies an event. Precondition: event.seq() == seq() + 1 (an event out
    // of order is a caller's bug; it is ignored and false is returned).
    // Events that name a feature that does not exist change nothing but the
    // seq, so apply() is total: any stored log can be replayed.
    bool apply(const pb::Event& event);

    std::uint64_t seq() const { return seq_; }
    const pb::RoomInfo& info() const { return info_; }
    const std::map<std::string, pb::Feature>& features() const { return features_; }
    const std::deque<pb::ChatMessage>& recent_chat() const { return recent_chat_; }
    const pb::Feature* find_feature(const std::string& id) const;

    // Hex SHA-256 of the canonical encoding of the state: equal hashes mean
    // equal states. Used to check that replicas converge.
    std::string canonical_hash() const;

private:
    pb::RoomInfo info_;
    std::uint64_t seq_ = 0;
    std::map<std::string, pb::Feature> features_;   // ordered by id: canonical order
    std::deque<pb::ChatMessage> recent_chat_;        // the newest limits().recent_chat, oldest first
};

} // namespace maptable::model
