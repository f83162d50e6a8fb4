// Layer: import (internal to the KML and GPX readers). Loading XML with
// pugixml under the limits, and the small helpers both readers use.
//
// pugixml never reads a DTD, never expands an entity other than the five of
// XML and character references, and never fetches anything: an entity bomb
// ("billion laughs") or an external entity has nothing to grow or reach.
// Neither KML nor GPX uses a DTD, so a document with a DOCTYPE is refused
// outright rather than parsed with it ignored.
#pragma once

#include "import/import_limits.hpp"
#include "import/layer_builder.hpp"

#include <pugixml.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace maptable::imports::detail {

// Parses bytes into doc; refuses (malformed, too_large, unsupported) with
// the line. format is "KML" or "GPX", root the root element's local name.
void load_xml(pugi::xml_document& doc, std::string_view bytes, const import_limits& limits, const char* format,
              std::string_view root);

// An element's name without its namespace prefix ("kml:Placemark" -> "Placemark").
std::string_view local_name(const pugi::xml_node& node);

// The first child element with this local name, or an empty node.
pugi::xml_node child(const pugi::xml_node& node, std::string_view name);

// The text of an element, without surrounding white space.
std::string text_of(const pugi::xml_node& node);

// The 1-based line where node starts (0 when pugixml does not know).
std::size_t line_of(const pugi::xml_node& node, line_counter& lines);

// "line 14" or, when the line is not known, "an element".
std::string where_is(const pugi::xml_node& node, line_counter& lines);

} // namespace maptable::imports::detail
