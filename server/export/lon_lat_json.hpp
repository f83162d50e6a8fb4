// A position as the HTTP API and the JSON exports spell it: {"lon": x, "lat": y}.
// One home for that shape, so the admin API, the attachment answers and the
// exports cannot drift apart (GeoJSON's [lon, lat] arrays are another shape,
// written by geojson_export).
#pragma once

#include "maptable/v1/map.pb.h"

#include <boost/json/object.hpp>

namespace maptable::exports {

boost::json::object lon_lat_json(double lon, double lat);
boost::json::object lon_lat_json(const maptable::v1::LonLat& p);

} // namespace maptable::exports
