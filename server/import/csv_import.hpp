// Layer: import. CSV (RFC 4180) with a longitude and a latitude column into
// a reference layer of points: a spreadsheet of places, as cities keep them.
//
// - Fields may be quoted ("Rua Augusta, 12"; a quote inside is written ""),
//   and a quoted field may span lines. Lines end in CRLF, LF or a lone CR.
//   A UTF-8 BOM (Excel writes one) is skipped. Rows of only empty fields are
//   skipped. Fields are kept as written: blanks around them, and a quote
//   inside one that does not start with a quote (12" Rohr). The tokeniser is
//   Debian's libcsv; line numbers count LF, CRLF and CR alike, inside quoted
//   fields too.
// - The delimiter is ',' or ';' (and tab), taken from the header line when
//   not given: Excel in German, Portuguese and most of Europe writes ';'.
// - With ';' a number may use a decimal comma ("13,4049"), as the same
//   spreadsheets write it.
// - The first line is the header. The coordinate columns are found by their
//   names, whatever the case: lon, lng, long, longitude, longitud, x, länge,
//   laenge, längengrad; lat, latitude, latitud, y, breite, breitengrad. Or the
//   person importing names them (csv_options).
// - A name, title, titel, nome, nombre, nom or bezeichnung column gives the
//   title; description, beschreibung, descrição, descripción the description;
//   every other column becomes a property named by its header.
//
// Refused with the line: a quoted field that is never closed, text after a
// closing quote, a row with more or fewer fields than the header, a
// coordinate that is empty, not a number or outside WGS84; and anything past
// the limits.
#pragma once

#include "import/import_limits.hpp"
#include "import/reference_layer.hpp"

#include <string>
#include <string_view>

namespace maptable::imports {

struct csv_options {
    // Header names of the coordinate columns, as the person importing chose
    // them; empty: found by name.
    std::string lon_column;
    std::string lat_column;
    // ',', ';' or '\t'; 0: taken from the header line.
    char delimiter = 0;
};

import_result import_csv(std::string_view bytes, const csv_options& options = {}, const import_limits& limits = {});

} // namespace maptable::imports
