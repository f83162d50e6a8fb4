// Layer: tests (fuzz). See fuzz_room.hpp. The invariants are checked against
// oracles written here from the protocol's rules (ranges, roles, seq), not by
// calling the code under test a second time where that can be avoided.
#include "fuzz_room.hpp"

#include "model/limits.hpp"
#include "model/text.hpp"
#include "session/decode.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <variant>

namespace maptable::fuzz {
namespace {

namespace gp = google::protobuf;

[[noreturn]] void broken(const char* condition, const std::string& detail, const char* file, int line)
{
    std::fprintf(stderr, "%s:%d: fuzz invariant broken: %s\n  %s\n", file, line, condition, detail.c_str());
    std::abort();
}

// Not assert(): it must hold in every build type, including Release.
#define FUZZ_REQUIRE(condition, detail)                                                                                \
    do {                                                                                                               \
        if (!(condition))                                                                                              \
            broken(#condition, (detail), __FILE__, __LINE__);                                                          \
    } while (false)

// ---------------------------------------------------------------- builders

pb::LonLat lon_lat(double lon, double lat)
{
    pb::LonLat p;
    p.set_lon(lon);
    p.set_lat(lat);
    return p;
}

pb::Geometry geometry(pb::FeatureKind kind, std::initializer_list<std::pair<double, double>> positions)
{
    pb::Geometry g;
    g.set_kind(kind);
    for (const auto& [lon, lat] : positions)
        *g.add_positions() = lon_lat(lon, lat);
    return g;
}

pb::ClientMessage add_feature(std::uint64_t request_id, const std::string& id, pb::Geometry g, const std::string& title)
{
    pb::ClientMessage m;
    m.set_request_id(request_id);
    pb::Feature& f = *m.mutable_add_feature()->mutable_feature();
    f.set_id(id);
    *f.mutable_geometry() = std::move(g);
    f.set_title(title);
    return m;
}

pb::ClientMessage send_chat(std::uint64_t request_id, const std::string& text, std::uint64_t reply_to = 0,
                            const std::string& feature_id = {})
{
    pb::ClientMessage m;
    m.set_request_id(request_id);
    pb::SendChat& chat = *m.mutable_send_chat();
    chat.set_text(text);
    chat.set_reply_to(reply_to);
    chat.set_feature_id(feature_id);
    return m;
}

pb::ClientMessage update_title(std::uint64_t request_id, const std::string& id, const std::string& title)
{
    pb::ClientMessage m;
    m.set_request_id(request_id);
    m.mutable_update_feature()->set_id(id);
    m.mutable_update_feature()->mutable_patch()->set_title(title);
    return m;
}

// ---------------------------------------------------------------- oracles

bool in_range(const pb::LonLat& p)
{
    return std::isfinite(p.lon()) && std::isfinite(p.lat()) && std::fabs(p.lon()) <= 180 && std::fabs(p.lat()) <= 90;
}

bool zoom_in_range(double zoom)
{
    return std::isfinite(zoom) && zoom >= 0 && zoom <= model::limits().max_zoom;
}

std::string describe(const model::rejection& r)
{
    return "code " + std::to_string(r.code) + ": " + r.message;
}

// Unknown fields anywhere in the message, nested ones included.
bool has_unknown_fields(const gp::Message& message)
{
    const gp::Reflection* reflection = message.GetReflection();
    if (!reflection->GetUnknownFields(message).empty())
        return true;
    std::vector<const gp::FieldDescriptor*> fields;
    reflection->ListFields(message, &fields);
    for (const gp::FieldDescriptor* field : fields) {
        if (field->cpp_type() != gp::FieldDescriptor::CPPTYPE_MESSAGE)
            continue;
        if (field->is_repeated()) {
            for (int i = 0; i < reflection->FieldSize(message, field); ++i)
                if (has_unknown_fields(reflection->GetRepeatedMessage(message, field, i)))
                    return true;
        } else if (has_unknown_fields(reflection->GetMessage(message, field))) {
            return true;
        }
    }
    return false;
}

// A text meant for the client must travel in an Error: valid UTF-8, or the
// client's protobuf would refuse the whole frame.
void check_error_text(std::uint64_t request_id, pb::ErrorCode code, const std::string& text)
{
    FUZZ_REQUIRE(code != pb::ERROR_CODE_UNSPECIFIED, text);
    FUZZ_REQUIRE(!text.empty(), "code " + std::to_string(code));
    FUZZ_REQUIRE(model::is_valid_utf8(text), "code " + std::to_string(code));
    pb::ServerMessage reply;
    pb::Error& error = *reply.mutable_error();
    error.set_request_id(request_id);
    error.set_code(code);
    error.set_message(text);
    pb::ServerMessage parsed;
    FUZZ_REQUIRE(parsed.ParseFromString(reply.SerializeAsString()), text);
    FUZZ_REQUIRE(parsed.error().message() == text, text);
}

void check_rejection(const pb::ClientMessage& message, const model::rejection& r)
{
    check_error_text(message.request_id(), r.code, r.message);
}

// Presence is checked without a state; the session sends it on only when
// these pass.
void check_presence(const pb::ClientMessage& message, outcome& out)
{
    if (message.has_move_cursor()) {
        const pb::LonLat& p = message.move_cursor().position();
        const auto problem = model::check_position(p);
        FUZZ_REQUIRE(problem.has_value() == !in_range(p),
                     "lon " + std::to_string(p.lon()) + " lat " + std::to_string(p.lat()));
        if (problem) {
            FUZZ_REQUIRE(problem->code == pb::ERROR_CODE_INVALID_COORDINATE, describe(*problem));
            check_rejection(message, *problem);
        } else {
            out.presence_ok = true;
        }
    }
    if (message.has_change_viewport()) {
        const pb::Viewport& v = message.change_viewport().viewport();
        const auto problem = model::check_viewport(v);
        const bool valid = in_range(v.south_west()) && in_range(v.north_east()) && zoom_in_range(v.zoom());
        FUZZ_REQUIRE(problem.has_value() == !valid, problem ? describe(*problem) : "viewport accepted");
        if (problem) {
            FUZZ_REQUIRE(problem->code == pb::ERROR_CODE_INVALID_COORDINATE ||
                             problem->code == pb::ERROR_CODE_INVALID_ZOOM,
                         describe(*problem));
            check_rejection(message, *problem);
        } else {
            out.presence_ok = true;
        }
    }
}

// Whatever decodes must survive a trip through the wire unchanged: the SDK
// encodes, the server decodes.
void check_round_trip(const pb::ClientMessage& message)
{
    std::string once;
    FUZZ_REQUIRE(message.SerializeToString(&once), "serialize a decoded ClientMessage");
    auto again = session::decode_client_message(once);
    FUZZ_REQUIRE(std::holds_alternative<pb::ClientMessage>(again), std::get<session::decode_failure>(again).message);
    std::string twice;
    FUZZ_REQUIRE(std::get<pb::ClientMessage>(again).SerializeToString(&twice), "serialize again");
    FUZZ_REQUIRE(once == twice, "re-encoding changed the message");
}

pb::Event::BodyCase event_body_for(pb::ClientMessage::BodyCase command)
{
    using M = pb::ClientMessage;
    using E = pb::Event;
    switch (command) {
    case M::kAddFeature: return E::kFeatureAdded;
    case M::kUpdateFeature: return E::kFeatureUpdated;
    case M::kDeleteFeature: return E::kFeatureDeleted;
    case M::kSendChat: return E::kChatPosted;
    case M::kUpdateRoomInfo: return E::kRoomInfoChanged;
    case M::kUpdateSettings: return E::kSettingsChanged;
    case M::kMuteParticipant: return E::kParticipantMuted;
    case M::kRemoveParticipant: return E::kParticipantRemoved;
    case M::kStartThread: return E::kThreadStarted;
    case M::kAddComment: return E::kCommentAdded;
    case M::kEditComment: return E::kCommentEdited;
    case M::kDeleteComment: return E::kCommentDeleted;
    case M::kResolveThread: return E::kThreadResolved;
    case M::kReactToChat: return E::kChatReacted;
    case M::kEditChat: return E::kChatEdited;
    case M::kDeleteChat: return E::kChatDeleted;
    case M::kSetAgenda: return E::kAgendaSet;
    case M::kOpenAgendaStep: return E::kAgendaStepOpened;
    case M::kControlTimer: return E::kTimerChanged;
    case M::kShareView: return E::kViewShared;
    case M::kSetFollow: return E::kFollowChanged;
    case M::kSpotlight: return E::kSpotlightChanged;
    case M::kRaiseHand: return E::kHandRaised;
    case M::kCallNextHand: return E::kHandCalled;
    case M::kClearHands: return E::kHandsCleared;
    case M::kOpenVote: return E::kVoteOpened;
    case M::kPlaceDot: return E::kDotPlaced;
    case M::kRemoveDot: return E::kDotRemoved;
    case M::kCloseVote: return E::kVoteClosed;
    case M::kStartSession: return E::kSessionStarted;
    case M::kEndSession: return E::kSessionEnded;
    case M::kArchiveRoom: return E::kRoomArchived;
    case M::kAddLayer: return E::kLayerAdded;
    case M::kRemoveLayer: return E::kLayerRemoved;
    case M::kUpdateLayer: return E::kLayerChanged;
    case M::kCopyLayerFeatures: return E::kLayerFeaturesCopied;
    case M::kStartBreakouts: return E::kBreakoutsStarted;
    case M::kOpenBreakoutGroup: return E::kBreakoutGroupOpened;
    case M::kEndBreakouts: return E::kBreakoutsEnded;
    case M::kBroadcastToGroups: return E::kGroupsBroadcast;
    case M::kSetItinerary: return E::kItinerarySet;
    case M::kAddAttachment: return E::kAttachmentAdded;
    default: return E::BODY_NOT_SET;
    }
}

// The permission oracle, written from docs/PERMISSIONS.md for the fuzz room's
// default settings: which roles get past the permission check at all.
bool facilitator_only(pb::ClientMessage::BodyCase command)
{
    using M = pb::ClientMessage;
    switch (command) {
    case M::kAddFeature:
    case M::kUpdateFeature:
    case M::kDeleteFeature:
    case M::kSendChat:
    case M::kReactToChat:
    case M::kEditChat:
    case M::kDeleteChat:
    case M::kStartThread:
    case M::kAddComment:
    case M::kEditComment:
    case M::kDeleteComment:
    case M::kResolveThread:
    case M::kRaiseHand:
    case M::kPlaceDot:
    case M::kRemoveDot: return false;
    default: return true;
    }
}

// Commands no client may send: the admin API's, and those the server sends
// on a person's behalf from an HTTP route (docs/PERMISSIONS.md).
bool admin_only(pb::ClientMessage::BodyCase command)
{
    using M = pb::ClientMessage;
    switch (command) {
    case M::kAddLayer:
    case M::kAddAttachment:
    case M::kStartBreakouts:
    case M::kOpenBreakoutGroup:
    case M::kEndBreakouts:
    case M::kBroadcastToGroups: return true;
    default: return false;
    }
}

// Commands an observer may send about their own words; the content decides.
bool observer_may_try(pb::ClientMessage::BodyCase command)
{
    using M = pb::ClientMessage;
    return command == M::kEditChat || command == M::kDeleteChat || command == M::kEditComment ||
        command == M::kDeleteComment || command == M::kResolveThread;
}

const std::string& populated_room_hash()
{
    static const std::string hash = populated_room().canonical_hash();
    return hash;
}

// What the accepted event did to the room, command by command.
void check_effect(const model::room_state& before, const model::room_state& after, const pb::ClientMessage& message,
                  const pb::Event& event, const model::actor& who)
{
    const std::uint64_t seq = event.seq();
    switch (message.body_case()) {
    case pb::ClientMessage::kAddFeature: {
        const pb::Feature& sent = message.add_feature().feature();
        const pb::Feature* added = after.find_feature(sent.id());
        FUZZ_REQUIRE(added != nullptr, sent.id());
        FUZZ_REQUIRE(before.find_feature(sent.id()) == nullptr, "added over an existing feature");
        FUZZ_REQUIRE(after.features().size() == before.features().size() + 1, "feature count");
        FUZZ_REQUIRE(added->author_id() == who.id && added->author_name() == who.name, "author is the actor");
        FUZZ_REQUIRE(added->created_seq() == seq && added->updated_seq() == seq, "feature seqs");
        const int count = added->geometry().positions_size();
        FUZZ_REQUIRE(count >= 1 && static_cast<std::size_t>(count) <= model::limits().max_positions,
                     std::to_string(count) + " positions");
        for (const pb::LonLat& p : added->geometry().positions())
            FUZZ_REQUIRE(in_range(p), "accepted position out of range");
        // The same id a second time is refused.
        const auto again = after.validate(message, who, now_ms);
        FUZZ_REQUIRE(std::holds_alternative<model::rejection>(again), "added the same id twice");
        FUZZ_REQUIRE(std::get<model::rejection>(again).code == pb::ERROR_CODE_FEATURE_EXISTS,
                     describe(std::get<model::rejection>(again)));
        break;
    }
    case pb::ClientMessage::kUpdateFeature: {
        const pb::UpdateFeature& update = message.update_feature();
        const pb::Feature* old = before.find_feature(update.id());
        const pb::Feature* now = after.find_feature(update.id());
        FUZZ_REQUIRE(old != nullptr && now != nullptr, "updated a feature that is not there");
        FUZZ_REQUIRE(after.features().size() == before.features().size(), "feature count");
        FUZZ_REQUIRE(now->updated_seq() == seq && now->created_seq() == old->created_seq(), "feature seqs");
        FUZZ_REQUIRE(now->author_id() == old->author_id(), "an update changed the author");
        const pb::FeaturePatch& patch = update.patch();
        FUZZ_REQUIRE(now->title() == (patch.has_title() ? patch.title() : old->title()), "title");
        FUZZ_REQUIRE(now->description() == (patch.has_description() ? patch.description() : old->description()),
                     "description");
        FUZZ_REQUIRE(now->colour() == (patch.has_colour() ? patch.colour() : old->colour()), "colour");
        FUZZ_REQUIRE(now->category() == (patch.has_category() ? patch.category() : old->category()), "category");
        FUZZ_REQUIRE(now->layer() == (patch.has_layer() ? patch.layer() : old->layer()), "layer");
        for (const pb::LonLat& p : now->geometry().positions())
            FUZZ_REQUIRE(in_range(p), "accepted position out of range");
        break;
    }
    case pb::ClientMessage::kDeleteFeature: {
        const std::string& id = message.delete_feature().id();
        FUZZ_REQUIRE(before.find_feature(id) != nullptr && after.find_feature(id) == nullptr, id);
        FUZZ_REQUIRE(after.features().size() + 1 == before.features().size(), "feature count");
        const auto again = after.validate(message, who, now_ms);
        FUZZ_REQUIRE(std::holds_alternative<model::rejection>(again), "deleted the same feature twice");
        FUZZ_REQUIRE(std::get<model::rejection>(again).code == pb::ERROR_CODE_FEATURE_NOT_FOUND,
                     describe(std::get<model::rejection>(again)));
        break;
    }
    case pb::ClientMessage::kSendChat: {
        const pb::SendChat& chat = message.send_chat();
        FUZZ_REQUIRE(!after.recent_chat().empty(), "chat not kept");
        const pb::ChatMessage& posted = after.recent_chat().back();
        FUZZ_REQUIRE(posted.seq() == seq && posted.text() == chat.text(), "the posted message");
        FUZZ_REQUIRE(posted.author_id() == who.id && posted.time_ms() == now_ms, "author and time");
        FUZZ_REQUIRE(model::is_valid_utf8(posted.text()) && !model::is_blank(posted.text()), "accepted text");
        FUZZ_REQUIRE(model::utf8_length(posted.text()) <= model::limits().max_chat_chars, "accepted length");
        FUZZ_REQUIRE(posted.reply_to() < seq, "a reply to the future");
        FUZZ_REQUIRE(posted.feature_id().empty() || after.find_feature(posted.feature_id()) != nullptr,
                     "about a feature that is not there");
        const std::size_t expected = std::min(before.recent_chat().size() + 1, model::limits().recent_chat);
        FUZZ_REQUIRE(after.recent_chat().size() == expected, "recent chat size");
        break;
    }
    case pb::ClientMessage::kUpdateRoomInfo: {
        const pb::RoomInfoChanged& change = message.update_room_info().change();
        FUZZ_REQUIRE(who.role == pb::ROLE_FACILITATOR, "room info changed by a non-facilitator");
        FUZZ_REQUIRE(after.info().id() == before.info().id(), "the room id changed");
        FUZZ_REQUIRE(after.info().title() == (change.has_title() ? change.title() : before.info().title()), "title");
        FUZZ_REQUIRE(in_range(after.info().center()), "centre out of range");
        FUZZ_REQUIRE(zoom_in_range(after.info().zoom()), "zoom out of range");
        break;
    }
    default: break; // the other commands' effects are covered by the unit suites
    }
}

void check_role(const pb::ClientMessage& message, const model::actor& who, outcome& out)
{
    const model::room_state& room = populated_room();
    const model::validation result = room.validate(message, who, now_ms);

    if (const auto* refused = std::get_if<model::rejection>(&result)) {
        check_rejection(message, *refused);
        if (!model::produces_event(message))
            FUZZ_REQUIRE(refused->code == pb::ERROR_CODE_UNKNOWN_COMMAND, describe(*refused));
        else if (admin_only(message.body_case()))
            FUZZ_REQUIRE(refused->code == pb::ERROR_CODE_PERMISSION_DENIED, describe(*refused));
        else if (who.role == pb::ROLE_OBSERVER && !observer_may_try(message.body_case()))
            FUZZ_REQUIRE(refused->code == pb::ERROR_CODE_PERMISSION_DENIED, describe(*refused));
        else if (facilitator_only(message.body_case()) && who.role != pb::ROLE_FACILITATOR)
            FUZZ_REQUIRE(refused->code == pb::ERROR_CODE_PERMISSION_DENIED, describe(*refused));
        return;
    }

    const pb::Event& event = std::get<pb::Event>(result);
    ++out.accepted;
    FUZZ_REQUIRE(model::produces_event(message), "an event from a command that produces none");
    FUZZ_REQUIRE(who.role == pb::ROLE_FACILITATOR || who.role == pb::ROLE_PARTICIPANT ||
                     (who.role == pb::ROLE_OBSERVER && observer_may_try(message.body_case())),
                 "a read-only actor wrote");
    FUZZ_REQUIRE(!facilitator_only(message.body_case()) || who.role == pb::ROLE_FACILITATOR,
                 "a facilitator's command accepted from another role");
    FUZZ_REQUIRE(event.seq() == room.seq() + 1, "event seq " + std::to_string(event.seq()));
    FUZZ_REQUIRE(event.time_ms() == now_ms, "event time");
    // An anonymous ballot names no actor; every other event names the sender.
    const bool anonymous_ballot = event.actor_id().empty() && (message.has_place_dot() || message.has_remove_dot());
    FUZZ_REQUIRE(anonymous_ballot || (event.actor_id() == who.id && event.actor_name() == who.name), "event actor");
    FUZZ_REQUIRE(event.body_case() == event_body_for(message.body_case()), "event body");
    FUZZ_REQUIRE(!has_unknown_fields(event), "unvalidated unknown fields reached the event");

    // The event as stored and sent: it encodes, and decodes to the same bytes.
    std::string wire;
    FUZZ_REQUIRE(event.SerializeToString(&wire), "serialize the event");
    pb::Event received;
    FUZZ_REQUIRE(received.ParseFromString(wire), "an accepted event does not decode (invalid UTF-8?)");
    FUZZ_REQUIRE(received.SerializeAsString() == wire, "the event changed on the wire");

    // Validation is a function of (state, command, actor, time).
    const model::validation repeat = room.validate(message, who, now_ms);
    FUZZ_REQUIRE(std::holds_alternative<pb::Event>(repeat) && std::get<pb::Event>(repeat).SerializeAsString() == wire,
                 "validate is not deterministic");

    model::room_state next = room;
    FUZZ_REQUIRE(next.apply(event), "apply refused a validated event");
    FUZZ_REQUIRE(next.seq() == room.seq() + 1, "seq did not advance by one");
    FUZZ_REQUIRE(!next.apply(event), "the same event applied twice");
    FUZZ_REQUIRE(next.seq() == room.seq() + 1, "a refused apply moved the seq");

    const std::string hash = next.canonical_hash();
    FUZZ_REQUIRE(hash.size() == 64, hash);
    FUZZ_REQUIRE(hash != populated_room_hash(), "the state hash did not change");
    // Replicas converge: one from the snapshot, one applying the received event.
    FUZZ_REQUIRE(model::room_state::from_proto(next.to_proto()).canonical_hash() == hash, "snapshot round trip");
    model::room_state replica = room;
    FUZZ_REQUIRE(replica.apply(received) && replica.canonical_hash() == hash, "a replica diverged");

    check_effect(room, next, message, event, who);
}

model::room_state build_room()
{
    model::room_state room("fuzz-room");
    const auto& [facilitator, participant, observer] = actors();
    const auto accept = [&](const pb::ClientMessage& m, const model::actor& who) {
        const model::validation v = room.validate(m, who, now_ms);
        const auto* event = std::get_if<pb::Event>(&v);
        FUZZ_REQUIRE(event != nullptr, describe(std::get<model::rejection>(v)));
        FUZZ_REQUIRE(room.apply(*event), "apply");
    };
    accept(add_feature(1, "f-point", geometry(pb::FEATURE_KIND_POINT, {{18.4231, -33.9249}}), "Bus stop"), participant);
    accept(add_feature(2, "f-line", geometry(pb::FEATURE_KIND_LINE, {{18.42, -33.92}, {18.43, -33.93}}), "Cycle lane"),
           facilitator);
    accept(add_feature(3, "f-area",
                       geometry(pb::FEATURE_KIND_AREA, {{18.41, -33.91}, {18.42, -33.91}, {18.42, -33.92}}), "Park"),
           participant);
    accept(add_feature(4, "f-note", geometry(pb::FEATURE_KIND_NOTE, {{18.40, -33.90}}), "Note"), facilitator);
    accept(send_chat(5, "Where is the bus stop?"), participant);                // seq 5
    accept(send_chat(6, "Here, next to the park.", 5, "f-point"), facilitator); // seq 6
    pb::ClientMessage info;
    info.set_request_id(7);
    pb::RoomInfoChanged& change = *info.mutable_update_room_info()->mutable_change();
    change.set_title("Harbour workshop");
    *change.mutable_center() = lon_lat(18.42, -33.92);
    change.set_zoom(14);
    accept(info, facilitator);                                              // seq 7
    accept(send_chat(8, "Thanks!"), participant);                           // seq 8
    accept(update_title(9, "f-line", "Cycle lane (planned)"), facilitator); // seq 9

    // Facilitation: a thread, an agenda, an open vote with dots, a raised hand.
    pb::ClientMessage thread;
    thread.set_request_id(10);
    thread.mutable_start_thread()->set_thread_id("t-1");
    thread.mutable_start_thread()->set_feature_id("f-point");
    thread.mutable_start_thread()->set_text("Is this stop step-free?");
    accept(thread, participant); // seq 10
    pb::ClientMessage agenda;
    agenda.set_request_id(11);
    pb::AgendaStep& step = *agenda.mutable_set_agenda()->add_steps();
    step.set_id("s-1");
    step.set_title("Mobility");
    *step.mutable_view()->mutable_center() = lon_lat(18.42, -33.92);
    step.mutable_view()->set_zoom(15);
    step.set_timer_seconds(300);
    step.set_prompt("Where do you cross the road?");
    pb::AgendaStep& green = *agenda.mutable_set_agenda()->add_steps();
    green.set_id("s-2");
    green.set_title("Green spaces");
    accept(agenda, facilitator); // seq 11
    pb::ClientMessage vote;
    vote.set_request_id(12);
    vote.mutable_open_vote()->mutable_round()->set_id("v-1");
    vote.mutable_open_vote()->mutable_round()->set_title("Priorities");
    vote.mutable_open_vote()->mutable_round()->set_dots_per_person(3);
    accept(vote, facilitator); // seq 12
    pb::ClientMessage dot;
    dot.set_request_id(13);
    dot.mutable_place_dot()->set_vote_id("v-1");
    dot.mutable_place_dot()->set_feature_id("f-area");
    accept(dot, participant); // seq 13
    accept(dot, facilitator); // seq 14
    pb::ClientMessage hand;
    hand.set_request_id(15);
    hand.mutable_raise_hand()->set_raised(true);
    accept(hand, participant); // seq 15
    return room;
}

} // namespace

const std::array<model::actor, 3>& actors()
{
    static const std::array<model::actor, 3> all{
        model::actor{"fay", "Fay", pb::ROLE_FACILITATOR},
        model::actor{"pat", "Pat", pb::ROLE_PARTICIPANT},
        model::actor{"obi", "Obi", pb::ROLE_OBSERVER},
    };
    return all;
}

const model::room_state& populated_room()
{
    static const model::room_state room = build_room();
    return room;
}

std::vector<std::pair<std::string, pb::ClientMessage>> seed_messages()
{
    std::vector<std::pair<std::string, pb::ClientMessage>> seeds;
    const auto add = [&](std::string name, pb::ClientMessage m) { seeds.emplace_back(std::move(name), std::move(m)); };

    pb::ClientMessage join;
    join.set_request_id(1);
    join.mutable_join()->set_room_id("fuzz-room");
    join.mutable_join()->set_token("eyJhbGciOiJIUzI1NiJ9.eyJyb29tIjoiZnV6ei1yb29tIn0.c2lnbmF0dXJl");
    join.mutable_join()->set_client_id("client-1");
    join.mutable_join()->set_protocol_version(1);
    add("join", join);
    join.mutable_join()->mutable_resume()->set_epoch("epoch-1");
    join.mutable_join()->mutable_resume()->set_last_seq(5);
    add("join_resume", join);

    pb::ClientMessage refresh;
    refresh.set_request_id(2);
    refresh.mutable_refresh_token()->set_token("eyJhbGciOiJIUzI1NiJ9.e30.c2ln");
    add("refresh_token", refresh);

    add("add_point", add_feature(10, "p-new", geometry(pb::FEATURE_KIND_POINT, {{-0.1276, 51.5072}}), "Crossing"));
    pb::ClientMessage line = add_feature(
        11, "l-new", geometry(pb::FEATURE_KIND_LINE, {{2.35, 48.85}, {2.36, 48.86}, {2.37, 48.85}}), "Route");
    line.mutable_add_feature()->mutable_feature()->set_colour("#1f77b4");
    line.mutable_add_feature()->mutable_feature()->set_category("mobility");
    line.mutable_add_feature()->mutable_feature()->set_layer("proposals");
    add("add_line", line);
    pb::ClientMessage area = add_feature(
        12, "a-new", geometry(pb::FEATURE_KIND_AREA, {{-180, -90}, {180, -90}, {180, 90}, {-180, 90}}), "Everywhere");
    area.mutable_add_feature()->mutable_feature()->set_description("An area at the limits of the coordinate range.");
    add("add_area", area);
    pb::ClientMessage note = add_feature(13, "n-new", geometry(pb::FEATURE_KIND_NOTE, {{13.405, 52.52}}), "Straße");
    note.mutable_add_feature()->mutable_feature()->set_description("Noch ein Hinweis: 日本語 und ✓");
    add("add_note", note);

    add("update_title", update_title(14, "f-point", "Bus stop (moved)"));
    pb::ClientMessage geometry_update;
    geometry_update.set_request_id(15);
    geometry_update.mutable_update_feature()->set_id("f-area");
    pb::FeaturePatch& patch = *geometry_update.mutable_update_feature()->mutable_patch();
    *patch.mutable_geometry() =
        geometry(pb::FEATURE_KIND_AREA, {{18.41, -33.91}, {18.43, -33.91}, {18.43, -33.93}, {18.41, -33.93}});
    patch.set_colour("#2CA02C");
    patch.set_category("green");
    patch.set_layer("");
    add("update_geometry", geometry_update);

    pb::ClientMessage remove;
    remove.set_request_id(16);
    remove.mutable_delete_feature()->set_id("f-note");
    add("delete_feature", remove);

    add("send_chat", send_chat(17, "Hello everyone"));
    add("send_chat_reply", send_chat(18, "Agreed, the lane should go further.", 6, "f-line"));

    pb::ClientMessage history;
    history.set_request_id(19);
    history.mutable_get_chat_history()->set_before_seq(8);
    history.mutable_get_chat_history()->set_limit(2);
    add("get_chat_history", history);

    pb::ClientMessage cursor;
    cursor.set_request_id(20);
    *cursor.mutable_move_cursor()->mutable_position() = lon_lat(18.4231, -33.9249);
    add("move_cursor", cursor);

    pb::ClientMessage viewport;
    viewport.set_request_id(21);
    pb::Viewport& v = *viewport.mutable_change_viewport()->mutable_viewport();
    *v.mutable_south_west() = lon_lat(18.40, -33.95);
    *v.mutable_north_east() = lon_lat(18.45, -33.90);
    v.set_zoom(15.5);
    add("change_viewport", viewport);

    pb::ClientMessage info;
    info.set_request_id(22);
    pb::RoomInfoChanged& change = *info.mutable_update_room_info()->mutable_change();
    change.set_description("Second round: the cycle lanes");
    change.set_zoom(0);
    add("update_room_info", info);

    // Facilitation commands, each valid against populated_room().
    const auto message = [](std::uint64_t request_id, auto fill) {
        pb::ClientMessage m;
        m.set_request_id(request_id);
        fill(m);
        return m;
    };
    add("update_settings", message(30, [](pb::ClientMessage& m) {
            m.mutable_update_settings()->mutable_change()->set_map_locked(true);
            m.mutable_update_settings()->mutable_change()->set_comment(pb::AUDIENCE_EVERYONE);
        }));
    add("mute_participant", message(31, [](pb::ClientMessage& m) {
            m.mutable_mute_participant()->set_participant_id("pat");
            m.mutable_mute_participant()->set_muted(true);
            m.mutable_mute_participant()->set_reason("off topic");
        }));
    add("remove_participant", message(32, [](pb::ClientMessage& m) {
            m.mutable_remove_participant()->set_participant_id("troll-7");
            m.mutable_remove_participant()->set_reason("abuse");
        }));
    add("start_thread_place", message(33, [](pb::ClientMessage& m) {
            m.mutable_start_thread()->set_thread_id("t-place");
            *m.mutable_start_thread()->mutable_position() = lon_lat(18.415, -33.915);
            m.mutable_start_thread()->set_text("A bench here?");
        }));
    add("add_comment", message(34, [](pb::ClientMessage& m) {
            m.mutable_add_comment()->set_thread_id("t-1");
            m.mutable_add_comment()->set_text("Not yet: there is a kerb.");
        }));
    add("edit_comment", message(35, [](pb::ClientMessage& m) {
            m.mutable_edit_comment()->set_thread_id("t-1");
            m.mutable_edit_comment()->set_comment_seq(10);
            m.mutable_edit_comment()->set_text("Is this stop step-free for wheelchairs?");
        }));
    add("delete_comment", message(36, [](pb::ClientMessage& m) {
            m.mutable_delete_comment()->set_thread_id("t-1");
            m.mutable_delete_comment()->set_comment_seq(10);
            m.mutable_delete_comment()->set_reason("duplicate");
        }));
    add("resolve_thread", message(37, [](pb::ClientMessage& m) {
            m.mutable_resolve_thread()->set_thread_id("t-1");
            m.mutable_resolve_thread()->set_resolved(true);
        }));
    add("react_to_chat", message(38, [](pb::ClientMessage& m) {
            m.mutable_react_to_chat()->set_message_seq(5);
            m.mutable_react_to_chat()->set_emoji("\xF0\x9F\x91\x8D"); // thumbs up
        }));
    add("edit_chat", message(39, [](pb::ClientMessage& m) {
            m.mutable_edit_chat()->set_message_seq(6);
            m.mutable_edit_chat()->set_text("Here, right next to the park.");
        }));
    add("delete_chat", message(40, [](pb::ClientMessage& m) {
            m.mutable_delete_chat()->set_message_seq(6);
            m.mutable_delete_chat()->set_reason("wrong place");
        }));
    add("set_agenda", message(41, [](pb::ClientMessage& m) {
            pb::AgendaStep& step = *m.mutable_set_agenda()->add_steps();
            step.set_id("intro");
            step.set_title("Welcome");
            pb::Bounds& bounds = *step.mutable_view()->mutable_bounds();
            *bounds.mutable_south_west() = lon_lat(18.40, -33.95);
            *bounds.mutable_north_east() = lon_lat(18.45, -33.90);
        }));
    add("open_agenda_step",
        message(42, [](pb::ClientMessage& m) { m.mutable_open_agenda_step()->set_step_id("s-1"); }));
    add("control_timer", message(43, [](pb::ClientMessage& m) {
            m.mutable_control_timer()->set_action(pb::ControlTimer::ACTION_START);
            m.mutable_control_timer()->set_duration_ms(120'000);
        }));
    add("share_view", message(44, [](pb::ClientMessage& m) {
            pb::Viewport& v = *m.mutable_share_view()->mutable_viewport();
            *v.mutable_south_west() = lon_lat(18.40, -33.95);
            *v.mutable_north_east() = lon_lat(18.45, -33.90);
            v.set_zoom(14);
        }));
    add("set_follow", message(45, [](pb::ClientMessage& m) { m.mutable_set_follow()->set_on(true); }));
    add("spotlight", message(46, [](pb::ClientMessage& m) { m.mutable_spotlight()->set_feature_id("f-line"); }));
    add("raise_hand", message(47, [](pb::ClientMessage& m) { m.mutable_raise_hand()->set_raised(true); }));
    add("call_next_hand", message(48, [](pb::ClientMessage& m) { m.mutable_call_next_hand(); }));
    add("clear_hands", message(49, [](pb::ClientMessage& m) { m.mutable_clear_hands(); }));
    add("open_vote", message(50, [](pb::ClientMessage& m) {
            pb::VoteRound& round = *m.mutable_open_vote()->mutable_round();
            round.set_id("v-green");
            round.set_title("Which green space first?");
            round.set_dots_per_person(2);
            round.set_category("green");
            round.set_anonymous(true);
            round.set_results_hidden(true);
            round.set_end_time_ms(now_ms + 600'000);
            round.set_max_dots_per_feature(1);
        }));
    add("place_dot", message(51, [](pb::ClientMessage& m) {
            m.mutable_place_dot()->set_vote_id("v-1");
            m.mutable_place_dot()->set_feature_id("f-point");
        }));
    add("remove_dot", message(52, [](pb::ClientMessage& m) {
            m.mutable_remove_dot()->set_vote_id("v-1");
            m.mutable_remove_dot()->set_feature_id("f-area");
        }));
    add("close_vote", message(53, [](pb::ClientMessage& m) { m.mutable_close_vote()->set_vote_id("v-1"); }));
    add("start_session",
        message(54, [](pb::ClientMessage& m) { m.mutable_start_session()->set_title("Workshop 3: mobility"); }));
    add("end_session", message(55, [](pb::ClientMessage& m) { m.mutable_end_session(); })); // none runs: refused
    add("get_state_at", message(56, [](pb::ClientMessage& m) { m.mutable_get_state_at()->set_seq(7); }));
    add("archive_room", message(57, [](pb::ClientMessage& m) { m.mutable_archive_room()->set_archived(true); }));
    // Reference layers. The room has none, so the facilitator's commands on
    // one are refused (LAYER_NOT_FOUND); they are seeds for their shapes.
    add("add_layer", message(58, [](pb::ClientMessage& m) {
            pb::ReferenceLayer& layer = *m.mutable_add_layer()->mutable_layer();
            layer.set_id("parks");
            layer.set_name("Parks");
            *layer.add_features()->mutable_geometry() = geometry(pb::FEATURE_KIND_POINT, {{18.42, -33.92}});
        }));
    add("remove_layer", message(59, [](pb::ClientMessage& m) { m.mutable_remove_layer()->set_layer_id("parks"); }));
    add("update_layer", message(60, [](pb::ClientMessage& m) {
            m.mutable_update_layer()->set_layer_id("parks");
            m.mutable_update_layer()->set_name("Green spaces");
        }));
    add("copy_layer_features", message(61, [](pb::ClientMessage& m) {
            m.mutable_copy_layer_features()->set_layer_id("parks");
            m.mutable_copy_layer_features()->add_indexes(0);
            m.mutable_copy_layer_features()->add_feature_ids("f-park");
        }));
    // Breakout groups and attachments: the server's own commands.
    add("start_breakouts", message(62, [](pb::ClientMessage& m) {
            pb::BreakoutRound& round = *m.mutable_start_breakouts()->mutable_round();
            round.set_id("r1");
            round.set_mode(pb::BREAKOUT_MODE_BY_HAND);
            pb::BreakoutGroup& group = *round.add_groups();
            group.set_id("g1");
            group.set_name("North");
            group.set_room_id("harbour.r1.g1");
        }));
    add("open_breakout_group", message(63, [](pb::ClientMessage& m) {
            pb::BreakoutMembership& membership = *m.mutable_open_breakout_group()->mutable_membership();
            membership.set_parent_room_id("plenary");
            membership.set_round_id("r1");
            membership.set_group_id("g1");
            membership.set_group_name("North");
        }));
    add("end_breakouts", message(64, [](pb::ClientMessage& m) { m.mutable_end_breakouts()->set_round_id("r1"); }));
    add("broadcast_to_groups",
        message(65, [](pb::ClientMessage& m) { m.mutable_broadcast_to_groups()->set_text("Five minutes left"); }));
    add("add_attachment", message(66, [](pb::ClientMessage& m) {
            pb::Attachment& attachment = *m.mutable_add_attachment()->mutable_attachment();
            attachment.set_id("0123456789abcdef0123456789abcdef");
            attachment.set_content_type("image/jpeg");
            attachment.set_size(1000);
        }));
    add("set_itinerary", message(67, [](pb::ClientMessage& m) {
            pb::ItineraryStop& stop = *m.mutable_set_itinerary()->add_stops();
            stop.set_id("stop-1");
            stop.set_title("Harbour steps");
            *stop.mutable_position() = lon_lat(18.42, -33.92);
        }));
    return seeds;
}

outcome check_client_message(std::string_view bytes)
{
    outcome out;
    auto decoded = session::decode_client_message(bytes);
    if (const auto* failure = std::get_if<session::decode_failure>(&decoded)) {
        FUZZ_REQUIRE(failure->code == pb::ERROR_CODE_MALFORMED_MESSAGE || failure->code == pb::ERROR_CODE_INVALID_UTF8,
                     "decode failure code " + std::to_string(failure->code));
        check_error_text(failure->request_id, failure->code, failure->message);
        return out;
    }
    out.decoded = true;
    const pb::ClientMessage& message = std::get<pb::ClientMessage>(decoded);
    check_round_trip(message);
    check_presence(message, out);
    for (const model::actor& who : actors())
        check_role(message, who, out);
    return out;
}

} // namespace maptable::fuzz
