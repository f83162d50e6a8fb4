// Layer: breakout (pure logic, no I/O, no clock). What the breakout routes
// (net/breakout_routes) decide before they send anything: how people are
// dealt into groups, which room each group gets, and the reference layer a
// group's room leaves behind in the plenary when the round ends
// (docs/BREAKOUTS.md).
#pragma once

#include "model/room_state.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace maptable::breakout {

namespace pb = maptable::v1;

inline constexpr int max_groups = 20;

// Deals ids (in a shuffled order: seed picks it) into count groups as evenly
// as possible: the first groups get one more when it does not divide. The
// shuffle is this file's own (not std::shuffle, whose order differs between
// standard libraries), so a seed deals the same everywhere.
std::vector<std::vector<std::string>> deal_random(std::vector<std::string> ids, int count, std::uint64_t seed);

// One person and the city they take part for ("" when unknown).
struct person {
    std::string id;
    std::string city;
};

struct city_group {
    std::string city;
    std::vector<std::string> ids;
};

// One group per city, in the order of the cities' names; people keep their
// order inside a group. Everyone must have a city (the caller refuses
// otherwise: is_complete).
std::vector<city_group> deal_by_city(const std::vector<person>& people);
bool every_city_known(const std::vector<person>& people);

// The room of a group: "{plenary}.{round}.{group}", which a Join accepts
// (1-64 of A-Z a-z 0-9 . _ -). A plenary id too long for that is cut at the
// front part, which keeps the round and group (unique in the server's log of
// rounds) whole.
std::string group_room_id(std::string_view plenary, std::string_view round_id, std::string_view group_id);

// The captured results' layer id in the plenary: fixed by round and group,
// so that a retried end finds the layer it already added.
std::string captured_layer_id(std::string_view round_id, std::string_view group_id);

// The reference layer of a group's results: each feature of its room (a
// note becomes a point; author, category and the group as properties), and
// each thread at its place with its comments, one "name: text" line each, as
// the description. Within the layer limits (model/limits.hpp): what does not
// fit is left out and said in notes. No features and no threads: nothing
// (features_size() == 0; the caller adds no layer).
pb::ReferenceLayer captured_layer(const model::room_data& group_room, std::string_view round_id,
                                  const pb::BreakoutGroup& group);

} // namespace maptable::breakout
