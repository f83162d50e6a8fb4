// Layer: tests (fuzz, import). libFuzzer target: arbitrary bytes as a
// GPX file, through import_gpx (see import_fuzz_check.hpp for what is
// checked).
//
//   build-fuzz/tests/fuzz/import/gpx_import_fuzzer CORPUS_DIR tests/fuzz/import/seeds/gpx
#include "import_fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace maptable::imports;
    static const import_limits limits = fuzz::fuzz_limits();
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    fuzz::check_result(import_gpx(bytes, limits), limits, source_format::gpx);
    return 0;
}
