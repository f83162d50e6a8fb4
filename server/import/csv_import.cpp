// Layer: import. CSV reader (see csv_import.hpp). RFC 4180 is small enough
// that a reader of our own, fuzzed, is simpler than a dependency; the CSV
// code elsewhere in the tree (server/export) only writes.
#include "import/csv_import.hpp"

#include "import/layer_builder.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

namespace maptable::imports {

using namespace detail;

namespace {

// Reads one record at a time, so that limits stop a file at the first row
// past them and no more than one row is held besides the layer.
class csv_reader {
public:
    csv_reader(std::string_view text, char delimiter, const import_limits& limits)
        : text_(text), delimiter_(delimiter), limits_(limits)
    {
    }

    // The next record's fields, and the line it starts on; false at the end.
    bool next(std::vector<std::string>& fields, std::size_t& line)
    {
        fields.clear();
        if (pos_ >= text_.size())
            return false;
        line = line_;
        std::string field;
        while (true) {
            if (pos_ < text_.size() && text_[pos_] == '"')
                read_quoted(field);
            else
                read_plain(field);
            push(fields, field);
            if (pos_ >= text_.size())
                return true;
            const char c = text_[pos_];
            if (c == delimiter_) {
                ++pos_;
                if (pos_ >= text_.size()) { // a last, empty field
                    push(fields, field);
                    return true;
                }
                continue;
            }
            // End of the record: LF, CRLF, or a lone CR (old Mac files).
            ++pos_;
            if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n')
                ++pos_;
            ++line_;
            return true;
        }
    }

private:
    void push(std::vector<std::string>& fields, std::string& field)
    {
        // Columns past the properties, a title, a description and the two
        // coordinates cannot all be kept: stop here, not at the row's end.
        if (fields.size() >= limits_.max_properties + 4)
            fail(import_errc::too_much_text,
                 "line " + std::to_string(line_) + ": more than " + std::to_string(limits_.max_properties + 4) +
                     " columns; a layer keeps at most " + std::to_string(limits_.max_properties) + " properties");
        fields.push_back(std::move(field));
        field.clear();
    }

    void check_length(const std::string& field)
    {
        // Four bytes a character at most: past this, no limit can hold it.
        const std::size_t most = 4 * std::max(limits_.max_property_value_chars, limits_.max_description_chars);
        if (field.size() > most)
            fail(import_errc::too_much_text,
                 "line " + std::to_string(line_) + ": a field of more than " + size_text(most) +
                     "; the limit for a value is " + std::to_string(limits_.max_property_value_chars) + " characters");
    }

    void read_plain(std::string& field)
    {
        const std::size_t start = pos_;
        while (pos_ < text_.size() && text_[pos_] != delimiter_ && text_[pos_] != '\n' && text_[pos_] != '\r')
            ++pos_;
        // A quote inside an unquoted field is not RFC 4180, but spreadsheets
        // read it as a character, and so do we.
        field.assign(text_.substr(start, pos_ - start));
        check_length(field);
    }

    void read_quoted(std::string& field)
    {
        const std::size_t opened_on = line_;
        ++pos_; // the opening quote
        while (true) {
            const std::size_t quote_at = text_.find('"', pos_);
            if (quote_at == std::string_view::npos)
                fail(import_errc::malformed,
                     "line " + std::to_string(opened_on) +
                         ": a quoted field is never closed (a quote inside a field is "
                         "written twice: \"\")");
            const std::string_view piece = text_.substr(pos_, quote_at - pos_);
            line_ += static_cast<std::size_t>(std::count(piece.begin(), piece.end(), '\n'));
            field.append(piece);
            check_length(field);
            pos_ = quote_at + 1;
            if (pos_ < text_.size() && text_[pos_] == '"') { // "" is one quote
                field.push_back('"');
                ++pos_;
                continue;
            }
            break;
        }
        if (pos_ < text_.size() && text_[pos_] != delimiter_ && text_[pos_] != '\n' && text_[pos_] != '\r')
            fail(import_errc::malformed,
                 "line " + std::to_string(line_) +
                     ": text after the closing quote of a field (a quote inside a field "
                     "is written twice: \"\")");
    }

    std::string_view text_;
    char delimiter_;
    const import_limits& limits_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
};

// ASCII and the German umlauts in lower case: enough to match the header
// names we look for, whichever way a spreadsheet capitalised them.
std::string folded(std::string_view s)
{
    const auto blank = [](char c) { return c == ' ' || c == '\t'; };
    while (!s.empty() && blank(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && blank(s.back()))
        s.remove_suffix(1);
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 'A' && c <= 'Z') {
            out.push_back(static_cast<char>(c - 'A' + 'a'));
        } else if (c == 0xC3 && i + 1 < s.size()) {
            const auto next = static_cast<unsigned char>(s[i + 1]);
            out.push_back(static_cast<char>(c));
            // Ä Ö Ü -> ä ö ü; other Latin-1 capitals the same way (C3 80-9E -> A0-BE).
            out.push_back(static_cast<char>(next >= 0x80 && next <= 0x9E && next != 0x97 ? next + 0x20 : next));
            ++i;
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    return out;
}

// In order of preference: "x" and "y" are tried last, since a table that
// also has "lon" means that by its coordinate.
constexpr std::array lon_names{"lon",   "lng",    "longitude",  "long",        "longitud",
                               "länge", "laenge", "längengrad", "laengengrad", "x"};
constexpr std::array lat_names{"lat", "latitude", "latitud", "breite", "breitengrad", "y"};
constexpr std::array title_names{"name", "title", "titel", "nome", "nombre", "nom", "bezeichnung"};
constexpr std::array description_names{"description", "beschreibung", "descrição",
                                       "descricao",   "descripción",  "descripcion"};

template <std::size_t N>
std::optional<std::size_t> find_column(const std::vector<std::string>& header, const std::array<const char*, N>& names)
{
    for (const char* name : names)
        for (std::size_t i = 0; i < header.size(); ++i)
            if (folded(header[i]) == name)
                return i;
    return std::nullopt;
}

std::optional<std::size_t> find_named(const std::vector<std::string>& header, std::string_view name)
{
    for (std::size_t i = 0; i < header.size(); ++i)
        if (folded(header[i]) == folded(name))
            return i;
    return std::nullopt;
}

std::string column_list(const std::vector<std::string>& header)
{
    std::string out;
    for (std::size_t i = 0; i < header.size() && i < 12; ++i)
        out += (i ? ", " : "") + quote(header[i]);
    if (header.size() > 12)
        out += ", …";
    return out;
}

// The delimiter of the header line: the most frequent of ',', ';' and tab
// outside quotes (',' when none is there: a one-column file).
char detect_delimiter(std::string_view text)
{
    std::size_t comma = 0, semicolon = 0, tab = 0;
    bool quoted = false;
    for (char c : text) {
        if (c == '"')
            quoted = !quoted;
        else if (!quoted && (c == '\n' || c == '\r'))
            break;
        else if (!quoted && c == ',')
            ++comma;
        else if (!quoted && c == ';')
            ++semicolon;
        else if (!quoted && c == '\t')
            ++tab;
    }
    if (semicolon > comma && semicolon >= tab)
        return ';';
    if (tab > comma && tab > semicolon)
        return '\t';
    return ',';
}

bool all_empty(const std::vector<std::string>& fields)
{
    return std::all_of(fields.begin(), fields.end(), [](const std::string& f) {
        return std::all_of(f.begin(), f.end(), [](char c) { return c == ' ' || c == '\t'; });
    });
}

} // namespace

import_result import_csv(std::string_view bytes, const csv_options& options, const import_limits& limits)
{
    return guarded([&] {
        check_size(bytes, limits);
        std::string_view text = bytes;
        if (text.substr(0, 3) == "\xEF\xBB\xBF")
            text.remove_prefix(3);
        // Blank lines before the header are not a header.
        std::size_t first_line = 1;
        while (!text.empty() && (text.front() == '\n' || text.front() == '\r')) {
            first_line += text.front() == '\n' ? 1 : 0;
            text.remove_prefix(1);
        }
        const char delimiter = options.delimiter != 0 ? options.delimiter : detect_delimiter(text);
        if (delimiter != ',' && delimiter != ';' && delimiter != '\t')
            fail(import_errc::unsupported, "the CSV delimiter must be ',', ';' or a tab");

        csv_reader reader(text, delimiter, limits);
        std::vector<std::string> header;
        std::size_t line = 0;
        reader.next(header, line);
        const auto at = [&](std::size_t l) { return "line " + std::to_string(l + first_line - 1); };

        const auto lon =
            options.lon_column.empty() ? find_column(header, lon_names) : find_named(header, options.lon_column);
        const auto lat =
            options.lat_column.empty() ? find_column(header, lat_names) : find_named(header, options.lat_column);
        if (!lon || !lat) {
            const bool lon_missing = !lon;
            const std::string& asked = lon_missing ? options.lon_column : options.lat_column;
            std::string message = at(1) + ": no " + (lon_missing ? "longitude" : "latitude") + " column";
            if (!asked.empty())
                message += " named " + quote(asked);
            else
                message += lon_missing ? " (lon, lng, longitude, x, länge, …)" : " (lat, latitude, y, breite, …)";
            message += " in the header " + column_list(header) + "; choose the columns when importing";
            fail(import_errc::no_coordinate_columns, std::move(message));
        }
        if (*lon == *lat)
            fail(import_errc::no_coordinate_columns, at(1) + ": longitude and latitude are the same column");
        const auto title = find_column(header, title_names);
        const auto description = find_column(header, description_names);

        layer_builder builder(source_format::csv, limits);
        std::vector<std::string> row;
        while (reader.next(row, line)) {
            if (all_empty(row))
                continue;
            const std::string where = at(line);
            if (row.size() != header.size())
                fail(import_errc::malformed,
                     where + ": " + std::to_string(row.size()) + (row.size() == 1 ? " field" : " fields") +
                         "; the header has " + std::to_string(header.size()));
            const auto coordinate = [&](std::size_t column, const char* axis) {
                const std::string& field = row[column];
                double value = 0;
                if (all_empty({field}))
                    fail(import_errc::invalid_coordinate, where + ": the " + axis + " is empty");
                if (!parse_number(field, value, delimiter == ';'))
                    fail(import_errc::invalid_coordinate,
                         where + ": " + axis + " " + quote(field) + " is not a number" +
                             (delimiter == ',' && field.find(',') != std::string::npos
                                  ? " (a decimal comma is read in files delimited by ';')"
                                  : ""));
                return value;
            };
            const double lon_value = coordinate(*lon, "longitude");
            const double lat_value = coordinate(*lat, "latitude");
            reference_feature feature;
            feature.geometry.set_kind(pb::FEATURE_KIND_POINT);
            builder.check_positions(1, where);
            *feature.geometry.add_positions() = builder.position(lon_value, lat_value, where);
            for (std::size_t i = 0; i < row.size(); ++i) {
                if (i == *lon || i == *lat)
                    continue;
                if (title && i == *title)
                    feature.title = std::move(row[i]);
                else if (description && i == *description)
                    feature.description = std::move(row[i]);
                else
                    feature.properties.emplace_back(header[i], std::move(row[i]));
            }
            builder.add(std::move(feature), where);
        }
        return builder.finish("the file has a header and no rows");
    });
}

} // namespace maptable::imports
