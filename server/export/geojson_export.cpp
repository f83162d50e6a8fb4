#include "export/geojson_export.hpp"

#include "model/geojson.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <vector>

namespace maptable::exports {

namespace json = boost::json;

namespace {

json::array position(const pb::LonLat& p)
{
    return json::array{p.lon(), p.lat()};
}

// Positive when the ring runs counter-clockwise (shoelace formula).
double twice_signed_area(const std::vector<pb::LonLat>& ring)
{
    double sum = 0;
    for (std::size_t i = 0; i < ring.size(); ++i) {
        const auto& a = ring[i];
        const auto& b = ring[(i + 1) % ring.size()];
        sum += a.lon() * b.lat() - b.lon() * a.lat();
    }
    return sum;
}

// RFC 7946 3.1.6: a closed ring, exterior counter-clockwise. The model keeps
// rings open; one that arrives closed anyway is not closed twice.
json::array exterior_ring(const pb::Geometry& geometry)
{
    std::vector<pb::LonLat> ring(geometry.positions().begin(), geometry.positions().end());
    const auto same = [](const pb::LonLat& a, const pb::LonLat& b) { return a.lon() == b.lon() && a.lat() == b.lat(); };
    if (!(ring.size() >= 4 && same(ring.front(), ring.back())))
        ring.push_back(ring.front());
    if (twice_signed_area(ring) < 0)
        std::reverse(ring.begin(), ring.end());
    json::array out;
    for (const auto& p : ring)
        out.push_back(position(p));
    return out;
}

// null for a geometry with no GeoJSON form, so the rest of the file loads.
json::value geometry_of(const pb::Geometry& geometry)
{
    const auto& positions = geometry.positions();
    switch (geometry.kind()) {
    case pb::FEATURE_KIND_POINT:
    case pb::FEATURE_KIND_NOTE:
        if (positions.empty())
            return nullptr;
        return json::object{{"type", "Point"}, {"coordinates", position(positions[0])}};
    case pb::FEATURE_KIND_LINE: {
        if (positions.size() < 2)
            return nullptr;
        json::array line;
        for (const auto& p : positions)
            line.push_back(position(p));
        return json::object{{"type", "LineString"}, {"coordinates", std::move(line)}};
    }
    case pb::FEATURE_KIND_AREA: {
        if (positions.size() < 3)
            return nullptr;
        json::array rings;   // step by step: a braced json::array{ring} may copy the ring instead
        rings.emplace_back(exterior_ring(geometry));
        return json::object{{"type", "Polygon"}, {"coordinates", std::move(rings)}};
    }
    default: return nullptr;
    }
}

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
        {"geometry", geometry_of(f.geometry())},
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

} // namespace

std::string features_geojson(const room_record& record, bool include_deleted)
{
    const auto& state = record.state;
    json::array features;
    for (const auto& [id, feature] : state.features())
        features.push_back(feature_of(state, feature));
    if (include_deleted)
        for (const auto& [id, gone] : record.deleted_features) {
            if (state.find_feature(id))
                continue;   // added again after its deletion: the live one is shown
            auto feature = feature_of(state, gone.feature);
            auto& properties = feature["properties"].as_object();
            properties["deleted"] = true;
            properties["deleted_by"] = gone.deleted_by;
            properties["delete_reason"] = gone.reason;
            properties["deleted_seq"] = gone.seq;
            features.push_back(std::move(feature));
        }
    return write_json(json::object{
               {"type", "FeatureCollection"},
               {"maptable",
                json::object{{"room_id", state.info().id()}, {"title", state.info().title()}, {"seq", state.seq()}}},
               {"features", std::move(features)},
           }) +
           "\n";
}

} // namespace maptable::exports
