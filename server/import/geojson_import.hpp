// Layer: import. GeoJSON (RFC 7946) into a reference layer, with Boost.JSON.
//
// Reads a FeatureCollection, a single Feature or a bare geometry: Point,
// MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon and
// GeometryCollection (parts become features of their own). A feature's
// "name" or "title" property becomes its title and "description" its
// description; the other properties are kept as text. A FeatureCollection's
// "name" member (as ogr2ogr writes it) names the layer. Features with a null
// geometry are skipped and counted in the notes.
//
// Refused: a "crs" member (RFC 7946 is WGS84 longitude/latitude only, and a
// file that names another system would be drawn in the wrong place),
// positions outside WGS84, JSON that is not well-formed (with its line), and
// anything past the limits.
#pragma once

#include "import/import_limits.hpp"
#include "import/reference_layer.hpp"

#include <string_view>

namespace maptable::imports {

import_result import_geojson(std::string_view bytes, const import_limits& limits = {});

} // namespace maptable::imports
