// Layer: import. CSV reader (see csv_import.hpp). The tokenising (quotes,
// doubled quotes, delimiters and line breaks inside quoted fields, CR, LF and
// CRLF) is Debian's libcsv, a tested RFC 4180 tokeniser rather than our own;
// the CSV code elsewhere in the tree (server/export) only writes. What
// libcsv leaves to its user is here: the line of every message (it counts
// none), the limits while a file is read, and what the columns mean.
#include "import/csv_import.hpp"

#include "import/layer_builder.hpp"

#include <csv.h>

#include <algorithm>
#include <array>
#include <exception>
#include <new>
#include <optional>
#include <vector>

namespace maptable::imports {

using namespace detail;

namespace {

// Strict: a closing quote must be followed by the delimiter or a line break,
// and a quoted field still open at the end of the file is an error
// (CSV_STRICT_FINI). CSV_REPALL_NL: every line break outside a field is
// reported, blank lines too, so that the line each row starts on is known.
constexpr unsigned char strict_options = CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL;
constexpr unsigned char lenient_options = CSV_REPALL_NL;

// The most bytes libcsv is given at once. Limits are checked between two
// calls (libcsv cannot be stopped inside one), so a field past its limit is
// stopped within this many bytes of it, not at its end.
constexpr std::size_t piece_bytes = 4096;

// Where in the file, for a message: "line 14".
std::string at_line(std::size_t line)
{
    return "line " + std::to_string(line);
}

// No blank counts as space: libcsv would trim spaces and tabs around an
// unquoted field and read ` "a"` as quoted; spreadsheets keep a field as it
// is written, and so do we (a coordinate's blanks are ignored when it is read).
int no_blank(unsigned char)
{
    return 0;
}

// libcsv under the limits: one record at a time, so that a limit stops the
// file at the first row past it and no more than one row is held besides
// the layer. It is fed one line per call (at most piece_bytes of it), which
// tells every callback the line it is on.
class csv_records {
public:
    csv_records(std::string_view text, char delimiter, const import_limits& limits) : text_(text), limits_(limits)
    {
        csv_init(&parser_, strict_options); // fails for a null parser only
        csv_set_delim(&parser_, static_cast<unsigned char>(delimiter));
        csv_set_space_func(&parser_, no_blank);
    }
    ~csv_records() { csv_free(&parser_); }
    // The callbacks hold its address.
    csv_records(const csv_records&) = delete;
    csv_records& operator=(const csv_records&) = delete;

    // The next record's fields, and the line it starts on; false at the end.
    bool next(std::vector<std::string>& fields, std::size_t& line)
    {
        while (!has_record_ && !finished_)
            feed();
        if (!has_record_)
            return false;
        has_record_ = false;
        fields = std::move(record_);
        record_.clear();
        line = record_line_;
        return true;
    }

private:
    // libcsv is C: nothing may be thrown through it. A callback keeps what
    // it threw, ignores the rest of the piece, and parse() throws it again.
    template <typename Call>
    static void guard(void* self, Call call)
    {
        auto& records = *static_cast<csv_records*>(self);
        if (records.failure_)
            return;
        try {
            call(records);
        } catch (...) {
            records.failure_ = std::current_exception();
        }
    }
    static void on_field(void* bytes, std::size_t size, void* self)
    {
        guard(self, [&](csv_records& r) { r.add_field({static_cast<const char*>(bytes), size}); });
    }
    static void on_record(int, void* self)
    {
        guard(self, [](csv_records& r) { r.end_record(); });
    }

    void add_field(std::string_view field)
    {
        check_field_size(field.size());
        // Columns past the properties, a title, a description and the two
        // coordinates cannot all be kept: stop here, not at the row's end.
        if (fields_.size() >= limits_.max_properties + 4)
            fail(import_errc::too_much_text,
                 at_line(line_) + ": more than " + std::to_string(limits_.max_properties + 4) +
                     " columns; a layer keeps at most " + std::to_string(limits_.max_properties) + " properties");
        fields_.emplace_back(field);
        // The next field starts after this one's delimiter, on this line.
        field_line_ = line_;
    }

    void end_record()
    {
        at_row_start_ = true;
        // A line break outside a row (a blank line, the LF of a CRLF) comes
        // without fields: no record.
        if (fields_.empty())
            return;
        record_ = std::move(fields_);
        fields_.clear();
        record_line_ = row_line_;
        has_record_ = true;
    }

    // One piece of the file, or its end. A record ends at a line break, the
    // last byte of a piece, so a piece completes at most one record.
    void feed()
    {
        if (pos_ == text_.size()) {
            finish();
            return;
        }
        if (pos_ == line_end_)
            start_line();
        parse(text_.substr(pos_, std::min(piece_bytes, line_end_ - pos_)));
        check_open_field();
    }

    // A line ends at LF, CRLF or a lone CR (old Mac files), inside a quoted
    // field too.
    void start_line()
    {
        ++line_;
        const std::size_t at = text_.find_first_of("\r\n", pos_);
        if (at == std::string_view::npos)
            line_end_ = text_.size();
        else
            line_end_ = at + (text_.substr(at, 2) == "\r\n" ? 2 : 1);
        if (at_row_start_) {
            row_line_ = field_line_ = line_;
            at_row_start_ = false;
        }
    }

    void parse(std::string_view piece)
    {
        while (!piece.empty()) {
            const std::size_t done = csv_parse(&parser_, piece.data(), piece.size(), on_field, on_record, this);
            pos_ += done;
            piece.remove_prefix(done);
            if (failure_)
                std::rethrow_exception(failure_);
            if (!piece.empty()) {
                refused(piece.front());
                ++pos_;
                piece.remove_prefix(1);
            }
        }
    }

    // libcsv stopped before byte c. In strict mode it stops at a quote inside
    // an unquoted field, or at what follows a closing quote when that is not
    // the delimiter or a line break (a second quote would be an escaped one,
    // so that byte is never a quote).
    void refused(char c)
    {
        if (csv_error(&parser_) != CSV_EPARSE) // CSV_ENOMEM, CSV_ETOOBIG: the field's buffer could not grow
            throw std::bad_alloc();
        if (c == '"') {
            take_quote_as_text();
            return;
        }
        fail(import_errc::malformed,
             at_line(line_) +
                 ": text after the closing quote of a field (a quote inside a field is written twice: \"\")");
    }

    // A quote inside an unquoted field (12" Rohr) is not RFC 4180, but
    // spreadsheets read it as a character, and so do we: that one byte goes
    // through libcsv's lenient mode, which keeps it.
    void take_quote_as_text()
    {
        csv_set_opts(&parser_, lenient_options);
        const std::size_t done = csv_parse(&parser_, "\"", 1, on_field, on_record, this);
        csv_set_opts(&parser_, strict_options);
        if (done != 1)
            throw std::bad_alloc();
    }

    void finish()
    {
        finished_ = true;
        if (csv_fini(&parser_, on_field, on_record, this) != 0)
            never_closed();
        if (failure_)
            std::rethrow_exception(failure_);
    }

    [[noreturn]] void never_closed() const
    {
        fail(import_errc::malformed,
             at_line(field_line_) + ": a quoted field is never closed (a quote inside a field is written twice: \"\")");
    }

    // The field libcsv is still reading (entry_pos and quoted are csv.h's
    // public state of the parser): a long one is stopped here, within
    // piece_bytes of the limit, not when it ends.
    void check_open_field() const
    {
        if (parser_.entry_pos <= most_field_bytes())
            return;
        // A quoted field with no quote left (from the last byte fed, which
        // may have closed it) runs to the end of the file: that is what is
        // wrong with it, not its size.
        if (parser_.quoted && text_.find('"', pos_ - 1) == std::string_view::npos)
            never_closed();
        check_field_size(parser_.entry_pos);
    }

    void check_field_size(std::size_t size) const
    {
        if (size > most_field_bytes())
            fail(import_errc::too_much_text,
                 at_line(line_) + ": a field of more than " + size_text(most_field_bytes()) +
                     "; the limit for a value is " + std::to_string(limits_.max_property_value_chars) + " characters");
    }

    // Four bytes a character at most: past this, no limit can hold a field.
    std::size_t most_field_bytes() const
    {
        return 4 * std::max(limits_.max_property_value_chars, limits_.max_description_chars);
    }

    std::string_view text_;
    const import_limits& limits_;
    csv_parser parser_{};
    std::size_t pos_ = 0;             // bytes given to libcsv
    std::size_t line_end_ = 0;        // where the line being fed ends, past its break
    std::size_t line_ = 0;            // that line's number
    bool at_row_start_ = true;        // the last line break fed ended a row
    std::size_t row_line_ = 1;        // where the row being read starts
    std::size_t field_line_ = 1;      // where its current field starts
    std::vector<std::string> fields_; // the row being read
    std::vector<std::string> record_; // the last row read, until next() takes it
    std::size_t record_line_ = 1;
    bool has_record_ = false;
    bool finished_ = false;
    std::exception_ptr failure_;
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

// The delimiter of the header line (the first line that is not blank): the
// most frequent of ',', ';' and tab outside quotes (',' when none is there:
// a one-column file).
char detect_delimiter(std::string_view text)
{
    text.remove_prefix(std::min(text.size(), text.find_first_not_of("\r\n")));
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

// What the header's columns mean.
struct columns {
    std::size_t lon = 0;
    std::size_t lat = 0;
    std::optional<std::size_t> title;
    std::optional<std::size_t> description;
};

[[noreturn]] void no_coordinate_column(const std::vector<std::string>& header, const csv_options& options,
                                       bool lon_missing, const std::string& where)
{
    const std::string& asked = lon_missing ? options.lon_column : options.lat_column;
    std::string message = where + ": no " + (lon_missing ? "longitude" : "latitude") + " column";
    if (!asked.empty())
        message += " named " + quote(asked);
    else
        message += lon_missing ? " (lon, lng, longitude, x, länge, …)" : " (lat, latitude, y, breite, …)";
    message += " in the header " + column_list(header) + "; choose the columns when importing";
    fail(import_errc::no_coordinate_columns, std::move(message));
}

columns find_columns(const std::vector<std::string>& header, const csv_options& options, const std::string& where)
{
    const auto lon =
        options.lon_column.empty() ? find_column(header, lon_names) : find_named(header, options.lon_column);
    const auto lat =
        options.lat_column.empty() ? find_column(header, lat_names) : find_named(header, options.lat_column);
    if (!lon || !lat)
        no_coordinate_column(header, options, !lon, where);
    if (*lon == *lat)
        fail(import_errc::no_coordinate_columns, where + ": longitude and latitude are the same column");
    return {*lon, *lat, find_column(header, title_names), find_column(header, description_names)};
}

double coordinate(const std::string& field, const char* axis, char delimiter, const std::string& where)
{
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
}

// One row as a point; its fields are moved into the feature.
void add_row(layer_builder& builder, std::vector<std::string>& row, const std::vector<std::string>& header,
             const columns& cols, char delimiter, const std::string& where)
{
    if (row.size() != header.size())
        fail(import_errc::malformed,
             where + ": " + std::to_string(row.size()) + (row.size() == 1 ? " field" : " fields") +
                 "; the header has " + std::to_string(header.size()));
    const double lon = coordinate(row[cols.lon], "longitude", delimiter, where);
    const double lat = coordinate(row[cols.lat], "latitude", delimiter, where);
    reference_feature feature;
    feature.geometry.set_kind(pb::FEATURE_KIND_POINT);
    builder.check_positions(1, where);
    *feature.geometry.add_positions() = builder.position(lon, lat, where);
    for (std::size_t i = 0; i < row.size(); ++i) {
        if (i == cols.lon || i == cols.lat)
            continue;
        if (cols.title && i == *cols.title)
            feature.title = std::move(row[i]);
        else if (cols.description && i == *cols.description)
            feature.description = std::move(row[i]);
        else
            feature.properties.emplace_back(header[i], std::move(row[i]));
    }
    builder.add(std::move(feature), where);
}

} // namespace

import_result import_csv(std::string_view bytes, const csv_options& options, const import_limits& limits)
{
    return guarded([&] {
        check_size(bytes, limits);
        std::string_view text = bytes;
        if (text.substr(0, 3) == "\xEF\xBB\xBF")
            text.remove_prefix(3);
        const char delimiter = options.delimiter != 0 ? options.delimiter : detect_delimiter(text);
        if (delimiter != ',' && delimiter != ';' && delimiter != '\t')
            fail(import_errc::unsupported, "the CSV delimiter must be ',', ';' or a tab");

        // Blank lines before the header are not a header: libcsv reports no
        // row for them.
        csv_records records(text, delimiter, limits);
        std::vector<std::string> header;
        std::size_t line = 1;
        records.next(header, line);
        const columns cols = find_columns(header, options, at_line(line));

        layer_builder builder(source_format::csv, limits);
        std::vector<std::string> row;
        while (records.next(row, line))
            if (!all_empty(row))
                add_row(builder, row, header, cols, delimiter, at_line(line));
        return builder.finish("the file has a header and no rows");
    });
}

} // namespace maptable::imports
