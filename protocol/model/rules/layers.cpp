// Layer: model. Reference layers: read-only data a city brings into a room
// (docs/REFERENCE-LAYERS.md). The server adds them (add_layer, the import
// route's command, admin only); facilitators rename, restyle, remove and
// copy them into the room's own features.
#include "model/rules/rules.hpp"

#include "model/limits.hpp"
#include "model/plain_id.hpp"
#include "model/text.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace maptable::model::rules {

namespace {

// Layer ids are chosen by the server (the import route): 1-64 of [A-Za-z0-9._-].
problem check_layer_id(std::string_view id)
{
    if (is_plain_id(id))
        return std::nullopt;
    return reject(pb::ERROR_CODE_INVALID_LAYER,
                  "a layer id must be 1 to 64 of A-Z a-z 0-9 . _ -, got " + quote_short(id));
}

problem check_layer_style(const pb::LayerStyle& style)
{
    return style.colour().empty() ? problem{} : check_colour(style.colour());
}

problem add_layer(const room_data& room, const pb::AddLayer& command, pb::Event& event)
{
    const pb::ReferenceLayer& layer = command.layer();
    if (auto p = check_layer_id(layer.id()))
        return p;
    if (room.layers.count(layer.id()))
        return reject(pb::ERROR_CODE_INVALID_LAYER, "the room already has a layer " + quote_short(layer.id()));
    if (room.layers.size() >= limits().max_layers)
        return reject(pb::ERROR_CODE_INVALID_LAYER,
                      "a room holds at most " + std::to_string(limits().max_layers) + " layers: remove one first");
    if (auto p = check_message_text("a layer's name", layer.name(), limits().max_title_chars))
        return p;
    if (auto p = check_layer_style(layer.style()))
        return p;
    const auto count = static_cast<std::size_t>(layer.features_size());
    if (count == 0 || count > limits().max_layer_features)
        return reject(pb::ERROR_CODE_INVALID_LAYER,
                      "a layer has 1 to " + std::to_string(limits().max_layer_features) + " features, got " +
                          std::to_string(count));
    std::size_t vertices = 0;
    for (const pb::LayerFeature& feature : layer.features()) {
        if (feature.geometry().kind() == pb::FEATURE_KIND_NOTE)
            return reject(pb::ERROR_CODE_INVALID_GEOMETRY_KIND, "a layer's features are points, lines or areas");
        if (auto p = first_problem(
                [&] { return check_geometry(feature.geometry()); },
                [&] { return check_text("a layer feature's title", feature.title(), limits().max_title_chars); },
                [&] {
            return check_text("a layer feature's description", feature.description(), limits().max_description_chars);
                }))
            return p;
        vertices += static_cast<std::size_t>(feature.geometry().positions_size());
    }
    if (vertices > limits().max_layer_vertices)
        return reject(pb::ERROR_CODE_INVALID_LAYER,
                      "a layer has at most " + std::to_string(limits().max_layer_vertices) + " positions, got " +
                          std::to_string(vertices));
    pb::ReferenceLayer& added = *event.mutable_layer_added()->mutable_layer();
    added = layer;
    added.set_added_seq(event.seq());
    return std::nullopt;
}

const pb::ReferenceLayer* find_layer(const room_data& room, const std::string& id)
{
    const auto it = room.layers.find(id);
    return it == room.layers.end() ? nullptr : &it->second;
}

problem layer_not_found(std::string_view id)
{
    return reject(pb::ERROR_CODE_LAYER_NOT_FOUND, "the room has no layer " + quote_short(id));
}

problem remove_layer(const room_data& room, const pb::RemoveLayer& command, pb::Event& event)
{
    if (!find_layer(room, command.layer_id()))
        return layer_not_found(command.layer_id());
    if (auto p = check_reason(command.reason()))
        return p;
    event.mutable_layer_removed()->set_layer_id(command.layer_id());
    event.mutable_layer_removed()->set_reason(command.reason());
    return std::nullopt;
}

problem update_layer(const room_data& room, const pb::UpdateLayer& command, pb::Event& event)
{
    if (!find_layer(room, command.layer_id()))
        return layer_not_found(command.layer_id());
    if (!command.has_name() && !command.has_style())
        return reject(pb::ERROR_CODE_EMPTY_PATCH, "the update sets neither a name nor a style, so it changes nothing");
    if (command.has_name())
        if (auto p = check_message_text("a layer's name", command.name(), limits().max_title_chars))
            return p;
    if (command.has_style())
        if (auto p = check_layer_style(command.style()))
            return p;
    pb::LayerChanged& changed = *event.mutable_layer_changed();
    changed.set_layer_id(command.layer_id());
    if (command.has_name())
        changed.set_name(command.name());
    if (command.has_style())
        *changed.mutable_style() = command.style();
    return std::nullopt;
}

// Each index names one of the layer's features; each id is a new feature of
// the room, at the same place in feature_ids. All or nothing: the first
// problem refuses the whole copy.
problem copy_layer_features(const room_data& room, const pb::CopyLayerFeatures& command, pb::Event& event)
{
    const pb::ReferenceLayer* layer = find_layer(room, command.layer_id());
    if (!layer)
        return layer_not_found(command.layer_id());
    if (command.indexes_size() == 0)
        return reject(pb::ERROR_CODE_INVALID_LAYER, "name at least one of the layer's features to copy");
    if (command.indexes_size() != command.feature_ids_size())
        return reject(pb::ERROR_CODE_INVALID_LAYER,
                      "each copied feature needs one new feature id: got " + std::to_string(command.indexes_size()) +
                          " indexes and " + std::to_string(command.feature_ids_size()) + " ids");
    std::set<std::uint32_t> indexes;
    std::set<std::string_view> ids;
    for (int i = 0; i < command.indexes_size(); ++i) {
        const std::uint32_t index = command.indexes(i);
        const std::string& id = command.feature_ids(i);
        if (index >= static_cast<std::uint32_t>(layer->features_size()))
            return reject(pb::ERROR_CODE_INVALID_LAYER,
                          "the layer has " + std::to_string(layer->features_size()) + " features (0 to " +
                              std::to_string(layer->features_size() - 1) + "), so it has no feature " +
                              std::to_string(index));
        if (!indexes.insert(index).second)
            return reject(pb::ERROR_CODE_INVALID_LAYER,
                          "the layer's feature " + std::to_string(index) + " is named twice");
        if (auto p = check_id("feature", id))
            return p;
        if (room.features.count(id) || !ids.insert(id).second)
            return reject(pb::ERROR_CODE_FEATURE_EXISTS,
                          "a feature with id " + quote_short(id) + " already exists; choose another id");
        if (auto p = at("the layer's feature " + std::to_string(index),
                        check_inside(room.info, layer->features(static_cast<int>(index)).geometry())))
            return p;
    }
    pb::LayerFeaturesCopied& copied = *event.mutable_layer_features_copied();
    copied.set_layer_id(command.layer_id());
    *copied.mutable_indexes() = command.indexes();
    *copied.mutable_feature_ids() = command.feature_ids();
    return std::nullopt;
}

// The first max_chars code points of valid UTF-8 text.
std::string first_chars(const std::string& text, std::size_t max_chars)
{
    std::size_t chars = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if ((c & 0xC0) != 0x80 && chars++ == max_chars)
            return text.substr(0, i);
    }
    return text;
}

// A copied feature's description: the layer feature's own, then its
// properties as "key: value" lines, in the file's order, as long as the
// next line still fits the model's limit (a copy keeps what fits whole).
std::string copied_description(const pb::LayerFeature& source)
{
    std::string description = source.description();
    std::size_t length = utf8_length(description);
    for (const pb::LayerProperty& property : source.properties()) {
        const std::string line = property.key() + ": " + property.value();
        const std::size_t added = utf8_length(line) + (description.empty() ? 0 : 1);
        if (length + added > limits().max_description_chars)
            break;
        if (!description.empty())
            description += '\n';
        description += line;
        length += added;
    }
    return description;
}

pb::Feature copy_of(const pb::ReferenceLayer& layer, const pb::LayerFeature& source, const std::string& id,
                    const pb::Event& event)
{
    pb::Feature feature;
    feature.set_id(id);
    *feature.mutable_geometry() = source.geometry();
    feature.set_title(source.title());
    feature.set_description(copied_description(source));
    feature.set_colour(layer.style().colour());
    // The layer's name says where the copy came from; a feature's layer is a
    // short text, so a long name is cut to it.
    feature.set_layer(first_chars(layer.name(), limits().max_short_text_chars));
    feature.set_author_id(event.actor_id());
    feature.set_author_name(event.actor_name());
    feature.set_created_seq(event.seq());
    feature.set_updated_seq(event.seq());
    return feature;
}

} // namespace

problem validate_layer_command(const room_data& room, const pb::ClientMessage& command, const actor&, pb::Event& event)
{
    switch (command.body_case()) {
    case pb::ClientMessage::kAddLayer: return add_layer(room, command.add_layer(), event);
    case pb::ClientMessage::kRemoveLayer: return remove_layer(room, command.remove_layer(), event);
    case pb::ClientMessage::kUpdateLayer: return update_layer(room, command.update_layer(), event);
    case pb::ClientMessage::kCopyLayerFeatures: return copy_layer_features(room, command.copy_layer_features(), event);
    default: return reject(pb::ERROR_CODE_INTERNAL, "not a layer command");
    }
}

void apply_layer_event(room_data& room, const pb::Event& event)
{
    switch (event.body_case()) {
    case pb::Event::kLayerAdded: {
        const pb::ReferenceLayer& layer = event.layer_added().layer();
        room.layers.emplace(layer.id(), layer); // an id already there keeps its first layer
        break;
    }
    case pb::Event::kLayerRemoved: room.layers.erase(event.layer_removed().layer_id()); break;
    case pb::Event::kLayerChanged: {
        const pb::LayerChanged& changed = event.layer_changed();
        const auto it = room.layers.find(changed.layer_id());
        if (it == room.layers.end())
            break;
        if (changed.has_name())
            it->second.set_name(changed.name());
        if (changed.has_style())
            *it->second.mutable_style() = changed.style();
        break;
    }
    case pb::Event::kLayerFeaturesCopied: {
        // Total: a missing layer, an index out of range or an id in use
        // (events validate would never make) copy nothing of that pair.
        const pb::LayerFeaturesCopied& copied = event.layer_features_copied();
        const auto it = room.layers.find(copied.layer_id());
        if (it == room.layers.end())
            break;
        const pb::ReferenceLayer& layer = it->second;
        const int pairs = std::min(copied.indexes_size(), copied.feature_ids_size());
        for (int i = 0; i < pairs; ++i) {
            const std::uint32_t index = copied.indexes(i);
            const std::string& id = copied.feature_ids(i);
            if (index >= static_cast<std::uint32_t>(layer.features_size()) || room.features.count(id))
                continue;
            room.features.emplace(id, copy_of(layer, layer.features(static_cast<int>(index)), id, event));
        }
        break;
    }
    default: break;
    }
}

} // namespace maptable::model::rules
