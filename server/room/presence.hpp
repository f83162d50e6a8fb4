// Layer: room (pure). A room's presence: who is here (the roster) and where
// each looks (cursors, viewports), as a small machine fed joins, leaves and
// moves that says what to announce. Raised hands are events of the log, not
// presence. No sockets, no Asio, no clock: room_host feeds it, runs the tick
// timer and sends what it returns; tests/unit/room feeds it alone.
//
// A participant may be connected more than once (two tabs, a phone): the
// roster gains them with their first connection and loses them with their
// last, so ParticipantJoined and ParticipantLeft alternate for one id.
//
// Moves are coalesced: between two ticks only the newest cursor and the
// newest viewport of each participant are kept (a cursor and a viewport sent
// apart both stay); a move of someone not on the roster is dropped. While the
// room's settings hide cursors, what the non-facilitators see of others is
// only the follow leader's viewport (their view follows it); facilitators
// (and the admin role) see everything.
//
// Not thread-safe: used on the room's strand only.
#pragma once

#include "maptable/v1/envelope.pb.h"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace maptable::room {

namespace pb = maptable::v1;

// What one tick sends, encoded once per audience. With cursors shown only
// to_everyone is set; with cursors hidden, to_facilitators (everything) and,
// when the others may see something of it, to_others.
struct presence_tick {
    std::optional<pb::PresenceUpdate> to_everyone;
    std::optional<pb::PresenceUpdate> to_facilitators;
    std::optional<pb::PresenceUpdate> to_others;

    bool empty() const { return !to_everyone && !to_facilitators && !to_others; }
};

enum class move_outcome {
    ignored,  // not on the roster: nothing kept
    recorded, // kept for the next tick
    replaced, // kept, replacing a move not yet sent (a drop for the metrics)
};

class presence {
public:
    // A connection of participant joined. True when it is their first: the
    // roster gains them (announce ParticipantJoined to everyone).
    bool join(const pb::Participant& participant);

    // A connection of participant_id ended. True when it was their last: the
    // roster loses them and their unsent moves (announce ParticipantLeft).
    bool leave(const std::string& participant_id);

    // A participant's token was refreshed with another name or role: the
    // updated entry to announce (ParticipantJoined again), or nothing when
    // they are not on the roster.
    std::optional<pb::Participant> rename(const std::string& participant_id, const std::string& name, pb::Role role);

    // The newest cursor and/or viewport of a participant, for the next tick.
    move_outcome move(const pb::ParticipantPresence& update);

    // What the tick sends now, given the room's settings; empty when nobody
    // moved. Forgets the moves it returns.
    presence_tick tick(bool hide_cursors, const std::string& follow_leader_id);

    // The roster, in id order, for a Welcome.
    std::vector<pb::Participant> roster() const;
    // The roster's entry of participant_id.
    const pb::Participant* find(const std::string& participant_id) const;
    // Whether participant_id gets everyone's presence while cursors are hidden.
    bool sees_hidden(const std::string& participant_id) const;
    std::size_t size() const { return online_.size(); }
    bool moves_pending() const { return !moved_.empty(); }

    // The room stops: everyone is gone at once. Returns who was on the roster.
    std::vector<pb::Participant> clear();

private:
    struct entry {
        pb::Participant participant;
        int connections = 0;
    };
    std::map<std::string, entry> online_;
    std::map<std::string, pb::ParticipantPresence> moved_; // newest per participant since the last tick
};

} // namespace maptable::room
