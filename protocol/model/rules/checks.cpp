// Layer: model. Field checks shared by the rules.
#include "model/rules/checks.hpp"

#include "model/limits.hpp"
#include "model/text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

namespace maptable::model::rules {

rejection reject(pb::ErrorCode code, std::string message)
{
    return rejection{code, std::move(message)};
}

std::string format_number(double value)
{
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value > 0 ? "infinity" : "-infinity";
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

std::string quote_short(std::string_view s)
{
    if (s.size() <= 64 && is_valid_utf8(s))
        return "\"" + std::string(s) + "\"";
    return "a value of " + std::to_string(s.size()) + " bytes";
}

bool is_valid_id(std::string_view id)
{
    if (id.empty() || id.size() > limits().max_feature_id_bytes)
        return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

std::string id_rule()
{
    return "1 to " + std::to_string(limits().max_feature_id_bytes) + " characters of A-Z, a-z, 0-9, '_' and '-'";
}

problem check_id(std::string_view what, std::string_view id)
{
    if (is_valid_id(id))
        return std::nullopt;
    return reject(pb::ERROR_CODE_INVALID_ID,
                  "a " + std::string(what) + " id must be " + id_rule() + ", got " + quote_short(id));
}

problem check_participant_id(std::string_view id)
{
    const bool printable = std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
    if (!id.empty() && id.size() <= 128 && printable)
        return std::nullopt;
    return reject(pb::ERROR_CODE_INVALID_PARTICIPANT,
                  "a participant id is 1 to 128 printable ASCII characters (a join token's subject), got " +
                      quote_short(id));
}

bool is_time_zone(std::string_view s)
{
    if (s == "UTC")
        return true;
    if (s.empty() || s.size() > 64 || s.find('/') == std::string_view::npos || s.front() == '/' || s.back() == '/')
        return false;
    return std::all_of(s.begin(), s.end(),
                       [](unsigned char c) { return std::isalnum(c) || c == '/' || c == '_' || c == '+' || c == '-'; });
}

problem check_text(std::string_view field, std::string_view value, std::size_t max_chars)
{
    if (!is_valid_utf8(value))
        return reject(pb::ERROR_CODE_INVALID_UTF8, std::string(field) + " is not valid UTF-8");
    const std::size_t length = utf8_length(value);
    if (length > max_chars)
        return reject(pb::ERROR_CODE_TEXT_TOO_LONG,
                      std::string(field) + " has " + std::to_string(length) + " characters; the limit is " +
                          std::to_string(max_chars));
    return std::nullopt;
}

problem check_message_text(std::string_view field, std::string_view value, std::size_t max_chars)
{
    if (!is_valid_utf8(value))
        return reject(pb::ERROR_CODE_INVALID_UTF8, std::string(field) + " is not valid UTF-8");
    if (is_blank(value))
        return reject(pb::ERROR_CODE_EMPTY_MESSAGE, std::string(field) + " is empty or only white space");
    return check_text(field, value, max_chars);
}

problem check_colour(std::string_view colour)
{
    if (!is_valid_utf8(colour))
        return reject(pb::ERROR_CODE_INVALID_UTF8, "colour is not valid UTF-8");
    if (colour.empty())
        return std::nullopt;
    const auto is_hex = [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    };
    if (colour.size() == 7 && colour[0] == '#' && std::all_of(colour.begin() + 1, colour.end(), is_hex))
        return std::nullopt;
    return reject(pb::ERROR_CODE_INVALID_COLOUR,
                  "colour must be empty or \"#rrggbb\" with six hex digits (like \"#1f77b4\"), got " +
                      quote_short(colour));
}

problem check_zoom(double zoom)
{
    // Written so that NaN fails too.
    if (zoom >= 0 && zoom <= limits().max_zoom)
        return std::nullopt;
    return reject(pb::ERROR_CODE_INVALID_ZOOM,
                  "zoom must be a number in [0, " + format_number(limits().max_zoom) + "], got " + format_number(zoom));
}

problem at(std::string_view where, problem p)
{
    if (p)
        p->message = std::string(where) + ": " + p->message;
    return p;
}

namespace {

// The kind with its article, to begin a sentence about it.
const char* a_kind(pb::FeatureKind kind)
{
    switch (kind) {
    case pb::FEATURE_KIND_POINT: return "a point";
    case pb::FEATURE_KIND_LINE: return "a line";
    case pb::FEATURE_KIND_AREA: return "an area";
    case pb::FEATURE_KIND_NOTE: return "a note";
    default: return "a feature";
    }
}

bool inside(const pb::Bounds& b, const pb::LonLat& p)
{
    return p.lon() >= b.south_west().lon() && p.lon() <= b.north_east().lon() && p.lat() >= b.south_west().lat() &&
        p.lat() <= b.north_east().lat();
}

std::string describe(const pb::Bounds& b)
{
    return "[" + format_number(b.south_west().lon()) + ", " + format_number(b.south_west().lat()) + "] to [" +
        format_number(b.north_east().lon()) + ", " + format_number(b.north_east().lat()) + "]";
}

} // namespace

problem check_geometry(const pb::Geometry& geometry)
{
    // The number of positions each kind allows: [min_positions, max_positions].
    std::size_t min_positions = 0;
    std::size_t max_positions = limits().max_positions;
    switch (geometry.kind()) {
    case pb::FEATURE_KIND_POINT:
    case pb::FEATURE_KIND_NOTE: min_positions = max_positions = 1; break;
    case pb::FEATURE_KIND_LINE: min_positions = 2; break;
    case pb::FEATURE_KIND_AREA: min_positions = 3; break;
    case pb::FEATURE_KIND_UNSPECIFIED:
        return reject(pb::ERROR_CODE_INVALID_GEOMETRY_KIND, "the geometry needs a kind: point, line, area or note");
    default:
        return reject(pb::ERROR_CODE_INVALID_GEOMETRY_KIND,
                      "geometry kind " + std::to_string(geometry.kind()) + " is not one of point, line, area or note");
    }

    const std::size_t count = static_cast<std::size_t>(geometry.positions_size());
    const std::string kind = a_kind(geometry.kind());
    if (count > limits().max_positions)
        return reject(pb::ERROR_CODE_TOO_MANY_POSITIONS,
                      kind + " may have at most " + std::to_string(limits().max_positions) + " positions, got " +
                          std::to_string(count));
    if (min_positions == max_positions && count != min_positions)
        return reject(count < min_positions ? pb::ERROR_CODE_TOO_FEW_POSITIONS : pb::ERROR_CODE_TOO_MANY_POSITIONS,
                      kind + " has exactly " + std::to_string(min_positions) + " position, got " +
                          std::to_string(count));
    if (count < min_positions)
        return reject(pb::ERROR_CODE_TOO_FEW_POSITIONS,
                      kind + " needs at least " + std::to_string(min_positions) + " positions, got " +
                          std::to_string(count));

    for (int i = 0; i < geometry.positions_size(); ++i)
        if (auto p = at("position " + std::to_string(i), check_position(geometry.positions(i))))
            return p;
    return std::nullopt;
}

problem check_bounds(const pb::Bounds& bounds)
{
    if (auto p = at("bounds south_west", check_position(bounds.south_west())))
        return p;
    if (auto p = at("bounds north_east", check_position(bounds.north_east())))
        return p;
    if (bounds.south_west().lon() > bounds.north_east().lon() || bounds.south_west().lat() > bounds.north_east().lat())
        return reject(pb::ERROR_CODE_INVALID_COORDINATE,
                      "bounds must have south_west below and left of north_east, got " + describe(bounds));
    return std::nullopt;
}

problem check_inside(const pb::RoomInfo& info, const pb::LonLat& position)
{
    if (!info.has_bounds() || inside(info.bounds(), position))
        return std::nullopt;
    return reject(pb::ERROR_CODE_OUTSIDE_BOUNDS,
                  "position [" + format_number(position.lon()) + ", " + format_number(position.lat()) +
                      "] is outside the room's bounds " + describe(info.bounds()));
}

problem check_inside(const pb::RoomInfo& info, const pb::Geometry& geometry)
{
    for (int i = 0; i < geometry.positions_size(); ++i)
        if (auto p = at("position " + std::to_string(i), check_inside(info, geometry.positions(i))))
            return p;
    return std::nullopt;
}

problem check_reason(std::string_view reason)
{
    return check_text("reason", reason, limits().max_title_chars);
}

} // namespace maptable::model::rules
