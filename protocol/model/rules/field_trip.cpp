// Layer: model. A study trip's itinerary (facilitators set it whole), and
// the room's attachments: each upload is added to the room's log by the
// upload route (AddAttachment, on the uploader's behalf), so that features
// and comments can name only the room's own, and a deleted feature or
// comment takes its photos with it (released: 410 Gone).
#include "model/rules/attachments.hpp"
#include "model/rules/rules.hpp"

#include "model/limits.hpp"

#include <algorithm>
#include <set>

namespace maptable::model::rules {

namespace {

// A day's walk through a city, with room to spare; also bounds what the
// itinerary adds to every Welcome.
constexpr std::size_t max_itinerary_stops = 50;
// Every attachment of a room is in its state (and so in each Welcome, about
// 120 bytes each): a long study trip's photos fit, a photo archive does not.
constexpr std::size_t max_room_attachments = 5000;

bool is_attachment_id(std::string_view id)
{
    return id.size() == 32 &&
        std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool is_attachment_type(std::string_view type)
{
    return type == "image/jpeg" || type == "image/png" || type == "image/webp" || type == "application/pdf";
}

problem add_attachment(const room_data& room, const pb::AddAttachment& command, const actor& who, pb::Event& event)
{
    const pb::Attachment& attachment = command.attachment();
    if (!is_attachment_id(attachment.id()))
        return reject(pb::ERROR_CODE_INVALID_ID,
                      "an attachment id is 32 lower-case hex digits, got " + quote_short(attachment.id()));
    // An upload retried with its Idempotency-Key is added once: the route
    // takes this answer as success.
    if (room.attachments.count(attachment.id()))
        return reject(pb::ERROR_CODE_NO_CHANGE, "the room already has attachment " + attachment.id());
    if (room.attachments.size() >= max_room_attachments)
        return reject(pb::ERROR_CODE_INVALID_LIMIT,
                      "a room holds at most " + std::to_string(max_room_attachments) + " attachments");
    if (!is_attachment_type(attachment.content_type()))
        return reject(pb::ERROR_CODE_INVALID_SETTING,
                      "an attachment is image/jpeg, image/png, image/webp or application/pdf, got " +
                          quote_short(attachment.content_type()));
    if (attachment.has_taken_at())
        if (auto p = at("taken_at", check_position(attachment.taken_at())))
            return p;
    pb::Attachment& added = *event.mutable_attachment_added()->mutable_attachment();
    added = attachment;
    added.set_uploader_id(who.id);
    added.set_added_seq(event.seq());
    added.set_released_seq(0);
    return std::nullopt;
}

problem check_stop(const room_data& room, const pb::ItineraryStop& stop)
{
    if (!is_valid_id(stop.id()))
        return reject(pb::ERROR_CODE_INVALID_ITINERARY,
                      "a stop id must be " + id_rule() + ", got " + quote_short(stop.id()));
    if (!stop.has_position())
        return reject(pb::ERROR_CODE_INVALID_COORDINATE, "a stop needs a position");
    if (auto p = check_position(stop.position()))
        return p;
    if (auto p = check_inside(room.info, stop.position()))
        return p;
    if (auto p = check_message_text("a stop's title", stop.title(), limits().max_title_chars))
        return p;
    if (auto p = check_text("a stop's note", stop.note(), limits().max_description_chars))
        return p;
    if (!stop.feature_id().empty() && !room.features.count(stop.feature_id()))
        return reject(pb::ERROR_CODE_FEATURE_NOT_FOUND,
                      "the stop is at feature " + quote_short(stop.feature_id()) + ", which does not exist");
    if (stop.planned_ms() < 0)
        return reject(pb::ERROR_CODE_INVALID_ITINERARY, "a stop's planned time is Unix milliseconds, or 0 for none");
    return std::nullopt;
}

problem set_itinerary(const room_data& room, const pb::SetItinerary& command, pb::Event& event)
{
    const auto count = static_cast<std::size_t>(command.stops_size());
    if (count > max_itinerary_stops)
        return reject(pb::ERROR_CODE_INVALID_ITINERARY,
                      "an itinerary has at most " + std::to_string(max_itinerary_stops) + " stops, got " +
                          std::to_string(count));
    std::set<std::string_view> ids;
    for (int i = 0; i < command.stops_size(); ++i) {
        const pb::ItineraryStop& stop = command.stops(i);
        if (auto p = at("stop " + std::to_string(i + 1), check_stop(room, stop)))
            return p;
        if (!ids.insert(stop.id()).second)
            return reject(pb::ERROR_CODE_INVALID_ITINERARY,
                          "stop " + std::to_string(i + 1) + ": the id " + quote_short(stop.id()) +
                              " is used by an earlier stop");
    }
    *event.mutable_itinerary_set()->mutable_stops() = command.stops();
    return std::nullopt;
}

bool named_by_feature(const room_data& room, const std::string& id)
{
    for (const auto& [fid, feature] : room.features)
        if (std::find(feature.attachment_ids().begin(), feature.attachment_ids().end(), id) !=
            feature.attachment_ids().end())
            return true;
    return false;
}

bool named_by_comment(const room_data& room, const std::string& id)
{
    for (const auto& [tid, thread] : room.threads)
        for (const pb::Comment& comment : thread.comments())
            if (!comment.deleted() &&
                std::find(comment.attachment_ids().begin(), comment.attachment_ids().end(), id) !=
                    comment.attachment_ids().end())
                return true;
    return false;
}

} // namespace

problem check_attachment_ids(const room_data& room, const google::protobuf::RepeatedPtrField<std::string>& ids)
{
    if (ids.size() > max_attachments_per_item)
        return reject(pb::ERROR_CODE_INVALID_LIMIT,
                      "at most " + std::to_string(max_attachments_per_item) + " attachments, got " +
                          std::to_string(ids.size()));
    std::set<std::string_view> seen;
    for (const std::string& id : ids) {
        const auto it = room.attachments.find(id);
        if (it == room.attachments.end())
            return reject(pb::ERROR_CODE_ATTACHMENT_NOT_FOUND,
                          "this room has no attachment " + quote_short(id) + "; upload it to this room first");
        if (it->second.released_seq() != 0)
            return reject(pb::ERROR_CODE_ATTACHMENT_NOT_FOUND,
                          "attachment " + quote_short(id) + " was deleted with what showed it");
        if (!seen.insert(id).second)
            return reject(pb::ERROR_CODE_INVALID_ID, "attachment " + quote_short(id) + " is named twice");
    }
    return std::nullopt;
}

void release_unnamed(room_data& room, const google::protobuf::RepeatedPtrField<std::string>& ids, std::uint64_t seq)
{
    for (const std::string& id : ids) {
        const auto it = room.attachments.find(id);
        if (it == room.attachments.end() || it->second.released_seq() != 0)
            continue;
        if (!named_by_feature(room, id) && !named_by_comment(room, id))
            it->second.set_released_seq(seq);
    }
}

problem validate_field_command(const room_data& room, const pb::ClientMessage& command, const actor& who,
                               pb::Event& event)
{
    switch (command.body_case()) {
    case pb::ClientMessage::kAddAttachment: return add_attachment(room, command.add_attachment(), who, event);
    case pb::ClientMessage::kSetItinerary: return set_itinerary(room, command.set_itinerary(), event);
    default: return reject(pb::ERROR_CODE_INTERNAL, "not a study trip command");
    }
}

void apply_field_event(room_data& room, const pb::Event& event)
{
    switch (event.body_case()) {
    case pb::Event::kAttachmentAdded: {
        const pb::Attachment& attachment = event.attachment_added().attachment();
        room.attachments.emplace(attachment.id(), attachment); // an id already there keeps its first record
        break;
    }
    case pb::Event::kItinerarySet:
        room.itinerary.assign(event.itinerary_set().stops().begin(), event.itinerary_set().stops().end());
        break;
    default: break;
    }
}

} // namespace maptable::model::rules
