// Layer: media. Type sniffing from magic bytes (see sniff.hpp).
#include "media/sniff.hpp"

#include <algorithm>
#include <boost/algorithm/string/case_conv.hpp>
#include <boost/algorithm/string/classification.hpp>
#include <boost/algorithm/string/trim.hpp>
#include <cctype>

namespace maptable::media {
namespace {

bool starts_with(std::string_view bytes, std::string_view magic)
{
    return bytes.substr(0, magic.size()) == magic;
}

// Boost.Algorithm's, spelt for header values: ASCII case, and HTTP's
// optional whitespace (space and tab) only.
std::string lower(std::string_view s)
{
    return boost::algorithm::to_lower_copy(std::string(s), std::locale::classic());
}

std::string_view trim(std::string_view s)
{
    return boost::algorithm::trim_copy_if(s, boost::algorithm::is_any_of(" \t"));
}

std::optional<media_type> content_type_of(std::string_view bytes)
{
    using namespace std::string_view_literals;
    if (starts_with(bytes, "\xFF\xD8\xFF"sv))
        return media_type::jpeg;
    if (starts_with(bytes, "\x89PNG\r\n\x1A\n"sv))
        return media_type::png;
    // RIFF, a 4-byte size, WEBP, then the first chunk: lossy, lossless or extended.
    if (bytes.size() >= 16 && starts_with(bytes, "RIFF") && bytes.substr(8, 4) == "WEBP" &&
        (bytes.substr(12, 4) == "VP8 " || bytes.substr(12, 4) == "VP8L" || bytes.substr(12, 4) == "VP8X"))
        return media_type::webp;
    if (starts_with(bytes, "%PDF-"))
        return media_type::pdf;
    return std::nullopt;
}

// The declared Content-Type, as the type it names: nullopt for "says
// nothing" (absent, application/octet-stream), or the lower-cased essence
// when it names a type we do not take.
std::variant<std::monostate, media_type, std::string> declared_type(std::string_view content_type)
{
    const auto essence = lower(trim(content_type.substr(0, content_type.find(';'))));
    if (essence.empty() || essence == "application/octet-stream")
        return std::monostate{};
    if (essence == "image/jpeg" || essence == "image/jpg" || essence == "image/pjpeg")
        return media_type::jpeg;
    if (essence == "image/png")
        return media_type::png;
    if (essence == "image/webp")
        return media_type::webp;
    if (essence == "application/pdf" || essence == "application/x-pdf")
        return media_type::pdf;
    return essence;
}

std::string_view article_name(media_type type)
{
    switch (type) {
    case media_type::jpeg: return "a JPEG image";
    case media_type::png: return "a PNG image";
    case media_type::webp: return "a WebP image";
    case media_type::pdf: return "a PDF";
    }
    return "a file";
}

} // namespace

std::string_view mime_type(media_type type)
{
    switch (type) {
    case media_type::jpeg: return "image/jpeg";
    case media_type::png: return "image/png";
    case media_type::webp: return "image/webp";
    case media_type::pdf: return "application/pdf";
    }
    return "application/octet-stream";
}

std::string_view type_name(media_type type)
{
    switch (type) {
    case media_type::jpeg: return "jpeg";
    case media_type::png: return "png";
    case media_type::webp: return "webp";
    case media_type::pdf: return "pdf";
    }
    return "unknown";
}

std::optional<media_type> type_from_name(std::string_view name)
{
    for (auto t : {media_type::jpeg, media_type::png, media_type::webp, media_type::pdf})
        if (type_name(t) == name)
            return t;
    return std::nullopt;
}

bool is_image(media_type type)
{
    return type != media_type::pdf;
}

std::string describe_content(std::string_view bytes)
{
    if (auto t = content_type_of(bytes))
        return std::string(article_name(*t));
    if (bytes.empty())
        return "an empty file";
    if (starts_with(bytes, "GIF87a") || starts_with(bytes, "GIF89a"))
        return "a GIF image";
    if (starts_with(bytes, "BM"))
        return "a BMP image";
    if (starts_with(bytes, std::string_view("II*\0", 4)) || starts_with(bytes, std::string_view("MM\0*", 4)))
        return "a TIFF image";
    if (bytes.size() >= 12 && bytes.substr(4, 4) == "ftyp") {
        const auto brand = bytes.substr(8, 4);
        if (brand == "avif" || brand == "avis")
            return "an AVIF image";
        if (brand == "heic" || brand == "heix" || brand == "mif1" || brand == "msf1" || brand == "hevc")
            return "a HEIC image";
        return "a video or other ISO media file";
    }
    if (starts_with(bytes, "RIFF"))
        return "a RIFF file (not a WebP image)";
    if (starts_with(bytes, std::string_view("PK\x03\x04", 4)))
        return "a ZIP archive (or an Office document)";
    // Text formats: look past a byte order mark and leading blanks.
    auto text = bytes.substr(0, 512);
    if (starts_with(text, "\xEF\xBB\xBF"))
        text.remove_prefix(3);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
        text.remove_prefix(1);
    const auto head = lower(text);
    if (head.find("<svg") != std::string::npos)
        return "an SVG image";
    if (head.starts_with("<!doctype html") || head.starts_with("<html") || head.find("<script") != std::string::npos)
        return "HTML";
    if (head.starts_with("<?xml"))
        return "an XML document";
    return "data of an unknown type";
}

std::variant<media_type, refusal> sniff(std::string_view bytes, std::string_view declared_content_type)
{
    constexpr std::string_view accepted = "photos (JPEG, PNG, WebP) and PDFs are accepted";
    if (bytes.empty())
        return refusal{"the file is empty; " + std::string(accepted)};
    const auto content = content_type_of(bytes);
    if (!content)
        return refusal{"the content is " + describe_content(bytes) + ", which is not accepted: " +
                       std::string(accepted) + " (the type is read from the file's bytes, not its name)"};
    const auto declared = declared_type(declared_content_type);
    if (const auto* named = std::get_if<media_type>(&declared); named && *named != *content)
        return refusal{"declared " + std::string(mime_type(*named)) + " but the content is " +
                       std::string(article_name(*content))};
    if (const auto* other = std::get_if<std::string>(&declared))
        return refusal{"declared " + *other + " but the content is " + std::string(article_name(*content)) +
                       "; send the file's own type or application/octet-stream"};
    return *content;
}

} // namespace maptable::media
