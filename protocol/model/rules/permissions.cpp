// Layer: model. Who may send which command: the permission matrix.
//
// Checked before any content rule, in this order, so the answer names the
// first thing the sender would have to change:
//   1. the room is archived             -> ROOM_ARCHIVED (a facilitator or the admin reopens it)
//   2. the sender was removed           -> PARTICIPANT_REMOVED
//   3. the sender's role                -> PERMISSION_DENIED
//   4. a lock setting of the room       -> LOCKED
//   5. the sender is muted              -> MUTED
// Authorship (edit your own comment, delete your own feature) is checked by
// the area that owns the content, with NOT_AUTHOR. docs/PERMISSIONS.md is
// this table in prose; tests/unit/model/permissions_test.cpp checks every cell.
#include "model/rules/rules.hpp"

#include <string>

namespace maptable::model::rules {

namespace {

// What gates a command besides the role.
enum class gate {
    none,
    annotate,   // the annotate audience and the map lock
    chat,       // the chat audience and mute
    comment,    // the comment audience and mute
    muted_only, // mute only (editing your own words)
};

struct rule {
    bool facilitator = false;
    bool participant = false;
    bool observer = false; // observers never draw; chat and comment only when the audience is "everyone"
    gate gated = gate::none;
    bool admin_only = false;
};

constexpr rule facilitators{true, false, false, gate::none};
constexpr rule drawing{true, true, false, gate::annotate};
constexpr rule chatting{true, true, false, gate::chat};
constexpr rule commenting{true, true, false, gate::comment};
constexpr rule own_words{true, true, true, gate::muted_only}; // authorship checked by the area
constexpr rule anyone{true, true, true, gate::none};          // authorship checked by the area
constexpr rule taking_part{true, true, false, gate::none};
constexpr rule admin{false, false, false, gate::none, true};

rule rule_for(pb::ClientMessage::BodyCase body)
{
    using M = pb::ClientMessage;
    switch (body) {
    case M::kAddFeature:
    case M::kUpdateFeature:
    case M::kDeleteFeature: return drawing;
    case M::kSendChat:
    case M::kReactToChat: return chatting;
    case M::kEditChat: return own_words;
    case M::kDeleteChat: return anyone;
    case M::kStartThread:
    case M::kAddComment: return commenting;
    case M::kEditComment: return own_words;
    case M::kDeleteComment:
    case M::kResolveThread: return anyone;
    case M::kRaiseHand:
    case M::kPlaceDot:
    case M::kRemoveDot: return taking_part;
    case M::kAddLayer:
    case M::kStartBreakouts:
    case M::kOpenBreakoutGroup:
    case M::kEndBreakouts:
    case M::kBroadcastToGroups:
    case M::kAddAttachment: return admin;
    default:
        return facilitators; // room info, archive, settings, moderation, agenda, timer, views, hands queue, votes,
                             // sessions
    }
}

pb::Audience effective(pb::Audience audience)
{
    return audience == pb::AUDIENCE_UNSPECIFIED ? pb::AUDIENCE_PARTICIPANTS : audience;
}

const char* role_plural(pb::Role role)
{
    switch (role) {
    case pb::ROLE_FACILITATOR: return "facilitators";
    case pb::ROLE_PARTICIPANT: return "participants";
    case pb::ROLE_OBSERVER: return "observers";
    default: return "actors without a role";
    }
}

} // namespace

problem check_permission(const room_data& room, const pb::ClientMessage& command, const actor& who)
{
    const rule r = rule_for(command.body_case());
    const std::string name = command_name(command.body_case()) ? command_name(command.body_case()) : "this command";
    const bool is_admin = who.role == pb::ROLE_ADMIN;

    if (room.archived && !command.has_archive_room())
        return reject(pb::ERROR_CODE_ROOM_ARCHIVED, "the room is archived: it can be read and exported, not changed");
    if (room.removed.count(who.id) && !is_admin)
        return reject(pb::ERROR_CODE_PARTICIPANT_REMOVED, "a facilitator removed you from this room");

    // The admin API (and the server's own timers) may do what a facilitator
    // may, and archive; it is never muted or locked out.
    if (is_admin)
        return std::nullopt;
    if (r.admin_only)
        return reject(pb::ERROR_CODE_PERMISSION_DENIED, name + " is for the admin API only");

    bool role_ok = false;
    switch (who.role) {
    case pb::ROLE_FACILITATOR: role_ok = r.facilitator; break;
    case pb::ROLE_PARTICIPANT: role_ok = r.participant; break;
    case pb::ROLE_OBSERVER:
        role_ok = r.observer || (r.gated == gate::chat && effective(room.settings.chat()) == pb::AUDIENCE_EVERYONE) ||
            (r.gated == gate::comment && effective(room.settings.comment()) == pb::AUDIENCE_EVERYONE);
        break;
    default: role_ok = false; break;
    }
    if (!role_ok) {
        std::string why = std::string(role_plural(who.role)) + " may not " + name;
        if (who.role == pb::ROLE_OBSERVER && (r.gated == gate::chat || r.gated == gate::comment))
            why += " unless a facilitator lets everyone " + std::string(r.gated == gate::chat ? "chat" : "comment");
        else if (who.role == pb::ROLE_OBSERVER)
            why += ": observers are read-only";
        else if (r.facilitator && !r.participant)
            why += ": only a facilitator may";
        return reject(pb::ERROR_CODE_PERMISSION_DENIED, why);
    }

    const bool facilitator = who.role == pb::ROLE_FACILITATOR;
    switch (r.gated) {
    case gate::annotate:
        if (room.settings.map_locked() && !(facilitator && command.has_delete_feature()))
            return reject(pb::ERROR_CODE_LOCKED, "the map is locked: a facilitator has frozen it");
        if (!facilitator && effective(room.settings.annotate()) == pb::AUDIENCE_FACILITATORS)
            return reject(pb::ERROR_CODE_LOCKED, "only facilitators may draw on the map right now");
        break;
    case gate::chat:
        if (!facilitator && effective(room.settings.chat()) == pb::AUDIENCE_FACILITATORS)
            return reject(pb::ERROR_CODE_LOCKED, "only facilitators may chat right now");
        break;
    case gate::comment:
        if (!facilitator && effective(room.settings.comment()) == pb::AUDIENCE_FACILITATORS)
            return reject(pb::ERROR_CODE_LOCKED, "only facilitators may comment right now");
        break;
    case gate::muted_only:
    case gate::none: break;
    }
    if ((r.gated == gate::chat || r.gated == gate::comment || r.gated == gate::muted_only) && room.muted.count(who.id))
        return reject(pb::ERROR_CODE_MUTED, "a facilitator muted you: you may not chat or comment for now");
    return std::nullopt;
}

} // namespace maptable::model::rules
