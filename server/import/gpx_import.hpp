// Layer: import. GPX (1.0 and 1.1, what GPS devices, route planners and
// tracking apps export) into a reference layer, with pugixml.
//
//   wpt          a point: <name> its title, <desc> its description, the
//                other simple elements (ele, time, cmt, type, sym, ...) its
//                properties
//   rte          a line through its rtept
//   trk/trkseg   a line per segment, with the track's name and description;
//                a segment of fewer than two points (a GPS fix lost at once)
//                is skipped and counted in the notes
// <metadata><name> (GPX 1.1) or <name> (GPX 1.0) names the layer.
// Extensions are not read.
//
// Refused: a DOCTYPE (see xml_document.hpp), XML that is not well-formed
// (with its line), a point without lat and lon, coordinates outside WGS84,
// and anything past the limits: a recorded track longer than the limit of
// one geometry has to be simplified first.
#pragma once

#include "import/import_limits.hpp"
#include "import/reference_layer.hpp"

#include <string_view>

namespace maptable::imports {

import_result import_gpx(std::string_view bytes, const import_limits& limits = {});

} // namespace maptable::imports
