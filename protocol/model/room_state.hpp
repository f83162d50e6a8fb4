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
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace maptable::model {

namespace pb = maptable::v1;

// Who sends a command: taken from the verified join token, never from the
// command itself.
struct actor {
    std::string id;
    std::string name;
    pb::Role role = pb::ROLE_UNSPECIFIED;
    // The pseudonym that names this participant's dots in anonymous vote
    // rounds. The server derives it with a secret (so nobody can map it back
    // to a participant id); empty means "use the participant id".
    std::string ballot_id;
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
// opposed to join, history, replay and presence, which the session handles).
bool produces_event(const pb::ClientMessage& message);

// Applies a chat_reacted, chat_edited or chat_deleted event to the message it
// names (for chat older than the state keeps: history pages and exports).
void apply_chat_change(pb::ChatMessage& message, const pb::Event& event);

// The command's name as in the protocol ("add_feature"), nullptr for none.
const char* command_name(pb::ClientMessage::BodyCase body);

// Everything a room is, in the containers its rules work on. room_state
// guards it: only apply() changes it. Mirrors pb::RoomState field by field.
struct room_data {
    pb::RoomInfo info;
    std::uint64_t seq = 0;
    std::map<std::string, pb::Feature> features; // by id: canonical order
    std::deque<pb::ChatMessage> recent_chat;     // the newest limits().recent_chat, oldest first
    pb::RoomSettings settings;
    std::set<std::string> muted;
    std::set<std::string> removed;
    std::map<std::string, pb::Thread> threads; // by id
    std::vector<pb::AgendaStep> agenda;
    std::string current_step;
    pb::Timer timer;
    pb::FollowState follow;
    std::string spotlight_feature_id;
    std::deque<pb::RaisedHand> hands; // the queue
    pb::RaisedHand speaking;
    std::map<std::string, pb::VoteRound> votes; // by id
    std::vector<pb::Session> sessions;          // by id (= seq), oldest first
    std::uint64_t current_session = 0;
    bool archived = false;
    std::map<std::string, pb::ReferenceLayer> layers;  // by id
    pb::BreakoutRound breakouts;                       // the running (or last) round, in a plenary room
    pb::BreakoutMembership breakout_of;                // in a group's room
    std::vector<pb::ItineraryStop> itinerary;          // in order
    std::map<std::string, pb::Attachment> attachments; // by id
};

class room_state {
public:
    // A new, empty room. Its info starts with the id as title, centred on
    // (0, 0) at zoom 2, until a facilitator changes it.
    explicit room_state(std::string room_id);

    // The state held by a snapshot or a Welcome. The rvalue form moves the
    // message's parts into the state (a decoded snapshot is not needed after).
    static room_state from_proto(const pb::RoomState& state);
    static room_state from_proto(pb::RoomState&& state);
    pb::RoomState to_proto() const;

    // to_proto().SerializeAsString(), byte for byte, without building the
    // RoomState: what a Welcome carries and a snapshot stores.
    std::string encode() const;

    // Validates a command against the current state and the actor's role.
    // On success the event carries seq() + 1, now_ms, the actor and the
    // running session; the state is not changed until apply() is called with it.
    validation validate(const pb::ClientMessage& command, const actor& who, std::int64_t now_ms) const;

    // Applies an event. Precondition: event.seq() == seq() + 1 (an event out
    // of order is a caller's bug; it is ignored and false is returned).
    // Events that name something that does not exist change nothing but the
    // seq, so apply() is total: any stored log can be replayed.
    bool apply(const pb::Event& event);

    std::uint64_t seq() const { return data_.seq; }
    const room_data& data() const { return data_; }
    const pb::RoomInfo& info() const { return data_.info; }
    const std::map<std::string, pb::Feature>& features() const { return data_.features; }
    const std::deque<pb::ChatMessage>& recent_chat() const { return data_.recent_chat; }
    const pb::Feature* find_feature(const std::string& id) const;
    const pb::ChatMessage* find_chat(std::uint64_t seq) const; // among the recent chat
    const pb::Thread* find_thread(const std::string& id) const;
    const pb::VoteRound* find_vote(const std::string& id) const;

    // Hex SHA-256 of the canonical encoding of the state: equal hashes mean
    // equal states. Used to check that replicas converge.
    std::string canonical_hash() const;

private:
    room_data data_;
};

} // namespace maptable::model
