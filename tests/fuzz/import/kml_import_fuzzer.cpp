// Layer: tests (fuzz, import). libFuzzer target: arbitrary bytes as a
// KML file, through import_kml (see import_fuzz_check.hpp for what is
// checked).
//
//   build-fuzz/tests/fuzz/import/kml_import_fuzzer CORPUS_DIR tests/fuzz/import/seeds/kml
#include "import_fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace maptable::imports;
    static const import_limits limits = fuzz::fuzz_limits();
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    fuzz::check_result(import_kml(bytes, limits), limits, source_format::kml);
    return 0;
}
