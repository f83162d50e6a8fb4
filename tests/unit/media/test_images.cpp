// Test helpers for attachments (see test_images.hpp).
#include "test_images.hpp"

#include "media/image_pipeline.hpp"

#include <vips/vips.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <stdexcept>

namespace maptable::media::testing {
namespace {

void put16(std::string& out, std::uint16_t v)
{
    out += static_cast<char>(v & 0xFF);
    out += static_cast<char>(v >> 8);
}

void put32(std::string& out, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

void put32be(std::string& out, std::uint32_t v)
{
    for (int i = 3; i >= 0; --i)
        out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

std::uint32_t crc32(std::string_view bytes)
{
    std::uint32_t crc = 0xFFFFFFFFu;
    for (unsigned char b : bytes) {
        crc ^= b;
        for (int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc ^ 0xFFFFFFFFu;
}

struct ifd_entry {
    std::uint16_t tag;
    std::uint16_t type;
    std::uint32_t count;
    std::string data; // the value's bytes; inline when 4 or fewer
};

// Writes an IFD at the end of out; values longer than 4 bytes follow it.
// Returns the offsets of each entry's value field (for patching pointers).
std::vector<std::size_t> write_ifd(std::string& out, const std::vector<ifd_entry>& entries)
{
    const std::size_t start = out.size();
    std::size_t extra = start + 2 + entries.size() * 12 + 4;
    std::string tail;
    std::vector<std::size_t> value_fields;
    put16(out, static_cast<std::uint16_t>(entries.size()));
    for (const auto& e : entries) {
        put16(out, e.tag);
        put16(out, e.type);
        put32(out, e.count);
        value_fields.push_back(out.size());
        if (e.data.size() <= 4) {
            std::string v = e.data;
            v.resize(4, '\0');
            out += v;
        } else {
            put32(out, static_cast<std::uint32_t>(extra + tail.size()));
            tail += e.data;
        }
    }
    put32(out, 0);
    out += tail;
    return value_fields;
}

std::string rationals(double deg, double min, double sec)
{
    std::string out;
    put32(out, static_cast<std::uint32_t>(deg));
    put32(out, 1);
    put32(out, static_cast<std::uint32_t>(min));
    put32(out, 1);
    put32(out, static_cast<std::uint32_t>(std::lround(sec * 100)));
    put32(out, 100);
    return out;
}

void patch32(std::string& out, std::size_t at, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i)
        out[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

} // namespace

std::string make_image(std::string_view format, int width, int height)
{
    exif_fields none;
    none.gps = false;
    none.serial.clear();
    return make_image_with_exif(format, width, height, none);
}

std::string make_image_with_exif(std::string_view format, int width, int height, const exif_fields& fields)
{
    // Without a serial and GPS, make_image: no EXIF at all.
    const bool exif = fields.gps || !fields.serial.empty();
    init_image_library();
    VipsImage* xyz = nullptr;
    VipsImage* rgb = nullptr;
    VipsImage* bytes = nullptr;
    // A gradient, so that a rotation changes the pixels as well as the size.
    if (vips_xyz(&xyz, width, height, nullptr) != 0 || vips_bandjoin_const1(xyz, &rgb, 128, nullptr) != 0 ||
        vips_cast_uchar(rgb, &bytes, nullptr) != 0)
        throw std::runtime_error(std::string("make_image: ") + vips_error_buffer());
    if (exif) {
        const auto tiff = std::string("Exif\0\0", 6) + make_exif_tiff(fields);
        vips_image_set_blob_copy(bytes, VIPS_META_EXIF_NAME, tiff.data(), tiff.size());
        vips_image_set_int(bytes, VIPS_META_ORIENTATION, fields.orientation);
    }
    const gboolean strip = exif ? FALSE : TRUE;
    void* buffer = nullptr;
    std::size_t size = 0;
    int rc = -1;
    if (format == "jpeg")
        rc = vips_jpegsave_buffer(bytes, &buffer, &size, "strip", strip, nullptr);
    else if (format == "png")
        rc = vips_pngsave_buffer(bytes, &buffer, &size, "strip", strip, nullptr);
    else if (format == "webp")
        rc = vips_webpsave_buffer(bytes, &buffer, &size, "strip", strip, nullptr);
    g_object_unref(xyz);
    g_object_unref(rgb);
    g_object_unref(bytes);
    if (rc != 0)
        throw std::runtime_error(std::string("make_image: ") + vips_error_buffer());
    std::string out(static_cast<const char*>(buffer), size);
    g_free(buffer);
    return out;
}

std::string make_exif_tiff(const exif_fields& f)
{
    std::string out = "II";
    put16(out, 42);
    put32(out, 8);
    std::string orientation;
    put16(orientation, static_cast<std::uint16_t>(f.orientation));
    std::vector<ifd_entry> ifd0 = {{0x0112, 3, 1, orientation}, {0x8769, 4, 1, std::string(4, '\0')}};
    if (f.gps)
        ifd0.push_back({0x8825, 4, 1, std::string(4, '\0')});
    const auto fields = write_ifd(out, ifd0);
    // The Exif IFD with the camera's serial number.
    patch32(out, fields[1], static_cast<std::uint32_t>(out.size()));
    std::string serial = f.serial;
    serial += '\0';
    write_ifd(out, {{0xA431, 2, static_cast<std::uint32_t>(serial.size()), serial}});
    if (f.gps) {
        patch32(out, fields[2], static_cast<std::uint32_t>(out.size()));
        write_ifd(out,
                  {{0x0001, 2, 2, std::string{f.lat_ref, '\0'}},
                   {0x0002, 5, 3, rationals(f.lat_deg, f.lat_min, f.lat_sec)},
                   {0x0003, 2, 2, std::string{f.lon_ref, '\0'}},
                   {0x0004, 5, 3, rationals(f.lon_deg, f.lon_min, f.lon_sec)}});
    }
    return out;
}

std::string with_exif(std::string_view jpeg, const exif_fields& fields)
{
    const std::string payload = std::string("Exif\0\0", 6) + make_exif_tiff(fields);
    std::string segment = "\xFF\xE1";
    const auto length = static_cast<std::uint16_t>(payload.size() + 2);
    segment += static_cast<char>(length >> 8);
    segment += static_cast<char>(length & 0xFF);
    segment += payload;
    return std::string(jpeg.substr(0, 2)) + segment + std::string(jpeg.substr(2));
}

std::vector<std::pair<unsigned char, std::string>> jpeg_segments(std::string_view jpeg)
{
    std::vector<std::pair<unsigned char, std::string>> out;
    std::size_t at = 2; // after SOI
    while (at + 4 <= jpeg.size() && static_cast<unsigned char>(jpeg[at]) == 0xFF) {
        const auto marker = static_cast<unsigned char>(jpeg[at + 1]);
        const std::size_t length =
            static_cast<unsigned char>(jpeg[at + 2]) << 8 | static_cast<unsigned char>(jpeg[at + 3]);
        if (length < 2 || at + 2 + length > jpeg.size())
            break;
        out.emplace_back(marker, std::string(jpeg.substr(at + 4, length - 2)));
        if (marker == 0xDA) // start of scan: entropy-coded data follows
            break;
        at += 2 + length;
    }
    return out;
}

bool has_exif_segment(std::string_view jpeg)
{
    for (const auto& [marker, payload] : jpeg_segments(jpeg))
        if (marker == 0xE1 && payload.starts_with(std::string_view("Exif\0", 5)))
            return true;
    return false;
}

bool has_xmp_segment(std::string_view jpeg)
{
    for (const auto& [marker, payload] : jpeg_segments(jpeg))
        if (marker == 0xE1 && payload.starts_with("http://ns.adobe.com/xap/"))
            return true;
    return false;
}

std::string png_bomb_header(unsigned width, unsigned height)
{
    std::string out = "\x89PNG\r\n\x1A\n";
    std::string ihdr = "IHDR";
    put32be(ihdr, width);
    put32be(ihdr, height);
    ihdr += std::string("\x08\x02\x00\x00\x00", 5); // 8-bit RGB, deflate, no filter method, no interlace
    put32be(out, 13);
    out += ihdr;
    put32be(out, crc32(ihdr));
    std::string idat = "IDAT";
    idat += std::string("\x78\x9C\xFF\xFF\xFF\xFF\xFF\xFF", 8); // a zlib header, then garbage
    put32be(out, 8);
    out += idat;
    put32be(out, crc32(idat));
    put32be(out, 0);
    out += "IEND";
    put32be(out, crc32("IEND"));
    return out;
}

std::string minimal_pdf()
{
    return "%PDF-1.4\n"
           "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
           "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
           "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
           "trailer << /Root 1 0 R >>\n"
           "%%EOF\n";
}

std::pair<int, int> image_size(std::string_view bytes)
{
    init_image_library();
    VipsImage* image = vips_image_new_from_buffer(bytes.data(), bytes.size(), "", nullptr);
    if (!image) {
        vips_error_clear();
        return {0, 0};
    }
    std::pair<int, int> size{vips_image_get_width(image), vips_image_get_height(image)};
    g_object_unref(image);
    return size;
}

} // namespace maptable::media::testing
