// Unit tests, media: the type of an upload comes from its bytes only.
#include "media/sniff.hpp"
#include "test_images.hpp"

#include <doctest/doctest.h>

using namespace maptable::media;
namespace t = maptable::media::testing;

namespace {

std::string refusal_text(std::string_view bytes, std::string_view declared = {})
{
    auto result = sniff(bytes, declared);
    REQUIRE(std::holds_alternative<refusal>(result));
    return std::get<refusal>(result).message;
}

media_type accepted(std::string_view bytes, std::string_view declared = {})
{
    auto result = sniff(bytes, declared);
    if (auto* r = std::get_if<refusal>(&result))
        FAIL(r->message);
    return std::get<media_type>(result);
}

} // namespace

TEST_CASE("each accepted type is recognised by its first bytes")
{
    CHECK(accepted(t::make_image("jpeg", 8, 8)) == media_type::jpeg);
    CHECK(accepted(t::make_image("png", 8, 8)) == media_type::png);
    CHECK(accepted(t::make_image("webp", 8, 8)) == media_type::webp);
    CHECK(accepted(t::minimal_pdf()) == media_type::pdf);
}

TEST_CASE("a declared type that matches, says nothing, or carries parameters is fine")
{
    const auto png = t::make_image("png", 8, 8);
    CHECK(accepted(png, "image/png") == media_type::png);
    CHECK(accepted(png, "IMAGE/PNG; charset=binary") == media_type::png);
    CHECK(accepted(png, "application/octet-stream") == media_type::png);
    CHECK(accepted(png, "") == media_type::png);
    CHECK(accepted(t::make_image("jpeg", 8, 8), "image/jpg") == media_type::jpeg);
}

TEST_CASE("a declared type that disagrees with the content is refused, naming both")
{
    CHECK(refusal_text(t::minimal_pdf(), "image/png") == "declared image/png but the content is a PDF");
    CHECK(refusal_text(t::make_image("png", 8, 8), "image/jpeg") ==
          "declared image/jpeg but the content is a PNG image");
    // A type we never take, declared for an accepted content: still a disagreement.
    CHECK(refusal_text(t::make_image("jpeg", 8, 8), "image/svg+xml")
              .starts_with("declared image/svg+xml but the content is a JPEG image"));
}

TEST_CASE("other formats are refused with what they look like, whatever they are called")
{
    CHECK(refusal_text("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>", "image/png")
              .find("an SVG image") != std::string::npos);
    CHECK(refusal_text("<?xml version=\"1.0\"?>\n<svg/>").find("an SVG image") != std::string::npos);
    CHECK(refusal_text("<!DOCTYPE html><html><body>hi</body></html>", "image/jpeg").find("HTML") != std::string::npos);
    CHECK(refusal_text("GIF89a\x01\x00\x01\x00").find("a GIF image") != std::string::npos);
    CHECK(refusal_text(std::string("\0\0\0\x18"
                                   "ftypheic\0\0\0\0",
                                   16))
              .find("a HEIC image") != std::string::npos);
    CHECK(refusal_text(std::string("PK\x03\x04zzzz", 8)).find("ZIP") != std::string::npos);
    CHECK(refusal_text("just some text").find("data of an unknown type") != std::string::npos);
    CHECK(refusal_text("GIF89a").find("photos (JPEG, PNG, WebP) and PDFs are accepted") != std::string::npos);
}

TEST_CASE("truncated files are not mistaken for an accepted type")
{
    CHECK(refusal_text("") == "the file is empty; photos (JPEG, PNG, WebP) and PDFs are accepted");
    CHECK(std::holds_alternative<refusal>(sniff("\xFF\xD8")));               // two of the three JPEG bytes
    CHECK(std::holds_alternative<refusal>(sniff("\x89PNG\r\n")));            // a cut PNG signature
    CHECK(std::holds_alternative<refusal>(sniff("RIFF\x10\0\0\0WEBP")));     // WebP without its first chunk
    CHECK(std::holds_alternative<refusal>(sniff("RIFF\x10\0\0\0WAVEfmt "))); // another RIFF
    CHECK(std::holds_alternative<refusal>(sniff("%PD")));
}
