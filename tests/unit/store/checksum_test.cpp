// CRC32C against published check values (RFC 3720 appendix B.4 and the
// catalogue's "123456789"), and record_checksum's coverage of room and seq.
#include "store/checksum.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace maptable::store;

TEST_CASE("crc32c matches the published check values")
{
    CHECK(crc32c("") == 0u);
    CHECK(crc32c("123456789") == 0xE3069283u);
    CHECK(crc32c(std::string(32, '\0')) == 0x8A9136AAu);
    CHECK(crc32c(std::string(32, '\xff')) == 0x62A8AB43u);
    std::string ascending, descending;
    for (int i = 0; i < 32; ++i) {
        ascending.push_back(static_cast<char>(i));
        descending.push_back(static_cast<char>(31 - i));
    }
    CHECK(crc32c(ascending) == 0x46DD794Eu);
    CHECK(crc32c(descending) == 0x113FDB5Cu);
}

TEST_CASE("crc32c continues across pieces as over the whole")
{
    CHECK(crc32c("6789", crc32c("12345")) == crc32c("123456789"));
}

TEST_CASE("a record's checksum changes with its room, its seq or any bit of its bytes")
{
    const auto base = record_checksum("room", 7, "bytes of an event");
    CHECK(record_checksum("room", 7, "bytes of an event") == base);
    CHECK(record_checksum("roon", 7, "bytes of an event") != base);
    CHECK(record_checksum("room", 8, "bytes of an event") != base);
    CHECK(record_checksum("room", 7, "bytes of an evenu") != base);
    // Lengths are framed: moving a byte from the room into the body differs.
    CHECK(record_checksum("ab", 1, "c") != record_checksum("a", 1, "bc"));
}

TEST_CASE("the CPU's crc32c and the table give the same value for every length and alignment")
{
    std::string data(300, '\0');
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<char>((i * 131 + 7) & 0xff);
#if defined(__x86_64__)
    if (!detail::crc32c_in_hardware()) {
        MESSAGE("this CPU has no SSE4.2: crc32c uses the table alone");
        return;
    }
    for (std::size_t start = 0; start < 9; ++start)
        for (std::size_t length = 0; start + length <= data.size(); ++length) {
            const std::string_view piece(data.data() + start, length);
            REQUIRE(detail::crc32c_sse42(piece, 0) == detail::crc32c_table(piece, 0));
            REQUIRE(detail::crc32c_sse42(piece, 0x12345678u) == detail::crc32c_table(piece, 0x12345678u));
        }
    CHECK(crc32c("123456789") == detail::crc32c_table("123456789", 0));
#else
    CHECK(!detail::crc32c_in_hardware());
#endif
}
