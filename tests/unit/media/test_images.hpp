// Test helpers: pictures made in the test (libvips), an EXIF block with GPS,
// orientation and a camera serial spliced into a JPEG, a PNG header that
// claims a huge picture, and a reader of a JPEG's segments. Shared by the
// unit, integration and fuzz suites of attachments.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace maptable::media::testing {

// A width x height picture in the format ("jpeg", "png" or "webp"), with no metadata.
std::string make_image(std::string_view format, int width, int height);

struct exif_fields;
// The same, with an EXIF block from fields written by libvips' own saver
// (an APP1 segment in JPEG, an eXIf chunk in PNG, an EXIF chunk in WebP).
std::string make_image_with_exif(std::string_view format, int width, int height, const exif_fields& fields);

// What goes into the EXIF block.
struct exif_fields {
    int orientation = 6;                      // 6: the camera was turned 90 degrees clockwise
    std::string serial = "SN-CAMERA-0042917"; // BodySerialNumber, in the Exif IFD
    bool gps = true;
    char lat_ref = 'N';
    double lat_deg = 52, lat_min = 31, lat_sec = 12.34;
    char lon_ref = 'W';
    double lon_deg = 13, lon_min = 24, lon_sec = 36;
};

// The TIFF structure of an EXIF block (little-endian), without the "Exif\0\0" prefix.
std::string make_exif_tiff(const exif_fields& fields);

// jpeg with an APP1 Exif segment (from fields) inserted after its SOI.
std::string with_exif(std::string_view jpeg, const exif_fields& fields);

// The markers and payloads of a JPEG's segments before its scan data.
std::vector<std::pair<unsigned char, std::string>> jpeg_segments(std::string_view jpeg);

// Whether a JPEG has an APP1 segment that is EXIF (or XMP).
bool has_exif_segment(std::string_view jpeg);
bool has_xmp_segment(std::string_view jpeg);

// A PNG whose header says width x height (8-bit RGB) followed by a few
// bytes of garbage instead of real pixel data: decoding it would fail, so a
// refusal for its size proves the size was checked before decoding.
std::string png_bomb_header(unsigned width, unsigned height);

// A small valid PDF (one empty page).
std::string minimal_pdf();

// The size of a picture, from its header (libvips); {0, 0} when it does not load.
std::pair<int, int> image_size(std::string_view bytes);

} // namespace maptable::media::testing
