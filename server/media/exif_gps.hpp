// Layer: media. The GPS position in a photo's EXIF block, read before the
// block is stripped: it is offered to the uploader as the place of a field
// note, which they confirm (the position itself is never published by this
// reader). Pure and bounds-checked: the block is the client's bytes.
#pragma once

#include <optional>
#include <string_view>

namespace maptable::media {

struct gps_position {
    double lat = 0; // degrees, north positive
    double lon = 0; // degrees, east positive
};

// The position in an EXIF block (a TIFF structure, with or without the
// "Exif\0\0" prefix of a JPEG's APP1 segment): GPSLatitude/GPSLongitude with
// their N/S and E/W references. nullopt when there is none, or when it is
// malformed or out of range (a broken position is no position).
std::optional<gps_position> read_exif_gps(std::string_view exif);

} // namespace maptable::media
