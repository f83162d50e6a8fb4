// Layer: model. Reference layers: read-only data a city brings into a room
// (docs/REFERENCE-LAYERS.md). The server adds them (add_layer, the import
// route's command, admin only); facilitators rename, restyle, remove and
// copy them into the room's own features.
#include "model/rules/rules.hpp"

#include "model/limits.hpp"

#include <algorithm>
#include <cctype>

namespace maptable::model::rules {

namespace {

// Layer ids are chosen by the server (the import route): 1-64 of [A-Za-z0-9._-].
problem check_layer_id(std::string_view id)
{
    const auto plain = [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_' || c == '.'; };
    if (!id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), plain))
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

} // namespace

problem validate_layer_command(const room_data& room, const pb::ClientMessage& command, const actor&, pb::Event& event)
{
    switch (command.body_case()) {
    case pb::ClientMessage::kAddLayer: return add_layer(room, command.add_layer(), event);
    default: return reject(pb::ERROR_CODE_UNKNOWN_COMMAND, "this server does not handle this layer command yet");
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
    default: break;
    }
}

} // namespace maptable::model::rules
