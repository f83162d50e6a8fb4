// Layer: tests (fuzz). libFuzzer target: arbitrary bytes as one WebSocket
// message from a client, through the server's decoder and the room's
// validation for every role (see fuzz_room.hpp for what is checked).
//
//   build-asan/tests/fuzz/client_message_fuzzer CORPUS_DIR build-asan/tests/fuzz/seeds
#include "fuzz_room.hpp"

#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    // Protobuf logs every string field with invalid UTF-8 it refuses; at
    // thousands of inputs a second that is noise. Fatal errors still abort.
    google::protobuf::SetLogHandler(nullptr);
    // Built before the first input, so its cost is not charged to one.
    maptable::fuzz::populated_room();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    maptable::fuzz::check_client_message(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
