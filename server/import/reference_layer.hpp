// Layer: import. What an imported file becomes: a reference layer, ready to
// be stored in a room's log as it is (see docs/REFERENCE-LAYERS.md).
//
// Geometries are in the model's terms (maptable/v1/map.proto), so that the
// map draws them like the room's own features and a facilitator can turn any
// of them into an editable feature without conversion:
//   point   FEATURE_KIND_POINT, one position
//   line    FEATURE_KIND_LINE, two or more positions
//   polygon FEATURE_KIND_AREA, its outer ring, not closed (the repeated last
//           position is dropped), three or more positions. The model has no
//           holes: inner rings are dropped and counted in the layer's notes,
//           so the person importing knows the areas are drawn filled.
// Multi* geometries (and KML MultiGeometry, GPX track segments) become one
// feature per part, each with the title, description and properties of the
// feature it came from. Altitudes are not kept.
#pragma once

#include "import/import_error.hpp"
#include "maptable/v1/map.pb.h"

#include <cstddef>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace maptable::imports {

namespace pb = maptable::v1;

enum class source_format { geojson, kml, gpx, csv };

// "geojson", "kml", "gpx", "csv".
const char* format_name(source_format format);

struct reference_feature {
    pb::Geometry geometry;
    std::string title;       // GeoJSON name/title, KML and GPX <name>, a CSV name column; may be empty
    std::string description; // KML and GPX <desc>ription; may be empty
    // Every other attribute as text, in the file's order (numbers in their
    // shortest exact form, GeoJSON objects and arrays as JSON text).
    std::vector<std::pair<std::string, std::string>> properties;
};

struct reference_layer {
    std::string name; // the file's own name for it (GeoJSON "name", KML Document, GPX metadata); may be empty
    source_format format = source_format::geojson;
    std::vector<reference_feature> features; // never empty
    std::size_t total_vertices = 0;          // positions in all features
    // What was read differently from the file, for the person importing
    // ("2 polygon holes dropped: …"). At most one note of each kind.
    std::vector<std::string> notes;
};

// What every parser returns: the layer, or why the file was refused (then
// nothing of it is kept).
using import_result = std::variant<reference_layer, import_error>;

} // namespace maptable::imports
