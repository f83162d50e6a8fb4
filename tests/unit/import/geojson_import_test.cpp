// Layer: tests (unit, import). GeoJSON files as a living lab would bring
// them, and broken, oversized and out-of-range ones: each refusal with its
// code and a message that says where.
#include "import/geojson_import.hpp"
#include "import_test_support.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace maptable::imports;
using namespace maptable::imports::testing;
namespace pb = maptable::v1;

namespace {

// A park with a pond (a hole), a cycle route with altitudes, a square in
// Lisbon, benches as a MultiPoint and a feature with no geometry.
const std::string living_lab = R"({
  "type": "FeatureCollection",
  "name": "Reallabor Kiez",
  "features": [
    {"type": "Feature", "properties": {"name": "Stadtpark Süd", "kategorie": "Grünfläche", "fläche_ha": 4.2, "id": 7},
     "geometry": {"type": "Polygon", "coordinates": [
       [[13.40, 52.50], [13.41, 52.50], [13.41, 52.51], [13.40, 52.51], [13.40, 52.50]],
       [[13.402, 52.502], [13.404, 52.502], [13.404, 52.504], [13.402, 52.502]]]}},
    {"type": "Feature", "properties": {"title": "Radroute Spree", "description": "Geschützter Radweg", "lit": true},
     "geometry": {"type": "LineString", "coordinates": [[13.39, 52.51, 34.0], [13.40, 52.515], [13.42, 52.512]]}},
    {"type": "Feature", "properties": {"name": "Praça do Comércio", "cidade": "Lisboa", "tags": ["praça", "rio"]},
     "geometry": {"type": "Point", "coordinates": [-9.1366, 38.7077]}},
    {"type": "Feature", "properties": {"name": "Bänke"},
     "geometry": {"type": "MultiPoint", "coordinates": [[13.401, 52.501], [13.402, 52.503]]}},
    {"type": "Feature", "properties": null, "geometry": null}
  ]
})";

std::string line_feature(std::size_t n)
{
    return R"({"type": "Feature", "properties": {"name": "Route"}, "geometry": {"type": "LineString", "coordinates": [)" +
        positions(
               n,
               [](double lon, double lat) {
        std::string pair(1, '[');
        pair += std::to_string(lon) + "," + std::to_string(lat);
        return pair + "]";
               },
               ",") +
        "]}}";
}

} // namespace

TEST_CASE("a living-lab FeatureCollection becomes a layer: polygon, line, points, UTF-8 kept")
{
    const auto& layer = layer_of(import_geojson(living_lab));
    CHECK(layer.format == source_format::geojson);
    CHECK(layer.name == "Reallabor Kiez");
    REQUIRE(layer.features.size() == 5);

    const auto& park = layer.features[0];
    CHECK(park.geometry.kind() == pb::FEATURE_KIND_AREA);
    CHECK(park.title == "Stadtpark Süd");
    REQUIRE(park.geometry.positions_size() == 4); // the closing position is dropped
    CHECK(lon(park, 1) == 13.41);
    CHECK(lat(park, 2) == 52.51);
    CHECK(property(park, "kategorie") == "Grünfläche");
    CHECK(property(park, "fläche_ha") == "4.2");
    CHECK(property(park, "id") == "7");
    CHECK(property(park, "name") == "<absent>"); // it is the title

    const auto& route = layer.features[1];
    CHECK(route.geometry.kind() == pb::FEATURE_KIND_LINE);
    CHECK(route.title == "Radroute Spree");
    CHECK(route.description == "Geschützter Radweg");
    CHECK(route.geometry.positions_size() == 3);
    CHECK(property(route, "lit") == "true");

    const auto& square = layer.features[2];
    CHECK(square.geometry.kind() == pb::FEATURE_KIND_POINT);
    CHECK(square.title == "Praça do Comércio");
    CHECK(lon(square, 0) == -9.1366);
    CHECK(lat(square, 0) == 38.7077);
    CHECK(property(square, "tags") == R"(["praça","rio"])");

    // The MultiPoint is split: one feature per point, same title.
    CHECK(layer.features[3].title == "Bänke");
    CHECK(layer.features[4].title == "Bänke");
    CHECK(lat(layer.features[4], 0) == 52.503);

    CHECK(layer.total_vertices == 4 + 3 + 1 + 2);
    REQUIRE(layer.notes.size() == 2);
    CHECK(layer.notes[0] == "1 polygon hole was dropped: the map draws areas by their outer ring");
    CHECK(layer.notes[1] == "1 feature without a geometry was skipped");
}

TEST_CASE("a bare MultiPolygon and a GeometryCollection are split into features")
{
    const auto& polygons = layer_of(import_geojson(R"({"type": "MultiPolygon", "coordinates": [
        [[[13.0, 52.0], [13.1, 52.0], [13.1, 52.1], [13.0, 52.0]]],
        [[[14.0, 52.0], [14.1, 52.0], [14.1, 52.1], [14.0, 52.0]]]]})"));
    REQUIRE(polygons.features.size() == 2);
    CHECK(polygons.features[1].geometry.kind() == pb::FEATURE_KIND_AREA);
    CHECK(polygons.features[1].geometry.positions_size() == 3);

    const auto& collection = layer_of(import_geojson(R"({"type": "Feature", "properties": {"name": "Platz"},
        "geometry": {"type": "GeometryCollection", "geometries": [
          {"type": "Point", "coordinates": [13.4, 52.5]},
          {"type": "MultiLineString", "coordinates": [[[13.4, 52.5], [13.5, 52.5]], [[13.6, 52.5], [13.7, 52.6]]]}]}})"));
    REQUIRE(collection.features.size() == 3);
    CHECK(collection.features[0].geometry.kind() == pb::FEATURE_KIND_POINT);
    CHECK(collection.features[2].geometry.kind() == pb::FEATURE_KIND_LINE);
    CHECK(collection.features[2].title == "Platz");
}

TEST_CASE("malformed GeoJSON is refused with the line of the error")
{
    const auto& error = error_of(import_geojson("{\"type\": \"FeatureCollection\",\n"
                                                "\"features\": [\n"
                                                "  {\"type\": \"Feature\" \"geometry\": null}\n"
                                                "]}"));
    CHECK(error.code == import_errc::malformed);
    CHECK(error.message.rfind("line 3: not well-formed JSON (", 0) == 0);

    const auto& cut = error_of(import_geojson("{\"type\": \"FeatureCollection\",\n\"features\": [\n"));
    CHECK(cut.code == import_errc::malformed);
    CHECK(cut.message.rfind("line 3: not well-formed JSON", 0) == 0);

    const auto& not_geojson = error_of(import_geojson(R"({"type": "FeatureCollection"})"));
    CHECK(not_geojson.code == import_errc::malformed);
    CHECK(not_geojson.message == "the FeatureCollection has no \"features\" array");

    const auto& array = error_of(import_geojson("[1, 2]"));
    CHECK(array.message == "a GeoJSON file is one object with a \"type\", not an array");

    const auto& bad_type = error_of(import_geojson(R"({"type": "Circle", "coordinates": [13, 52]})"));
    CHECK(bad_type.code == import_errc::invalid_geometry);
    CHECK(bad_type.message.rfind("the geometry: \"Circle\" is not a GeoJSON geometry type", 0) == 0);

    const auto& short_line = error_of(import_geojson(
        R"({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "Weg"},
            "geometry": {"type": "LineString", "coordinates": [[13.4, 52.5]]}}]})"));
    CHECK(short_line.code == import_errc::invalid_geometry);
    CHECK(short_line.message == "feature 1 (\"Weg\"): a line has 1 position; it needs at least 2");

    const auto& bad_position = error_of(import_geojson(R"({"type": "Point", "coordinates": [13.4]})"));
    CHECK(bad_position.code == import_errc::invalid_geometry);
    CHECK(bad_position.message == "the geometry: a position must be [longitude, latitude], got one number");
}

TEST_CASE("GeoJSON nested past the depth limit is refused while parsing")
{
    const std::string deep = std::string(200, '[') + std::string(200, ']');
    const auto& error = error_of(import_geojson(deep));
    CHECK(error.code == import_errc::malformed);
    CHECK(error.message == "line 1: the JSON is nested more than 64 levels deep");
}

TEST_CASE("invalid UTF-8 in GeoJSON is refused")
{
    const auto& error = error_of(import_geojson("{\"type\": \"Feature\", \"properties\": {\"name\": \"Stra\xDF"
                                                "e\"},"
                                                " \"geometry\": {\"type\": \"Point\", \"coordinates\": [13, 52]}}"));
    CHECK(error.code == import_errc::malformed);
    CHECK(error.message.rfind("line 1: not well-formed JSON (", 0) == 0);
}

TEST_CASE("a crs member is refused: RFC 7946 GeoJSON is WGS84 only")
{
    const auto& error = error_of(import_geojson(R"({"type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}}, "features": []})"));
    CHECK(error.code == import_errc::unsupported);
    CHECK(error.message ==
          "the file has a \"crs\" member: GeoJSON (RFC 7946) is WGS84 longitude/latitude only; "
          "export the file again as RFC 7946 GeoJSON or in EPSG:4326");
}

TEST_CASE("coordinates outside WGS84 are refused, naming the feature")
{
    const auto& error = error_of(import_geojson(R"({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [13.4, 52.5]}},
        {"type": "Feature", "properties": {"name": "Pier"}, "geometry": {"type": "Point", "coordinates": [13.4, 123.4]}}]})"));
    CHECK(error.code == import_errc::invalid_coordinate);
    CHECK(error.message == "feature 2 (\"Pier\"): latitude 123.4 is outside −90…90");

    // Metres of UTM zone 33N: the message says what is probably wrong.
    const auto& projected = error_of(import_geojson(R"({"type": "Point", "coordinates": [389123.4, 5819765.2]})"));
    CHECK(projected.code == import_errc::invalid_coordinate);
    CHECK(projected.message ==
          "the geometry: longitude 389123.4 is outside −180…180 (the file looks like it is in a "
          "projected coordinate system: export it as WGS84 longitude/latitude, EPSG:4326)");
}

TEST_CASE("GeoJSON past the limits is refused: bytes, features, positions, memory")
{
    import_limits limits;
    limits.max_bytes = 1000;
    const auto& bytes = error_of(import_geojson(living_lab, limits));
    CHECK(bytes.code == import_errc::too_large);
    CHECK(bytes.message ==
          "the file is " + std::to_string(living_lab.size() / 1024) + "." +
              std::to_string((living_lab.size() % 1024) * 10 / 1024) + " KiB; the limit is 1000 bytes");

    limits = {};
    limits.max_features = 3;
    const auto& features = error_of(import_geojson(living_lab, limits));
    CHECK(features.code == import_errc::too_many_features);
    CHECK(features.message == "feature 4 (\"Bänke\"): the file has more than 3 features, the limit for one layer");

    // One geometry past the model's limit of positions (2000).
    const auto& one = error_of(import_geojson(line_feature(2001)));
    CHECK(one.code == import_errc::too_many_vertices);
    CHECK(one.message ==
          "the feature (\"Route\"): a geometry has 2001 positions; the limit for one geometry is 2000 "
          "(simplify or split it before importing)");
    CHECK(std::holds_alternative<reference_layer>(import_geojson(line_feature(2000))));

    limits = {};
    limits.max_total_vertices = 9;
    const auto& total = error_of(import_geojson(living_lab, limits));
    CHECK(total.code == import_errc::too_many_vertices);
    CHECK(total.message ==
          "feature 4 (\"Bänke\"): the layer would have more than 9 positions in all, the limit for "
          "one layer (simplify the geometries or import fewer features)");

    // Many tiny values: stopped by the memory budget while parsing.
    limits = {};
    limits.max_json_memory = 256 * 1024;
    std::string tiny = R"({"type": "MultiPoint", "coordinates": [)";
    for (int i = 0; i < 100'000; ++i)
        tiny += "0,";
    tiny += "0]}";
    const auto& memory = error_of(import_geojson(tiny, limits));
    CHECK(memory.code == import_errc::too_large);
    CHECK(memory.message ==
          "the file holds more values than a layer can (it needs more than 256 KiB of memory to read)");
}

TEST_CASE("GeoJSON texts past their limits are refused")
{
    import_limits limits;
    limits.max_property_value_chars = 5;
    const auto& value = error_of(import_geojson(living_lab, limits));
    CHECK(value.code == import_errc::too_much_text);
    CHECK(value.message == "feature 1 (\"Stadtpark Süd\"): property \"kategorie\" has 10 characters; the limit is 5");

    limits = {};
    limits.max_title_chars = 10;
    const auto& name = error_of(import_geojson(living_lab, limits));
    CHECK(name.code == import_errc::too_much_text);
    CHECK(name.message == "the FeatureCollection: the layer's name has 14 characters; the limit is 10");

    const auto& title = error_of(import_geojson(R"({"type": "FeatureCollection", "features": [{"type": "Feature",
        "properties": {"name": "Stadtpark Süd"}, "geometry": {"type": "Point", "coordinates": [13.4, 52.5]}}]})",
                                                limits));
    CHECK(title.code == import_errc::too_much_text);
    CHECK(title.message == "feature 1 (\"Stadtpark Süd\"): the title has 13 characters; the limit is 10");
}

TEST_CASE("empty GeoJSON input and a file without features are refused")
{
    CHECK(error_of(import_geojson("")).code == import_errc::empty);
    CHECK(error_of(import_geojson("")).message == "the file is empty");
    CHECK(error_of(import_geojson(" \n\t")).code == import_errc::empty);

    const auto& none = error_of(import_geojson(R"({"type": "FeatureCollection", "features": []})"));
    CHECK(none.code == import_errc::no_features);
    CHECK(none.message == "nothing to show: the FeatureCollection is empty");

    const auto& all_null = error_of(import_geojson(
        R"({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": null}]})"));
    CHECK(all_null.code == import_errc::no_features);
    CHECK(all_null.message == "nothing to show: no feature of the FeatureCollection has a geometry");
}
