// Layer: tests (fuzz, import). libFuzzer target: arbitrary bytes as an
// uploaded file of unknown format, through import_layer: format detection,
// then the parser it picks (see import_fuzz_check.hpp for what is checked).
// This is the call the HTTP upload makes.
//
//   build-fuzz/tests/fuzz/import/layer_import_fuzzer CORPUS_DIR tests/fuzz/import/seeds/*
#include "import_fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace maptable::imports;
    static const import_options options = [] {
        import_options o;
        o.limits = fuzz::fuzz_limits();
        return o;
    }();
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const auto detected = detect_format(bytes);
    const import_result result = import_layer(bytes, options);
    // A layer comes only from a detected format, and is of that format.
    if (std::holds_alternative<reference_layer>(result))
        MAPTABLE_IMPORT_FUZZ_CHECK(detected.has_value());
    fuzz::check_result(result, options.limits, detected.value_or(source_format::csv));
    return 0;
}
