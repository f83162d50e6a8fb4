// maptable_make_golden DIR: writes every golden scenario to DIR/<name>.golden.
// Run it on purpose, when a change of the model's rules is meant to change
// the replicas' results (tests/golden/README.md):
//
//     cmake --build build --target maptable_make_golden
//     ./build/tests/golden/maptable_make_golden tests/golden/sequences
#include "scenarios.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::cerr << "usage: maptable_make_golden DIR   (writes DIR/<scenario>.golden)\n";
        return 2;
    }
    const std::filesystem::path dir = argv[1];
    try {
        std::filesystem::create_directories(dir);
        for (const auto& sequence : maptable::golden::make_all_scenarios()) {
            const auto path = dir / (sequence.name + ".golden");
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            out << maptable::golden::to_text(sequence);
            if (!out) {
                std::cerr << "maptable_make_golden: cannot write " << path << "\n";
                return 1;
            }
            std::cout << path.string() << ": " << sequence.events.size() << " events, hash " << sequence.hash << "\n";
        }
    } catch (const std::exception& e) {
        std::cerr << "maptable_make_golden: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
