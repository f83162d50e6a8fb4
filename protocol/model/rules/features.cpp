// Layer: model. Map features: add, update, delete.
//
// A participant edits and deletes their own features; a facilitator any
// feature (moderation: the event records who and why; the log keeps the
// content for the audit trail). Concurrent patches of different properties
// merge, because a patch carries only what it changes.
#include "model/rules/attachments.hpp"
#include "model/rules/rules.hpp"

#include "model/limits.hpp"

namespace maptable::model::rules {

namespace {

problem check_title(std::string_view v)
{
    return check_text("title", v, limits().max_title_chars);
}
problem check_description(std::string_view v)
{
    return check_text("description", v, limits().max_description_chars);
}
problem check_category(std::string_view v)
{
    return check_text("category", v, limits().max_short_text_chars);
}
problem check_layer(std::string_view v)
{
    return check_text("layer", v, limits().max_short_text_chars);
}

problem check_feature(const room_data& room, const pb::Feature& f)
{
    const pb::RoomInfo& info = room.info;
    return first_problem([&] { return check_attachment_ids(room, f.attachment_ids()); },
                         [&] { return check_geometry(f.geometry()); }, [&] { return check_inside(info, f.geometry()); },
                         [&] { return check_title(f.title()); }, [&] { return check_description(f.description()); },
                         [&] { return check_colour(f.colour()); }, [&] { return check_category(f.category()); },
                         [&] { return check_layer(f.layer()); });
}

// Checks each property the patch sets; an unset property is not looked at.
problem check_patch(const room_data& room, const pb::FeaturePatch& p)
{
    const pb::RoomInfo& info = room.info;
    return first_problem(
        [&] { return p.has_attachments() ? check_attachment_ids(room, p.attachments().ids()) : problem{}; },
        [&] { return p.has_geometry() ? check_geometry(p.geometry()) : problem{}; },
        [&] { return p.has_geometry() ? check_inside(info, p.geometry()) : problem{}; },
        [&] { return p.has_title() ? check_title(p.title()) : problem{}; },
        [&] { return p.has_description() ? check_description(p.description()) : problem{}; },
        [&] { return p.has_colour() ? check_colour(p.colour()) : problem{}; },
        [&] { return p.has_category() ? check_category(p.category()) : problem{}; },
        [&] { return p.has_layer() ? check_layer(p.layer()) : problem{}; });
}

bool is_empty(const pb::FeaturePatch& p)
{
    return !p.has_geometry() && !p.has_title() && !p.has_description() && !p.has_colour() && !p.has_category() &&
        !p.has_layer() && !p.has_attachments();
}

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
    if (patch.has_attachments())
        *feature.mutable_attachment_ids() = patch.attachments().ids();
}

// The feature, or FEATURE_NOT_FOUND; then NOT_AUTHOR unless the actor drew it
// or is a facilitator (or the admin API).
problem find_editable(const room_data& room, const std::string& id, const actor& who, const char* verb,
                      const pb::Feature*& found)
{
    const auto it = room.features.find(id);
    if (it == room.features.end())
        return reject(pb::ERROR_CODE_FEATURE_NOT_FOUND, "there is no feature with id " + quote_short(id));
    found = &it->second;
    const bool moderator = who.role == pb::ROLE_FACILITATOR || who.role == pb::ROLE_ADMIN;
    if (!moderator && found->author_id() != who.id)
        return reject(pb::ERROR_CODE_NOT_AUTHOR,
                      std::string("only its author or a facilitator may ") + verb + " feature " + quote_short(id));
    return std::nullopt;
}

problem add_feature(const room_data& room, const pb::AddFeature& command, const actor& who, pb::Event& event)
{
    const pb::Feature& feature = command.feature();
    if (auto p = check_id("feature", feature.id()))
        return p;
    if (room.features.count(feature.id()))
        return reject(pb::ERROR_CODE_FEATURE_EXISTS,
                      "a feature with id " + quote_short(feature.id()) + " already exists; choose another id");
    if (auto p = check_feature(room, feature))
        return p;

    // Authorship and seqs are the server's to say, whatever the client sent.
    pb::Feature& added = *event.mutable_feature_added()->mutable_feature();
    added = feature;
    added.set_author_id(who.id);
    added.set_author_name(who.name);
    added.set_created_seq(event.seq());
    added.set_updated_seq(event.seq());
    return std::nullopt;
}

problem update_feature(const room_data& room, const pb::UpdateFeature& command, const actor& who, pb::Event& event)
{
    const pb::Feature* feature = nullptr;
    if (auto p = find_editable(room, command.id(), who, "edit", feature))
        return p;
    if (is_empty(command.patch()))
        return reject(pb::ERROR_CODE_EMPTY_PATCH, "the patch sets no property, so it would change nothing");
    if (auto p = check_patch(room, command.patch()))
        return p;

    pb::FeatureUpdated& updated = *event.mutable_feature_updated();
    updated.set_id(command.id());
    *updated.mutable_patch() = command.patch();
    return std::nullopt;
}

problem delete_feature(const room_data& room, const pb::DeleteFeature& command, const actor& who, pb::Event& event)
{
    const pb::Feature* feature = nullptr;
    if (auto p = find_editable(room, command.id(), who, "delete", feature))
        return p;
    if (auto p = check_reason(command.reason()))
        return p;
    event.mutable_feature_deleted()->set_id(command.id());
    event.mutable_feature_deleted()->set_reason(command.reason());
    return std::nullopt;
}

} // namespace

problem validate_feature_command(const room_data& room, const pb::ClientMessage& command, const actor& who,
                                 pb::Event& event)
{
    switch (command.body_case()) {
    case pb::ClientMessage::kAddFeature: return add_feature(room, command.add_feature(), who, event);
    case pb::ClientMessage::kUpdateFeature: return update_feature(room, command.update_feature(), who, event);
    case pb::ClientMessage::kDeleteFeature: return delete_feature(room, command.delete_feature(), who, event);
    default: return reject(pb::ERROR_CODE_INTERNAL, "not a feature command");
    }
}

void apply_feature_event(room_data& room, const pb::Event& event)
{
    switch (event.body_case()) {
    case pb::Event::kFeatureAdded: {
        const pb::Feature& feature = event.feature_added().feature();
        room.features[feature.id()] = feature;
        break;
    }
    case pb::Event::kFeatureUpdated: {
        const auto it = room.features.find(event.feature_updated().id());
        if (it != room.features.end()) {
            // The list before the patch: what it drops may be shown nowhere else now.
            const auto before = it->second.attachment_ids();
            merge(it->second, event.feature_updated().patch());
            it->second.set_updated_seq(event.seq());
            if (event.feature_updated().patch().has_attachments())
                release_unnamed(room, before, event.seq());
        }
        break;
    }
    case pb::Event::kFeatureDeleted: {
        const auto it = room.features.find(event.feature_deleted().id());
        if (it == room.features.end())
            break;
        detach_threads(room, it->second);
        if (room.spotlight_feature_id == it->first)
            room.spotlight_feature_id.clear();
        const auto attachments = it->second.attachment_ids();
        room.features.erase(it);
        release_unnamed(room, attachments, event.seq());
        break;
    }
    default: break;
    }
}

} // namespace maptable::model::rules
