// Layer: model (pure: no I/O, no clock, no threads).
//
// validate() turns a command into an event or a rejection; apply() folds an
// event into the state. Validation checks permission first (a read-only actor
// learns nothing about the content rules), then the content, in the order a
// person would fix it. Rejection texts are for people: they say which field
// is wrong and what would be accepted, and they never echo raw client bytes
// that could be invalid UTF-8 (an Error with such a text would not encode).
#include "model/room_state.hpp"

#include "model/limits.hpp"
#include "model/text.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace maptable::model {

namespace {

rejection reject(pb::ErrorCode code, std::string message)
{
    return rejection{code, std::move(message)};
}

// The shortest text that reads back as the same double ("200", "1e+300",
// "NaN", "infinity"), so a message shows the exact value that was refused.
std::string format_number(double value)
{
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value > 0 ? "infinity" : "-infinity";
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

// A client string shown in a message: quoted when it is short (as long as
// the longest feature id) and valid UTF-8, otherwise described by its size.
std::string quote_short(std::string_view s)
{
    if (s.size() <= 64 && is_valid_utf8(s))
        return "\"" + std::string(s) + "\"";
    return "a value of " + std::to_string(s.size()) + " bytes";
}

// ---------------------------------------------------------------- field checks

bool is_valid_feature_id(std::string_view id)
{
    if (id.empty() || id.size() > limits().max_feature_id_bytes)
        return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

std::string id_rule()
{
    return "1 to " + std::to_string(limits().max_feature_id_bytes) + " characters of A-Z, a-z, 0-9, '_' and '-'";
}

std::optional<rejection> check_text(std::string_view field, std::string_view value, std::size_t max_chars)
{
    if (!is_valid_utf8(value))
        return reject(pb::ERROR_CODE_INVALID_UTF8, std::string(field) + " is not valid UTF-8");
    const std::size_t length = utf8_length(value);
    if (length > max_chars)
        return reject(pb::ERROR_CODE_TEXT_TOO_LONG, std::string(field) + " has " + std::to_string(length) +
                                                        " characters; the limit is " + std::to_string(max_chars));
    return std::nullopt;
}

std::optional<rejection> check_colour(std::string_view colour)
{
    if (!is_valid_utf8(colour))
        return reject(pb::ERROR_CODE_INVALID_UTF8, "colour is not valid UTF-8");
    if (colour.empty())
        return std::nullopt;
    const auto is_hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); };
    if (colour.size() == 7 && colour[0] == '#' && std::all_of(colour.begin() + 1, colour.end(), is_hex))
        return std::nullopt;
    return reject(pb::ERROR_CODE_INVALID_COLOUR,
                  "colour must be empty or \"#rrggbb\" with six hex digits (like \"#1f77b4\"), got " + quote_short(colour));
}

std::optional<rejection> check_zoom(double zoom)
{
    // Written so that NaN fails too.
    if (zoom >= 0 && zoom <= limits().max_zoom)
        return std::nullopt;
    return reject(pb::ERROR_CODE_INVALID_ZOOM, "zoom must be a number in [0, " + format_number(limits().max_zoom) +
                                                   "], got " + format_number(zoom));
}

// Prefixes a rejection's text with where the problem is ("position 3: ...").
std::optional<rejection> at(std::string_view where, std::optional<rejection> problem)
{
    if (problem)
        problem->message = std::string(where) + ": " + problem->message;
    return problem;
}

// The kind with its article, to begin a sentence about it.
const char* a_kind(pb::FeatureKind kind)
{
    switch (kind) {
    case pb::FEATURE_KIND_POINT: return "a point";
    case pb::FEATURE_KIND_LINE: return "a line";
    case pb::FEATURE_KIND_AREA: return "an area";
    case pb::FEATURE_KIND_NOTE: return "a note";
    default: return "a feature";
    }
}

std::optional<rejection> check_geometry(const pb::Geometry& geometry)
{
    // The number of positions each kind allows: [min_positions, max_positions].
    std::size_t min_positions = 0;
    std::size_t max_positions = limits().max_positions;
    switch (geometry.kind()) {
    case pb::FEATURE_KIND_POINT:
    case pb::FEATURE_KIND_NOTE: min_positions = max_positions = 1; break;
    case pb::FEATURE_KIND_LINE: min_positions = 2; break;
    case pb::FEATURE_KIND_AREA: min_positions = 3; break;
    case pb::FEATURE_KIND_UNSPECIFIED:
        return reject(pb::ERROR_CODE_INVALID_GEOMETRY_KIND, "the geometry needs a kind: point, line, area or note");
    default:
        return reject(pb::ERROR_CODE_INVALID_GEOMETRY_KIND,
                      "geometry kind " + std::to_string(geometry.kind()) + " is not one of point, line, area or note");
    }

    const std::size_t count = static_cast<std::size_t>(geometry.positions_size());
    const std::string kind = a_kind(geometry.kind());
    if (count > limits().max_positions)
        return reject(pb::ERROR_CODE_TOO_MANY_POSITIONS, kind + " may have at most " +
                                                             std::to_string(limits().max_positions) + " positions, got " +
                                                             std::to_string(count));
    if (min_positions == max_positions && count != min_positions)
        return reject(count < min_positions ? pb::ERROR_CODE_TOO_FEW_POSITIONS : pb::ERROR_CODE_TOO_MANY_POSITIONS,
                      kind + " has exactly " + std::to_string(min_positions) + " position, got " +
                          std::to_string(count));
    if (count < min_positions)
        return reject(pb::ERROR_CODE_TOO_FEW_POSITIONS, kind + " needs at least " +
                                                            std::to_string(min_positions) + " positions, got " +
                                                            std::to_string(count));

    for (int i = 0; i < geometry.positions_size(); ++i)
        if (auto problem = at("position " + std::to_string(i), check_position(geometry.positions(i))))
            return problem;
    return std::nullopt;
}

// The properties a feature and a patch share, other than the geometry.
std::optional<rejection> check_title(std::string_view v) { return check_text("title", v, limits().max_title_chars); }
std::optional<rejection> check_description(std::string_view v)
{
    return check_text("description", v, limits().max_description_chars);
}
std::optional<rejection> check_category(std::string_view v)
{
    return check_text("category", v, limits().max_short_text_chars);
}
std::optional<rejection> check_layer(std::string_view v) { return check_text("layer", v, limits().max_short_text_chars); }

// Returns the first problem among the checks, or nothing.
template <typename... Checks>
std::optional<rejection> first_problem(Checks&&... checks)
{
    std::optional<rejection> problem;
    ((problem = checks()).has_value() || ...);   // stops at the first problem
    return problem;
}

std::optional<rejection> check_feature(const pb::Feature& f)
{
    return first_problem([&] { return check_geometry(f.geometry()); }, [&] { return check_title(f.title()); },
                         [&] { return check_description(f.description()); },
                         [&] { return check_colour(f.colour()); }, [&] { return check_category(f.category()); },
                         [&] { return check_layer(f.layer()); });
}

// Checks each property the patch sets; an unset property is not looked at.
std::optional<rejection> check_patch(const pb::FeaturePatch& p)
{
    using none = std::optional<rejection>;
    return first_problem([&] { return p.has_geometry() ? check_geometry(p.geometry()) : none{}; },
                         [&] { return p.has_title() ? check_title(p.title()) : none{}; },
                         [&] { return p.has_description() ? check_description(p.description()) : none{}; },
                         [&] { return p.has_colour() ? check_colour(p.colour()) : none{}; },
                         [&] { return p.has_category() ? check_category(p.category()) : none{}; },
                         [&] { return p.has_layer() ? check_layer(p.layer()) : none{}; });
}

bool is_empty(const pb::FeaturePatch& p)
{
    return !p.has_geometry() && !p.has_title() && !p.has_description() && !p.has_colour() && !p.has_category() &&
           !p.has_layer();
}

bool is_empty(const pb::RoomInfoChanged& c)
{
    return !c.has_title() && !c.has_description() && !c.has_center() && !c.has_zoom();
}

// ---------------------------------------------------------------- commands

const char* command_name(pb::ClientMessage::BodyCase body)
{
    switch (body) {
    case pb::ClientMessage::kJoin: return "join";
    case pb::ClientMessage::kAddFeature: return "add_feature";
    case pb::ClientMessage::kUpdateFeature: return "update_feature";
    case pb::ClientMessage::kDeleteFeature: return "delete_feature";
    case pb::ClientMessage::kSendChat: return "send_chat";
    case pb::ClientMessage::kGetChatHistory: return "get_chat_history";
    case pb::ClientMessage::kMoveCursor: return "move_cursor";
    case pb::ClientMessage::kChangeViewport: return "change_viewport";
    case pb::ClientMessage::kUpdateRoomInfo: return "update_room_info";
    default: return nullptr;
    }
}

// Who may do what: observers (and anyone without a known role) read only;
// participants draw and chat; only a facilitator changes the room itself.
std::optional<rejection> check_permission(const pb::ClientMessage& command, const actor& who)
{
    if (who.role == pb::ROLE_OBSERVER)
        return reject(pb::ERROR_CODE_PERMISSION_DENIED, "observers are read-only");
    if (who.role != pb::ROLE_FACILITATOR && who.role != pb::ROLE_PARTICIPANT)
        return reject(pb::ERROR_CODE_PERMISSION_DENIED, "an actor without a role is read-only");
    if (command.has_update_room_info() && who.role != pb::ROLE_FACILITATOR)
        return reject(pb::ERROR_CODE_PERMISSION_DENIED, "only a facilitator may change the room info");
    return std::nullopt;
}

// Each of these checks one command against the state and, when it is
// acceptable, fills in the event's body. The event already carries its seq,
// time and actor.

std::optional<rejection> add_feature(const room_state& state, const pb::AddFeature& command, const actor& who,
                                     pb::Event& event)
{
    const pb::Feature& feature = command.feature();
    if (!is_valid_feature_id(feature.id()))
        return reject(pb::ERROR_CODE_INVALID_ID, "a feature id must be " + id_rule() + ", got " + quote_short(feature.id()));
    if (state.find_feature(feature.id()))
        return reject(pb::ERROR_CODE_FEATURE_EXISTS,
                      "a feature with id " + quote_short(feature.id()) + " already exists; choose another id");
    if (auto problem = check_feature(feature))
        return problem;

    // Authorship and seqs are the server's to say, whatever the client sent.
    pb::Feature& added = *event.mutable_feature_added()->mutable_feature();
    added = feature;
    added.set_author_id(who.id);
    added.set_author_name(who.name);
    added.set_created_seq(event.seq());
    added.set_updated_seq(event.seq());
    return std::nullopt;
}

std::optional<rejection> update_feature(const room_state& state, const pb::UpdateFeature& command, pb::Event& event)
{
    if (!state.find_feature(command.id()))
        return reject(pb::ERROR_CODE_FEATURE_NOT_FOUND, "there is no feature with id " + quote_short(command.id()));
    if (is_empty(command.patch()))
        return reject(pb::ERROR_CODE_EMPTY_PATCH, "the patch sets no property, so it would change nothing");
    if (auto problem = check_patch(command.patch()))
        return problem;

    pb::FeatureUpdated& updated = *event.mutable_feature_updated();
    updated.set_id(command.id());
    *updated.mutable_patch() = command.patch();
    return std::nullopt;
}

std::optional<rejection> delete_feature(const room_state& state, const pb::DeleteFeature& command, pb::Event& event)
{
    if (!state.find_feature(command.id()))
        return reject(pb::ERROR_CODE_FEATURE_NOT_FOUND, "there is no feature with id " + quote_short(command.id()));
    event.mutable_feature_deleted()->set_id(command.id());
    return std::nullopt;
}

// A reply must name an earlier chat message. The state keeps only the recent
// window of chat, so a reply_to older than that window cannot be checked and
// is accepted; inside the window it must be exact. The window is a function
// of the log, so the server and every replica give the same answer.
std::optional<rejection> check_reply_to(const room_state& state, std::uint64_t reply_to)
{
    if (reply_to == 0)
        return std::nullopt;
    if (reply_to > state.seq())
        return reject(pb::ERROR_CODE_REPLY_NOT_FOUND, "reply_to " + std::to_string(reply_to) +
                                                          " is not an earlier message: the room is at seq " +
                                                          std::to_string(state.seq()));
    const auto& chat = state.recent_chat();
    if (chat.empty() || reply_to < chat.front().seq())
        return std::nullopt;
    const bool found =
        std::any_of(chat.begin(), chat.end(), [&](const pb::ChatMessage& m) { return m.seq() == reply_to; });
    if (!found)
        return reject(pb::ERROR_CODE_REPLY_NOT_FOUND,
                      "reply_to " + std::to_string(reply_to) + " is not the seq of a chat message in this room");
    return std::nullopt;
}

std::optional<rejection> send_chat(const room_state& state, const pb::SendChat& command, const actor& who,
                                   std::int64_t now_ms, pb::Event& event)
{
    if (!is_valid_utf8(command.text()))
        return reject(pb::ERROR_CODE_INVALID_UTF8, "text is not valid UTF-8");
    if (is_blank(command.text()))
        return reject(pb::ERROR_CODE_EMPTY_MESSAGE, "the message is empty or only white space");
    if (auto problem = check_text("text", command.text(), limits().max_chat_chars))
        return problem;
    if (!command.feature_id().empty() && !state.find_feature(command.feature_id()))
        return reject(pb::ERROR_CODE_FEATURE_NOT_FOUND,
                      "the message is about feature " + quote_short(command.feature_id()) + ", which does not exist");
    if (auto problem = check_reply_to(state, command.reply_to()))
        return problem;

    pb::ChatMessage& message = *event.mutable_chat_posted()->mutable_message();
    message.set_seq(event.seq());
    message.set_author_id(who.id);
    message.set_author_name(who.name);
    message.set_text(command.text());
    message.set_reply_to(command.reply_to());
    message.set_feature_id(command.feature_id());
    message.set_time_ms(now_ms);
    return std::nullopt;
}

std::optional<rejection> update_room_info(const pb::UpdateRoomInfo& command, pb::Event& event)
{
    const pb::RoomInfoChanged& change = command.change();
    if (is_empty(change))
        return reject(pb::ERROR_CODE_EMPTY_PATCH, "the change sets no field of the room info, so it would change nothing");
    using none = std::optional<rejection>;
    auto problem = first_problem(
        [&] { return change.has_title() ? check_title(change.title()) : none{}; },
        [&] { return change.has_description() ? check_description(change.description()) : none{}; },
        [&] { return change.has_center() ? at("center", check_position(change.center())) : none{}; },
        [&] { return change.has_zoom() ? check_zoom(change.zoom()) : none{}; });
    if (problem)
        return problem;

    *event.mutable_room_info_changed() = change;
    return std::nullopt;
}

// ---------------------------------------------------------------- apply

void merge(pb::Feature& feature, const pb::FeaturePatch& patch)
{
    if (patch.has_geometry())
        *feature.mutable_geometry() = patch.geometry();
    if (patch.has_title())
        feature.set_title(patch.title());
    if (patch.has_description())
        feature.set_description(patch.description());
    if (patch.has_colour())
        feature.set_colour(patch.colour());
    if (patch.has_category())
        feature.set_category(patch.category());
    if (patch.has_layer())
        feature.set_layer(patch.layer());
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
}

} // namespace

// ---------------------------------------------------------------- free functions

std::optional<rejection> check_position(const pb::LonLat& p)
{
    // Written so that NaN fails too; infinities are out of range.
    if (!(p.lon() >= -180 && p.lon() <= 180))
        return reject(pb::ERROR_CODE_INVALID_COORDINATE,
                      "lon must be a number in [-180, 180], got " + format_number(p.lon()));
    if (!(p.lat() >= -90 && p.lat() <= 90))
        return reject(pb::ERROR_CODE_INVALID_COORDINATE,
                      "lat must be a number in [-90, 90], got " + format_number(p.lat()));
    return std::nullopt;
}

std::optional<rejection> check_viewport(const pb::Viewport& v)
{
    if (auto problem = at("south_west", check_position(v.south_west())))
        return problem;
    if (auto problem = at("north_east", check_position(v.north_east())))
        return problem;
    return check_zoom(v.zoom());
}

bool produces_event(const pb::ClientMessage& message)
{
    switch (message.body_case()) {
    case pb::ClientMessage::kAddFeature:
    case pb::ClientMessage::kUpdateFeature:
    case pb::ClientMessage::kDeleteFeature:
    case pb::ClientMessage::kSendChat:
    case pb::ClientMessage::kUpdateRoomInfo: return true;
    default: return false;
    }
}

// ---------------------------------------------------------------- room_state

room_state::room_state(std::string room_id)
{
    info_.set_title(room_id);
    info_.set_id(std::move(room_id));
    info_.mutable_center()->set_lon(0);
    info_.mutable_center()->set_lat(0);
    info_.set_zoom(2);
}

room_state room_state::from_proto(const pb::RoomState& state)
{
    room_state room(state.info().id());
    room.info_ = state.info();
    room.seq_ = state.seq();
    for (const pb::Feature& feature : state.features())
        room.features_[feature.id()] = feature;
    for (const pb::ChatMessage& message : state.recent_chat())
        room.recent_chat_.push_back(message);
    while (room.recent_chat_.size() > limits().recent_chat)
        room.recent_chat_.pop_front();
    return room;
}

pb::RoomState room_state::to_proto() const
{
    pb::RoomState state;
    *state.mutable_info() = info_;
    state.set_seq(seq_);
    state.mutable_features()->Reserve(static_cast<int>(features_.size()));
    for (const auto& [id, feature] : features_)
        *state.add_features() = feature;
    state.mutable_recent_chat()->Reserve(static_cast<int>(recent_chat_.size()));
    for (const pb::ChatMessage& message : recent_chat_)
        *state.add_recent_chat() = message;
    return state;
}

validation room_state::validate(const pb::ClientMessage& command, const actor& who, std::int64_t now_ms) const
{
    if (!produces_event(command)) {
        const char* name = command_name(command.body_case());
        if (!name)
            return reject(pb::ERROR_CODE_UNKNOWN_COMMAND, "the message carries no command (an empty or unknown body), so it is not an event command");
        return reject(pb::ERROR_CODE_UNKNOWN_COMMAND,
                      std::string(name) + " is not an event command; the room state only validates add_feature, "
                                          "update_feature, delete_feature, send_chat and update_room_info");
    }
    if (auto denied = check_permission(command, who))
        return *denied;

    pb::Event event;
    event.set_seq(seq_ + 1);
    event.set_time_ms(now_ms);
    event.set_actor_id(who.id);
    event.set_actor_name(who.name);

    std::optional<rejection> problem;
    switch (command.body_case()) {
    case pb::ClientMessage::kAddFeature: problem = add_feature(*this, command.add_feature(), who, event); break;
    case pb::ClientMessage::kUpdateFeature: problem = update_feature(*this, command.update_feature(), event); break;
    case pb::ClientMessage::kDeleteFeature: problem = delete_feature(*this, command.delete_feature(), event); break;
    case pb::ClientMessage::kSendChat: problem = send_chat(*this, command.send_chat(), who, now_ms, event); break;
    case pb::ClientMessage::kUpdateRoomInfo: problem = update_room_info(command.update_room_info(), event); break;
    default: break; // excluded by produces_event() above
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
    if (event.seq() != seq_ + 1)
        return false;
    seq_ = event.seq();

    switch (event.body_case()) {
    case pb::Event::kFeatureAdded: {
        const pb::Feature& feature = event.feature_added().feature();
        features_[feature.id()] = feature;
        break;
    }
    case pb::Event::kFeatureUpdated: {
        const auto it = features_.find(event.feature_updated().id());
        if (it != features_.end()) {
            merge(it->second, event.feature_updated().patch());
            it->second.set_updated_seq(event.seq());
        }
        break;
    }
    case pb::Event::kFeatureDeleted: features_.erase(event.feature_deleted().id()); break;
    case pb::Event::kChatPosted:
        recent_chat_.push_back(event.chat_posted().message());
        while (recent_chat_.size() > limits().recent_chat)
            recent_chat_.pop_front();
        break;
    case pb::Event::kRoomInfoChanged: merge(info_, event.room_info_changed()); break;
    default: break; // a body this version does not know: only the seq advances
    }
    return true;
}

const pb::Feature* room_state::find_feature(const std::string& id) const
{
    const auto it = features_.find(id);
    return it == features_.end() ? nullptr : &it->second;
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
