// Layer: tests (fuzz, import). What must hold for any input to a parser:
// it returns (no crash, no hang, no sanitizer report), and what it returns
// is either an error whose text can go on the wire as it is, or a layer that
// obeys every limit and the model's shapes. A violation aborts, which
// libFuzzer reports as a crash with the input.
#pragma once

#include "import/import_layer.hpp"
#include "model/text.hpp"

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace maptable::imports::fuzz {

// Small limits, so that short inputs reach every limit's check.
inline import_limits fuzz_limits()
{
    import_limits limits;
    limits.max_features = 40;
    limits.max_total_vertices = 300;
    limits.max_vertices_per_geometry = 60;
    limits.max_properties = 6;
    limits.max_property_key_chars = 16;
    limits.max_property_value_chars = 40;
    limits.max_title_chars = 30;
    limits.max_description_chars = 60;
    limits.max_xml_nodes = 4000;
    limits.max_json_depth = 24;
    limits.max_json_memory = 1024 * 1024;
    return limits;
}

[[noreturn]] inline void violated(const char* what)
{
    std::fprintf(stderr, "import fuzz check failed: %s\n", what);
    std::abort();
}

#define MAPTABLE_IMPORT_FUZZ_CHECK(condition)                                                                          \
    do {                                                                                                               \
        if (!(condition))                                                                                              \
            ::maptable::imports::fuzz::violated(#condition);                                                           \
    } while (false)

inline bool text_within(std::string_view text, std::size_t max_chars)
{
    return model::is_valid_utf8(text) && model::utf8_length(text) <= max_chars;
}

inline void check_result(const import_result& result, const import_limits& limits, source_format format)
{
    if (const auto* error = std::get_if<import_error>(&result)) {
        MAPTABLE_IMPORT_FUZZ_CHECK(!error->message.empty());
        MAPTABLE_IMPORT_FUZZ_CHECK(model::is_valid_utf8(error->message));
        MAPTABLE_IMPORT_FUZZ_CHECK(std::string_view(code_name(error->code)) != "unknown");
        return;
    }
    const auto& layer = std::get<reference_layer>(result);
    MAPTABLE_IMPORT_FUZZ_CHECK(layer.format == format);
    MAPTABLE_IMPORT_FUZZ_CHECK(!layer.features.empty());
    MAPTABLE_IMPORT_FUZZ_CHECK(layer.features.size() <= limits.max_features);
    MAPTABLE_IMPORT_FUZZ_CHECK(text_within(layer.name, limits.max_title_chars));
    for (const auto& note : layer.notes)
        MAPTABLE_IMPORT_FUZZ_CHECK(model::is_valid_utf8(note));
    std::size_t total = 0;
    for (const auto& feature : layer.features) {
        const auto& geometry = feature.geometry;
        const auto count = static_cast<std::size_t>(geometry.positions_size());
        switch (geometry.kind()) {
        case v1::FEATURE_KIND_POINT: MAPTABLE_IMPORT_FUZZ_CHECK(count == 1); break;
        case v1::FEATURE_KIND_LINE: MAPTABLE_IMPORT_FUZZ_CHECK(count >= 2); break;
        case v1::FEATURE_KIND_AREA: MAPTABLE_IMPORT_FUZZ_CHECK(count >= 3); break;
        default: violated("a feature kind other than point, line or area");
        }
        MAPTABLE_IMPORT_FUZZ_CHECK(count <= limits.max_vertices_per_geometry);
        for (const auto& p : geometry.positions()) {
            MAPTABLE_IMPORT_FUZZ_CHECK(std::isfinite(p.lon()) && p.lon() >= -180 && p.lon() <= 180);
            MAPTABLE_IMPORT_FUZZ_CHECK(std::isfinite(p.lat()) && p.lat() >= -90 && p.lat() <= 90);
        }
        total += count;
        MAPTABLE_IMPORT_FUZZ_CHECK(text_within(feature.title, limits.max_title_chars));
        MAPTABLE_IMPORT_FUZZ_CHECK(text_within(feature.description, limits.max_description_chars));
        MAPTABLE_IMPORT_FUZZ_CHECK(feature.properties.size() <= limits.max_properties);
        for (const auto& [key, value] : feature.properties) {
            MAPTABLE_IMPORT_FUZZ_CHECK(text_within(key, limits.max_property_key_chars));
            MAPTABLE_IMPORT_FUZZ_CHECK(text_within(value, limits.max_property_value_chars));
        }
    }
    MAPTABLE_IMPORT_FUZZ_CHECK(total == layer.total_vertices);
    MAPTABLE_IMPORT_FUZZ_CHECK(total <= limits.max_total_vertices);
}

} // namespace maptable::imports::fuzz
