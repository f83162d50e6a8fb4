// Layer: store. CRC32C (the reflected polynomial 0x82F63B78): with the
// CPU's own instruction where it has one (SSE4.2's crc32, x86-64), eight
// bytes a step, about 20x the table; else table-driven, one byte a step,
// about 0.5 GB/s. A cold load checks a 2.5 MB snapshot and every event
// after it: in software that was a tenth of a cold join's CPU
// (docs/perf/cold-round-two.md). Both give the same values (unit_store
// compares them on every length and alignment).
#include "store/checksum.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace maptable::store {

namespace {

constexpr std::array<std::uint32_t, 256> make_table()
{
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int bit = 0; bit < 8; ++bit)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        table[i] = c;
    }
    return table;
}

constexpr auto table = make_table();

// Little-endian, whatever the host: the checksum of a record must not depend
// on the machine that wrote it.
void put_le(char* out, std::uint64_t v, int bytes) noexcept
{
    for (int i = 0; i < bytes; ++i)
        out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

} // namespace

namespace detail {

std::uint32_t crc32c_table(std::string_view data, std::uint32_t crc) noexcept
{
    crc = ~crc;
    for (const char ch : data)
        crc = table[(crc ^ static_cast<unsigned char>(ch)) & 0xff] ^ (crc >> 8);
    return ~crc;
}

#if defined(__x86_64__)
// Compiled for SSE4.2 alone, called only where the CPU has it. The crc32
// instruction is CRC32C with this polynomial, without the inversions.
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(std::string_view data, std::uint32_t crc) noexcept
{
    const char* p = data.data();
    std::size_t n = data.size();
    std::uint64_t c = ~crc;
    for (; n >= 8; p += 8, n -= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, 8); // x86 is little-endian: the bytes in stream order
        c = _mm_crc32_u64(c, word);
    }
    auto c32 = static_cast<std::uint32_t>(c);
    for (; n > 0; ++p, --n)
        c32 = _mm_crc32_u8(c32, static_cast<unsigned char>(*p));
    return ~c32;
}
#endif

bool crc32c_in_hardware() noexcept
{
#if defined(__x86_64__)
    static const bool has = __builtin_cpu_supports("sse4.2");
    return has;
#else
    return false;
#endif
}

} // namespace detail

std::uint32_t crc32c(std::string_view data, std::uint32_t crc) noexcept
{
#if defined(__x86_64__)
    if (detail::crc32c_in_hardware())
        return detail::crc32c_sse42(data, crc);
#endif
    return detail::crc32c_table(data, crc);
}

std::uint32_t record_checksum(std::string_view room_id, std::uint64_t seq, std::string_view bytes) noexcept
{
    char header[8 + 8 + 8];
    put_le(header, room_id.size(), 8);
    put_le(header + 8, seq, 8);
    put_le(header + 16, bytes.size(), 8);
    // Layout: len(room) | seq | len(bytes) | room | bytes.
    std::uint32_t crc = crc32c(std::string_view(header, sizeof header));
    crc = crc32c(room_id, crc);
    return crc32c(bytes, crc);
}

} // namespace maptable::store
