// Layer: export (pure). The room's map as an RFC 7946 GeoJSON
// FeatureCollection, with what the workshop said about each feature: its
// dots and its comments.
#pragma once

#include "export/table_export.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace maptable::exports {

// The features of record.state, in id order (deleted ones after them, by id,
// when include_deleted). Geometry as model::to_geojson writes it: point and
// note -> Point, line -> LineString, area -> Polygon with one closed,
// counter-clockwise ring; [lon, lat]. Properties, always all present: id,
// kind, title, description, colour, category, layer, author_id, author_name,
// created_seq, updated_seq, votes (dots in every round, open or closed),
// votes_by_round {"round id": dots} (rounds with at least one dot on it),
// comment_count (comments not deleted, in threads on the feature), deleted;
// a deleted feature adds deleted_by and delete_reason. The collection's
// foreign member "maptable" says which room at which seq the file shows and,
// for a room of a learning network, its place there: "network" {id, kind,
// city_id} (network_place), absent for a room in no network.
//
// The room's reference layers (docs/REFERENCE-LAYERS.md) follow its own
// features in the same collection, layer by layer in id order, each feature
// in the layer's order: id "<layer id>/<index>", properties kind, title,
// description, colour (the layer's), reference_layer {id, name, index} and
// attributes (the file's other columns, as text). A consumer tells them from
// the room's own by reference_layer, which only they have. The foreign member
// "reference_layers" lists the layers: id, name, source_format, source_name,
// colour, features, added_seq, notes.
std::string features_geojson(const room_record& record, bool include_deleted);

// A reference layer without its features, as this export's
// "reference_layers" lists it: id, name, source_format, source_name, colour
// (the layer's style), features (how many), added_seq (the seq of its
// LayerAdded), notes (what the import left out or changed). The layer
// routes answer an import and a listing with the same summary, where
// added_seq is called "seq" (seq_key) and layer_vertices is added.
boost::json::object layer_summary(const pb::ReferenceLayer& layer, std::string_view seq_key = "added_seq");

// The positions of all of a layer's features together.
std::size_t layer_vertices(const pb::ReferenceLayer& layer);

} // namespace maptable::exports
