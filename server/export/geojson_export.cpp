#include "export/geojson_export.hpp"

#include "model/geojson.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <vector>

namespace maptable::exports {

namespace json = boost::json;

namespace {

struct feature_votes {
    std::uint64_t total = 0;
    json::object by_round;
};

feature_votes votes_on(const model::room_state& state, const std::string& feature_id)
{
    feature_votes v;
    for (const auto& [round_id, round] : state.data().votes) {
        std::uint64_t dots = 0;
        for (const auto& ballot : round.ballots())
            if (ballot.feature_id() == feature_id)
                dots += ballot.dots();
        if (dots == 0)
            continue;
        v.total += dots;
        v.by_round[round_id] = dots;
    }
    return v;
}

std::uint64_t comment_count(const model::room_state& state, const std::string& feature_id)
{
    std::uint64_t n = 0;
    for (const auto& [id, thread] : state.data().threads)
        if (thread.feature_id() == feature_id)
            for (const auto& c : thread.comments())
                n += c.deleted() ? 0 : 1;
    return n;
}

json::object feature_of(const model::room_state& state, const pb::Feature& f)
{
    auto votes = votes_on(state, f.id());
    return json::object{
        {"type", "Feature"},
        {"id", f.id()},
        {"geometry", model::geojson_geometry(f.geometry())},
        {"properties",
         json::object{
             {"id", f.id()},
             {"kind", model::kind_name(f.geometry().kind())},
             {"title", f.title()},
             {"description", f.description()},
             {"colour", f.colour()},
             {"category", f.category()},
             {"layer", f.layer()},
             {"author_id", f.author_id()},
             {"author_name", f.author_name()},
             {"created_seq", f.created_seq()},
             {"updated_seq", f.updated_seq()},
             {"votes", votes.total},
             {"votes_by_round", std::move(votes.by_round)},
             {"comment_count", comment_count(state, f.id())},
             {"deleted", false},
         }},
    };
}

// One feature of a reference layer: its geometry as the room's features
// write theirs, its texts, the file's attributes as they were read, and
// which layer it belongs to.
json::object reference_feature_of(const pb::ReferenceLayer& layer, int index)
{
    const pb::LayerFeature& f = layer.features(index);
    json::object attributes;
    for (const auto& p : f.properties())
        attributes[p.key()] = p.value();
    return json::object{
        {"type", "Feature"},
        {"id", layer.id() + "/" + std::to_string(index)},
        {"geometry", model::geojson_geometry(f.geometry())},
        {"properties",
         json::object{
             {"kind", model::kind_name(f.geometry().kind())},
             {"title", f.title()},
             {"description", f.description()},
             {"colour", layer.style().colour()},
             {"reference_layer", json::object{{"id", layer.id()}, {"name", layer.name()}, {"index", index}}},
             {"attributes", std::move(attributes)},
         }},
    };
}

} // namespace

std::size_t layer_vertices(const pb::ReferenceLayer& layer)
{
    std::size_t n = 0;
    for (const auto& f : layer.features())
        n += static_cast<std::size_t>(f.geometry().positions_size());
    return n;
}

json::object layer_summary(const pb::ReferenceLayer& layer, std::string_view seq_key)
{
    json::array notes;
    for (const auto& n : layer.notes())
        notes.emplace_back(n);
    return json::object{
        {"id", layer.id()},
        {"name", layer.name()},
        {"source_format", layer.source_format()},
        {"source_name", layer.source_name()},
        {"colour", layer.style().colour()},
        {"features", layer.features_size()},
        {seq_key, layer.added_seq()},
        {"notes", std::move(notes)},
    };
}

std::string features_geojson(const room_record& record, bool include_deleted)
{
    const auto& state = record.state;
    json::array features;
    for (const auto& [id, feature] : state.features())
        features.push_back(feature_of(state, feature));
    if (include_deleted)
        for (const auto& [id, gone] : record.deleted_features) {
            if (state.find_feature(id))
                continue; // added again after its deletion: the live one is shown
            auto feature = feature_of(state, gone.feature);
            auto& properties = feature["properties"].as_object();
            properties["deleted"] = true;
            properties["deleted_by"] = gone.deleted_by;
            properties["delete_reason"] = gone.reason;
            properties["deleted_seq"] = gone.seq;
            features.push_back(std::move(feature));
        }
    json::array layers;
    for (const auto& [id, layer] : state.data().layers) {
        layers.push_back(layer_summary(layer));
        for (int i = 0; i < layer.features_size(); ++i)
            features.push_back(reference_feature_of(layer, i));
    }
    json::object about{{"room_id", state.info().id()}, {"title", state.info().title()}, {"seq", state.seq()}};
    if (auto place = network_place(state.info()))
        about["network"] = std::move(*place);
    return write_json(json::object{
               {"type", "FeatureCollection"},
               {"maptable", std::move(about)},
               {"reference_layers", std::move(layers)},
               {"features", std::move(features)},
           }) +
        "\n";
}

} // namespace maptable::exports
