// Layer: media. What an upload becomes before it is stored: its type checked
// by content, its size and pixel count checked, a photo decoded, its GPS
// position read, its orientation baked into the pixels, every metadata block
// dropped, and a thumbnail made; a PDF checked and kept as sent. Blocking and
// CPU-heavy: call it on the work pool, never on an event loop.
//
// "EXIF stripped except orientation", done as: rotate the pixels by the
// orientation tag (vips_autorot), then save with no metadata at all. The
// stored image looks the same as the original did in a viewer that honours
// the tag, and the same in one that ignores it; no EXIF block survives, so no
// tag we did not think of (serial numbers, owner names, maker notes, GPS in
// XMP) can leak through a partial rewrite. The ICC profile is applied
// (converted to sRGB) before it is dropped, so colours stay right.
//
// Safety: only the JPEG, PNG and WebP loaders can run (libvips' other
// loaders, SVG, PDF, HEIF, ..., are blocked at start-up, and the loader is
// chosen from the sniffed type, never by libvips' own guess); the header is
// read first and a picture over the pixel limit is refused before any pixel
// is decoded; a damaged or truncated image is refused (fail on error).
#pragma once

#include "media/exif_gps.hpp"
#include "media/media_limits.hpp"
#include "media/sniff.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace maptable::media {

// Starts libvips once per process (safe to call again, from any thread) and
// restricts it: untrusted loaders blocked, no operation cache (a cache would
// keep clients' decoded pictures in memory), one worker thread per operation
// (the work pool already runs uploads side by side). Throws at start-up when
// libvips cannot start.
void init_image_library();

// A refused upload: the HTTP status that fits (413 too large, 415 not an
// accepted type, 400 damaged), the text for the client, and a detail for the
// server's log only (libvips' own message).
struct upload_refusal {
    unsigned status = 400;
    std::string message;
    std::string detail;
};

// An accepted upload, as it will be stored.
struct processed_upload {
    media_type type = media_type::jpeg;
    std::string bytes;     // photos: re-encoded, metadata stripped; PDFs: as sent
    std::string thumbnail; // WebP, the longer side limits.thumbnail_size; empty for PDFs (never rendered)
    int width = 0;         // pixels after rotation; 0 for PDFs
    int height = 0;
    std::optional<gps_position> gps; // from the photo's EXIF, before stripping
};

// The whole check of one upload. declared_content_type: the request's
// Content-Type (see sniff). Never throws for bad input: every refusal is a
// value. Throws only when the library itself fails (out of memory).
std::variant<processed_upload, upload_refusal>
process_upload(std::string_view body, std::string_view declared_content_type, const media_limits& limits);

// A photo of a sniffed image type (jpeg, png or webp) through the pipeline.
std::variant<processed_upload, upload_refusal> process_image(std::string_view body, media_type type,
                                                             const media_limits& limits);

// A PDF: "%PDF-" first, "%%EOF" in its last KB, within the size limit. It
// is stored as sent and never rendered or parsed further here: rendering a
// PDF means running a large parser on hostile input, and a thumbnail of a
// handout's first page is not worth that risk. Clients show a PDF icon.
std::variant<processed_upload, upload_refusal> check_pdf(std::string_view body, const media_limits& limits);

// A WebP file without its metadata chunks (EXIF, XMP, ICCP) and with the
// VP8X flags that announced them cleared. libvips 8.14's WebP saver writes a
// default EXIF block even when told to strip; this removes it. Bytes that
// are not a well-formed WebP container are returned unchanged.
std::string strip_webp_metadata(std::string_view webp);

} // namespace maptable::media
