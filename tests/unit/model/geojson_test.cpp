// Layer: model. The GeoJSON export, checked by parsing its output with
// Boost.JSON and looking at what a GIS would read: types, coordinates in
// [lon, lat] order, closed counter-clockwise rings, properties.
#include "model/geojson.hpp"
#include "model/room_state.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

namespace json = boost::json;
namespace model = maptable::model;
namespace pb = maptable::v1;
using model::room_state;
using model::to_geojson;

namespace {

constexpr std::int64_t now_ms = 1'700'000'000'000;
const model::actor ana{"ana-1", "Ana", pb::ROLE_PARTICIPANT, ""};

pb::Feature feature(std::string id, pb::FeatureKind kind, std::vector<std::pair<double, double>> positions)
{
    pb::Feature f;
    f.set_id(std::move(id));
    f.mutable_geometry()->set_kind(kind);
    for (auto [lon, lat] : positions) {
        auto* p = f.mutable_geometry()->add_positions();
        p->set_lon(lon);
        p->set_lat(lat);
    }
    return f;
}

// Adds a feature the way the server would: validate, then apply.
void add(room_state& state, pb::Feature f)
{
    pb::ClientMessage command;
    *command.mutable_add_feature()->mutable_feature() = std::move(f);
    auto result = state.validate(command, ana, now_ms);
    REQUIRE(std::holds_alternative<pb::Event>(result));
    REQUIRE(state.apply(std::get<pb::Event>(result)));
}

json::object parse(const room_state& state)
{
    const auto text = to_geojson(state);
    json::error_code ec;
    auto value = json::parse(text, ec);
    REQUIRE_MESSAGE(!ec, "not JSON: " << text);
    REQUIRE(value.is_object());
    return value.as_object();
}

const json::object& feature_with_id(const json::object& collection, const std::string& id)
{
    for (const auto& f : collection.at("features").as_array())
        if (f.as_object().at("id").as_string() == id)
            return f.as_object();
    FAIL("no feature " << id);
    throw; // not reached: FAIL throws
}

double number(const json::value& v)
{
    return json::value_to<double>(v); // a whole number like 180 is written, and parsed, as an integer
}

// Twice the signed area of a closed ring of [lon, lat] arrays: > 0 is CCW.
double twice_signed_area(const json::array& ring)
{
    double sum = 0;
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        const auto& a = ring[i].as_array();
        const auto& b = ring[i + 1].as_array();
        sum += number(a[0]) * number(b[1]) - number(b[0]) * number(a[1]);
    }
    return sum;
}

} // namespace

TEST_CASE("an empty room is an empty FeatureCollection that names the room and its seq")
{
    room_state state("harbour");
    const auto collection = parse(state);
    CHECK(collection.at("type").as_string() == "FeatureCollection");
    CHECK(collection.at("features").as_array().empty());
    const auto& meta = collection.at("maptable").as_object();
    CHECK(meta.at("room_id").as_string() == "harbour");
    CHECK(meta.at("title").as_string() == std::string(state.info().title()));
    CHECK(meta.at("seq").to_number<std::uint64_t>() == 0);
}

TEST_CASE("a point becomes a Point at [lon, lat] with all its properties")
{
    room_state state("harbour");
    auto f = feature("f-corner", pb::FEATURE_KIND_POINT, {{18.4231, -33.9249}});
    f.set_title("Unsafe corner");
    f.set_description("Dark at night, no lights");
    f.set_colour("#ff0000");
    f.set_category("safety");
    f.set_layer("walk");
    add(state, f);

    const auto collection = parse(state);
    CHECK(collection.at("maptable").as_object().at("seq").to_number<std::uint64_t>() == 1);
    const auto& feat = feature_with_id(collection, "f-corner");
    CHECK(feat.at("type").as_string() == "Feature");
    const auto& geometry = feat.at("geometry").as_object();
    CHECK(geometry.at("type").as_string() == "Point");
    const auto& coordinates = geometry.at("coordinates").as_array();
    REQUIRE(coordinates.size() == 2);
    CHECK(number(coordinates[0]) == 18.4231); // exact: the shortest form round-trips
    CHECK(number(coordinates[1]) == -33.9249);

    const auto& props = feat.at("properties").as_object();
    CHECK(props.at("kind").as_string() == "point");
    CHECK(props.at("title").as_string() == "Unsafe corner");
    CHECK(props.at("description").as_string() == "Dark at night, no lights");
    CHECK(props.at("colour").as_string() == "#ff0000");
    CHECK(props.at("category").as_string() == "safety");
    CHECK(props.at("layer").as_string() == "walk");
    CHECK(props.at("author_id").as_string() == "ana-1");
    CHECK(props.at("author_name").as_string() == "Ana");
    CHECK(props.at("created_seq").to_number<std::uint64_t>() == 1);
    CHECK(props.at("updated_seq").to_number<std::uint64_t>() == 1);
}

TEST_CASE("coordinates are written in plain decimal form, not scientific notation")
{
    room_state state("harbour");
    add(state, feature("f-1", pb::FEATURE_KIND_POINT, {{18.4231, -33.9249}}));
    const auto text = to_geojson(state);
    CHECK(text.find("[18.4231,-33.9249]") != std::string::npos);
    CHECK(text.find("E1") == std::string::npos);
}

TEST_CASE("a note is a Point whose kind property says note")
{
    room_state state("harbour");
    auto f = feature("f-note", pb::FEATURE_KIND_NOTE, {{13.4, 52.52}});
    f.set_description("Ask the council about the bus stop");
    add(state, f);

    const auto collection = parse(state);
    const auto& feat = feature_with_id(collection, "f-note");
    CHECK(feat.at("geometry").as_object().at("type").as_string() == "Point");
    CHECK(feat.at("properties").as_object().at("kind").as_string() == "note");
    CHECK(feat.at("properties").as_object().at("description").as_string() == "Ask the council about the bus stop");
}

TEST_CASE("a line is a LineString with its positions in order")
{
    room_state state("harbour");
    add(state, feature("f-route", pb::FEATURE_KIND_LINE, {{1, 2}, {3, 4}, {5, 6}}));

    const auto collection = parse(state);
    const auto& feat = feature_with_id(collection, "f-route");
    const auto& geometry = feat.at("geometry").as_object();
    CHECK(geometry.at("type").as_string() == "LineString");
    const auto& line = geometry.at("coordinates").as_array();
    REQUIRE(line.size() == 3);
    CHECK(number(line[0].as_array()[0]) == 1);
    CHECK(number(line[0].as_array()[1]) == 2);
    CHECK(number(line[2].as_array()[0]) == 5);
    CHECK(number(line[2].as_array()[1]) == 6);
    CHECK(feat.at("properties").as_object().at("kind").as_string() == "line");
}

TEST_CASE("an area drawn counter-clockwise becomes a closed Polygon ring in the same order")
{
    room_state state("harbour");
    add(state, feature("f-ccw", pb::FEATURE_KIND_AREA, {{0, 0}, {1, 0}, {1, 1}, {0, 1}}));

    const auto collection = parse(state);
    const auto& feat = feature_with_id(collection, "f-ccw");
    const auto& geometry = feat.at("geometry").as_object();
    CHECK(geometry.at("type").as_string() == "Polygon");
    const auto& rings = geometry.at("coordinates").as_array();
    REQUIRE(rings.size() == 1);
    const auto& ring = rings[0].as_array();
    REQUIRE(ring.size() == 5);
    CHECK(ring.front() == ring.back());
    CHECK(ring[1] == json::array{1, 0});
    CHECK(twice_signed_area(ring) > 0);
    CHECK(feat.at("properties").as_object().at("kind").as_string() == "area");
}

TEST_CASE("an area drawn clockwise is reversed so that its ring is counter-clockwise")
{
    room_state state("harbour");
    add(state,
        feature("f-cw", pb::FEATURE_KIND_AREA, {{18.40, -33.90}, {18.40, -33.91}, {18.41, -33.91}, {18.41, -33.90}}));
    // Going south, then east, then north: clockwise seen from above.

    const auto collection = parse(state);
    const auto& ring =
        feature_with_id(collection, "f-cw").at("geometry").as_object().at("coordinates").as_array()[0].as_array();
    REQUIRE(ring.size() == 5);
    CHECK(ring.front() == ring.back());
    CHECK(twice_signed_area(ring) > 0);
    // Still the same four corners, each once.
    CHECK(number(ring[0].as_array()[0]) == 18.40);
    CHECK(number(ring[0].as_array()[1]) == -33.90);
}

TEST_CASE("a triangle is closed into a ring of four positions")
{
    room_state state("harbour");
    add(state, feature("f-tri", pb::FEATURE_KIND_AREA, {{0, 0}, {2, 0}, {1, 2}}));
    const auto collection = parse(state);
    const auto& ring =
        feature_with_id(collection, "f-tri").at("geometry").as_object().at("coordinates").as_array()[0].as_array();
    CHECK(ring.size() == 4);
    CHECK(ring.front() == ring.back());
}

TEST_CASE("features are listed in id order whatever order they were added in")
{
    room_state state("harbour");
    add(state, feature("f-c", pb::FEATURE_KIND_POINT, {{1, 1}}));
    add(state, feature("f-a", pb::FEATURE_KIND_POINT, {{2, 2}}));
    add(state, feature("f-b", pb::FEATURE_KIND_POINT, {{3, 3}}));

    const auto collection = parse(state);
    const auto& features = collection.at("features").as_array();
    REQUIRE(features.size() == 3);
    CHECK(features[0].as_object().at("id").as_string() == "f-a");
    CHECK(features[1].as_object().at("id").as_string() == "f-b");
    CHECK(features[2].as_object().at("id").as_string() == "f-c");
}

TEST_CASE("titles with quotes, backslashes, newlines and non-ASCII text stay valid JSON")
{
    room_state state("harbour");
    auto f = feature("f-text", pb::FEATURE_KIND_POINT, {{0, 0}});
    f.set_title("\"Bahnhofstraße\" \\ Ecke\nKöln");
    add(state, f);
    const auto collection = parse(state);
    const auto& feat = feature_with_id(collection, "f-text");
    CHECK(feat.at("properties").as_object().at("title").as_string() == "\"Bahnhofstraße\" \\ Ecke\nKöln");
}

TEST_CASE("a feature without a usable geometry gets a null geometry instead of an invalid one")
{
    // validate() never lets such a feature in; a hand-made snapshot could.
    pb::RoomState snapshot;
    snapshot.mutable_info()->set_id("harbour");
    snapshot.set_seq(3);
    *snapshot.add_features() = feature("f-bad", pb::FEATURE_KIND_AREA, {{0, 0}, {1, 1}});
    const auto state = room_state::from_proto(snapshot);

    const auto collection = parse(state);
    const auto& feat = feature_with_id(collection, "f-bad");
    CHECK(feat.at("geometry").is_null());
}
