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
