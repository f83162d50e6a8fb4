// Layer: webhook (pure). Event -> type name, kind filter and JSON body.
#include "webhook/event_body.hpp"

#include "maptable/v1/presence.pb.h"

#include <boost/json.hpp>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <utility>

namespace maptable::webhook {
namespace {

namespace json = boost::json;
using body_case = maptable::v1::Event::BodyCase;

// One row per member of the Event oneof. Groups follow what an operator asks
// for ("tell me about comments"): a thread's start and resolution are
// comment.* because a thread is where comments live.
const std::vector<std::pair<body_case, std::string_view>>& type_table()
{
    static const std::vector<std::pair<body_case, std::string_view>> table = {
        {maptable::v1::Event::kFeatureAdded, "feature.added"},
        {maptable::v1::Event::kFeatureUpdated, "feature.updated"},
        {maptable::v1::Event::kFeatureDeleted, "feature.deleted"},
        {maptable::v1::Event::kChatPosted, "chat.posted"},
        {maptable::v1::Event::kRoomInfoChanged, "room.info_changed"},
        {maptable::v1::Event::kSettingsChanged, "room.settings_changed"},
        {maptable::v1::Event::kParticipantMuted, "participant.muted"},
        {maptable::v1::Event::kParticipantRemoved, "participant.removed"},
        {maptable::v1::Event::kThreadStarted, "comment.thread_started"},
        {maptable::v1::Event::kCommentAdded, "comment.added"},
        {maptable::v1::Event::kCommentEdited, "comment.edited"},
        {maptable::v1::Event::kCommentDeleted, "comment.deleted"},
        {maptable::v1::Event::kThreadResolved, "comment.thread_resolved"},
        {maptable::v1::Event::kChatReacted, "chat.reacted"},
        {maptable::v1::Event::kChatEdited, "chat.edited"},
        {maptable::v1::Event::kChatDeleted, "chat.deleted"},
        {maptable::v1::Event::kAgendaSet, "agenda.set"},
        {maptable::v1::Event::kAgendaStepOpened, "agenda.step_opened"},
        {maptable::v1::Event::kTimerChanged, "agenda.timer_changed"},
        {maptable::v1::Event::kViewShared, "view.shared"},
        {maptable::v1::Event::kFollowChanged, "view.follow_changed"},
        {maptable::v1::Event::kSpotlightChanged, "view.spotlight_changed"},
        {maptable::v1::Event::kHandRaised, "hand.raised"},
        {maptable::v1::Event::kHandCalled, "hand.called"},
        {maptable::v1::Event::kHandsCleared, "hand.cleared"},
        {maptable::v1::Event::kVoteOpened, "vote.opened"},
        {maptable::v1::Event::kDotPlaced, "vote.dot_placed"},
        {maptable::v1::Event::kDotRemoved, "vote.dot_removed"},
        {maptable::v1::Event::kVoteClosed, "vote.closed"},
        {maptable::v1::Event::kSessionStarted, "session.started"},
        {maptable::v1::Event::kSessionEnded, "session.ended"},
        {maptable::v1::Event::kRoomArchived, "room.archived"},
        {maptable::v1::Event::kLayerAdded, "layer.added"},
        {maptable::v1::Event::kLayerRemoved, "layer.removed"},
        {maptable::v1::Event::kLayerChanged, "layer.changed"},
        {maptable::v1::Event::kLayerFeaturesCopied, "layer.features_copied"},
        {maptable::v1::Event::kBreakoutsStarted, "breakout.started"},
        {maptable::v1::Event::kBreakoutsEnded, "breakout.ended"},
        {maptable::v1::Event::kGroupsBroadcast, "breakout.broadcast"},
        {maptable::v1::Event::kBreakoutGroupOpened, "breakout.group_opened"},
        {maptable::v1::Event::kItinerarySet, "itinerary.set"},
        {maptable::v1::Event::kAttachmentAdded, "attachment.added"},
    };
    return table;
}

std::string_view group_of(std::string_view type)
{
    return type.substr(0, type.find('.'));
}

} // namespace

std::string_view event_type(const maptable::v1::Event& event)
{
    for (const auto& [which, type] : type_table())
        if (which == event.body_case())
            return type;
    return {};
}

const std::vector<std::string_view>& event_types()
{
    static const std::vector<std::string_view> types = [] {
        std::vector<std::string_view> out;
        for (const auto& row : type_table())
            out.push_back(row.second);
        return out;
    }();
    return types;
}

const std::vector<std::string_view>& presence_types()
{
    static const std::vector<std::string_view> types = {"participant.joined", "participant.left"};
    return types;
}

std::string_view presence_type(const presence_change& change)
{
    return presence_types()[change.what == presence_change::kind::joined ? 0 : 1];
}

bool known_kind(std::string_view kind)
{
    if (kind == "*")
        return true;
    const auto matches = [&](std::string_view type) { return type == kind || group_of(type) == kind; };
    const auto& types = event_types();
    const auto& presence = presence_types();
    return std::any_of(types.begin(), types.end(), matches) || std::any_of(presence.begin(), presence.end(), matches);
}

bool wanted(const std::vector<std::string>& kinds, std::string_view type)
{
    if (type.empty())
        return false;
    return std::any_of(kinds.begin(), kinds.end(),
                       [&](const std::string& kind) { return kind == "*" || kind == type || kind == group_of(type); });
}

std::string event_json(std::string_view room, const maptable::v1::Event& event)
{
    json::object body;
    body["type"] = event_type(event);
    body["room"] = room;
    body["seq"] = event.seq();
    body["time_ms"] = event.time_ms();
    if (event.actor_id().empty())
        body["actor"] = nullptr;
    else
        body["actor"] = json::object{{"id", event.actor_id()}, {"name", event.actor_name()}};
    body["session_id"] = event.session_id();

    // The body message alone: its oneof member, found by reflection so that
    // every member is covered without a row per message type.
    json::value data = json::object{};
    const auto* descriptor = event.GetDescriptor();
    if (const auto* field = descriptor->FindFieldByNumber(static_cast<int>(event.body_case())); field != nullptr) {
        const auto& message = event.GetReflection()->GetMessage(event, field);
        google::protobuf::util::JsonPrintOptions options;
        options.preserve_proto_field_names = false;
        std::string text;
        if (google::protobuf::util::MessageToJsonString(message, &text, options).ok()) {
            boost::system::error_code ec;
            auto parsed = json::parse(text, ec);
            if (!ec)
                data = std::move(parsed);
        }
    }
    body["data"] = std::move(data);
    return json::serialize(body);
}

std::string presence_json(std::string_view room, const presence_change& change)
{
    json::object body;
    body["type"] = presence_type(change);
    body["room"] = room;
    body["seq"] = change.after_seq;
    body["time_ms"] = change.time_ms;
    body["actor"] = json::object{{"id", change.participant_id}, {"name", change.name}};
    body["session_id"] = change.session_id;
    // The role as protobuf's JSON mapping names it, as in a ParticipantJoined.
    const auto role = maptable::v1::Role_IsValid(change.role) ? static_cast<maptable::v1::Role>(change.role)
                                                              : maptable::v1::ROLE_UNSPECIFIED;
    body["data"] = json::object{
        {"participant",
         json::object{{"id", change.participant_id}, {"name", change.name}, {"role", maptable::v1::Role_Name(role)}}}};
    return json::serialize(body);
}

} // namespace maptable::webhook
