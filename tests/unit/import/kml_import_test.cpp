// Layer: tests (unit, import). KML as Google Earth and My Maps write it, and
// broken, oversized, out-of-range and hostile (entity bomb) files.
#include "import/kml_import.hpp"
#include "import_test_support.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace maptable::imports;
using namespace maptable::imports::testing;
namespace pb = maptable::v1;

namespace {

// A park with an inner ring, a cycle lane, a viewpoint with SchemaData, bus
// stops as a MultiGeometry, and a placemark with no geometry.
const std::string living_lab = R"(<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2">
<Document>
  <name>Living Lab Lisboa</name>
  <Folder>
    <name>Espaços verdes</name>
    <Placemark>
      <name>Jardim da Estrela</name>
      <description><![CDATA[<p>Parque público</p>]]></description>
      <ExtendedData><Data name="área"><value>4,6 ha</value></Data></ExtendedData>
      <Polygon>
        <outerBoundaryIs><LinearRing><coordinates>
          -9.1605,38.7133,0 -9.1580,38.7133,0 -9.1580,38.7150,0 -9.1605,38.7150,0 -9.1605,38.7133,0
        </coordinates></LinearRing></outerBoundaryIs>
        <innerBoundaryIs><LinearRing><coordinates>-9.159,38.714 -9.1585,38.714 -9.1585,38.7145 -9.159,38.714</coordinates></LinearRing></innerBoundaryIs>
      </Polygon>
    </Placemark>
  </Folder>
  <Placemark>
    <name>Ciclovia da Avenida</name>
    <LineString><coordinates>-9.15,38.72 -9.14,38.725
      -9.13,38.73</coordinates></LineString>
  </Placemark>
  <Placemark>
    <name>Miradouro da Graça</name>
    <ExtendedData><SchemaData schemaUrl="#pontos"><SimpleData name="bairro">Graça</SimpleData></SchemaData></ExtendedData>
    <Point><coordinates>-9.1312, 38.7167</coordinates></Point>
  </Placemark>
  <Placemark>
    <name>Paragens</name>
    <MultiGeometry>
      <Point><coordinates>-9.14,38.71</coordinates></Point>
      <Point><coordinates>-9.141,38.711</coordinates></Point>
    </MultiGeometry>
  </Placemark>
  <Placemark><name>Sem geometria</name></Placemark>
</Document>
</kml>
)";

std::string kml_with(const std::string& placemarks)
{
    return "<?xml version=\"1.0\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\"><Document>\n" + placemarks +
        "</Document></kml>\n";
}

} // namespace

TEST_CASE("a living-lab KML becomes a layer: polygon, line, points, texts and data kept")
{
    const auto& layer = layer_of(import_kml(living_lab));
    CHECK(layer.format == source_format::kml);
    CHECK(layer.name == "Living Lab Lisboa");
    REQUIRE(layer.features.size() == 5);

    const auto& park = layer.features[0];
    CHECK(park.geometry.kind() == pb::FEATURE_KIND_AREA);
    CHECK(park.title == "Jardim da Estrela");
    CHECK(park.description == "<p>Parque público</p>");
    CHECK(park.geometry.positions_size() == 4);
    CHECK(lon(park, 0) == -9.1605);
    CHECK(lat(park, 3) == 38.7150);
    CHECK(property(park, "área") == "4,6 ha");

    const auto& lane = layer.features[1];
    CHECK(lane.geometry.kind() == pb::FEATURE_KIND_LINE);
    CHECK(lane.geometry.positions_size() == 3);
    CHECK(lat(lane, 2) == 38.73);

    const auto& viewpoint = layer.features[2];
    CHECK(viewpoint.geometry.kind() == pb::FEATURE_KIND_POINT);
    CHECK(lon(viewpoint, 0) == -9.1312); // "lon, lat" with a blank is read too
    CHECK(property(viewpoint, "bairro") == "Graça");

    CHECK(layer.features[3].title == "Paragens");
    CHECK(layer.features[4].title == "Paragens");
    CHECK(lon(layer.features[4], 0) == -9.141);

    CHECK(layer.total_vertices == 4 + 3 + 1 + 1 + 1);
    REQUIRE(layer.notes.size() == 2);
    CHECK(layer.notes[0] == "1 polygon hole was dropped: the map draws areas by their outer ring");
    CHECK(layer.notes[1] == "1 feature without a geometry was skipped");
}

TEST_CASE("KML with prefixed element names is read")
{
    const auto& layer = layer_of(import_kml(R"(<kml:kml xmlns:kml="http://www.opengis.net/kml/2.2"><kml:Placemark>
        <kml:name>Ponte</kml:name><kml:Point><kml:coordinates>-9.17,38.69</kml:coordinates></kml:Point>
        </kml:Placemark></kml:kml>)"));
    REQUIRE(layer.features.size() == 1);
    CHECK(layer.features[0].title == "Ponte");
}

TEST_CASE("malformed KML is refused with its line")
{
    const auto& error = error_of(import_kml(kml_with("<Placemark><name>Parque</name>\n"
                                                     "<Point><coordinates>-9.1,38.7</coordinates></Pont>\n"
                                                     "</Placemark>\n")));
    CHECK(error.code == import_errc::malformed);
    CHECK(error.message == "line 4: not well-formed XML (Start-end tags mismatch)");

    const auto& text =
        error_of(import_kml(kml_with("<Placemark><name>Parque</name>\n"
                                     "<LineString><coordinates>-9.1,38.7 norte,38.8</coordinates></LineString>\n"
                                     "</Placemark>\n")));
    CHECK(text.code == import_errc::invalid_geometry);
    CHECK(text.message ==
          "line 4 (placemark \"Parque\"): \"norte\" in <coordinates> is not a number; a position is "
          "\"longitude,latitude[,altitude]\"");

    const auto& one_number =
        error_of(import_kml(kml_with("<Placemark><Point><coordinates>-9.1</coordinates></Point></Placemark>")));
    CHECK(one_number.code == import_errc::invalid_geometry);
    CHECK(one_number.message ==
          "line 3: a position in <coordinates> has 1 number; it is \"longitude,latitude[,altitude]\"");

    const auto& other = error_of(import_kml("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect/></svg>"));
    CHECK(other.code == import_errc::unknown_format);
    CHECK(other.message == "the XML's root element is \"svg\", not <kml>: this is not a KML file");
}

TEST_CASE("KML coordinates outside WGS84 are refused with their line")
{
    const auto& error =
        error_of(import_kml(kml_with("<Placemark><name>Farol</name>\n"
                                     "<Point>\n<coordinates>-9.1,123.4</coordinates></Point></Placemark>\n")));
    CHECK(error.code == import_errc::invalid_coordinate);
    CHECK(error.message == "line 5 (placemark \"Farol\"): latitude 123.4 is outside −90…90");
}

TEST_CASE("a KML entity bomb (billion laughs) is refused without expanding anything")
{
    std::string bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE kml [\n<!ENTITY lol \"lol\">\n";
    for (int i = 1; i <= 9; ++i) {
        bomb += "<!ENTITY lol" + std::to_string(i) + " \"";
        for (int j = 0; j < 10; ++j)
            bomb += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
        bomb += "\">\n";
    }
    bomb +=
        "]>\n<kml><Placemark><name>&lol9;</name><Point><coordinates>13,52</coordinates></Point></Placemark></kml>\n";
    const auto& error = error_of(import_kml(bomb));
    CHECK(error.code == import_errc::unsupported);
    CHECK(error.message ==
          "line 2: the file has a DOCTYPE; KML needs none, and DTDs (with their entities) are not read");

    // An external entity: refused the same way, and nothing is fetched.
    const auto& external = error_of(import_kml("<!DOCTYPE kml [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
                                               "<kml><Placemark><name>&x;</name><Point><coordinates>13,52</coordinates>"
                                               "</Point></Placemark></kml>"));
    CHECK(external.code == import_errc::unsupported);

    // Without a DTD an unknown entity stays as it is written.
    const auto& layer = layer_of(import_kml("<kml><Placemark><name>&lol9;</name><Point><coordinates>13,52</coordinates>"
                                            "</Point></Placemark></kml>"));
    CHECK(layer.features[0].title == "&lol9;");
}

TEST_CASE("KML past the limits is refused: bytes, features, positions, elements")
{
    import_limits limits;
    limits.max_bytes = 100;
    const auto& bytes = error_of(import_kml(living_lab, limits));
    CHECK(bytes.code == import_errc::too_large);
    CHECK(bytes.message.rfind("the file is 1.", 0) == 0);
    CHECK(bytes.message.find("KiB; the limit is 100 bytes") != std::string::npos);

    limits = {};
    limits.max_features = 2;
    const auto& features = error_of(import_kml(living_lab, limits));
    CHECK(features.code == import_errc::too_many_features);
    CHECK(features.message ==
          "line 27 (placemark \"Miradouro da Graça\"): the file has more than 2 features, the "
          "limit for one layer");

    const auto line = [](std::size_t n) {
        return kml_with(
            "<Placemark><name>Trilho</name><LineString><coordinates>" +
            positions(
                n, [](double lon, double lat) { return std::to_string(lon) + "," + std::to_string(lat); }, " ") +
            "</coordinates></LineString></Placemark>");
    };
    const auto& one = error_of(import_kml(line(2001)));
    CHECK(one.code == import_errc::too_many_vertices);
    CHECK(one.message ==
          "line 3 (placemark \"Trilho\"): a geometry has 2001 positions; the limit for one geometry is "
          "2000 (simplify or split it before importing)");
    CHECK(std::holds_alternative<reference_layer>(import_kml(line(2000))));

    limits = {};
    limits.max_properties = 2;
    const auto& properties = error_of(import_kml(
        kml_with("<Placemark><name>Horta</name><ExtendedData><Data name=\"a\"><value>1</value></Data>\n"
                 "<Data name=\"b\"><value>2</value></Data><Data name=\"c\"><value>3</value></Data></ExtendedData>"
                 "<Point><coordinates>-9.1,38.7</coordinates></Point></Placemark>"),
        limits));
    CHECK(properties.code == import_errc::too_much_text);
    CHECK(properties.message == "line 3 (placemark \"Horta\"): more than 2 properties, the limit for one feature");

    limits = {};
    limits.max_xml_nodes = 20;
    const auto& nodes = error_of(import_kml(living_lab, limits));
    CHECK(nodes.code == import_errc::too_large);
    CHECK(nodes.message.rfind("the file has ", 0) == 0);
    CHECK(nodes.message.find(" XML elements; the limit is 20") != std::string::npos);
}

TEST_CASE("empty KML input and a KML without placemarks are refused")
{
    CHECK(error_of(import_kml("")).code == import_errc::empty);
    const auto& none = error_of(import_kml(kml_with("<name>Leer</name>")));
    CHECK(none.code == import_errc::no_features);
    CHECK(none.message == "nothing to show: the file has no Placemark with a geometry");
}
