// Layer: model. Checks on text that arrives from clients.
//
// Protobuf refuses to parse a proto3 string that is not UTF-8, but the model
// does not rely on that: it is also fed from stored logs, from the SDK's own
// optimistic commands and from tests, so it checks for itself.
#include "model/text.hpp"

#include <cstdint>

namespace maptable::model {

namespace {

// One decoded code point and the number of bytes it took, or bytes == 0 when
// the bytes at the start of s are not a well-formed UTF-8 sequence.
struct decoded {
    char32_t code_point = 0;
    std::size_t bytes = 0;
};

// Decodes the first code point of a non-empty s by the table of well-formed
// sequences in the Unicode standard (chapter 3, table 3-7): the ranges of the
// second byte exclude overlongs, surrogates and values above U+10FFFF.
decoded decode_one(std::string_view s)
{
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
    const std::uint8_t b0 = byte(0);
    if (b0 < 0x80)
        return {b0, 1};

    std::size_t length = 0;
    std::uint8_t second_min = 0x80;
    std::uint8_t second_max = 0xBF;
    char32_t value = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        length = 2;
        value = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        length = 3;
        value = b0 & 0x0F;
        if (b0 == 0xE0)
            second_min = 0xA0; // below is an overlong of a 2-byte sequence
        if (b0 == 0xED)
            second_max = 0x9F; // above are the surrogates U+D800..U+DFFF
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        length = 4;
        value = b0 & 0x07;
        if (b0 == 0xF0)
            second_min = 0x90; // below is an overlong of a 3-byte sequence
        if (b0 == 0xF4)
            second_max = 0x8F; // above is beyond U+10FFFF
    } else {
        return {}; // a continuation byte, C0/C1 (overlong) or F5..FF
    }

    if (s.size() < length)
        return {}; // truncated
    for (std::size_t i = 1; i < length; ++i) {
        const std::uint8_t b = byte(i);
        const std::uint8_t min = i == 1 ? second_min : 0x80;
        const std::uint8_t max = i == 1 ? second_max : 0xBF;
        if (b < min || b > max)
            return {};
        value = (value << 6) | (b & 0x3F);
    }
    return {value, length};
}

// White space by Unicode's White_Space property, plus the invisible
// zero-width space and byte order mark: a chat message made only of these
// shows nothing, so it counts as blank.
bool is_space(char32_t c)
{
    switch (c) {
    case 0x0009:
    case 0x000A:
    case 0x000B:
    case 0x000C:
    case 0x000D:
    case 0x0020:
    case 0x0085:
    case 0x00A0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
    case 0x200B:
    case 0xFEFF: return true;
    default: return c >= 0x2000 && c <= 0x200A;
    }
}

} // namespace

bool is_valid_utf8(std::string_view s)
{
    while (!s.empty()) {
        const decoded d = decode_one(s);
        if (d.bytes == 0)
            return false;
        s.remove_prefix(d.bytes);
    }
    return true;
}

std::size_t utf8_length(std::string_view s)
{
    // Every code point has exactly one byte that is not a continuation byte
    // (10xxxxxx). On invalid input this still returns a bounded count.
    std::size_t count = 0;
    for (const char c : s)
        if ((static_cast<std::uint8_t>(c) & 0xC0) != 0x80)
            ++count;
    return count;
}

bool is_blank(std::string_view s)
{
    while (!s.empty()) {
        const decoded d = decode_one(s);
        if (d.bytes == 0 || !is_space(d.code_point))
            return false; // ill-formed bytes are something, not white space
        s.remove_prefix(d.bytes);
    }
    return true;
}

} // namespace maptable::model
