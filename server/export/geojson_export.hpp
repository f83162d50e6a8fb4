// Layer: export (pure). The room's map as an RFC 7946 GeoJSON
// FeatureCollection, with what the workshop said about each feature: its
// dots and its comments.
#pragma once

#include "export/table_export.hpp"

#include <string>

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
// foreign member "maptable" says which room at which seq the file shows.
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

} // namespace maptable::exports
