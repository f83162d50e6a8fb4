// Layer: import. Format detection and dispatch (see import_layer.hpp).
#include "import/import_layer.hpp"

#include "import/layer_builder.hpp"

#include <algorithm>

namespace maptable::imports {

using namespace detail;

namespace {

bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// The local name of an XML document's root element: past the declaration,
// comments, processing instructions and a DOCTYPE. Empty when not found in
// the first few KiB (no real KML or GPX file has a longer prologue).
std::string_view xml_root_name(std::string_view text)
{
    text = text.substr(0, 16 * 1024);
    std::size_t i = 0;
    while (true) {
        while (i < text.size() && blank(text[i]))
            ++i;
        if (i >= text.size() || text[i] != '<')
            return {};
        const std::string_view rest = text.substr(i);
        std::size_t end = std::string_view::npos;
        if (rest.substr(0, 4) == "<!--")
            end = rest.find("-->") == std::string_view::npos ? end : rest.find("-->") + 3;
        else if (rest.substr(0, 2) == "<?")
            end = rest.find("?>") == std::string_view::npos ? end : rest.find("?>") + 2;
        else if (rest.substr(0, 2) == "<!") {
            // A DOCTYPE, perhaps with an internal subset in brackets.
            const auto bracket = rest.find('[');
            const auto close = rest.find('>');
            if (bracket != std::string_view::npos && bracket < close) {
                const auto subset_end = rest.find("]", bracket);
                end = subset_end == std::string_view::npos ? end : rest.find('>', subset_end);
                end = end == std::string_view::npos ? end : end + 1;
            } else {
                end = close == std::string_view::npos ? end : close + 1;
            }
        } else {
            std::size_t n = 1;
            while (n < rest.size() && !blank(rest[n]) && rest[n] != '>' && rest[n] != '/')
                ++n;
            std::string_view name = rest.substr(1, n - 1);
            const auto colon = name.find(':');
            return colon == std::string_view::npos ? name : name.substr(colon + 1);
        }
        if (end == std::string_view::npos)
            return {};
        i += end;
    }
}

} // namespace

std::optional<source_format> detect_format(std::string_view bytes)
{
    std::string_view text = bytes;
    if (text.substr(0, 3) == "\xEF\xBB\xBF")
        text.remove_prefix(3);
    const auto first = std::find_if_not(text.begin(), text.end(), blank);
    if (first == text.end())
        return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(first - text.begin()));
    if (text.front() == '{' || text.front() == '[')
        return source_format::geojson;
    if (text.front() == '<') {
        const auto root = xml_root_name(text);
        if (root == "kml")
            return source_format::kml;
        if (root == "gpx")
            return source_format::gpx;
        return std::nullopt;
    }
    // Text without NUL bytes in its first line is taken for CSV; the CSV
    // reader then says what is missing. Binary files and UTF-16 have NULs.
    const std::string_view head = text.substr(0, 4096);
    if (head.find('\0') != std::string_view::npos)
        return std::nullopt;
    return source_format::csv;
}

import_result import_layer(std::string_view bytes, const import_options& options)
{
    std::optional<source_format> format = options.format;
    if (!format) {
        if (auto refused = guarded([&] {
                check_size(bytes, options.limits);
                return reference_layer{};
            });
            std::holds_alternative<import_error>(refused))
            return refused;
        format = detect_format(bytes);
    }
    if (!format)
        return import_error{import_errc::unknown_format,
                            "the file is not GeoJSON, KML, GPX or CSV (in UTF-8); choose one of those formats, or "
                            "export the data as one of them"};
    switch (*format) {
    case source_format::geojson: return import_geojson(bytes, options.limits);
    case source_format::kml: return import_kml(bytes, options.limits);
    case source_format::gpx: return import_gpx(bytes, options.limits);
    case source_format::csv: return import_csv(bytes, options.csv, options.limits);
    }
    return import_error{import_errc::unknown_format, "unknown format"};
}

} // namespace maptable::imports
