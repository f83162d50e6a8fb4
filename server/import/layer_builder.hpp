// Layer: import (internal to the parsers). What every parser shares: the
// checks of sizes, positions and texts against the limits, made while the
// file is read so that a parser stops at the first excess, and the messages
// that say where the problem is.
//
// A parser reports a refusal by throwing import_failure from any depth of
// its walk; its entry point catches it and returns the error as a value.
// Nothing else throws it, and it never leaves this library.
#pragma once

#include "import/import_error.hpp"
#include "import/import_limits.hpp"
#include "import/reference_layer.hpp"

#include <cstddef>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace maptable::imports::detail {

struct import_failure {
    import_error error;
};

[[noreturn]] void fail(import_errc code, std::string message);

// A text from the file, for a message: quoted when short and valid UTF-8,
// otherwise described by its size (never raw bytes in a message).
std::string quote(std::string_view text);
// The shortest text that reads back as the same double ("13.4", "NaN").
std::string number_text(double value);
// "8 MiB", "9.5 MiB", "300 KiB", "12 bytes".
std::string size_text(std::size_t bytes);

// Refuses empty input (empty) and input over max_bytes (too_large), before
// any parsing.
void check_size(std::string_view bytes, const import_limits& limits);

// Runs parse() and turns an import_failure, or memory running out, into an
// error value.
template <typename Parse>
std::variant<reference_layer, import_error> guarded(Parse&& parse);

// 1-based line of the byte at offset in text. Counts from the start: for
// one message; a reader that names many places uses a line_counter.
std::size_t line_at(std::string_view text, std::size_t offset);

// Lines of a text, counted from the last offset asked about, so that a
// reader asking in document order pays for each line break once rather than
// once per question (a file of 5,000 placemarks would otherwise be scanned
// 5,000 times).
class line_counter {
public:
    explicit line_counter(std::string_view text) : text_(text) {}

    // 1-based line of the byte at offset.
    std::size_t line_at(std::size_t offset);

private:
    std::string_view text_;
    std::size_t offset_ = 0;
    std::size_t line_ = 1;
};

// Parses a decimal number the way files write them: optional sign, digits,
// optional fraction and exponent, surrounding blanks ignored; with
// decimal_comma, "13,4" too. Nothing else ("0x1", "1e", "") is a number.
bool parse_number(std::string_view text, double& value, bool decimal_comma = false);

class layer_builder {
public:
    layer_builder(source_format format, const import_limits& limits);

    const import_limits& limits() const { return limits_; }
    std::size_t feature_count() const { return layer_.features.size(); }

    // A WGS84 position, or invalid_coordinate naming `where`.
    pb::LonLat position(double lon, double lat, std::string_view where) const;

    // Before reading a geometry of `count` positions: too_many_vertices when
    // it would pass the limit of one geometry or of the layer.
    void check_positions(std::size_t count, std::string_view where) const;

    // Adds one feature: too_many_features past the limit; invalid_geometry
    // for too few positions; too_much_text and invalid_text for its texts.
    void add(reference_feature feature, std::string_view where);

    void set_name(std::string_view name, std::string_view where);

    // Things read differently from the file, told in the layer's notes.
    void note_holes_dropped(std::size_t count) { holes_dropped_ += count; }
    void note_skipped(std::size_t count = 1) { skipped_ += count; }

    // The layer; no_features when nothing was added (what_was_read says what
    // the file held instead, e.g. "the FeatureCollection is empty").
    reference_layer finish(std::string_view what_was_read);

private:
    void check_text(std::string_view field, std::string_view value, std::size_t max_chars,
                    std::string_view where) const;

    import_limits limits_;
    reference_layer layer_;
    std::size_t holes_dropped_ = 0;
    std::size_t skipped_ = 0;
};

template <typename Parse>
std::variant<reference_layer, import_error> guarded(Parse&& parse)
{
    try {
        return parse();
    } catch (import_failure& failure) {
        return std::move(failure.error);
    } catch (const std::bad_alloc&) {
        // Limits bound the memory a parse needs; this is a machine under
        // pressure, and one refused upload is the right outcome.
        return import_error{import_errc::too_large,
                            "the server ran out of memory reading this file; try a smaller one"};
    }
}

} // namespace maptable::imports::detail
