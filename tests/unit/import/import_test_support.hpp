// Layer: tests (unit, import). Reading a parser's result in a test.
#pragma once

#include "import/import_layer.hpp"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <variant>

namespace maptable::imports::testing {

// The layer, failing the test (with the error's text) when there is none.
// Taken by value, so that `const auto& layer = layer_of(import_csv(...))`
// holds a layer of its own, not a reference into a dead temporary.
inline reference_layer layer_of(import_result result)
{
    if (const auto* error = std::get_if<import_error>(&result))
        FAIL_CHECK("expected a layer, got " << code_name(error->code) << ": " << error->message);
    REQUIRE(std::holds_alternative<reference_layer>(result));
    return std::get<reference_layer>(std::move(result));
}

// The error, failing the test when the file was accepted.
inline import_error error_of(import_result result)
{
    REQUIRE_MESSAGE(std::holds_alternative<import_error>(result), "expected an error, the file was accepted");
    return std::get<import_error>(std::move(result));
}

inline double lon(const reference_feature& feature, int i)
{
    return feature.geometry.positions(i).lon();
}
inline double lat(const reference_feature& feature, int i)
{
    return feature.geometry.positions(i).lat();
}

// The value of a property, or "<absent>".
inline std::string property(const reference_feature& feature, const std::string& key)
{
    for (const auto& [k, v] : feature.properties)
        if (k == key)
            return v;
    return "<absent>";
}

// n positions along a line, as text "lon,lat" pairs joined by `between`,
// each pair written by `one(lon, lat)`.
template <typename One>
std::string positions(std::size_t n, One one, const std::string& between)
{
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0)
            out += between;
        out += one(13.0 + static_cast<double>(i) * 1e-5, 52.5);
    }
    return out;
}

} // namespace maptable::imports::testing
