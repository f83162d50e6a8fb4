// Layer: tests (unit, import). GPX as route planners and GPS devices write
// it, and broken, oversized, out-of-range and hostile files.
#include "import/gpx_import.hpp"
#include "import_test_support.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace maptable::imports;
using namespace maptable::imports::testing;
namespace pb = maptable::v1;

namespace {

// Two waypoints, a planned route, and a recorded track of three segments,
// the middle one a single fix.
const std::string bike_tour = R"(<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="maptable tests" xmlns="http://www.topografix.com/GPX/1/1">
  <metadata><name>Radtour Tempelhof</name></metadata>
  <wpt lat="52.4731" lon="13.4015">
    <ele>44</ele>
    <name>Tempelhofer Feld, Eingang</name>
    <desc>Haupteingang am Columbiadamm</desc>
    <sym>Flag</sym>
  </wpt>
  <wpt lat="52.48" lon="13.39"><name>Café Süd</name></wpt>
  <rte>
    <name>Kiezroute</name>
    <rtept lat="52.47" lon="13.40"/>
    <rtept lat="52.475" lon="13.41"/>
  </rte>
  <trk>
    <name>Aufzeichnung</name>
    <type>cycling</type>
    <trkseg>
      <trkpt lat="52.47" lon="13.40"><ele>40</ele></trkpt>
      <trkpt lat="52.471" lon="13.401"/>
      <trkpt lat="52.472" lon="13.403"/>
    </trkseg>
    <trkseg><trkpt lat="52.48" lon="13.41"/></trkseg>
    <trkseg><trkpt lat="52.49" lon="13.42"/><trkpt lat="52.491" lon="13.421"/></trkseg>
  </trk>
</gpx>
)";

std::string gpx_with(const std::string& body)
{
    return "<?xml version=\"1.0\"?>\n<gpx version=\"1.1\" xmlns=\"http://www.topografix.com/GPX/1/1\">\n" + body +
        "</gpx>\n";
}

std::string track(std::size_t n)
{
    return gpx_with("<trk><name>Lang</name><trkseg>\n" +
                    positions(
                        n,
                        [](double lon, double lat) {
        return "<trkpt lat=\"" + std::to_string(lat) + "\" lon=\"" + std::to_string(lon) + "\"/>";
                        },
                        "\n") +
                    "</trkseg></trk>\n");
}

} // namespace

TEST_CASE("a GPX bike tour becomes a layer: waypoints, a route, track segments as lines")
{
    const auto& layer = layer_of(import_gpx(bike_tour));
    CHECK(layer.format == source_format::gpx);
    CHECK(layer.name == "Radtour Tempelhof");
    REQUIRE(layer.features.size() == 5);

    const auto& entrance = layer.features[0];
    CHECK(entrance.geometry.kind() == pb::FEATURE_KIND_POINT);
    CHECK(entrance.title == "Tempelhofer Feld, Eingang");
    CHECK(entrance.description == "Haupteingang am Columbiadamm");
    CHECK(lon(entrance, 0) == 13.4015);
    CHECK(lat(entrance, 0) == 52.4731);
    CHECK(property(entrance, "ele") == "44");
    CHECK(property(entrance, "sym") == "Flag");

    CHECK(layer.features[1].title == "Café Süd");

    const auto& route = layer.features[2];
    CHECK(route.geometry.kind() == pb::FEATURE_KIND_LINE);
    CHECK(route.title == "Kiezroute");
    CHECK(route.geometry.positions_size() == 2);

    const auto& first = layer.features[3];
    CHECK(first.geometry.kind() == pb::FEATURE_KIND_LINE);
    CHECK(first.title == "Aufzeichnung");
    CHECK(property(first, "type") == "cycling");
    CHECK(first.geometry.positions_size() == 3);
    CHECK(layer.features[4].geometry.positions_size() == 2);
    CHECK(lat(layer.features[4], 1) == 52.491);

    CHECK(layer.total_vertices == 1 + 1 + 2 + 3 + 2);
    REQUIRE(layer.notes.size() == 1);
    CHECK(layer.notes[0] == "1 feature without a geometry was skipped");
}

TEST_CASE("GPX 1.0 names the layer with its top-level name")
{
    const auto& layer = layer_of(import_gpx(R"(<gpx version="1.0"><name>Alt</name>
        <wpt lat="38.7" lon="-9.1"><name>Sé</name></wpt></gpx>)"));
    CHECK(layer.name == "Alt");
    CHECK(layer.features[0].title == "Sé");
}

TEST_CASE("malformed GPX is refused with its line")
{
    const auto& error = error_of(import_gpx(gpx_with("<wpt lat=\"52.4\" lon=\"13.4\">\n<name>Brunnen</wpt>\n")));
    CHECK(error.code == import_errc::malformed);
    CHECK(error.message == "line 4: not well-formed XML (Start-end tags mismatch)");

    const auto& no_lat = error_of(import_gpx(gpx_with("<wpt lon=\"13.4\"><name>Brunnen</name></wpt>\n")));
    CHECK(no_lat.code == import_errc::invalid_geometry);
    CHECK(no_lat.message == "line 3 (waypoint \"Brunnen\"): <wpt> needs lat and lon attributes");

    const auto& not_number = error_of(import_gpx(gpx_with("<wpt lat=\"52,4\" lon=\"13.4\"/>\n")));
    CHECK(not_number.code == import_errc::invalid_coordinate);
    CHECK(not_number.message == "line 3: lat \"52,4\" is not a number");

    const auto& kml = error_of(import_gpx("<kml><Placemark/></kml>"));
    CHECK(kml.code == import_errc::unknown_format);
    CHECK(kml.message == "the XML's root element is \"kml\", not <gpx>: this is not a GPX file");
}

TEST_CASE("GPX coordinates outside WGS84 are refused with their line")
{
    const auto& error = error_of(import_gpx(gpx_with("<wpt lat=\"52.4\" lon=\"13.4\"/>\n"
                                                     "<trk><name>Fehler</name><trkseg>\n"
                                                     "<trkpt lat=\"52.4\" lon=\"13.4\"/>\n"
                                                     "<trkpt lat=\"123.4\" lon=\"13.4\"/>\n"
                                                     "</trkseg></trk>\n")));
    CHECK(error.code == import_errc::invalid_coordinate);
    CHECK(error.message == "line 6 (track \"Fehler\"): latitude 123.4 is outside −90…90");
}

TEST_CASE("a GPX entity bomb (billion laughs) is refused without expanding anything")
{
    std::string bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE gpx [\n<!ENTITY a \"aaaaaaaaaa\">\n";
    for (char c = 'b'; c <= 'j'; ++c)
        bomb +=
            std::string("<!ENTITY ") + c + " \"" +
            [&] {
            std::string refs;
            for (int j = 0; j < 10; ++j)
                refs += std::string("&") + static_cast<char>(c - 1) + ";";
            return refs;
            }() +
            "\">\n";
    bomb += "]>\n<gpx><wpt lat=\"52\" lon=\"13\"><name>&j;</name></wpt></gpx>\n";
    const auto& error = error_of(import_gpx(bomb));
    CHECK(error.code == import_errc::unsupported);
    CHECK(error.message ==
          "line 2: the file has a DOCTYPE; GPX needs none, and DTDs (with their entities) are not read");
}

TEST_CASE("GPX past the limits is refused: bytes, features, positions")
{
    import_limits limits;
    limits.max_bytes = 512;
    const auto& bytes = error_of(import_gpx(bike_tour, limits));
    CHECK(bytes.code == import_errc::too_large);
    CHECK(bytes.message.find("; the limit is 512 bytes") != std::string::npos);

    limits = {};
    limits.max_features = 1;
    const auto& features = error_of(import_gpx(bike_tour, limits));
    CHECK(features.code == import_errc::too_many_features);
    CHECK(features.message ==
          "line 10 (waypoint \"Café Süd\"): the file has more than 1 features, the limit for one layer");

    // A recorded track longer than one geometry may be: stopped at the point past it.
    const auto& one = error_of(import_gpx(track(2001)));
    CHECK(one.code == import_errc::too_many_vertices);
    CHECK(one.message ==
          "line 2004 (track \"Lang\"): a geometry has 2001 positions; the limit for one geometry is "
          "2000 (simplify or split it before importing)");
    CHECK(std::holds_alternative<reference_layer>(import_gpx(track(2000))));

    limits = {};
    limits.max_properties = 1;
    const auto& properties = error_of(import_gpx(bike_tour, limits));
    CHECK(properties.code == import_errc::too_much_text);
    CHECK(properties.message ==
          "line 4 (waypoint \"Tempelhofer Feld, Eingang\"): more than 1 properties, the limit "
          "for one feature");

    limits = {};
    limits.max_total_vertices = 5;
    const auto& total = error_of(import_gpx(bike_tour, limits));
    CHECK(total.code == import_errc::too_many_vertices);
    CHECK(total.message.find("the layer would have more than 5 positions in all") != std::string::npos);
}

TEST_CASE("empty GPX input and a GPX without points are refused")
{
    CHECK(error_of(import_gpx("\n")).code == import_errc::empty);
    const auto& none = error_of(import_gpx(gpx_with("<metadata><name>Leer</name></metadata>\n")));
    CHECK(none.code == import_errc::no_features);
    CHECK(none.message == "nothing to show: the file has no waypoint, route or track");
}
