// Layer: model (pure: no I/O, no clock, no threads).
//
// The room state machine's frame: routes each command to the rules of its
// area (model/rules/) after the permission check, and each event to the area
// that applies it; converts the state to and from its proto; hashes it.
#include "model/room_state.hpp"

#include "model/limits.hpp"
#include "model/rules/rules.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>
#include <openssl/evp.h>

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <utility>

namespace maptable::model {

using rules::reject;

// ---------------------------------------------------------------- free functions

std::optional<rejection> check_position(const pb::LonLat& p)
{
    // Written so that NaN fails too; infinities are out of range.
    if (!(p.lon() >= -180 && p.lon() <= 180))
        return reject(pb::ERROR_CODE_INVALID_COORDINATE,
                      "lon must be a number in [-180, 180], got " + rules::format_number(p.lon()));
    if (!(p.lat() >= -90 && p.lat() <= 90))
        return reject(pb::ERROR_CODE_INVALID_COORDINATE,
                      "lat must be a number in [-90, 90], got " + rules::format_number(p.lat()));
    return std::nullopt;
}

std::optional<rejection> check_viewport(const pb::Viewport& v)
{
    if (auto problem = rules::at("south_west", check_position(v.south_west())))
        return problem;
    if (auto problem = rules::at("north_east", check_position(v.north_east())))
        return problem;
    return rules::check_zoom(v.zoom());
}

const char* command_name(pb::ClientMessage::BodyCase body)
{
    using M = pb::ClientMessage;
    switch (body) {
    case M::kJoin: return "join";
    case M::kAddFeature: return "add_feature";
    case M::kUpdateFeature: return "update_feature";
    case M::kDeleteFeature: return "delete_feature";
    case M::kSendChat: return "send_chat";
    case M::kGetChatHistory: return "get_chat_history";
    case M::kMoveCursor: return "move_cursor";
    case M::kChangeViewport: return "change_viewport";
    case M::kUpdateRoomInfo: return "update_room_info";
    case M::kRefreshToken: return "refresh_token";
    case M::kUpdateSettings: return "update_settings";
    case M::kMuteParticipant: return "mute_participant";
    case M::kRemoveParticipant: return "remove_participant";
    case M::kStartThread: return "start_thread";
    case M::kAddComment: return "add_comment";
    case M::kEditComment: return "edit_comment";
    case M::kDeleteComment: return "delete_comment";
    case M::kResolveThread: return "resolve_thread";
    case M::kReactToChat: return "react_to_chat";
    case M::kEditChat: return "edit_chat";
    case M::kDeleteChat: return "delete_chat";
    case M::kSetAgenda: return "set_agenda";
    case M::kOpenAgendaStep: return "open_agenda_step";
    case M::kControlTimer: return "control_timer";
    case M::kShareView: return "share_view";
    case M::kSetFollow: return "set_follow";
    case M::kSpotlight: return "spotlight";
    case M::kRaiseHand: return "raise_hand";
    case M::kCallNextHand: return "call_next_hand";
    case M::kClearHands: return "clear_hands";
    case M::kOpenVote: return "open_vote";
    case M::kPlaceDot: return "place_dot";
    case M::kRemoveDot: return "remove_dot";
    case M::kCloseVote: return "close_vote";
    case M::kStartSession: return "start_session";
    case M::kEndSession: return "end_session";
    case M::kGetStateAt: return "get_state_at";
    case M::kArchiveRoom: return "archive_room";
    case M::kRemoveLayer: return "remove_layer";
    case M::kUpdateLayer: return "update_layer";
    case M::kCopyLayerFeatures: return "copy_layer_features";
    case M::kStartBreakouts: return "start_breakouts";
    case M::kEndBreakouts: return "end_breakouts";
    case M::kBroadcastToGroups: return "broadcast_to_groups";
    case M::kSetItinerary: return "set_itinerary";
    case M::kAddLayer: return "add_layer";
    case M::kOpenBreakoutGroup: return "open_breakout_group";
    case M::kAddAttachment: return "add_attachment";
    default: return nullptr;
    }
}

bool produces_event(const pb::ClientMessage& message)
{
    using M = pb::ClientMessage;
    switch (message.body_case()) {
    case M::BODY_NOT_SET:
    case M::kJoin:
    case M::kGetChatHistory:
    case M::kMoveCursor:
    case M::kChangeViewport:
    case M::kRefreshToken:
    case M::kGetStateAt: return false;
    default: return command_name(message.body_case()) != nullptr;
    }
}

// ---------------------------------------------------------------- room_state

room_state::room_state(std::string room_id)
{
    data_.info.set_title(room_id);
    data_.info.set_id(std::move(room_id));
    data_.info.mutable_center()->set_lon(0);
    data_.info.mutable_center()->set_lat(0);
    data_.info.set_zoom(2);
}

room_state room_state::from_proto(const pb::RoomState& state)
{
    return from_proto(pb::RoomState(state));
}

// Takes every element out of state instead of copying it: a loaded room's
// snapshot is decoded once and its features (the bulk of a large room) move
// into the maps by swap, without a second allocation per field.
room_state room_state::from_proto(pb::RoomState&& state)
{
    room_state room(state.info().id());
    room_data& d = room.data_;
    d.info = std::move(*state.mutable_info());
    d.seq = state.seq();
    for (pb::Feature& feature : *state.mutable_features()) {
        std::string id = feature.id();
        d.features.insert_or_assign(std::move(id), std::move(feature));
    }
    for (pb::ChatMessage& message : *state.mutable_recent_chat())
        d.recent_chat.push_back(std::move(message));
    while (d.recent_chat.size() > limits().recent_chat)
        d.recent_chat.pop_front();
    d.settings = std::move(*state.mutable_settings());
    d.muted.insert(state.muted().begin(), state.muted().end());
    d.removed.insert(state.removed().begin(), state.removed().end());
    for (pb::Thread& thread : *state.mutable_threads()) {
        std::string id = thread.id();
        d.threads.insert_or_assign(std::move(id), std::move(thread));
    }
    d.agenda.assign(std::make_move_iterator(state.mutable_agenda()->begin()),
                    std::make_move_iterator(state.mutable_agenda()->end()));
    d.current_step = std::move(*state.mutable_current_step());
    d.timer = std::move(*state.mutable_timer());
    d.follow = std::move(*state.mutable_follow());
    d.spotlight_feature_id = std::move(*state.mutable_spotlight_feature_id());
    d.hands.assign(std::make_move_iterator(state.mutable_hands()->begin()),
                   std::make_move_iterator(state.mutable_hands()->end()));
    d.speaking = std::move(*state.mutable_speaking());
    for (pb::VoteRound& round : *state.mutable_votes()) {
        std::string id = round.id();
        d.votes.insert_or_assign(std::move(id), std::move(round));
    }
    d.sessions.assign(std::make_move_iterator(state.mutable_sessions()->begin()),
                      std::make_move_iterator(state.mutable_sessions()->end()));
    d.current_session = state.current_session();
    d.archived = state.archived();
    for (pb::ReferenceLayer& layer : *state.mutable_layers()) {
        std::string id = layer.id();
        d.layers.insert_or_assign(std::move(id), std::move(layer));
    }
    d.breakouts = std::move(*state.mutable_breakouts());
    d.breakout_of = std::move(*state.mutable_breakout_of());
    d.itinerary.assign(std::make_move_iterator(state.mutable_itinerary()->begin()),
                       std::make_move_iterator(state.mutable_itinerary()->end()));
    for (pb::Attachment& attachment : *state.mutable_attachments()) {
        std::string id = attachment.id();
        d.attachments.insert_or_assign(std::move(id), std::move(attachment));
    }
    return room;
}

pb::RoomState room_state::to_proto() const
{
    const room_data& d = data_;
    pb::RoomState state;
    *state.mutable_info() = d.info;
    state.set_seq(d.seq);
    state.mutable_features()->Reserve(static_cast<int>(d.features.size()));
    for (const auto& entry : d.features)
        *state.add_features() = entry.second;
    state.mutable_recent_chat()->Reserve(static_cast<int>(d.recent_chat.size()));
    for (const pb::ChatMessage& message : d.recent_chat)
        *state.add_recent_chat() = message;
    *state.mutable_settings() = d.settings;
    for (const std::string& id : d.muted)
        state.add_muted(id);
    for (const std::string& id : d.removed)
        state.add_removed(id);
    for (const auto& entry : d.threads)
        *state.add_threads() = entry.second;
    for (const pb::AgendaStep& step : d.agenda)
        *state.add_agenda() = step;
    state.set_current_step(d.current_step);
    *state.mutable_timer() = d.timer;
    *state.mutable_follow() = d.follow;
    state.set_spotlight_feature_id(d.spotlight_feature_id);
    for (const pb::RaisedHand& hand : d.hands)
        *state.add_hands() = hand;
    *state.mutable_speaking() = d.speaking;
    for (const auto& entry : d.votes)
        *state.add_votes() = entry.second;
    for (const pb::Session& session : d.sessions)
        *state.add_sessions() = session;
    state.set_current_session(d.current_session);
    state.set_archived(d.archived);
    for (const auto& entry : d.layers)
        *state.add_layers() = entry.second;
    if (d.breakouts.ByteSizeLong() > 0)
        *state.mutable_breakouts() = d.breakouts;
    if (d.breakout_of.ByteSizeLong() > 0)
        *state.mutable_breakout_of() = d.breakout_of;
    for (const pb::ItineraryStop& stop : d.itinerary)
        *state.add_itinerary() = stop;
    for (const auto& entry : d.attachments)
        *state.add_attachments() = entry.second;
    return state;
}

// The same bytes as to_proto().SerializeAsString(), field by field in
// field-number order, without copying the state into a RoomState first: the
// small fields go through a partial RoomState (a "shell" holding only them),
// the large repeated ones are written straight from the maps. A Welcome or
// snapshot of a 10 000-feature room then costs one serialization, not a deep
// copy and a serialization.
std::string room_state::encode() const
{
    using google::protobuf::internal::WireFormatLite;
    const room_data& d = data_;
    std::string bytes;
    {
        google::protobuf::io::StringOutputStream stream(&bytes);
        google::protobuf::io::CodedOutputStream out(&stream);
        auto write_shell = [&out](const pb::RoomState& shell) { shell.SerializeWithCachedSizes(&out); };
        // A repeated message field's elements: tag, length, bytes (the
        // length computed here: a stored message's cached size may be stale).
        auto write_message = [&out](int field, const google::protobuf::MessageLite& m) {
            const auto size = m.ByteSizeLong();
            WireFormatLite::WriteTag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED, &out);
            out.WriteVarint32(static_cast<std::uint32_t>(size));
            m.SerializeWithCachedSizes(&out);
        };
        auto write_each = [&write_message](int field, const auto& items) {
            for (const auto& item : items) {
                if constexpr (requires { item.second; })
                    write_message(field, item.second);
                else
                    write_message(field, item);
            }
        };
        pb::RoomState shell;
        *shell.mutable_info() = d.info; // fields 1, 2
        shell.set_seq(d.seq);
        shell.ByteSizeLong();
        write_shell(shell);
        write_each(pb::RoomState::kFeaturesFieldNumber, d.features);      // 3
        write_each(pb::RoomState::kRecentChatFieldNumber, d.recent_chat); // 4
        shell.Clear();
        *shell.mutable_settings() = d.settings; // fields 5 to 7
        for (const std::string& id : d.muted)
            shell.add_muted(id);
        for (const std::string& id : d.removed)
            shell.add_removed(id);
        shell.ByteSizeLong();
        write_shell(shell);
        write_each(pb::RoomState::kThreadsFieldNumber, d.threads); // 8
        shell.Clear();
        shell.mutable_agenda()->Add(d.agenda.begin(), d.agenda.end()); // fields 9 to 15
        shell.set_current_step(d.current_step);
        *shell.mutable_timer() = d.timer;
        *shell.mutable_follow() = d.follow;
        shell.set_spotlight_feature_id(d.spotlight_feature_id);
        shell.mutable_hands()->Add(d.hands.begin(), d.hands.end());
        *shell.mutable_speaking() = d.speaking;
        shell.ByteSizeLong();
        write_shell(shell);
        write_each(pb::RoomState::kVotesFieldNumber, d.votes); // 16
        shell.Clear();
        shell.mutable_sessions()->Add(d.sessions.begin(), d.sessions.end()); // fields 17 to 19
        shell.set_current_session(d.current_session);
        shell.set_archived(d.archived);
        shell.ByteSizeLong();
        write_shell(shell);
        write_each(pb::RoomState::kLayersFieldNumber, d.layers); // 20
        shell.Clear();
        if (d.breakouts.ByteSizeLong() > 0) // fields 21 to 23
            *shell.mutable_breakouts() = d.breakouts;
        if (d.breakout_of.ByteSizeLong() > 0)
            *shell.mutable_breakout_of() = d.breakout_of;
        shell.mutable_itinerary()->Add(d.itinerary.begin(), d.itinerary.end());
        shell.ByteSizeLong();
        write_shell(shell);
        write_each(pb::RoomState::kAttachmentsFieldNumber, d.attachments); // 24
        if (out.HadError())
            throw std::runtime_error("room_state::encode: the room state could not be serialized");
    }
    return bytes;
}

validation room_state::validate(const pb::ClientMessage& command, const actor& who, std::int64_t now_ms) const
{
    if (!produces_event(command)) {
        const char* name = command_name(command.body_case());
        if (!name)
            return reject(pb::ERROR_CODE_UNKNOWN_COMMAND,
                          "the message carries no command (an empty or unknown body), so it is not an event command");
        return reject(pb::ERROR_CODE_UNKNOWN_COMMAND,
                      std::string(name) + " is not an event command: the session answers it, not the room state");
    }
    if (auto denied = rules::check_permission(data_, command, who))
        return *denied;

    pb::Event event;
    event.set_seq(data_.seq + 1);
    event.set_time_ms(now_ms);
    event.set_actor_id(who.id);
    event.set_actor_name(who.name);
    event.set_session_id(data_.current_session);

    using M = pb::ClientMessage;
    rules::problem problem;
    switch (command.body_case()) {
    case M::kAddFeature:
    case M::kUpdateFeature:
    case M::kDeleteFeature: problem = rules::validate_feature_command(data_, command, who, event); break;
    case M::kSendChat:
    case M::kReactToChat:
    case M::kEditChat:
    case M::kDeleteChat: problem = rules::validate_chat_command(data_, command, who, event); break;
    case M::kUpdateRoomInfo:
    case M::kUpdateSettings:
    case M::kMuteParticipant:
    case M::kRemoveParticipant:
    case M::kArchiveRoom: problem = rules::validate_moderation_command(data_, command, who, event); break;
    case M::kStartThread:
    case M::kAddComment:
    case M::kEditComment:
    case M::kDeleteComment:
    case M::kResolveThread: problem = rules::validate_comment_command(data_, command, who, event); break;
    case M::kSetAgenda:
    case M::kOpenAgendaStep:
    case M::kControlTimer:
    case M::kShareView:
    case M::kSetFollow:
    case M::kSpotlight:
    case M::kRaiseHand:
    case M::kCallNextHand:
    case M::kClearHands: problem = rules::validate_workshop_command(data_, command, who, event); break;
    case M::kOpenVote:
    case M::kPlaceDot:
    case M::kRemoveDot:
    case M::kCloseVote: problem = rules::validate_vote_command(data_, command, who, event); break;
    case M::kStartSession:
    case M::kEndSession: problem = rules::validate_session_command(data_, command, who, event); break;
    case M::kAddLayer:
    case M::kRemoveLayer:
    case M::kUpdateLayer:
    case M::kCopyLayerFeatures: problem = rules::validate_layer_command(data_, command, who, event); break;
    case M::kStartBreakouts:
    case M::kOpenBreakoutGroup:
    case M::kEndBreakouts:
    case M::kBroadcastToGroups: problem = rules::validate_breakout_command(data_, command, who, event); break;
    case M::kSetItinerary:
    case M::kAddAttachment: problem = rules::validate_field_command(data_, command, who, event); break;
    default: problem = reject(pb::ERROR_CODE_UNKNOWN_COMMAND, "this command is not handled by the room state"); break;
    }
    if (problem)
        return *std::move(problem);

    // Fields this version does not know were not validated; they must not
    // reach the log, the state or its hash.
    event.DiscardUnknownFields();
    return event;
}

bool room_state::apply(const pb::Event& event)
{
    if (event.seq() != data_.seq + 1)
        return false;
    data_.seq = event.seq();

    using E = pb::Event;
    switch (event.body_case()) {
    case E::kFeatureAdded:
    case E::kFeatureUpdated:
    case E::kFeatureDeleted: rules::apply_feature_event(data_, event); break;
    case E::kChatPosted:
    case E::kChatReacted:
    case E::kChatEdited:
    case E::kChatDeleted: rules::apply_chat_event(data_, event); break;
    case E::kRoomInfoChanged:
    case E::kSettingsChanged:
    case E::kParticipantMuted:
    case E::kParticipantRemoved:
    case E::kRoomArchived: rules::apply_moderation_event(data_, event); break;
    case E::kThreadStarted:
    case E::kCommentAdded:
    case E::kCommentEdited:
    case E::kCommentDeleted:
    case E::kThreadResolved: rules::apply_comment_event(data_, event); break;
    case E::kAgendaSet:
    case E::kAgendaStepOpened:
    case E::kTimerChanged:
    case E::kViewShared:
    case E::kFollowChanged:
    case E::kSpotlightChanged:
    case E::kHandRaised:
    case E::kHandCalled:
    case E::kHandsCleared: rules::apply_workshop_event(data_, event); break;
    case E::kVoteOpened:
    case E::kDotPlaced:
    case E::kDotRemoved:
    case E::kVoteClosed: rules::apply_vote_event(data_, event); break;
    case E::kSessionStarted:
    case E::kSessionEnded: rules::apply_session_event(data_, event); break;
    case E::kLayerAdded:
    case E::kLayerRemoved:
    case E::kLayerChanged:
    case E::kLayerFeaturesCopied: rules::apply_layer_event(data_, event); break;
    case E::kBreakoutsStarted:
    case E::kBreakoutsEnded:
    case E::kGroupsBroadcast:
    case E::kBreakoutGroupOpened: rules::apply_breakout_event(data_, event); break;
    case E::kItinerarySet:
    case E::kAttachmentAdded: rules::apply_field_event(data_, event); break;
    default: break; // a body this version does not know: only the seq advances
    }
    return true;
}

const pb::Feature* room_state::find_feature(const std::string& id) const
{
    const auto it = data_.features.find(id);
    return it == data_.features.end() ? nullptr : &it->second;
}

const pb::ChatMessage* room_state::find_chat(std::uint64_t seq) const
{
    const auto it = std::lower_bound(data_.recent_chat.begin(), data_.recent_chat.end(), seq,
                                     [](const pb::ChatMessage& m, std::uint64_t s) { return m.seq() < s; });
    return it != data_.recent_chat.end() && it->seq() == seq ? &*it : nullptr;
}

const pb::Thread* room_state::find_thread(const std::string& id) const
{
    const auto it = data_.threads.find(id);
    return it == data_.threads.end() ? nullptr : &it->second;
}

const pb::VoteRound* room_state::find_vote(const std::string& id) const
{
    const auto it = data_.votes.find(id);
    return it == data_.votes.end() ? nullptr : &it->second;
}

std::string room_state::canonical_hash() const
{
    // Deterministic serialization, spelled out: RoomState has no map fields
    // today, but the hash must not change meaning if one is added.
    std::string bytes;
    {
        google::protobuf::io::StringOutputStream stream(&bytes);
        google::protobuf::io::CodedOutputStream coded(&stream);
        coded.SetSerializationDeterministic(true);
        if (!to_proto().SerializeToCodedStream(&coded))
            throw std::runtime_error("canonical_hash: the room state could not be serialized");
    }

    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_size = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &digest_size, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("canonical_hash: SHA-256 is not available"); // a broken OpenSSL, not bad input

    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(digest_size * 2);
    for (unsigned int i = 0; i < digest_size; ++i) {
        out.push_back(hex[digest[i] >> 4]);
        out.push_back(hex[digest[i] & 0x0F]);
    }
    return out;
}

} // namespace maptable::model
