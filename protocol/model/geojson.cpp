// Layer: model (pure: no I/O, no clock, no threads).
//
// The GeoJSON document is built as a boost::json::value and written by a
// small writer of our own: Boost.JSON 1.81 serialises doubles in scientific
// notation (18.4231 as 1.84231E1), valid JSON but a poor file for people and
// for tools that sniff column types.
#include "model/geojson.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

namespace maptable::model {

namespace json = boost::json;

namespace {

// ---------------------------------------------------------------- geometry

json::array position(const pb::LonLat& p)
{
    return json::array{p.lon(), p.lat()};
}

// Twice the signed area of a ring in the plane of lon and lat (shoelace
// formula): positive when the ring runs counter-clockwise. Rings across the
// antimeridian are not special-cased: the room model does not wrap either.
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

bool same_position(const pb::LonLat& a, const pb::LonLat& b)
{
    return a.lon() == b.lon() && a.lat() == b.lat();
}

// The exterior ring of an area: closed and counter-clockwise. The model keeps
// rings open; one that arrives closed anyway is not closed twice.
json::array exterior_ring(const pb::Geometry& geometry)
{
    std::vector<pb::LonLat> ring(geometry.positions().begin(), geometry.positions().end());
    if (!(ring.size() >= 4 && same_position(ring.front(), ring.back())))
        ring.push_back(ring.front());
    if (twice_signed_area(ring) < 0)
        std::reverse(ring.begin(), ring.end());
    json::array out;
    for (const auto& p : ring)
        out.push_back(position(p));
    return out;
}

json::object feature_of(const pb::Feature& f)
{
    return json::object{
        {"type", "Feature"},
        {"id", f.id()},
        {"geometry", geojson_geometry(f.geometry())},
        {"properties",
         json::object{
             {"kind", kind_name(f.geometry().kind())},
             {"title", f.title()},
             {"description", f.description()},
             {"colour", f.colour()},
             {"category", f.category()},
             {"layer", f.layer()},
             {"author_id", f.author_id()},
             {"author_name", f.author_name()},
             {"created_seq", f.created_seq()},
             {"updated_seq", f.updated_seq()},
         }},
    };
}

// ---------------------------------------------------------------- writing

void write(std::string& out, const json::value& v);

// Shortest text that reads back as the same double. JSON has no NaN or
// infinity; the model refuses them, and a value that slipped through anyway
// becomes null rather than an unreadable file.
void write_double(std::string& out, double d)
{
    if (!std::isfinite(d)) {
        out += "null";
        return;
    }
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, d);
    out.append(buffer, result.ptr);
}

void write(std::string& out, const json::value& v)
{
    switch (v.kind()) {
    case json::kind::object: {
        out += '{';
        bool first = true;
        for (const auto& [key, member] : v.get_object()) {
            if (!first)
                out += ',';
            first = false;
            out += json::serialize(json::string_view(key)); // Boost.JSON's string escaping
            out += ':';
            write(out, member);
        }
        out += '}';
        return;
    }
    case json::kind::array: {
        out += '[';
        bool first = true;
        for (const auto& element : v.get_array()) {
            if (!first)
                out += ',';
            first = false;
            write(out, element);
        }
        out += ']';
        return;
    }
    case json::kind::double_: return write_double(out, v.get_double());
    default: // strings, integers, bools and null: Boost.JSON writes those as anyone would
        out += json::serialize(v);
        return;
    }
}

} // namespace

std::string write_json(const json::value& value)
{
    std::string out;
    write(out, value);
    return out;
}

json::value geojson_geometry(const pb::Geometry& geometry)
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
    case pb::FEATURE_KIND_AREA:
        if (positions.size() < 3)
            return nullptr;
        {
            // Built step by step: a braced json::array{ring} is a copy of the ring
            // with some compilers (clang) and a one-element array with others.
            json::array rings;
            rings.emplace_back(exterior_ring(geometry));
            return json::object{{"type", "Polygon"}, {"coordinates", std::move(rings)}};
        }
    default: return nullptr;
    }
}

const char* kind_name(pb::FeatureKind kind)
{
    switch (kind) {
    case pb::FEATURE_KIND_POINT: return "point";
    case pb::FEATURE_KIND_LINE: return "line";
    case pb::FEATURE_KIND_AREA: return "area";
    case pb::FEATURE_KIND_NOTE: return "note";
    default: return "unspecified";
    }
}

std::string to_geojson(const room_state& state)
{
    json::array features;
    for (const auto& [id, feature] : state.features()) // a std::map: already in id order
        features.push_back(feature_of(feature));

    const json::value collection = json::object{
        {"type", "FeatureCollection"},
        {"maptable",
         json::object{{"room_id", state.info().id()}, {"title", state.info().title()}, {"seq", state.seq()}}},
        {"features", std::move(features)},
    };
    std::string out;
    write(out, collection);
    return out;
}

} // namespace maptable::model
