// Layer: tests (unit, import). Format detection by content, the explicit
// override, and the checks made before any parser runs.
#include "import/import_layer.hpp"
#include "import_test_support.hpp"

#include <doctest/doctest.h>

#include <string>

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
    CHECK_FALSE(detect_format(std::string("PK\x03\x04\0\0", 6)).has_value());   // a zip (KMZ, a shapefile bundle)
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
    CHECK(binary.message == "the file is not GeoJSON, KML, GPX or CSV (in UTF-8); choose one of those formats, or "
                            "export the data as one of them");

    CHECK(error_of(import_layer("")).code == import_errc::empty);

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
