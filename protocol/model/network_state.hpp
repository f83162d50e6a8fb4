// Layer: model (pure: no I/O, no clock, no threads).
//
// A learning network's record as a state machine, like a room's: the
// network's state is a deterministic function of its ordered log of
// NetworkEvents (protocol/maptable/v1/network.proto).
//
//     validate(change, actor, now) -> the event to store, seq = seq() + 1, or a rejection
//     apply(event)                 -> the next state
//
// And the rule that turns a network invitation into a role in one room:
// role_in_room().
#pragma once

#include "maptable/v1/network.pb.h"
#include "model/room_state.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace maptable::model {

using network_validation = std::variant<pb::NetworkEvent, rejection>;

class network_state {
public:
    explicit network_state(std::string network_id);

    // `change` carries one body (seq, time and actor are filled here). The
    // first event of a network is network_created with this network's id;
    // every other change needs the network to exist.
    network_validation validate(pb::NetworkEvent change, const std::string& actor_id, std::int64_t now_ms) const;

    // Applies an event validate() made (or one read back from the log).
    // Throws std::logic_error when its seq is not seq() + 1.
    void apply(const pb::NetworkEvent& event);

    const std::string& id() const { return id_; }
    bool exists() const { return seq_ > 0; }
    std::uint64_t seq() const { return seq_; }
    const pb::Network& network() const { return network_; }
    const std::map<std::string, pb::City>& cities() const { return cities_; }
    const std::map<std::string, pb::PlannedSession>& sessions() const { return sessions_; }
    const pb::City* find_city(const std::string& city_id) const;

    // The state as the protocol carries it: cities by id, sessions by start
    // time then id.
    pb::NetworkState to_proto() const;

private:
    std::string id_;
    std::uint64_t seq_ = 0;
    pb::Network network_;
    std::map<std::string, pb::City> cities_;
    std::map<std::string, pb::PlannedSession> sessions_;
};

// Limits of a network's record.
struct network_limits {
    std::size_t cities = 50;
    std::size_t sessions = 1000;
    std::size_t languages = 12;
    std::size_t agenda_points = 50;
};
const network_limits& limits_of_networks();

// Who a network invitation names (its token's claims).
struct network_member {
    std::string network_id;
    std::string city_id; // empty: of no city (a network facilitator, an invited expert)
    pb::Role role = pb::ROLE_PARTICIPANT;
};

// Where a room stands in its network (its RoomInfo).
struct room_place {
    std::string network_id; // empty: in no network
    pb::RoomKind kind = pb::ROOM_KIND_UNSPECIFIED;
    std::string city_id; // the living lab's city
};

// The role a network invitation gives in one room of that network:
//  - a room of another network, or of none: TOKEN_WRONG_NETWORK;
//  - a facilitator is facilitator in every room of the network, an observer
//    is observer everywhere;
//  - a participant of a city is participant in that city's living lab and,
//    elsewhere, what the network sets (members_elsewhere: observer unless
//    set to participant);
//  - a participant of no city is participant in every room;
//  - a city no longer in the network: CITY_NOT_FOUND.
std::variant<pb::Role, rejection> role_in_room(const network_member& who, const room_place& room,
                                               const network_state& network);

} // namespace maptable::model
