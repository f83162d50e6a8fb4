// Layer: tests (unit, import). Format detection by content, the explicit
// override, and the checks made before any parser runs.
#include "import/import_layer.hpp"
#include "import_test_support.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

using namespace maptable::imports;
using namespace maptable::imports::testing;

TEST_CASE("the format is found from the content")
{
    CHECK(detect_format(R"({"type": "Point", "coordinates": [13, 52]})") == source_format::geojson);
    CHECK(detect_format("\xEF\xBB\xBF  \n[]") == source_format::geojson);
    CHECK(detect_format("<?xml version=\"1.0\"?>\n<!-- Google Earth -->\n<kml xmlns=\"x\"/>") == source_format::kml);
    CHECK(detect_format("<kml:kml xmlns:kml=\"x\"></kml:kml>") == source_format::kml);
    CHECK(detect_format("<?xml version=\"1.0\"?><!DOCTYPE gpx [<!ENTITY a \">\">]><gpx/>") == source_format::gpx);
    CHECK(detect_format("name;lon;lat\n") == source_format::csv);
    CHECK_FALSE(detect_format("<svg/>").has_value());
    CHECK_FALSE(detect_format(std::string("PK\x03\x04\0\0", 6)).has_value()); // a zip (KMZ, a shapefile bundle)
    CHECK_FALSE(detect_format("").has_value());
}

TEST_CASE("import_layer reads each format it detects")
{
    CHECK(layer_of(import_layer(R"({"type": "Point", "coordinates": [13.4, 52.5]})")).format == source_format::geojson);
    CHECK(layer_of(import_layer("<kml><Placemark><Point><coordinates>13,52</coordinates></Point></Placemark></kml>"))
              .format == source_format::kml);
    CHECK(layer_of(import_layer("<gpx><wpt lat=\"52\" lon=\"13\"/></gpx>")).format == source_format::gpx);
    CHECK(layer_of(import_layer("lon,lat\n13,52\n")).format == source_format::csv);
}

TEST_CASE("an explicit format overrides detection")
{
    import_options options;
    options.format = source_format::gpx;
    const auto& error = error_of(import_layer("<kml/>", options));
    CHECK(error.code == import_errc::unknown_format);
    CHECK(error.message == "the XML's root element is \"kml\", not <gpx>: this is not a GPX file");

    options.format = source_format::csv;
    options.csv.delimiter = ';';
    const auto& layer = layer_of(import_layer("x;y\n13,5;52,5\n", options));
    CHECK(lon(layer.features[0], 0) == 13.5);
}

TEST_CASE("a file of no known format, an empty and an oversized one are refused before parsing")
{
    const auto& binary = error_of(import_layer(std::string("PK\x03\x04\0\0", 6)));
    CHECK(binary.code == import_errc::unknown_format);
    CHECK(binary.message ==
          "the file is not GeoJSON, KML, GPX or CSV (in UTF-8); choose one of those formats, or "
          "export the data as one of them");

    CHECK(error_of(import_layer("")).code == import_errc::empty);
    CHECK(error_of(import_layer("\xEF\xBB\xBF\r\n")).code == import_errc::empty);
    CHECK(error_of(import_layer("\xEF\xBB\xBF\r\n")).message == "the file is empty");

    import_options options;
    options.limits.max_bytes = 4;
    const auto& big = error_of(import_layer("lon,lat\n13,52\n", options));
    CHECK(big.code == import_errc::too_large);
    CHECK(big.message == "the file is 14 bytes; the limit is 4 bytes");
}

TEST_CASE("every error code has a stable name")
{
    CHECK(std::string(code_name(import_errc::too_large)) == "too_large");
    CHECK(std::string(code_name(import_errc::no_coordinate_columns)) == "no_coordinate_columns");
    CHECK(std::string(format_name(source_format::gpx)) == "gpx");
}

namespace {

// A layer exactly at the default limits of features and positions: 4,975
// points and 25 lines of 1,801 positions (50,000 in all, none past the
// 2,000 of one geometry), written by `point` and `line` in a format.
template <typename Point, typename Line>
std::string at_the_limits(Point point, Line line)
{
    std::string body;
    for (int i = 0; i < 4975; ++i)
        body += point(13.0 + i * 1e-5, 52.5, i);
    for (int i = 0; i < 25; ++i) {
        std::vector<std::pair<double, double>> positions;
        for (int j = 0; j < 1801; ++j)
            positions.emplace_back(13.0 + j * 1e-5, 52.0 + i * 1e-3);
        body += line(positions, i);
    }
    return body;
}

std::string number(double value)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.5f", value);
    return buffer;
}

void check_at_the_limits(const import_result& result)
{
    const auto& layer = layer_of(result);
    CHECK(layer.features.size() == 5000);
    CHECK(layer.total_vertices == 50'000);
}

} // namespace

TEST_CASE("files at the default limits of features and positions are accepted in every format")
{
    const import_limits limits;
    REQUIRE(limits.max_features == 5000);
    REQUIRE(limits.max_total_vertices == 50'000);

    check_at_the_limits(import_geojson(R"({"type": "FeatureCollection", "features": [)" +
                                       at_the_limits(
                                           [](double lon, double lat, int i) {
        return std::string(i ? "," : "") + R"({"type": "Feature", "properties": {"name": "P)" + std::to_string(i) +
            R"("}, "geometry": {"type": "Point", "coordinates": [)" + number(lon) + "," + number(lat) + "]}}\n";
                                           },
                                           [](const std::vector<std::pair<double, double>>& positions, int) {
        std::string line =
            R"(,{"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [)";
        for (std::size_t j = 0; j < positions.size(); ++j) {
            line += j ? ",[" : "[";
            line += number(positions[j].first) + "," + number(positions[j].second) + "]";
        }
        return line + "]}}\n";
                                       }) +
                        "]}"));

    check_at_the_limits(import_kml("<kml><Document>\n" +
                                   at_the_limits(
                                       [](double lon, double lat, int i) {
        return "<Placemark><name>P" + std::to_string(i) + "</name><Point><coordinates>" + number(lon) + "," +
            number(lat) + "</coordinates></Point></Placemark>\n";
                                       },
                                       [](const std::vector<std::pair<double, double>>& positions, int) {
        std::string line = "<Placemark><LineString><coordinates>";
        for (const auto& [lon, lat] : positions)
            line += number(lon) + "," + number(lat) + "\n";
        return line + "</coordinates></LineString></Placemark>\n";
                                   }) +
                        "</Document></kml>\n"));

    check_at_the_limits(import_gpx("<gpx version=\"1.1\">\n" +
                                   at_the_limits(
                                       [](double lon, double lat, int i) {
        return "<wpt lat=\"" + number(lat) + "\" lon=\"" + number(lon) + "\"><name>P" + std::to_string(i) +
            "</name></wpt>\n";
                                       },
                                       [](const std::vector<std::pair<double, double>>& positions, int) {
        std::string line = "<trk><trkseg>\n";
        for (const auto& [lon, lat] : positions)
            line += "<trkpt lat=\"" + number(lat) + "\" lon=\"" + number(lon) + "\"/>\n";
        return line + "</trkseg></trk>\n";
                                   }) +
                        "</gpx>\n"));

    std::string csv = "name;lon;lat\n";
    for (int i = 0; i < 5000; ++i)
        csv += std::to_string(i) + ";13,5;52,5\n";
    const auto& layer = layer_of(import_csv(csv));
    CHECK(layer.features.size() == 5000);
}
