// Layer: import. What one imported reference layer may hold.
//
// A layer is stored in the room's log and sent to every participant who
// joins (it is part of the room's state), so its size is paid on every
// Welcome, on weak connections too; and the parsers run on a server that
// serves other rooms meanwhile. Each limit says why it is what it is.
#pragma once

#include "model/limits.hpp"

#include <cstddef>

namespace maptable::imports {

struct import_limits {
    // One HTTP upload body. A district's reference data (parks, routes, a few
    // hundred places) is well under 1 MiB; 8 MiB leaves room for verbose KML
    // and GPX. Checked before any parsing.
    std::size_t max_bytes = 8 * 1024 * 1024;
    // Features after Multi* geometries are split. More markers than this on
    // one map are unreadable without clustering, and each costs a row in the
    // legend's table.
    std::size_t max_features = 5000;
    // Positions in the whole layer. About 20 bytes each on the wire, so the
    // layer costs at most about 1 MB in every Welcome.
    std::size_t max_total_vertices = 50'000;
    // Positions in one geometry: the model's own limit, so that every
    // imported feature can be turned into an editable one as it is.
    std::size_t max_vertices_per_geometry = model::content_limits{}.max_positions;
    // Properties of one feature (columns of a CSV row, ExtendedData of a
    // Placemark). An attribute table wider than this is not reference data.
    std::size_t max_properties = 50;
    // A property's name: a column header, not a payload (the model's short text).
    std::size_t max_property_key_chars = model::content_limits{}.max_short_text_chars;
    // A property's value: a sentence or an address, not a document.
    std::size_t max_property_value_chars = 1000;
    // A feature's title and description, and the layer's name: the model's
    // limits, so that a copied feature keeps them whole.
    std::size_t max_title_chars = model::content_limits{}.max_title_chars;
    std::size_t max_description_chars = model::content_limits{}.max_description_chars;
    // XML: elements and other markup ('<' counted before parsing). pugixml
    // builds the whole tree, at up to about 100 bytes a node; a GPX track of
    // max_total_vertices points needs about 4 per point.
    std::size_t max_xml_nodes = 400'000;
    // JSON: nesting (GeoJSON needs 8, a GeometryCollection a few more) and
    // memory for the parsed document. Boost.JSON builds the whole document;
    // the budget stops a file of tiny values (16 bytes of memory each for
    // two bytes of text) before it becomes large.
    std::size_t max_json_depth = 64;
    std::size_t max_json_memory = 48 * 1024 * 1024;
};

} // namespace maptable::imports
