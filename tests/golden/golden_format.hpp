// The golden sequence files shared by the C++ and the TypeScript replicas
// (tests/golden/README.md describes the format). One file per scenario: the
// room id, every event of the scenario (base64 of its binary encoding) with
// the canonical hash of the state after it, and the final state (base64 of
// its deterministic encoding) with its hash.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace maptable::golden {

struct golden_event {
    std::string bytes;      // a pb::Event, binary
    std::string hash_after; // room_state::canonical_hash() once it is applied
};

struct golden_sequence {
    std::string name;  // the file is <name>.golden
    std::string about; // one line for people: what the scenario covers
    std::string room_id;
    std::vector<golden_event> events;
    std::string state; // the final pb::RoomState, deterministic binary
    std::string hash;  // its canonical hash
};

std::string base64_encode(std::string_view bytes);
// nullopt when text is not padded standard base64.
std::optional<std::string> base64_decode(std::string_view text);

// The file's text. Byte for byte what make_golden writes.
std::string to_text(const golden_sequence& sequence);

// Parses a file; on a malformed one, nullopt and `error` says which line and why.
std::optional<golden_sequence> parse(std::string_view text, std::string& error);

} // namespace maptable::golden
