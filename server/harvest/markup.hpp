// Layer: harvest (pure). Text from people made inert in each form the
// harvest is written in. Internal to the harvest's sources.
#pragma once

#include <string>
#include <string_view>

namespace maptable::harvest {

// & < > " ' as entities: safe in HTML and SVG text and in quoted attributes.
std::string escape_html(std::string_view s);

// Markdown inline text, as the room's report writes it: the characters that
// open emphasis, code, links, headings, HTML or table cells escaped, line
// breaks folded into spaces.
std::string escape_markdown(std::string_view s);

// RFC 4648 base64 (for the maps as data: URIs in Markdown).
std::string base64(std::string_view bytes);

} // namespace maptable::harvest
