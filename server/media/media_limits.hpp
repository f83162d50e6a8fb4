// Layer: media. The limits of an attachment upload, each with its default and
// why. Plain values; the HTTP routes and the image pipeline obey them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace maptable::media {

struct media_limits {
    std::size_t max_upload_bytes = 20 * 1024 *
        1024; // a phone's full-size JPEG (8-12 MB) or a scanned handout fits; larger is a video or an archive
    std::uint64_t max_pixels = 60'000'000; // 60 Mpx: any phone camera; a decoded bomb would be far larger (checked from
                                           // the header, before decoding)
    int max_dimension = 30'000;            // one side: panoramas fit; a 1 x 60M strip does not
    int thumbnail_size = 320;              // px, the longer side: a card in the side panel at 2x density
    std::size_t max_concurrent_uploads =
        4; // uploads being processed at once: each holds its body and a decoded image in memory
    std::chrono::seconds upload_timeout{120}; // a 20 MB body over a slow mobile uplink (about 1.5 Mbit/s)
};

} // namespace maptable::media
