// Fuzz target, media: arbitrary bytes through what an upload goes through:
// the sniffer (with each declared type), the EXIF GPS reader, the WebP
// metadata stripper and the whole image pipeline under small limits (so
// that one input cannot take the fuzzer's memory or minutes). Every input
// must end in an accepted upload or a refusal value, never a crash, a
// sanitizer finding, or an upload whose stored bytes still carry EXIF.
#include "media/exif_gps.hpp"
#include "media/image_pipeline.hpp"
#include "media/sniff.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace maptable::media;

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    init_image_library();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);

    for (std::string_view declared : {"", "image/jpeg", "image/png", "image/webp", "application/pdf", "image/svg+xml"})
        (void)sniff(bytes, declared);
    (void)describe_content(bytes);

    if (const auto gps = read_exif_gps(bytes)) {
        if (!std::isfinite(gps->lat) || !std::isfinite(gps->lon) || std::abs(gps->lat) > 90 || std::abs(gps->lon) > 180)
            std::abort(); // a position off the globe must never be returned
    }
    const auto stripped = strip_webp_metadata(bytes);
    if (stripped.size() > bytes.size())
        std::abort(); // stripping never adds bytes

    media_limits limits;
    limits.max_upload_bytes = 256 * 1024;
    limits.max_pixels = 1'000'000;
    limits.max_dimension = 4000;
    limits.thumbnail_size = 32;
    const auto result = process_upload(bytes, {}, limits);
    if (const auto* out = std::get_if<processed_upload>(&result)) {
        if (out->bytes.empty())
            std::abort();
        if (is_image(out->type)) {
            // The stored picture and its thumbnail carry no EXIF block.
            if (out->bytes.find("Exif\0\0", 0, 6) != std::string::npos ||
                out->thumbnail.find("Exif\0\0", 0, 6) != std::string::npos)
                std::abort();
            if (out->width <= 0 || out->height <= 0 ||
                static_cast<std::uint64_t>(out->width) * static_cast<std::uint64_t>(out->height) > limits.max_pixels)
                std::abort();
        }
    } else {
        const auto& refused = std::get<upload_refusal>(result);
        if (refused.message.empty() || (refused.status != 400 && refused.status != 413 && refused.status != 415))
            std::abort();
    }
    return 0;
}
