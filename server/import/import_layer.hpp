// Layer: import. The entry point: a file's bytes, as uploaded, into a
// reference layer or an error. Pure: no I/O, no clock, no threads; parsing a
// file at the limits takes a fraction of a second and tens of MiB, so the
// caller runs it off the event loop (on a worker, like a store call).
//
// The format is found from the content (people rename files and browsers
// send any MIME type), or given by the person importing:
//   '{' or '['                   GeoJSON
//   '<' with root <kml>          KML
//   '<' with root <gpx>          GPX
//   anything else that is text   CSV (which then needs its coordinate columns)
// A UTF-8 byte order mark and leading white space are skipped first.
#pragma once

#include "import/csv_import.hpp"
#include "import/geojson_import.hpp"
#include "import/gpx_import.hpp"
#include "import/import_limits.hpp"
#include "import/kml_import.hpp"
#include "import/reference_layer.hpp"

#include <optional>
#include <string_view>

namespace maptable::imports {

struct import_options {
    std::optional<source_format> format; // empty: detected from the content
    csv_options csv;                     // for CSV only
    import_limits limits;
};

// The format the content looks like, or empty when it looks like none (binary
// data, UTF-16, an XML file of another kind).
std::optional<source_format> detect_format(std::string_view bytes);

// Parses bytes as options.format, or as the detected format. Never throws
// for any input; the layer is complete or there is an error and no layer.
import_result import_layer(std::string_view bytes, const import_options& options = {});

} // namespace maptable::imports
