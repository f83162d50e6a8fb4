// Layer: import. Shared checks of the parsers (see layer_builder.hpp).
#include "import/layer_builder.hpp"

#include "model/text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace maptable::imports {

const char* code_name(import_errc code)
{
    switch (code) {
    case import_errc::empty: return "empty";
    case import_errc::too_large: return "too_large";
    case import_errc::unknown_format: return "unknown_format";
    case import_errc::malformed: return "malformed";
    case import_errc::unsupported: return "unsupported";
    case import_errc::invalid_geometry: return "invalid_geometry";
    case import_errc::invalid_coordinate: return "invalid_coordinate";
    case import_errc::invalid_text: return "invalid_text";
    case import_errc::too_many_features: return "too_many_features";
    case import_errc::too_many_vertices: return "too_many_vertices";
    case import_errc::too_much_text: return "too_much_text";
    case import_errc::no_features: return "no_features";
    case import_errc::no_coordinate_columns: return "no_coordinate_columns";
    }
    return "unknown";
}

const char* format_name(source_format format)
{
    switch (format) {
    case source_format::geojson: return "geojson";
    case source_format::kml: return "kml";
    case source_format::gpx: return "gpx";
    case source_format::csv: return "csv";
    }
    return "unknown";
}

} // namespace maptable::imports

namespace maptable::imports::detail {

void fail(import_errc code, std::string message)
{
    throw import_failure{import_error{code, std::move(message)}};
}

std::string quote(std::string_view text)
{
    if (text.size() <= 64 && model::is_valid_utf8(text) &&
        std::none_of(text.begin(), text.end(), [](char c) { return c >= 0 && c < 0x20; })) {
        std::string quoted;
        quoted.reserve(text.size() + 2);
        quoted.push_back('"');
        quoted.append(text);
        quoted.push_back('"');
        return quoted;
    }
    return "a text of " + std::to_string(text.size()) + " bytes";
}

std::string number_text(double value)
{
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value > 0 ? "infinity" : "-infinity";
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

std::string size_text(std::size_t bytes)
{
    char buffer[64];
    const auto in = [&](double unit, const char* name) {
        const double value = static_cast<double>(bytes) / unit;
        if (value == std::floor(value))
            std::snprintf(buffer, sizeof buffer, "%.0f %s", value, name);
        else
            std::snprintf(buffer, sizeof buffer, "%.1f %s", value, name);
        return std::string(buffer);
    };
    if (bytes >= 1024 * 1024)
        return in(1024.0 * 1024.0, "MiB");
    if (bytes >= 1024)
        return in(1024.0, "KiB");
    return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

void check_size(std::string_view bytes, const import_limits& limits)
{
    if (bytes.size() > limits.max_bytes)
        fail(import_errc::too_large,
             "the file is " + size_text(bytes.size()) + "; the limit is " + size_text(limits.max_bytes));
    // A byte order mark alone is what an editor saves for an empty UTF-8 file.
    if (bytes.substr(0, 3) == "\xEF\xBB\xBF")
        bytes.remove_prefix(3);
    const bool blank =
        std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
    if (blank)
        fail(import_errc::empty, "the file is empty");
}

std::size_t line_at(std::string_view text, std::size_t offset)
{
    offset = std::min(offset, text.size());
    return 1 +
        static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

std::size_t line_counter::line_at(std::size_t offset)
{
    offset = std::min(offset, text_.size());
    const auto breaks = [&](std::size_t from, std::size_t to) {
        return static_cast<std::size_t>(std::count(text_.begin() + static_cast<std::ptrdiff_t>(from),
                                                   text_.begin() + static_cast<std::ptrdiff_t>(to), '\n'));
    };
    if (offset >= offset_)
        line_ += breaks(offset_, offset);
    else
        line_ -= breaks(offset, offset_);
    offset_ = offset;
    return line_;
}

bool parse_number(std::string_view text, double& value, bool decimal_comma)
{
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!text.empty() && blank(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && blank(text.back()))
        text.remove_suffix(1);
    if (!text.empty() && text.front() == '+')
        text.remove_prefix(1);
    // from_chars also reads "inf", "nan" and hex digits after "0x" in some
    // modes; a coordinate in a file is plain decimal, so only that is let in.
    std::string copy;
    for (char c : text) {
        if (decimal_comma && c == ',')
            c = '.';
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == 'e' || c == 'E'))
            return false;
        copy.push_back(c);
    }
    if (copy.empty() || copy.size() > 64)
        return false;
    const auto result = std::from_chars(copy.data(), copy.data() + copy.size(), value, std::chars_format::general);
    return result.ec == std::errc{} && result.ptr == copy.data() + copy.size() && std::isfinite(value);
}

layer_builder::layer_builder(source_format format, const import_limits& limits) : limits_(limits)
{
    layer_.format = format;
}

pb::LonLat layer_builder::position(double lon, double lat, std::string_view where) const
{
    const auto check = [&](const char* axis, double value, double bound) {
        if (!std::isfinite(value))
            fail(import_errc::invalid_coordinate, std::string(where) + ": " + axis + " is not a number");
        if (value < -bound || value > bound) {
            std::string message = std::string(where) + ": " + axis + " " + number_text(value) + " is outside −" +
                number_text(bound) + "…" + number_text(bound);
            // Metres of a projected system (UTM, a national grid) are the
            // usual reason; say so, since the number alone does not.
            if (std::fabs(value) > 1000)
                message += " (the file looks like it is in a projected coordinate system: export it as WGS84 "
                           "longitude/latitude, EPSG:4326)";
            fail(import_errc::invalid_coordinate, std::move(message));
        }
    };
    check("longitude", lon, 180);
    check("latitude", lat, 90);
    pb::LonLat p;
    p.set_lon(lon);
    p.set_lat(lat);
    return p;
}

void layer_builder::check_positions(std::size_t count, std::string_view where) const
{
    if (count > limits_.max_vertices_per_geometry)
        fail(import_errc::too_many_vertices,
             std::string(where) + ": a geometry has " + std::to_string(count) +
                 " positions; the limit for one geometry is " + std::to_string(limits_.max_vertices_per_geometry) +
                 " (simplify or split it before importing)");
    if (layer_.total_vertices + count > limits_.max_total_vertices)
        fail(import_errc::too_many_vertices,
             std::string(where) + ": the layer would have more than " + std::to_string(limits_.max_total_vertices) +
                 " positions in all, the limit for one layer (simplify the "
                 "geometries or import fewer features)");
}

void layer_builder::check_text(std::string_view field, std::string_view value, std::size_t max_chars,
                               std::string_view where) const
{
    if (!model::is_valid_utf8(value))
        fail(import_errc::invalid_text, std::string(where) + ": " + std::string(field) + " is not valid UTF-8");
    const std::size_t length = model::utf8_length(value);
    if (length > max_chars)
        fail(import_errc::too_much_text,
             std::string(where) + ": " + std::string(field) + " has " + std::to_string(length) +
                 " characters; the limit is " + std::to_string(max_chars));
}

void layer_builder::add(reference_feature feature, std::string_view where)
{
    if (layer_.features.size() >= limits_.max_features)
        fail(import_errc::too_many_features,
             std::string(where) + ": the file has more than " + std::to_string(limits_.max_features) +
                 " features, the limit for one layer");
    const auto count = static_cast<std::size_t>(feature.geometry.positions_size());
    const auto needs = [&](std::size_t minimum, const char* what) {
        if (count < minimum)
            fail(import_errc::invalid_geometry,
                 std::string(where) + ": " + what + " has " + std::to_string(count) +
                     (count == 1 ? " position" : " positions") + "; it needs at least " + std::to_string(minimum));
    };
    switch (feature.geometry.kind()) {
    case pb::FEATURE_KIND_LINE: needs(2, "a line"); break;
    case pb::FEATURE_KIND_AREA: needs(3, "a polygon's outer ring"); break;
    default: needs(1, "a point"); break;
    }
    check_positions(count, where);
    check_text("the title", feature.title, limits_.max_title_chars, where);
    check_text("the description", feature.description, limits_.max_description_chars, where);
    if (feature.properties.size() > limits_.max_properties)
        fail(import_errc::too_much_text,
             std::string(where) + ": " + std::to_string(feature.properties.size()) + " properties; the limit is " +
                 std::to_string(limits_.max_properties));
    for (const auto& [key, value] : feature.properties) {
        check_text("a property name", key, limits_.max_property_key_chars, where);
        check_text("property " + quote(key), value, limits_.max_property_value_chars, where);
    }
    layer_.total_vertices += count;
    layer_.features.push_back(std::move(feature));
}

void layer_builder::set_name(std::string_view name, std::string_view where)
{
    check_text("the layer's name", name, limits_.max_title_chars, where);
    layer_.name = std::string(name);
}

reference_layer layer_builder::finish(std::string_view what_was_read)
{
    if (layer_.features.empty())
        fail(import_errc::no_features, "nothing to show: " + std::string(what_was_read));
    if (holes_dropped_ > 0)
        layer_.notes.push_back(std::to_string(holes_dropped_) +
                               (holes_dropped_ == 1 ? " polygon hole was" : " polygon holes were") +
                               " dropped: the map draws areas by their outer ring");
    if (skipped_ > 0)
        layer_.notes.push_back(
            std::to_string(skipped_) +
            (skipped_ == 1 ? " feature without a geometry was" : " features without a geometry were") + " skipped");
    return std::move(layer_);
}

} // namespace maptable::imports::detail
