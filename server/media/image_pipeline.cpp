// Layer: media. The upload pipeline on libvips' C API (see image_pipeline.hpp).
#include "media/image_pipeline.hpp"

#include <vips/vips.h>

#include <memory>
#include <mutex>
#include <stdexcept>

namespace maptable::media {
namespace {

struct image_unref {
    void operator()(VipsImage* image) const { g_object_unref(image); }
};
using image_ptr = std::unique_ptr<VipsImage, image_unref>;

struct g_free_deleter {
    void operator()(void* p) const { g_free(p); }
};

// libvips' last error message (its buffer is per process: take it and clear it).
std::string take_vips_error()
{
    std::unique_ptr<char, g_free_deleter> copy(vips_error_buffer_copy());
    std::string text = copy ? copy.get() : "";
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text.empty() ? "libvips failed without a message" : text;
}

upload_refusal damaged(media_type type, std::string detail)
{
    return upload_refusal{400,
                          "the " + std::string(type_name(type)) +
                              " image is damaged or truncated and could not be decoded; send the original file",
                          std::move(detail)};
}

upload_refusal too_large(const media_limits& limits)
{
    return upload_refusal{413,
                          "the file is larger than the limit of " +
                              std::to_string(limits.max_upload_bytes / (1024 * 1024)) + " MB",
                          {}};
}

// Loads the header only (libvips is lazy): no pixel is decoded yet.
image_ptr load_header(std::string_view body, media_type type)
{
    VipsImage* out = nullptr;
    const void* data = body.data();
    const auto size = body.size();
    int rc = -1;
    switch (type) {
    case media_type::jpeg:
        rc = vips_jpegload_buffer(const_cast<void*>(data), size, &out, "fail_on", VIPS_FAIL_ON_ERROR, nullptr);
        break;
    case media_type::png:
        rc = vips_pngload_buffer(const_cast<void*>(data), size, &out, "fail_on", VIPS_FAIL_ON_ERROR, nullptr);
        break;
    case media_type::webp:
        rc = vips_webpload_buffer(const_cast<void*>(data), size, &out, "fail_on", VIPS_FAIL_ON_ERROR, nullptr);
        break;
    case media_type::pdf: break;
    }
    if (rc != 0) {
        if (out)
            g_object_unref(out);
        return nullptr;
    }
    return image_ptr(out);
}

std::optional<gps_position> gps_of(VipsImage* image)
{
    if (vips_image_get_typeof(image, VIPS_META_EXIF_NAME) == 0)
        return std::nullopt;
    const void* data = nullptr;
    std::size_t size = 0;
    if (vips_image_get_blob(image, VIPS_META_EXIF_NAME, &data, &size) != 0 || !data) {
        vips_error_clear();
        return std::nullopt;
    }
    return read_exif_gps(std::string_view(static_cast<const char*>(data), size));
}

// Saves image with every metadata block stripped, in type's format. The
// fields are removed from a copy as well as the saver told to strip: a saver
// that forgets (libvips 8.14's WebP saver still writes EXIF taken over by a
// thumbnail) then finds nothing to write.
std::optional<std::string> save_stripped(VipsImage* source, media_type type, int quality)
{
    VipsImage* copy = nullptr;
    if (vips_copy(source, &copy, nullptr) != 0)
        return std::nullopt;
    image_ptr bare(copy);
    if (gchar** fields = vips_image_get_fields(bare.get())) {
        // Header properties (width, bands, ...) are not metadata and stay.
        for (gchar** f = fields; *f; ++f)
            vips_image_remove(bare.get(), *f);
        g_strfreev(fields);
    }
    VipsImage* image = bare.get();
    void* buffer = nullptr;
    std::size_t size = 0;
    int rc = -1;
    switch (type) {
    case media_type::jpeg:
        rc = vips_jpegsave_buffer(image, &buffer, &size, "strip", TRUE, "Q", quality, nullptr);
        break;
    case media_type::png: rc = vips_pngsave_buffer(image, &buffer, &size, "strip", TRUE, nullptr); break;
    case media_type::webp:
        rc = vips_webpsave_buffer(image, &buffer, &size, "strip", TRUE, "Q", quality, nullptr);
        break;
    case media_type::pdf: break;
    }
    std::unique_ptr<void, g_free_deleter> owned(buffer);
    if (rc != 0 || !buffer)
        return std::nullopt;
    const std::string_view saved(static_cast<const char*>(buffer), size);
    if (type == media_type::webp)
        return strip_webp_metadata(saved);
    return std::string(saved);
}

std::uint32_t le32(std::string_view bytes, std::size_t at)
{
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i)
        v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
    return v;
}

void put_le32(std::string& out, std::size_t at, std::uint32_t v)
{
    for (std::size_t i = 0; i < 4; ++i)
        out[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

} // namespace

std::string strip_webp_metadata(std::string_view webp)
{
    // RIFF <size> WEBP, then chunks: <fourcc> <size> <data, padded to even>.
    if (webp.size() < 12 || webp.substr(0, 4) != "RIFF" || webp.substr(8, 4) != "WEBP")
        return std::string(webp);
    std::string out(webp.substr(0, 12));
    std::size_t at = 12;
    while (at < webp.size()) {
        if (webp.size() - at < 8)
            return std::string(webp);
        const auto fourcc = webp.substr(at, 4);
        const std::uint64_t size = le32(webp, at + 4);
        const std::uint64_t whole = 8 + size + (size & 1);
        if (whole > webp.size() - at)
            return std::string(webp);
        if (fourcc != "EXIF" && fourcc != "XMP " && fourcc != "ICCP") {
            const auto kept = out.size();
            out += webp.substr(at, static_cast<std::size_t>(whole));
            // VP8X flags: ICC profile 0x20, EXIF 0x08, XMP 0x04.
            if (fourcc == "VP8X" && size >= 1)
                out[kept + 8] = static_cast<char>(static_cast<unsigned char>(out[kept + 8]) & ~0x2C);
        }
        at += static_cast<std::size_t>(whole);
    }
    put_le32(out, 4, static_cast<std::uint32_t>(out.size() - 8));
    return out;
}

void init_image_library()
{
    static std::once_flag once;
    std::call_once(once, [] {
        if (VIPS_INIT("maptable-server") != 0)
            throw std::runtime_error("libvips could not start: " + take_vips_error());
        // Only the three loaders an upload may use; a loader reached by
        // mistake (SVG via librsvg, PDF via poppler, HEIF, ImageMagick) is
        // refused by libvips itself.
        vips_block_untrusted_set(TRUE);
        vips_operation_block_set("VipsForeignLoad", TRUE);
        for (const char* allowed :
             {"VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadSpng", "VipsForeignLoadWebp"})
            vips_operation_block_set(allowed, FALSE);
        vips_cache_set_max(0);
        vips_concurrency_set(1);
        // libvips warns on stderr about every damaged picture a client
        // sends; the refusal carries the reason (upload_refusal::detail).
        g_log_set_handler(
            "VIPS", static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE),
            [](const gchar*, GLogLevelFlags, const gchar*, gpointer) {}, nullptr);
    });
}

std::variant<processed_upload, upload_refusal>
process_upload(std::string_view body, std::string_view declared_content_type, const media_limits& limits)
{
    if (body.size() > limits.max_upload_bytes)
        return too_large(limits);
    auto sniffed = sniff(body, declared_content_type);
    if (auto* refused = std::get_if<refusal>(&sniffed))
        return upload_refusal{415, std::move(refused->message), {}};
    const auto type = std::get<media_type>(sniffed);
    if (type == media_type::pdf)
        return check_pdf(body, limits);
    return process_image(body, type, limits);
}

std::variant<processed_upload, upload_refusal> check_pdf(std::string_view body, const media_limits& limits)
{
    if (body.size() > limits.max_upload_bytes)
        return too_large(limits);
    if (!body.starts_with("%PDF-"))
        return upload_refusal{415, "the content is not a PDF (it does not start with %PDF-)", {}};
    // Writers may append a newline or a little padding after the marker.
    constexpr std::size_t tail = 1024;
    const auto end = body.substr(body.size() > tail ? body.size() - tail : 0);
    if (end.find("%%EOF") == std::string_view::npos)
        return upload_refusal{400, "the PDF is truncated (no %%EOF at its end); send the whole file", {}};
    processed_upload out;
    out.type = media_type::pdf;
    out.bytes = std::string(body);
    return out;
}

std::variant<processed_upload, upload_refusal> process_image(std::string_view body, media_type type,
                                                             const media_limits& limits)
{
    if (body.size() > limits.max_upload_bytes)
        return too_large(limits);
    init_image_library();
    auto image = load_header(body, type);
    if (!image)
        return damaged(type, take_vips_error());

    // The decompression bomb check, on the header's size, before decoding.
    const auto width = vips_image_get_width(image.get());
    const auto height = vips_image_get_height(image.get());
    const auto pixels = static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height);
    if (width <= 0 || height <= 0)
        return damaged(type, "no size in the header");
    if (pixels > limits.max_pixels || width > limits.max_dimension || height > limits.max_dimension)
        return upload_refusal{413,
                              "the picture is " + std::to_string(width) + " x " + std::to_string(height) +
                                  " pixels; the limit is " + std::to_string(limits.max_pixels / 1'000'000) +
                                  " megapixels and " + std::to_string(limits.max_dimension) +
                                  " pixels a side: scale it down and send it again",
                              {}};

    processed_upload out;
    out.type = type;
    out.gps = gps_of(image.get());

    // Decoded once, here: a damaged image fails now (fail on error), and the
    // rotation, the save and the thumbnail read the same pixels.
    image_ptr decoded(vips_image_copy_memory(image.get()));
    if (!decoded)
        return damaged(type, take_vips_error());
    image.reset();

    if (vips_image_get_typeof(decoded.get(), VIPS_META_ICC_NAME) != 0) {
        VipsImage* srgb = nullptr;
        if (vips_icc_transform(decoded.get(), &srgb, "srgb", "embedded", TRUE, nullptr) == 0) {
            decoded.reset(srgb);
        } else {
            // An unusable profile: the pixels are kept as they are (the
            // profile is dropped with the rest of the metadata below).
            vips_error_clear();
        }
    }

    VipsImage* rotated_raw = nullptr;
    if (vips_autorot(decoded.get(), &rotated_raw, nullptr) != 0)
        return damaged(type, take_vips_error());
    image_ptr rotated(rotated_raw);
    out.width = vips_image_get_width(rotated.get());
    out.height = vips_image_get_height(rotated.get());

    auto stored = save_stripped(rotated.get(), type, 90);
    if (!stored)
        return damaged(type, take_vips_error());
    out.bytes = std::move(*stored);

    VipsImage* thumb_raw = nullptr;
    if (vips_thumbnail_image(rotated.get(), &thumb_raw, limits.thumbnail_size, "height", limits.thumbnail_size, "size",
                             VIPS_SIZE_DOWN, nullptr) != 0)
        return damaged(type, take_vips_error());
    image_ptr thumb(thumb_raw);
    auto thumbnail = save_stripped(thumb.get(), media_type::webp, 80);
    if (!thumbnail)
        return damaged(type, take_vips_error());
    out.thumbnail = std::move(*thumbnail);
    return out;
}

} // namespace maptable::media
