// Layer: model. The checks on client text: UTF-8 well-formedness, length in
// code points, blankness.
#include "model/text.hpp"

#include <doctest/doctest.h>

#include <string_view>

using namespace std::string_view_literals;
using maptable::model::is_blank;
using maptable::model::is_valid_utf8;
using maptable::model::utf8_length;

TEST_CASE("empty and ASCII text is valid UTF-8")
{
    CHECK(is_valid_utf8(""));
    CHECK(is_valid_utf8("Bus stop at the market square"));
    CHECK(is_valid_utf8("a\0b"sv)); // NUL is a code point like any other
}

TEST_CASE("multi-byte sequences of every length are valid UTF-8")
{
    CHECK(is_valid_utf8("\xC3\xA9"));         // U+00E9 é
    CHECK(is_valid_utf8("\xE2\x82\xAC"));     // U+20AC €
    CHECK(is_valid_utf8("\xF0\x9F\x98\x80")); // U+1F600 emoji
    CHECK(is_valid_utf8("Stra\xC3\x9F"
                        "e \xE5\x8C\x97\xE4\xBA\xAC"));
}

TEST_CASE("the edges of each UTF-8 range are valid")
{
    CHECK(is_valid_utf8("\x7F"));             // U+007F, last 1-byte
    CHECK(is_valid_utf8("\xC2\x80"));         // U+0080, first 2-byte
    CHECK(is_valid_utf8("\xDF\xBF"));         // U+07FF, last 2-byte
    CHECK(is_valid_utf8("\xE0\xA0\x80"));     // U+0800, first 3-byte
    CHECK(is_valid_utf8("\xED\x9F\xBF"));     // U+D7FF, just below the surrogates
    CHECK(is_valid_utf8("\xEE\x80\x80"));     // U+E000, just above the surrogates
    CHECK(is_valid_utf8("\xEF\xBF\xBF"));     // U+FFFF, last 3-byte
    CHECK(is_valid_utf8("\xF0\x90\x80\x80")); // U+10000, first 4-byte
    CHECK(is_valid_utf8("\xF4\x8F\xBF\xBF")); // U+10FFFF, the last code point
}

TEST_CASE("overlong encodings are not valid UTF-8")
{
    CHECK_FALSE(is_valid_utf8("\xC0\xAF")); // '/' in two bytes
    CHECK_FALSE(is_valid_utf8("\xC1\xBF"));
    CHECK_FALSE(is_valid_utf8("\xE0\x80\xAF"));     // '/' in three bytes
    CHECK_FALSE(is_valid_utf8("\xE0\x9F\xBF"));     // U+07FF in three bytes
    CHECK_FALSE(is_valid_utf8("\xF0\x80\x80\xAF")); // '/' in four bytes
    CHECK_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF")); // U+FFFF in four bytes
}

TEST_CASE("surrogates are not valid UTF-8")
{
    CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));             // U+D800
    CHECK_FALSE(is_valid_utf8("\xED\xBF\xBF"));             // U+DFFF
    CHECK_FALSE(is_valid_utf8("\xED\xA0\xBD\xED\xB8\x80")); // a CESU-8 surrogate pair
}

TEST_CASE("code points above U+10FFFF are not valid UTF-8")
{
    CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80")); // U+110000
    CHECK_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
    CHECK_FALSE(is_valid_utf8("\xF8\x88\x80\x80\x80")); // old 5-byte form
    CHECK_FALSE(is_valid_utf8("\xFE"));
    CHECK_FALSE(is_valid_utf8("\xFF"));
}

TEST_CASE("truncated sequences are not valid UTF-8")
{
    CHECK_FALSE(is_valid_utf8("\xC3"));
    CHECK_FALSE(is_valid_utf8("\xE2\x82"));
    CHECK_FALSE(is_valid_utf8("\xF0\x9F\x98"));
    CHECK_FALSE(is_valid_utf8("ok \xF0\x9F"));
    CHECK_FALSE(is_valid_utf8("\xE2\x82 more text")); // a lead byte followed by ASCII
}

TEST_CASE("stray continuation bytes are not valid UTF-8")
{
    CHECK_FALSE(is_valid_utf8("\x80"));
    CHECK_FALSE(is_valid_utf8("a\xBF"
                              "b"));
    CHECK_FALSE(is_valid_utf8("\xC3\xA9\xA9"));
}

TEST_CASE("utf8_length counts code points, not bytes")
{
    CHECK(utf8_length("") == 0);
    CHECK(utf8_length("abc") == 3);
    CHECK(utf8_length("\xC3\xA9") == 1);
    CHECK(utf8_length("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80") == 3);
    CHECK(utf8_length("caf\xC3\xA9 \xE2\x82\xAC") == 6);
}

TEST_CASE("empty text and ASCII white space are blank")
{
    CHECK(is_blank(""));
    CHECK(is_blank(" "));
    CHECK(is_blank(" \t\r\n\v\f"));
}

TEST_CASE("Unicode spaces are blank")
{
    CHECK(is_blank("\xC2\xA0"));                  // U+00A0 no-break space
    CHECK(is_blank("\xE3\x80\x80"));              // U+3000 ideographic space
    CHECK(is_blank("\xE2\x80\x83 \xE2\x80\xAF")); // em space, space, narrow no-break space
    CHECK(is_blank("\xE2\x80\x8B"));              // U+200B zero-width space shows nothing either
}

TEST_CASE("text with any visible character is not blank")
{
    CHECK_FALSE(is_blank("a"));
    CHECK_FALSE(is_blank("  ok  "));
    CHECK_FALSE(is_blank("\xC2\xA0\xC3\xA9"));
    CHECK_FALSE(is_blank("\xFF")); // ill-formed bytes are not white space
    CHECK_FALSE(is_blank(" \xC2"));
}
