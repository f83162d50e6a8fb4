// Unit tests, media: what an upload becomes before it is stored.
#include "media/image_pipeline.hpp"
#include "test_images.hpp"

#include <doctest/doctest.h>

using namespace maptable::media;
namespace t = maptable::media::testing;

namespace {

processed_upload accept(std::string_view body, std::string_view declared = {}, const media_limits& limits = {})
{
    auto result = process_upload(body, declared, limits);
    if (auto* r = std::get_if<upload_refusal>(&result))
        FAIL(r->status << " " << r->message << " (" << r->detail << ")");
    return std::get<processed_upload>(std::move(result));
}

upload_refusal refuse(std::string_view body, std::string_view declared = {}, const media_limits& limits = {})
{
    auto result = process_upload(body, declared, limits);
    REQUIRE(std::holds_alternative<upload_refusal>(result));
    return std::get<upload_refusal>(std::move(result));
}

} // namespace

TEST_CASE("a photo's EXIF is gone from the stored bytes, its orientation baked into the pixels, its GPS read")
{
    const auto original = t::with_exif(t::make_image("jpeg", 64, 32), {});
    // The test's own EXIF is there to be stripped: the camera serial, GPS, orientation 6.
    REQUIRE(t::has_exif_segment(original));
    REQUIRE(original.find("SN-CAMERA-0042917") != std::string::npos);

    const auto out = accept(original, "image/jpeg");
    CHECK(out.type == media_type::jpeg);
    CHECK_FALSE(t::has_exif_segment(out.bytes));
    CHECK_FALSE(t::has_xmp_segment(out.bytes));
    CHECK(out.bytes.find("SN-CAMERA") == std::string::npos);
    CHECK(out.bytes.find("Exif") == std::string::npos);
    // Orientation 6 (turned 90 degrees): the stored picture is upright, 32 wide and 64 high.
    CHECK(out.width == 32);
    CHECK(out.height == 64);
    CHECK(t::image_size(out.bytes) == std::pair{32, 64});
    // 52 deg 31' 12.34" N, 13 deg 24' 36" W.
    REQUIRE(out.gps.has_value());
    CHECK(out.gps->lat == doctest::Approx(52.0 + 31.0 / 60 + 12.34 / 3600).epsilon(1e-9));
    CHECK(out.gps->lon == doctest::Approx(-(13.0 + 24.0 / 60 + 36.0 / 3600)).epsilon(1e-9));
    // The thumbnail is a WebP without metadata either.
    CHECK(out.thumbnail.starts_with("RIFF"));
    CHECK(out.thumbnail.find("SN-CAMERA") == std::string::npos);
}

TEST_CASE("the southern and eastern hemispheres read as negative latitude, positive longitude")
{
    t::exif_fields fields;
    fields.lat_ref = 'S';
    fields.lon_ref = 'E';
    fields.orientation = 1;
    const auto out = accept(t::with_exif(t::make_image("jpeg", 40, 20), fields));
    REQUIRE(out.gps.has_value());
    CHECK(out.gps->lat < -52);
    CHECK(out.gps->lon > 13);
    CHECK(out.width == 40); // orientation 1: not rotated
    CHECK(out.height == 20);
}

TEST_CASE("a photo without GPS has no position, and a malformed GPS block is no position")
{
    t::exif_fields fields;
    fields.gps = false;
    CHECK_FALSE(accept(t::with_exif(t::make_image("jpeg", 16, 16), fields)).gps.has_value());
    CHECK_FALSE(read_exif_gps("").has_value());
    CHECK_FALSE(read_exif_gps("MM\0*").has_value());
    auto tiff = t::make_exif_tiff({});
    CHECK(read_exif_gps(tiff).has_value());
    // Cut anywhere inside the block: never a crash, and never a position
    // read from beyond its end.
    for (std::size_t n = 0; n + 1 < tiff.size(); ++n)
        (void)read_exif_gps(std::string_view(tiff).substr(0, n));
    t::exif_fields off_the_globe;
    off_the_globe.lat_deg = 95;
    CHECK_FALSE(read_exif_gps(t::make_exif_tiff(off_the_globe)).has_value());
}

TEST_CASE("PNG and WebP photos are stored in their format with a thumbnail")
{
    for (const char* format : {"png", "webp"}) {
        CAPTURE(format);
        const auto out = accept(t::make_image(format, 800, 200));
        CHECK(type_name(out.type) == format);
        CHECK(t::image_size(out.bytes) == std::pair{800, 200});
        CHECK(out.width == 800);
        CHECK(out.height == 200);
        REQUIRE_FALSE(out.thumbnail.empty());
        CHECK(t::image_size(out.thumbnail) == std::pair{320, 80});
    }
}

TEST_CASE("a decompression bomb is refused from its header, before a pixel is decoded")
{
    // 20000 x 20000 = 400 Mpx, with garbage where the pixels should be: had
    // it been decoded, the refusal would be the 400 of a damaged image.
    const auto bomb = t::png_bomb_header(20000, 20000);
    const auto r = refuse(bomb, "image/png");
    CHECK(r.status == 413);
    CHECK(r.message.find("20000 x 20000 pixels") != std::string::npos);
    CHECK(r.message.find("megapixels") != std::string::npos);
    // The same header under the limit is decoded, and fails as damaged.
    CHECK(refuse(t::png_bomb_header(100, 100)).status == 400);
    // One side over its limit, within the pixel count.
    CHECK(refuse(t::png_bomb_header(40000, 10)).status == 413);
}

TEST_CASE("damaged and truncated pictures are refused as 400, never stored")
{
    const auto jpeg = t::make_image("jpeg", 64, 64);
    const auto r = refuse(jpeg.substr(0, jpeg.size() / 2));
    CHECK(r.status == 400);
    CHECK(r.message.find("damaged or truncated") != std::string::npos);
    CHECK_FALSE(r.detail.empty());
    const auto png = t::make_image("png", 64, 64);
    CHECK(refuse(png.substr(0, png.size() - 20)).status == 400);
    CHECK(refuse(std::string("\xFF\xD8\xFF\xE0", 4)).status == 400);
}

TEST_CASE("spoofed and unaccepted types are refused as 415")
{
    const auto r = refuse(t::minimal_pdf(), "image/png");
    CHECK(r.status == 415);
    CHECK(r.message == "declared image/png but the content is a PDF");
    CHECK(refuse("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", "image/png").status == 415);
    CHECK(refuse("GIF89a\x01\x00\x01\x00\x00\x00\x00").status == 415);
}

TEST_CASE("an upload over the byte limit is refused as 413 before it is looked at")
{
    media_limits small;
    small.max_upload_bytes = 1000;
    const auto r = refuse(std::string(1001, 'x'), {}, small);
    CHECK(r.status == 413);
}

TEST_CASE("a PDF is kept exactly as sent, without a thumbnail; a truncated one is refused")
{
    const auto pdf = t::minimal_pdf();
    const auto out = accept(pdf, "application/pdf");
    CHECK(out.type == media_type::pdf);
    CHECK(out.bytes == pdf);
    CHECK(out.thumbnail.empty());
    CHECK(out.width == 0);
    const auto cut = refuse(pdf.substr(0, pdf.size() - 8));
    CHECK(cut.status == 400);
    CHECK(cut.message.find("%%EOF") != std::string::npos);
}

TEST_CASE("EXIF written by a camera app into a PNG or WebP is stripped too, and its orientation applied")
{
    for (const char* format : {"jpeg", "png", "webp"}) {
        CAPTURE(format);
        const auto original = t::make_image_with_exif(format, 60, 30, {});
        REQUIRE(original.find("SN-CAMERA-0042917") != std::string::npos);
        const auto out = accept(original);
        CHECK(out.bytes.find("SN-CAMERA") == std::string::npos);
        CHECK(out.bytes.find("Exif") == std::string::npos);
        CHECK(out.thumbnail.find("SN-CAMERA") == std::string::npos);
        CHECK(out.thumbnail.find("Exif") == std::string::npos);
        CHECK(out.gps.has_value());
        CHECK(t::image_size(out.bytes) == std::pair{30, 60});
    }
}

TEST_CASE("strip_webp_metadata drops EXIF, XMP and ICC chunks and their VP8X flags, and leaves other bytes alone")
{
    std::string webp("RIFF\0\0\0\0WEBP", 12);
    auto chunk = [&](std::string_view fourcc, std::string data) {
        webp += fourcc;
        const auto n = static_cast<std::uint32_t>(data.size());
        for (int i = 0; i < 4; ++i)
            webp += static_cast<char>((n >> (8 * i)) & 0xFF);
        webp += data;
        if (n & 1)
            webp += '\0';
    };
    chunk("VP8X", std::string("\x2C\0\0\0\0\0\0\0\0\0", 10));
    chunk("ICCP", "profile");
    chunk("VP8L", "pixels");
    chunk("EXIF", std::string("Exif\0\0serial", 12));
    chunk("XMP ", "<x:xmpmeta/>");
    const auto out = strip_webp_metadata(webp);
    CHECK(out.find("EXIF") == std::string::npos);
    CHECK(out.find("XMP ") == std::string::npos);
    CHECK(out.find("ICCP") == std::string::npos);
    CHECK(out.find("pixels") != std::string::npos);
    CHECK(out[20] == 0); // VP8X flags cleared
    CHECK(out.size() == 12 + 18 + 14);
    CHECK(static_cast<unsigned char>(out[4]) == out.size() - 8);
    // Not a WebP, or a chunk running past the end: unchanged.
    CHECK(strip_webp_metadata("RIFFxxxxWAVE") == "RIFFxxxxWAVE");
    CHECK(strip_webp_metadata(webp.substr(0, webp.size() - 3)) == webp.substr(0, webp.size() - 3));
}
