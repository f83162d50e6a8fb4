// Layer: tests (fuzz). Writes the seed corpus of the ClientMessage fuzzer: one
// file per message of fuzz::seed_messages(), encoded with the current .proto,
// so the seeds follow the protocol as it changes.
//
//   maptable_fuzz_seeds DIR     replaces DIR's *.bin files with the seeds
#include "fuzz_room.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>

int main(int argc, char** argv)
{
    namespace fs = std::filesystem;
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    const fs::path dir = argv[1];
    fs::create_directories(dir);
    for (const auto& entry : fs::directory_iterator(dir)) // seeds renamed or removed since the last run
        if (entry.path().extension() == ".bin")
            fs::remove(entry.path());

    int written = 0;
    for (const auto& [name, message] : maptable::fuzz::seed_messages()) {
        std::ofstream out(dir / (name + ".bin"), std::ios::binary);
        if (!message.SerializeToOstream(&out) || !out.flush()) {
            std::fprintf(stderr, "maptable_fuzz_seeds: cannot write %s\n", (dir / (name + ".bin")).c_str());
            return 1;
        }
        ++written;
    }
    std::printf("maptable_fuzz_seeds: %d seeds in %s\n", written, dir.c_str());
    return 0;
}
