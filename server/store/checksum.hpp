// Layer: store. CRC32C (Castagnoli, the iSCSI/ext4/LevelDB polynomial), the
// checksum every stored record carries so that a flipped bit on disk is
// reported instead of served.
//
// Why CRC32C: it detects every burst error up to 32 bits and all 1-, 2- and
// 3-bit errors in records far longer than ours, it is the checksum
// append-only log formats use per record (so a later log segment can reuse
// this one unchanged), x86-64 CPUs compute it in one instruction per eight
// bytes, and a table-driven version elsewhere needs no library.
// It guards against accidents (bad sectors, a stray write, a torn copy), not
// against someone who edits the file on purpose: they can recompute it.
#pragma once

#include <cstdint>
#include <string_view>

namespace maptable::store {

// CRC32C of data, continuing from crc (the value returned for the bytes
// before it; 0 to start). crc32c(b, crc32c(a)) == crc32c(a + b).
std::uint32_t crc32c(std::string_view data, std::uint32_t crc = 0) noexcept;

// The checksum of one stored record: covers the room id, the seq and the
// record's bytes, each framed by its length, so a row moved to another room
// or seq fails its check as surely as a changed byte does. Used for events
// and snapshots alike.
std::uint32_t record_checksum(std::string_view room_id, std::uint64_t seq, std::string_view bytes) noexcept;

namespace detail {
// The two ways crc32c computes, for the test that compares them.
std::uint32_t crc32c_table(std::string_view data, std::uint32_t crc) noexcept;
#if defined(__x86_64__)
std::uint32_t crc32c_sse42(std::string_view data, std::uint32_t crc) noexcept; // only where the CPU has SSE4.2
#endif
bool crc32c_in_hardware() noexcept; // crc32c uses the CPU's instruction
} // namespace detail

} // namespace maptable::store
