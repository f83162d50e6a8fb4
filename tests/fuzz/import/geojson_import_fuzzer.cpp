// Layer: tests (fuzz, import). libFuzzer target: arbitrary bytes as a
// GeoJSON file, through import_geojson (see import_fuzz_check.hpp for what is
// checked).
//
//   build-fuzz/tests/fuzz/import/geojson_import_fuzzer CORPUS_DIR tests/fuzz/import/seeds/geojson
#include "import_fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace maptable::imports;
    static const import_limits limits = fuzz::fuzz_limits();
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    fuzz::check_result(import_geojson(bytes, limits), limits, source_format::geojson);
    return 0;
}
