// Layer: model (internal to the rules). Field checks every rule shares, and
// the helpers that make rejection texts. Texts are for people: they say which
// field is wrong and what would be accepted, and never echo raw client bytes
// that could be invalid UTF-8 (an Error with such a text would not encode).
#pragma once

#include "model/room_state.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace maptable::model::rules {

using problem = std::optional<rejection>;

rejection reject(pb::ErrorCode code, std::string message);

// The shortest text that reads back as the same double ("200", "NaN").
std::string format_number(double value);

// A client string shown in a message: quoted when short and valid UTF-8,
// otherwise described by its size.
std::string quote_short(std::string_view s);

// Ids chosen by clients (features, threads, agenda steps, vote rounds):
// 1-64 of [A-Za-z0-9_-].
bool is_valid_id(std::string_view id);
std::string id_rule();
// INVALID_ID naming what the id is for ("a thread id must be ...").
problem check_id(std::string_view what, std::string_view id);

// Participant ids are token subjects: 1-128 bytes of printable ASCII.
problem check_participant_id(std::string_view id);

// An IANA time zone name: "UTC", or Area/Location of letters, digits, _ + -
// (the model has no time zone database: the app and the server's .ics
// writer resolve it).
bool is_time_zone(std::string_view name);

problem check_text(std::string_view field, std::string_view value, std::size_t max_chars);
// Like check_text, and not empty or only white space (EMPTY_MESSAGE).
problem check_message_text(std::string_view field, std::string_view value, std::size_t max_chars);
problem check_colour(std::string_view colour);
problem check_zoom(double zoom);
problem check_geometry(const pb::Geometry& geometry);
problem check_bounds(const pb::Bounds& bounds);
// OUTSIDE_BOUNDS when the room has bounds and a position is outside them.
problem check_inside(const pb::RoomInfo& info, const pb::LonLat& position);
problem check_inside(const pb::RoomInfo& info, const pb::Geometry& geometry);
problem check_reason(std::string_view reason);

// Prefixes a rejection's text with where the problem is ("position 3: ...").
problem at(std::string_view where, problem p);

// The first problem among the checks (callables returning problem), or nothing.
template <typename... Checks>
problem first_problem(Checks&&... checks)
{
    problem found;
    ((found = checks()).has_value() || ...); // stops at the first problem
    return found;
}

} // namespace maptable::model::rules
