// Layer: net (handlers). What the JSON routes of the admin API (rooms in
// admin_room_routes, networks in network_routes) share to read a request's
// body and write their answers: the body as a JSON object within a size
// limit, numbers and positions, the names of room kinds (the clock and
// random ids are the store's: store/clock.hpp, store/random_hex.hpp). No
// Beast here: the routes turn a problem into their own HTTP answer (each
// keeps its error's shape).
#pragma once

#include "export/lon_lat_json.hpp"
#include "export/room_kind_name.hpp"
#include "maptable/v1/map.pb.h"
#include "maptable/v1/network.pb.h"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace maptable::net {

// Why a request's body is not the JSON object a route takes.
struct json_body_problem {
    enum class kind { too_large, not_json, not_object };
    kind what = kind::not_json;
    std::string message; // for people: says what the body must be (shape)
};

// The body as a JSON object; bodies over max_bytes are refused before they
// are parsed. shape is the object the route takes, quoted in the message.
std::variant<boost::json::object, json_body_problem> json_object_of(std::string_view body, std::size_t max_bytes,
                                                                    std::string_view shape);

// A JSON number (integer or not) as a double; nullopt for anything else.
std::optional<double> json_number(const boost::json::value& v);

// {"lon": <number>, "lat": <number>}; nullopt for anything else (the route
// says which field was wrong).
std::optional<maptable::v1::LonLat> lon_lat_of(const boost::json::value& v);
// Written by the exports' one home for that shape.
using exports::lon_lat_json;

// A RoomKind as the API spells it ("living_lab"; "" for no kind): the
// exports' one home for that name, which the room's exports write too.
using exports::room_kind_name;
// The kind of that name ("" is ROOM_KIND_UNSPECIFIED); nullopt for an
// unknown name.
std::optional<maptable::v1::RoomKind> room_kind_of(std::string_view name);
// The names of every kind, quoted and comma-separated, for a refusal's text.
std::string room_kind_names();

// A participant id a token may carry: 1-128 printable ASCII characters
// without spaces (it ends up in logs, the log's actor ids and exports).
bool is_token_subject(std::string_view subject);

} // namespace maptable::net
