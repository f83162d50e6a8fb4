// Layer: tests (fuzz, import). libFuzzer target: arbitrary bytes as a CSV
// file, through import_csv (see import_fuzz_check.hpp for what is checked).
// The first byte chooses the delimiter (detected, ',', ';' or tab) and
// whether the coordinate columns are named, so that every path is reached.
//
//   build-fuzz/tests/fuzz/import/csv_import_fuzzer CORPUS_DIR tests/fuzz/import/seeds/csv
#include "import_fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace maptable::imports;
    static const import_limits limits = fuzz::fuzz_limits();
    if (size == 0)
        return 0;
    const unsigned choice = data[0];
    const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    csv_options options;
    constexpr char delimiters[] = {0, ',', ';', '\t'};
    options.delimiter = delimiters[choice & 3];
    if (choice & 4) {
        options.lon_column = "x";
        options.lat_column = "Breite";
    }
    fuzz::check_result(import_csv(bytes, options, limits), limits, source_format::csv);
    return 0;
}
