// Layer: model. Checks on text that arrives from clients.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace maptable::model {

// True when s is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view s);

// Number of code points in a string that is valid UTF-8.
std::size_t utf8_length(std::string_view s);

// True when s is empty or holds only white space.
bool is_blank(std::string_view s);

} // namespace maptable::model
