#include "net/json_answer.hpp"

#include <boost/json/parse.hpp>

#include <cctype>
#include <chrono>
#include <stdexcept>

namespace maptable::net {

namespace json = boost::json;
namespace pb = maptable::v1;

std::variant<json::object, json_body_problem> json_object_of(std::string_view body, std::size_t max_bytes,
                                                             std::string_view shape)
{
    using kind = json_body_problem::kind;
    if (body.size() > max_bytes)
        return json_body_problem{kind::too_large, "the body is over " + std::to_string(max_bytes) + " bytes"};
    boost::system::error_code ec;
    auto value = json::parse(body, ec);
    if (ec)
        return json_body_problem{kind::not_json, "the body is not JSON (" + ec.message() + "): " + std::string(shape)};
    if (!value.is_object())
        return json_body_problem{kind::not_object, "the body must be a JSON object: " + std::string(shape)};
    return std::move(value.get_object());
}

std::optional<double> json_number(const json::value& v)
{
    if (v.is_double())
        return v.get_double();
    if (v.is_int64())
        return static_cast<double>(v.get_int64());
    if (v.is_uint64())
        return static_cast<double>(v.get_uint64());
    return std::nullopt;
}

std::optional<pb::LonLat> lon_lat_of(const json::value& v)
{
    const auto* o = v.if_object();
    const auto* lon = o ? o->if_contains("lon") : nullptr;
    const auto* lat = o ? o->if_contains("lat") : nullptr;
    const auto x = lon ? json_number(*lon) : std::nullopt;
    const auto y = lat ? json_number(*lat) : std::nullopt;
    if (!x || !y)
        return std::nullopt;
    pb::LonLat p;
    p.set_lon(*x);
    p.set_lat(*y);
    return p;
}

std::optional<pb::RoomKind> room_kind_of(std::string_view name)
{
    if (name.empty())
        return pb::ROOM_KIND_UNSPECIFIED;
    for (int i = pb::RoomKind_MIN; i <= pb::RoomKind_MAX; ++i) {
        const auto kind = static_cast<pb::RoomKind>(i);
        if (pb::RoomKind_IsValid(i) && kind != pb::ROOM_KIND_UNSPECIFIED && room_kind_name(kind) == name)
            return kind;
    }
    return std::nullopt;
}

std::string room_kind_names()
{
    std::string names;
    for (int i = pb::RoomKind_MIN; i <= pb::RoomKind_MAX; ++i) {
        const auto kind = static_cast<pb::RoomKind>(i);
        if (!pb::RoomKind_IsValid(i) || kind == pb::ROOM_KIND_UNSPECIFIED)
            continue;
        names += (names.empty() ? "\"" : ", \"") + room_kind_name(kind) + "\"";
    }
    return names;
}

bool is_token_subject(std::string_view subject)
{
    if (subject.empty() || subject.size() > 128)
        return false;
    for (unsigned char c : subject)
        if (c <= 0x20 || c >= 0x7f)
            return false;
    return true;
}

} // namespace maptable::net
