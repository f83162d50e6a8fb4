// Layer: import. KML (OGC KML 2.2, what Google Earth and My Maps export)
// into a reference layer, with pugixml.
//
// Every Placemark of the file, in document order (inside Documents and
// Folders at any depth), with a Point, LineString, LinearRing, Polygon or
// MultiGeometry (its parts become features of their own). A Polygon is its
// outerBoundaryIs ring; inner rings are dropped and counted in the notes. A
// Placemark's <name> is its title, <description> its description (HTML kept
// as text), ExtendedData's Data and SchemaData's SimpleData its properties.
// The first Document's (or Folder's) <name> names the layer. Placemarks
// without one of those geometries (a gx:Track, a Model) are skipped and
// counted in the notes. Styles are not read: the layer's style is chosen
// when it is imported.
//
// Refused: a DOCTYPE (see xml_document.hpp), XML that is not well-formed
// (with its line), coordinates outside WGS84, and anything past the limits.
#pragma once

#include "import/import_limits.hpp"
#include "import/reference_layer.hpp"

#include <string_view>

namespace maptable::imports {

import_result import_kml(std::string_view bytes, const import_limits& limits = {});

} // namespace maptable::imports
