// Layer: tests (unit, import). CSV as spreadsheets in Germany and Portugal
// write it (';' and decimal commas, quoted fields, a BOM), and broken,
// oversized and out-of-range files.
#include "import/csv_import.hpp"
#include "import_test_support.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace maptable::imports;
using namespace maptable::imports::testing;
namespace pb = maptable::v1;

namespace {

// Excel in German: a BOM, ';', decimal commas, CRLF, a quoted field with the
// delimiter, a doubled quote, a field spanning two lines, a blank line.
const std::string german = "\xEF\xBB\xBF"
                           "Name;Beschreibung;Länge;Breite;Kategorie\r\n"
                           "Stadtgarten;\"Park mit Spielplatz; Café\";13,4049;52,5200;Grün\r\n"
                           "\"Brücke \"\"Nord\"\"\";;13,41;52,52;Verkehr\r\n"
                           "\r\n"
                           "Markthalle;\"Mo–Sa\r\n8–20 Uhr\";13,4311;52,4988;Handel\r\n";

const std::string portuguese = "nome,latitude,longitude,morada\n"
                               "\"Praça do Comércio\",38.7077,-9.1366,\"Rua Augusta, 1\"\n"
                               "Miradouro da Graça,38.7167,-9.1312,Largo da Graça\n";

std::string rows(std::size_t n)
{
    std::string out = "name,lon,lat\n";
    for (std::size_t i = 0; i < n; ++i)
        out += "Punkt " + std::to_string(i) + ",13.4,52.5\n";
    return out;
}

} // namespace

TEST_CASE("a German spreadsheet: ';', decimal commas, quotes, a BOM and UTF-8 kept")
{
    const auto& layer = layer_of(import_csv(german));
    CHECK(layer.format == source_format::csv);
    REQUIRE(layer.features.size() == 3);

    const auto& garden = layer.features[0];
    CHECK(garden.geometry.kind() == pb::FEATURE_KIND_POINT);
    CHECK(garden.title == "Stadtgarten");
    CHECK(garden.description == "Park mit Spielplatz; Café");
    CHECK(lon(garden, 0) == 13.4049);
    CHECK(lat(garden, 0) == 52.52);
    REQUIRE(garden.properties.size() == 1);
    CHECK(property(garden, "Kategorie") == "Grün");

    CHECK(layer.features[1].title == "Brücke \"Nord\"");
    CHECK(layer.features[1].description.empty());
    CHECK(layer.features[2].description == "Mo–Sa\r\n8–20 Uhr");
    CHECK(lon(layer.features[2], 0) == 13.4311);
    CHECK(layer.notes.empty());
}

TEST_CASE("a Portuguese list with ',' and quoted addresses, lat before lon")
{
    const auto& layer = layer_of(import_csv(portuguese));
    REQUIRE(layer.features.size() == 2);
    CHECK(layer.features[0].title == "Praça do Comércio");
    CHECK(lon(layer.features[0], 0) == -9.1366);
    CHECK(lat(layer.features[0], 0) == 38.7077);
    CHECK(property(layer.features[0], "morada") == "Rua Augusta, 1");
    CHECK(property(layer.features[1], "morada") == "Largo da Graça");
}

TEST_CASE("coordinate columns named by the person importing")
{
    const std::string file = "Standort,Ost,Nord\nRathaus,13.4106,52.5186\n";
    const auto& missing = error_of(import_csv(file));
    CHECK(missing.code == import_errc::no_coordinate_columns);
    CHECK(missing.message ==
          "line 1: no longitude column (lon, lng, longitude, x, länge, …) in the header "
          "\"Standort\", \"Ost\", \"Nord\"; choose the columns when importing");

    csv_options options;
    options.lon_column = "ost";
    options.lat_column = "Nord";
    const auto& layer = layer_of(import_csv(file, options));
    REQUIRE(layer.features.size() == 1);
    CHECK(lon(layer.features[0], 0) == 13.4106);
    CHECK(property(layer.features[0], "Standort") == "Rathaus");

    options.lat_column = "Breite";
    const auto& wrong = error_of(import_csv(file, options));
    CHECK(wrong.code == import_errc::no_coordinate_columns);
    CHECK(wrong.message ==
          "line 1: no latitude column named \"Breite\" in the header \"Standort\", \"Ost\", \"Nord\"; "
          "choose the columns when importing");
}

TEST_CASE("malformed CSV is refused with its line")
{
    const auto& open = error_of(import_csv("name,lon,lat\nA,13.4,52.5\n\"B,13.4,52.5\nC,13.4,52.5\n"));
    CHECK(open.code == import_errc::malformed);
    CHECK(open.message == "line 3: a quoted field is never closed (a quote inside a field is written twice: \"\")");

    const auto& after = error_of(import_csv("name,lon,lat\n\"A\"x,13.4,52.5\n"));
    CHECK(after.code == import_errc::malformed);
    CHECK(after.message ==
          "line 2: text after the closing quote of a field (a quote inside a field is written twice: \"\")");

    const auto& count = error_of(import_csv("name,lon,lat\nA,13.4,52.5\nB,13.4\n"));
    CHECK(count.code == import_errc::malformed);
    CHECK(count.message == "line 3: 2 fields; the header has 3");

    const auto& number = error_of(import_csv("name,lon,lat\nA,13.4,nord\n"));
    CHECK(number.code == import_errc::invalid_coordinate);
    CHECK(number.message == "line 2: latitude \"nord\" is not a number");

    const auto& comma = error_of(import_csv("name,lon,lat\nA,\"13,4\",52.5\n"));
    CHECK(comma.code == import_errc::invalid_coordinate);
    CHECK(comma.message ==
          "line 2: longitude \"13,4\" is not a number (a decimal comma is read in files delimited by ';')");

    const auto& empty = error_of(import_csv("name;lon;lat\nA;;52,5\n"));
    CHECK(empty.code == import_errc::invalid_coordinate);
    CHECK(empty.message == "line 2: the longitude is empty");

    const auto& utf8 = error_of(import_csv("name,lon,lat\nStra\xDF"
                                           "e,13.4,52.5\n"));
    CHECK(utf8.code == import_errc::invalid_text);
    CHECK(utf8.message == "line 2: the title is not valid UTF-8");
}

TEST_CASE("CSV coordinates outside WGS84 are refused with their line")
{
    // The line of a record counts the lines of the quoted field before it.
    const auto& error = error_of(import_csv("name,notes,lon,lat\nA,\"two\nlines\",13.4,52.5\nB,,13.4,123.4\n"));
    CHECK(error.code == import_errc::invalid_coordinate);
    CHECK(error.message == "line 4: latitude 123.4 is outside −90…90");
}

TEST_CASE("CSV lines are counted across quoted line breaks, CRLF, lone CR and blank lines")
{
    // A quoted field of three lines (CRLF inside): the next record is on line 5.
    const auto& after = error_of(import_csv("name,notes,lon,lat\r\nA,\"one\r\ntwo\r\nthree\",13.4,52.5\r\n"
                                            "B,,13.4,nord\r\n"));
    CHECK(after.code == import_errc::invalid_coordinate);
    CHECK(after.message == "line 5: latitude \"nord\" is not a number");

    // A record spanning lines is named by the line it starts on.
    const auto& spanning = error_of(import_csv("name,notes,lon,lat\nA,\"x\ny\nz\",13.4,95\n"));
    CHECK(spanning.message == "line 2: latitude 95 is outside −90…90");

    // Old Mac files end lines with a lone CR; a blank line still counts.
    const auto& mac = error_of(import_csv("name,lon,lat\rA,13.4,52.5\r\rB,13.4,95\r"));
    CHECK(mac.message == "line 4: latitude 95 is outside −90…90");

    // Blank lines before the header: the header's line is named.
    const auto& header = error_of(import_csv("\n\r\nname;ost;nord\n"));
    CHECK(header.code == import_errc::no_coordinate_columns);
    CHECK(header.message.starts_with("line 3: no longitude column"));

    // The last line without a line break, a blank row and a row of blanks skipped.
    const auto& layer = layer_of(import_csv("name,lon,lat\n\n , ,\t\nA,13.4,52.5"));
    REQUIRE(layer.features.size() == 1);
    CHECK(layer.features[0].title == "A");
}

TEST_CASE("CSV fields are kept as written: blanks, and a quote inside an unquoted field")
{
    const auto& layer = layer_of(import_csv("name;lon;lat;Maß\n 12\" Rohr ; 13,4 ;52,5;a \"b\"\n"));
    REQUIRE(layer.features.size() == 1);
    CHECK(layer.features[0].title == " 12\" Rohr ");
    CHECK(lon(layer.features[0], 0) == 13.4);
    CHECK(property(layer.features[0], "Maß") == "a \"b\"");
}

TEST_CASE("an unclosed quote is refused at the line where it opens")
{
    const std::string message = ": a quoted field is never closed (a quote inside a field is written twice: \"\")";
    // At the end of the file, without a line break.
    const auto& last = error_of(import_csv("name,lon,lat\nA,13.4,52.5\nB,13.4,\"52.5"));
    CHECK(last.code == import_errc::malformed);
    CHECK(last.message == "line 3" + message);

    // Open on line 2 and running to the end: that, not the field's size, is
    // what is wrong, though the field passes the limit for one.
    std::string tail;
    for (int i = 0; i < 2000; ++i)
        tail += "C,13.4,52.5\n";
    const auto& long_open = error_of(import_csv("name,lon,lat\nA,13.4,\"52.5\n" + tail));
    CHECK(long_open.code == import_errc::malformed);
    CHECK(long_open.message == "line 2" + message);

    // A quote later in the file closes it: what follows is then the error,
    // on its own line.
    const auto& closed_later = error_of(import_csv("name,notes,lon,lat\nA,\"open\nB,x,13.4,52.5\nC\"x,13"));
    CHECK(closed_later.code == import_errc::malformed);
    CHECK(closed_later.message ==
          "line 4: text after the closing quote of a field (a quote inside a field is written twice: \"\")");
}

TEST_CASE("CSV past the limits is refused: bytes, rows, columns, field length")
{
    import_limits limits;
    limits.max_bytes = 100;
    const auto& bytes = error_of(import_csv(german, {}, limits));
    CHECK(bytes.code == import_errc::too_large);
    CHECK(bytes.message == "the file is " + std::to_string(german.size()) + " bytes; the limit is 100 bytes");

    limits = {};
    limits.max_features = 5;
    const auto& features = error_of(import_csv(rows(6), {}, limits));
    CHECK(features.code == import_errc::too_many_features);
    CHECK(features.message == "line 7: the file has more than 5 features, the limit for one layer");
    CHECK(std::holds_alternative<reference_layer>(import_csv(rows(5), {}, limits)));

    limits = {};
    limits.max_total_vertices = 3;
    const auto& vertices = error_of(import_csv(rows(4), {}, limits));
    CHECK(vertices.code == import_errc::too_many_vertices);
    CHECK(vertices.message ==
          "line 5: the layer would have more than 3 positions in all, the limit for one layer "
          "(simplify the geometries or import fewer features)");

    limits = {};
    limits.max_properties = 2;
    const auto& columns = error_of(import_csv("lon,lat,a,b,c,d,e,f,g\n13,52,1,2,3,4,5,6,7\n", {}, limits));
    CHECK(columns.code == import_errc::too_much_text);
    CHECK(columns.message == "line 1: more than 6 columns; a layer keeps at most 2 properties");

    const auto& properties = error_of(import_csv("lon,lat,a,b,c\n13,52,1,2,3\n", {}, limits));
    CHECK(properties.code == import_errc::too_much_text);
    CHECK(properties.message == "line 2: 3 properties; the limit is 2");

    limits = {};
    const auto& value = error_of(import_csv("lon,lat,notiz\n13,52," + std::string(1001, 'x') + "\n", {}, limits));
    CHECK(value.code == import_errc::too_much_text);
    CHECK(value.message == "line 2: property \"notiz\" has 1001 characters; the limit is 1000");

    const auto& huge = error_of(import_csv("lon,lat,notiz\n13,52,\"" + std::string(100'000, 'x') + "\"\n", {}, limits));
    CHECK(huge.code == import_errc::too_much_text);
    CHECK(huge.message == "line 2: a field of more than 19.5 KiB; the limit for a value is 1000 characters");

    // Mid-file, after a field spanning lines: the line where the field
    // passes the limit; an unquoted one too.
    const std::string lines = "lon,lat,notiz\n13,52,\"a\nb\"\n13,52,";
    const auto& quoted = error_of(import_csv(lines + "\"x\n" + std::string(100'000, 'x') + "\"\n", {}, limits));
    CHECK(quoted.message == "line 5: a field of more than 19.5 KiB; the limit for a value is 1000 characters");
    const auto& plain = error_of(import_csv(lines + std::string(100'000, 'x') + "\n13,52,x\n", {}, limits));
    CHECK(plain.message == "line 4: a field of more than 19.5 KiB; the limit for a value is 1000 characters");

    // Too many columns in a row past the header, as soon as they are read.
    limits.max_properties = 2;
    const auto& wide = error_of(import_csv("lon,lat,a\n13,52,1\n13,52,1,2,3,4,5,6,7\n", {}, limits));
    CHECK(wide.code == import_errc::too_much_text);
    CHECK(wide.message == "line 3: more than 6 columns; a layer keeps at most 2 properties");
}

TEST_CASE("empty CSV input and a header without rows are refused")
{
    CHECK(error_of(import_csv("")).code == import_errc::empty);
    CHECK(error_of(import_csv("\r\n\r\n")).code == import_errc::empty);
    const auto& header = error_of(import_csv("name;lon;lat\r\n"));
    CHECK(header.code == import_errc::no_features);
    CHECK(header.message == "nothing to show: the file has a header and no rows");
}
