// Layer: media. What an uploaded file is, from its first bytes only: never
// from its name or the Content-Type the client declared. Four types are
// accepted (JPEG, PNG, WebP, PDF); anything else is refused with a reason a
// person can act on. Pure: no I/O, no image library.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace maptable::media {

enum class media_type { jpeg, png, webp, pdf };

// "image/jpeg", "image/png", "image/webp", "application/pdf".
std::string_view mime_type(media_type type);
// "jpeg", "png", "webp", "pdf": the word clients see in an answer's "type".
std::string_view type_name(media_type type);
// The type a stored name ("jpeg") stands for, or nullopt.
std::optional<media_type> type_from_name(std::string_view name);
bool is_image(media_type type);

// Why a file was refused; text for the client (no internal detail).
struct refusal {
    std::string message;
};

// The type of bytes, from their content. declared_content_type is the
// request's Content-Type (empty when none was sent, or for
// application/octet-stream, which says nothing): a declared type that
// disagrees with the content is refused, because a client that mislabels a
// file is either broken or probing how the server decides.
std::variant<media_type, refusal> sniff(std::string_view bytes, std::string_view declared_content_type = {});

// What the content looks like, for refusals ("an SVG image", "HTML", "a GIF
// image"); "data of an unknown type" when nothing matches.
std::string describe_content(std::string_view bytes);

} // namespace maptable::media
