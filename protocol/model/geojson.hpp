// Layer: model (pure: no I/O, no clock, no threads).
//
// Export of a room's map as GeoJSON (RFC 7946), the file a workshop's results
// go out in: every GIS and web map reads it.
#pragma once

#include "model/room_state.hpp"

#include <boost/json/value.hpp>

#include <string>

namespace maptable::model {

// The features of state as one RFC 7946 FeatureCollection, in id order.
//
//   point, note -> Point; line -> LineString; area -> Polygon with one
//   exterior ring, closed (its first position repeated at the end) and
//   counter-clockwise (the right-hand rule of RFC 7946 section 3.1.6).
//   Coordinates are [lon, lat]. A feature whose geometry cannot be expressed
//   (no kind, too few positions) gets "geometry": null rather than an invalid
//   geometry, so that the rest of the file still loads.
//
// Each Feature carries its "id" and "properties" kind ("point", "line",
// "area", "note"), title, description, colour, category, layer, author_id,
// author_name, created_seq and updated_seq; all of them are always present,
// so that GIS tools see one attribute table. The collection carries the
// foreign member "maptable": {"room_id", "title", "seq"}, saying which room at
// which seq the file shows.
//
// Numbers are written in their shortest exact form (18.4231, not 1.84231E1),
// so that the file reads well and round-trips to the same doubles.
std::string to_geojson(const room_state& state);

// The RFC 7946 geometry of one feature (Point, LineString, or Polygon with a
// closed, counter-clockwise ring), or null when the model's geometry has no
// GeoJSON form (a state that validate() produced always has one). For exports
// that build their own properties.
boost::json::value geojson_geometry(const pb::Geometry& geometry);

// JSON text of a value with every double in its shortest exact form (18.4231,
// not 18.423100000000002) and non-finite ones as null: what to_geojson
// writes, for the other exports.
std::string write_json(const boost::json::value& value);

// "point", "line", "area", "note" (or "unspecified"): the names exports and
// the CLI use for feature kinds.
const char* kind_name(pb::FeatureKind kind);

} // namespace maptable::model
