// Layer: model. The room itself and its moderation: room info (title, city,
// map centre, bounds, base map, time zone; network, kind and city by the admin), lock settings, mute, remove, archive.
#include "model/rules/rules.hpp"

#include "model/limits.hpp"
#include "model/plain_id.hpp"

#include <algorithm>
#include <cctype>

namespace maptable::model::rules {

namespace {

bool is_empty(const pb::RoomInfoChanged& c)
{
    return !c.has_title() && !c.has_description() && !c.has_center() && !c.has_zoom() && !c.has_city() &&
        !c.has_bounds() && !c.clear_bounds() && !c.has_base_map() && !c.has_time_zone() && !c.has_network_id() &&
        !c.has_kind() && !c.has_city_id();
}

bool is_empty(const pb::RoomSettingsChange& c)
{
    return !c.has_annotate() && !c.has_chat() && !c.has_comment() && !c.has_map_locked() && !c.has_hide_cursors();
}

problem check_audience(std::string_view field, pb::Audience audience)
{
    if (pb::Audience_IsValid(audience))
        return std::nullopt;
    return reject(pb::ERROR_CODE_INVALID_SETTING,
                  std::string(field) + " must be default, facilitators, participants or everyone, got " +
                      std::to_string(audience));
}

// A base map is named by the id of one of the server's tile sources, the
// same shape the server's --tile-source takes (1-32 of [a-z0-9_-]), or ""
// for the server's default. Which ids a server has is its configuration, not
// the room's: an id it does not (or no longer) know shows its default.
problem check_base_map(std::string_view id)
{
    constexpr std::size_t max_chars = 32;
    const auto plain = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; };
    bool ok = id.size() <= max_chars;
    for (const char c : id)
        ok = ok && plain(c);
    if (ok)
        return std::nullopt;
    return reject(pb::ERROR_CODE_INVALID_SETTING,
                  "base_map must be the id of one of the server's tile sources (1-32 of a-z, 0-9, '_' and '-') or "
                  "empty for the server's default, got " +
                      quote_short(id));
}

// The room's info as it will be after the change.
pb::RoomInfo changed(const pb::RoomInfo& current, const pb::RoomInfoChanged& change)
{
    pb::RoomInfo next = current;
    if (change.has_center())
        *next.mutable_center() = change.center();
    if (change.has_bounds())
        *next.mutable_bounds() = change.bounds();
    if (change.clear_bounds())
        next.clear_bounds();
    return next;
}

problem check_time_zone(std::string_view name)
{
    if (name.empty() || is_time_zone(name))
        return std::nullopt;
    return reject(pb::ERROR_CODE_INVALID_TIME_ZONE,
                  "time_zone must be an IANA name such as Europe/Lisbon or UTC, or empty, got " + quote_short(name));
}

// Network and city ids are those of network.proto: 1-64 of [A-Za-z0-9._-].
problem check_network_id(std::string_view field, std::string_view id)
{
    if (id.empty() || is_plain_id(id))
        return std::nullopt;
    return reject(pb::ERROR_CODE_INVALID_ID,
                  std::string(field) + " must be 1 to 64 of A-Z a-z 0-9 . _ - (or empty), got " + quote_short(id));
}

// Which network a room belongs to decides who may enter it (a network's
// invitations), so only the admin API changes it, never a facilitator.
problem check_network_fields(const pb::RoomInfoChanged& change, const actor& who)
{
    if (!change.has_network_id() && !change.has_kind() && !change.has_city_id())
        return std::nullopt;
    if (who.role != pb::ROLE_ADMIN)
        return reject(pb::ERROR_CODE_PERMISSION_DENIED,
                      "a room's network, kind and city are set through the admin API, not by a facilitator");
    return first_problem(
        [&] { return change.has_network_id() ? check_network_id("network_id", change.network_id()) : problem{}; },
        [&] {
        return change.has_kind() && !pb::RoomKind_IsValid(change.kind())
            ? reject(pb::ERROR_CODE_INVALID_SETTING, "kind must be one of the RoomKind values")
            : problem{};
        },
        [&] { return change.has_city_id() ? check_network_id("city_id", change.city_id()) : problem{}; });
}

problem update_room_info(const room_data& room, const pb::UpdateRoomInfo& command, const actor& who, pb::Event& event)
{
    const pb::RoomInfoChanged& change = command.change();
    if (is_empty(change))
        return reject(pb::ERROR_CODE_EMPTY_PATCH,
                      "the change sets no field of the room info, so it would change nothing");
    if (auto p = check_network_fields(change, who))
        return p;
    if (change.has_bounds() && change.clear_bounds())
        return reject(pb::ERROR_CODE_INVALID_COORDINATE, "the change both sets and clears the bounds");
    auto p = first_problem(
        [&] { return change.has_title() ? check_text("title", change.title(), limits().max_title_chars) : problem{}; },
        [&] {
        return change.has_description()
            ? check_text("description", change.description(), limits().max_description_chars)
            : problem{};
        },
        [&] { return change.has_city() ? check_text("city", change.city(), limits().max_title_chars) : problem{}; },
        [&] { return change.has_center() ? at("center", check_position(change.center())) : problem{}; },
        [&] { return change.has_zoom() ? check_zoom(change.zoom()) : problem{}; },
        [&] { return change.has_bounds() ? check_bounds(change.bounds()) : problem{}; },
        [&] { return change.has_base_map() ? check_base_map(change.base_map()) : problem{}; },
        [&] { return change.has_time_zone() ? check_time_zone(change.time_zone()) : problem{}; },
        [&] {
        return change.has_center() ? at("center", check_inside(changed(room.info, change), change.center()))
                                   : problem{};
    });
    if (p)
        return p;
    *event.mutable_room_info_changed() = change;
    // A map must open inside its own bounds: new bounds that leave the
    // current centre outside move it to their middle, in the event itself so
    // every replica applies the same.
    const pb::RoomInfo next = changed(room.info, change);
    if (!change.has_center() && check_inside(next, next.center())) {
        pb::LonLat& centre = *event.mutable_room_info_changed()->mutable_center();
        centre.set_lon((next.bounds().south_west().lon() + next.bounds().north_east().lon()) / 2);
        centre.set_lat((next.bounds().south_west().lat() + next.bounds().north_east().lat()) / 2);
    }
    return std::nullopt;
}

problem update_settings(const pb::UpdateSettings& command, pb::Event& event)
{
    const pb::RoomSettingsChange& change = command.change();
    if (is_empty(change))
        return reject(pb::ERROR_CODE_EMPTY_PATCH, "the change sets no setting, so it would change nothing");
    auto p =
        first_problem([&] { return change.has_annotate() ? check_audience("annotate", change.annotate()) : problem{}; },
                      [&] { return change.has_chat() ? check_audience("chat", change.chat()) : problem{}; },
                      [&] { return change.has_comment() ? check_audience("comment", change.comment()) : problem{}; });
    if (p)
        return p;
    *event.mutable_settings_changed()->mutable_change() = change;
    return std::nullopt;
}

problem mute(const room_data& room, const pb::MuteParticipant& command, const actor& who, pb::Event& event)
{
    if (auto p = check_participant_id(command.participant_id()))
        return p;
    if (auto p = check_reason(command.reason()))
        return p;
    if (command.muted() && command.participant_id() == who.id)
        return reject(pb::ERROR_CODE_INVALID_PARTICIPANT, "you cannot mute yourself");
    if (room.muted.count(command.participant_id()) == static_cast<std::size_t>(command.muted()))
        return reject(pb::ERROR_CODE_NO_CHANGE,
                      std::string("participant ") + quote_short(command.participant_id()) +
                          (command.muted() ? " is already muted" : " is not muted"));
    pb::ParticipantMuted& muted = *event.mutable_participant_muted();
    muted.set_participant_id(command.participant_id());
    muted.set_muted(command.muted());
    muted.set_reason(command.reason());
    return std::nullopt;
}

problem remove(const room_data& room, const pb::RemoveParticipant& command, const actor& who, pb::Event& event)
{
    if (auto p = check_participant_id(command.participant_id()))
        return p;
    if (auto p = check_reason(command.reason()))
        return p;
    if (command.participant_id() == who.id)
        return reject(pb::ERROR_CODE_INVALID_PARTICIPANT, "you cannot remove yourself");
    if (room.removed.count(command.participant_id()))
        return reject(pb::ERROR_CODE_NO_CHANGE,
                      "participant " + quote_short(command.participant_id()) + " was already removed");
    event.mutable_participant_removed()->set_participant_id(command.participant_id());
    event.mutable_participant_removed()->set_reason(command.reason());
    return std::nullopt;
}

problem archive(const room_data& room, const pb::ArchiveRoom& command, pb::Event& event)
{
    if (room.archived == command.archived())
        return reject(pb::ERROR_CODE_NO_CHANGE,
                      command.archived() ? "the room is already archived" : "the room is not archived");
    event.mutable_room_archived()->set_archived(command.archived());
    return std::nullopt;
}

void merge(pb::RoomInfo& info, const pb::RoomInfoChanged& change)
{
    if (change.has_title())
        info.set_title(change.title());
    if (change.has_description())
        info.set_description(change.description());
    if (change.has_center())
        *info.mutable_center() = change.center();
    if (change.has_zoom())
        info.set_zoom(change.zoom());
    if (change.has_city())
        info.set_city(change.city());
    if (change.has_bounds())
        *info.mutable_bounds() = change.bounds();
    if (change.clear_bounds())
        info.clear_bounds();
    if (change.has_base_map())
        info.set_base_map(change.base_map());
    if (change.has_time_zone())
        info.set_time_zone(change.time_zone());
    if (change.has_network_id())
        info.set_network_id(change.network_id());
    if (change.has_kind())
        info.set_kind(change.kind());
    if (change.has_city_id())
        info.set_city_id(change.city_id());
}

void merge(pb::RoomSettings& settings, const pb::RoomSettingsChange& change)
{
    if (change.has_annotate())
        settings.set_annotate(change.annotate());
    if (change.has_chat())
        settings.set_chat(change.chat());
    if (change.has_comment())
        settings.set_comment(change.comment());
    if (change.has_map_locked())
        settings.set_map_locked(change.map_locked());
    if (change.has_hide_cursors())
        settings.set_hide_cursors(change.hide_cursors());
}

} // namespace

problem validate_moderation_command(const room_data& room, const pb::ClientMessage& command, const actor& who,
                                    pb::Event& event)
{
    switch (command.body_case()) {
    case pb::ClientMessage::kUpdateRoomInfo: return update_room_info(room, command.update_room_info(), who, event);
    case pb::ClientMessage::kUpdateSettings: return update_settings(command.update_settings(), event);
    case pb::ClientMessage::kMuteParticipant: return mute(room, command.mute_participant(), who, event);
    case pb::ClientMessage::kRemoveParticipant: return remove(room, command.remove_participant(), who, event);
    case pb::ClientMessage::kArchiveRoom: return archive(room, command.archive_room(), event);
    default: return reject(pb::ERROR_CODE_INTERNAL, "not a moderation command");
    }
}

void apply_moderation_event(room_data& room, const pb::Event& event)
{
    switch (event.body_case()) {
    case pb::Event::kRoomInfoChanged: merge(room.info, event.room_info_changed()); break;
    case pb::Event::kSettingsChanged: merge(room.settings, event.settings_changed().change()); break;
    case pb::Event::kParticipantMuted:
        if (event.participant_muted().muted())
            room.muted.insert(event.participant_muted().participant_id());
        else
            room.muted.erase(event.participant_muted().participant_id());
        break;
    case pb::Event::kParticipantRemoved: {
        const std::string& id = event.participant_removed().participant_id();
        room.removed.insert(id);
        // A removed participant leaves the hand queue and stops leading.
        std::erase_if(room.hands, [&](const pb::RaisedHand& h) { return h.participant_id() == id; });
        if (room.follow.leader_id() == id)
            room.follow.Clear();
        if (room.speaking.participant_id() == id)
            room.speaking.Clear();
        break;
    }
    case pb::Event::kRoomArchived: room.archived = event.room_archived().archived(); break;
    default: break;
    }
}

} // namespace maptable::model::rules
