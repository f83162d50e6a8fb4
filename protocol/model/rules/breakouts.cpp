// Layer: model. The rules of breakout groups (see rules.hpp).
//
// A round lives in two kinds of room. The plenary keeps the round itself
// (room_data::breakouts): started with its groups, closed when everyone is
// back. Each group's room keeps its membership (room_data::breakout_of): its
// plenary, round, group, the shared timer's end and the view it started at;
// ended once the round is back in plenary. All four commands are the
// server's own (permissions.cpp: admin), sent on a facilitator's behalf by
// the breakout routes, because one round spans several rooms.
#include "model/rules/rules.hpp"

#include "model/limits.hpp"
#include "model/plain_id.hpp"

#include <algorithm>
#include <set>

namespace maptable::model::rules {

namespace {

constexpr int max_groups = 20;
constexpr std::size_t max_members = 500;                // people in one round, all groups together
constexpr std::size_t max_broadcast_chars = 500;        // a notice read at a glance
constexpr std::int64_t max_round_ms = 24 * 3600 * 1000; // a timer runs within a day

problem invalid(std::string message)
{
    return reject(pb::ERROR_CODE_INVALID_BREAKOUT, std::move(message));
}

// Room ids as a Join accepts them: 1-64 of [A-Za-z0-9._-].
bool in_group_room(const room_data& room)
{
    return !room.breakout_of.round_id().empty();
}

bool group_room_open(const room_data& room)
{
    return in_group_room(room) && !room.breakout_of.ended();
}

problem check_group(const pb::BreakoutGroup& group, const room_data& room, std::set<std::string>& ids,
                    std::set<std::string>& names, std::set<std::string>& rooms, std::set<std::string>& members)
{
    if (!is_valid_id(group.id()))
        return invalid("a group id must be " + id_rule() + ", got " + quote_short(group.id()));
    if (!ids.insert(group.id()).second)
        return invalid("two groups have the id " + quote_short(group.id()));
    if (auto p = check_message_text("a group's name", group.name(), limits().max_title_chars))
        return p;
    if (!names.insert(group.name()).second)
        return invalid("two groups are named " + quote_short(group.name()) + "; each needs a name of its own");
    if (!is_plain_id(group.room_id()))
        return invalid("a group's room id must be 1 to 64 of A-Z a-z 0-9 . _ -, got " + quote_short(group.room_id()));
    if (group.room_id() == room.info.id())
        return invalid("a group's room cannot be the plenary room itself");
    if (!rooms.insert(group.room_id()).second)
        return invalid("two groups share the room " + quote_short(group.room_id()));
    if (auto p = check_text("a group's city", group.city_id(), limits().max_short_text_chars))
        return p;
    for (const std::string& member : group.participant_ids()) {
        if (auto p = check_participant_id(member))
            return p;
        if (!members.insert(member).second)
            return invalid("participant " + quote_short(member) + " is in more than one group");
        if (members.size() > max_members)
            return invalid("a round has at most " + std::to_string(max_members) + " participants");
    }
    return std::nullopt;
}

problem start_breakouts(const room_data& room, const pb::StartBreakouts& command, pb::Event& event)
{
    if (room.breakouts.open())
        return reject(pb::ERROR_CODE_BREAKOUTS_RUNNING,
                      "breakout round " + quote_short(room.breakouts.id()) +
                          " is still open: bring everyone back to plenary first");
    if (in_group_room(room))
        return invalid("this room is a breakout group of " + quote_short(room.breakout_of.parent_room_id()) +
                       ": groups are opened from the plenary");
    const pb::BreakoutRound& asked = command.round();
    if (!is_valid_id(asked.id()))
        return invalid("a round id must be " + id_rule() + ", got " + quote_short(asked.id()));
    if (asked.id() == room.breakouts.id())
        return invalid("round " + quote_short(asked.id()) + " was already held in this room; choose another id");
    if (asked.mode() != pb::BREAKOUT_MODE_BY_HAND && asked.mode() != pb::BREAKOUT_MODE_RANDOM &&
        asked.mode() != pb::BREAKOUT_MODE_BY_CITY)
        return invalid("mode must be by hand, random or by city");
    if (asked.groups_size() < 1 || asked.groups_size() > max_groups)
        return invalid("a round has 1 to " + std::to_string(max_groups) + " groups, got " +
                       std::to_string(asked.groups_size()));
    std::set<std::string> ids, names, rooms, members;
    for (int i = 0; i < asked.groups_size(); ++i)
        if (auto p =
                at("group " + std::to_string(i + 1), check_group(asked.groups(i), room, ids, names, rooms, members)))
            return p;
    if (asked.ends_ms() != 0 &&
        (asked.ends_ms() <= event.time_ms() || asked.ends_ms() > event.time_ms() + max_round_ms))
        return invalid("ends_ms must be 0 (no timer) or a server time within a day after now (" +
                       std::to_string(event.time_ms()) + " ms), got " + std::to_string(asked.ends_ms()));

    pb::BreakoutRound& round = *event.mutable_breakouts_started()->mutable_round();
    round.set_id(asked.id());
    round.set_mode(asked.mode());
    *round.mutable_groups() = asked.groups();
    round.set_started_ms(event.time_ms());
    round.set_ends_ms(asked.ends_ms());
    round.set_open(true);
    return std::nullopt;
}

problem open_group(const room_data& room, const pb::OpenBreakoutGroup& command, pb::Event& event)
{
    if (room.breakouts.open())
        return invalid("this room runs breakout groups of its own and cannot be one");
    if (group_room_open(room))
        return reject(pb::ERROR_CODE_BREAKOUTS_RUNNING,
                      "this room is already group " + quote_short(room.breakout_of.group_name()) + " of round " +
                          quote_short(room.breakout_of.round_id()));
    const pb::BreakoutMembership& m = command.membership();
    if (!is_plain_id(m.parent_room_id()) || m.parent_room_id() == room.info.id())
        return invalid("parent_room_id must be another room's id, got " + quote_short(m.parent_room_id()));
    if (!is_valid_id(m.round_id()))
        return invalid("a round id must be " + id_rule() + ", got " + quote_short(m.round_id()));
    if (!is_valid_id(m.group_id()))
        return invalid("a group id must be " + id_rule() + ", got " + quote_short(m.group_id()));
    if (auto p = check_message_text("a group's name", m.group_name(), limits().max_title_chars))
        return p;
    if (m.group_number() > static_cast<std::uint32_t>(max_groups) ||
        m.group_count() > static_cast<std::uint32_t>(max_groups) || m.group_number() > m.group_count())
        return invalid("group_number must be at most group_count, and both at most " + std::to_string(max_groups));
    if (m.ends_ms() < 0)
        return invalid("ends_ms must be 0 (no timer) or a server time");
    if (command.has_viewport())
        if (auto p = check_viewport(command.viewport()))
            return p;
    if (auto p = check_text("step_title", command.step_title(), limits().max_title_chars))
        return p;

    pb::BreakoutGroupOpened& opened = *event.mutable_breakout_group_opened();
    pb::BreakoutMembership& membership = *opened.mutable_membership();
    membership.set_parent_room_id(m.parent_room_id());
    membership.set_round_id(m.round_id());
    membership.set_group_id(m.group_id());
    membership.set_group_name(m.group_name());
    membership.set_ends_ms(m.ends_ms());
    membership.set_group_number(m.group_number());
    membership.set_group_count(m.group_count());
    if (command.has_viewport())
        *opened.mutable_viewport() = command.viewport();
    opened.set_step_title(command.step_title());
    return std::nullopt;
}

problem end_breakouts(const room_data& room, const pb::EndBreakouts& command, pb::Event& event)
{
    if (in_group_room(room)) {
        if (room.breakout_of.ended() || command.round_id() != room.breakout_of.round_id())
            return reject(pb::ERROR_CODE_NO_BREAKOUTS,
                          "this group's round " + quote_short(command.round_id()) + " is not open here");
        event.mutable_breakouts_ended()->set_round_id(room.breakout_of.round_id());
        return std::nullopt;
    }
    if (!room.breakouts.open())
        return reject(pb::ERROR_CODE_NO_BREAKOUTS, "no breakout groups are out: there is nothing to end");
    // Empty names the open round; another id is a retry of an older one.
    if (!command.round_id().empty() && command.round_id() != room.breakouts.id())
        return reject(pb::ERROR_CODE_NO_BREAKOUTS,
                      "round " + quote_short(command.round_id()) + " is not the open one (" +
                          quote_short(room.breakouts.id()) + ")");
    event.mutable_breakouts_ended()->set_round_id(room.breakouts.id());
    return std::nullopt;
}

problem broadcast(const room_data& room, const pb::BroadcastToGroups& command, pb::Event& event)
{
    if (!room.breakouts.open() && !group_room_open(room))
        return reject(pb::ERROR_CODE_NO_BREAKOUTS, "no breakout groups are out: there is nobody to broadcast to");
    if (auto p = check_message_text("a broadcast", command.text(), max_broadcast_chars))
        return p;
    event.mutable_groups_broadcast()->set_text(command.text());
    return std::nullopt;
}

} // namespace

problem validate_breakout_command(const room_data& room, const pb::ClientMessage& command, const actor&,
                                  pb::Event& event)
{
    switch (command.body_case()) {
    case pb::ClientMessage::kStartBreakouts: return start_breakouts(room, command.start_breakouts(), event);
    case pb::ClientMessage::kOpenBreakoutGroup: return open_group(room, command.open_breakout_group(), event);
    case pb::ClientMessage::kEndBreakouts: return end_breakouts(room, command.end_breakouts(), event);
    case pb::ClientMessage::kBroadcastToGroups: return broadcast(room, command.broadcast_to_groups(), event);
    default: return reject(pb::ERROR_CODE_UNKNOWN_COMMAND, "not a breakout command");
    }
}

void apply_breakout_event(room_data& room, const pb::Event& event)
{
    switch (event.body_case()) {
    case pb::Event::kBreakoutsStarted: room.breakouts = event.breakouts_started().round(); break;
    case pb::Event::kBreakoutsEnded: {
        const std::string& id = event.breakouts_ended().round_id();
        if (!id.empty() && room.breakouts.id() == id)
            room.breakouts.set_open(false);
        if (!id.empty() && room.breakout_of.round_id() == id)
            room.breakout_of.set_ended(true);
        break;
    }
    case pb::Event::kBreakoutGroupOpened: {
        const pb::BreakoutGroupOpened& opened = event.breakout_group_opened();
        room.breakout_of = opened.membership();
        room.breakout_of.set_ended(false);
        if (opened.has_viewport())
            *room.breakout_of.mutable_viewport() = opened.viewport();
        else
            room.breakout_of.clear_viewport();
        room.breakout_of.set_step_title(opened.step_title());
        // The group's map opens where the plenary was: the room's own view.
        if (opened.has_viewport()) {
            const pb::Viewport& v = opened.viewport();
            pb::LonLat& centre = *room.info.mutable_center();
            centre.set_lon((v.south_west().lon() + v.north_east().lon()) / 2);
            centre.set_lat((v.south_west().lat() + v.north_east().lat()) / 2);
            room.info.set_zoom(v.zoom());
        }
        break;
    }
    default: break; // GroupsBroadcast is a notice: it changes no state
    }
}

} // namespace maptable::model::rules
