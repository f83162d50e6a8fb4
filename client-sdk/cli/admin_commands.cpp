// Layer: client (command-line tool). `admin create-room`, `admin room-info`,
// `admin invite` and `export`: the HTTP API (docs/API.md) from a terminal.
// JSON with Boost.JSON.
#include "command_table.hpp"
#include "http_call.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <iostream>

namespace maptable::cli {

namespace {

namespace json = boost::json;

constexpr const char* create_room_usage =
    "admin create-room [ID] --title TITLE --center LON,LAT --zoom Z [--description D] [--city C] "
    "[--bounds WEST,SOUTH,EAST,NORTH] [--time-zone ZONE]";
constexpr const char* room_info_usage =
    "admin room-info [--title T] [--description D] [--city C] [--center LON,LAT] [--zoom Z] "
    "[--bounds WEST,SOUTH,EAST,NORTH | --clear-bounds] [--time-zone ZONE] [--network ID] "
    "[--kind living_lab|consultation|workshop|study_trip|plenary] [--city-id ID]";
constexpr const char* invite_usage =
    "admin invite --role facilitator|participant|observer --name NAME [--subject ID] [--expires-in SECONDS] "
    "[--token-only]";

std::string admin_key_of(const settings& global)
{
    if (global.admin_key.empty())
        throw usage_error("admin needs the server's admin key: pass --admin-key or set MAPTABLE_ADMIN_KEY");
    return global.admin_key;
}

// The answer's JSON object when the status is one of 2xx; else refused with
// "HTTP <status>: <the server's error text>".
json::object expect_success(const http_answer& answer)
{
    json::error_code ec;
    auto value = json::parse(answer.body, ec);
    if (answer.status < 200 || answer.status > 299) {
        std::string why = answer.body;
        if (!ec && value.is_object())
            if (const auto* error = value.as_object().if_contains("error"); error && error->is_string())
                why = std::string(error->as_string());
        throw refused(pb::ERROR_CODE_UNSPECIFIED, "HTTP " + std::to_string(answer.status) + ": " + printable(why));
    }
    if (ec || !value.is_object())
        throw refused(pb::ERROR_CODE_UNSPECIFIED,
                      "the server's answer is not a JSON object: " + printable(answer.body));
    return std::move(value.as_object());
}

json::object position_json(const pb::LonLat& p)
{
    return json::object{{"lon", p.lon()}, {"lat", p.lat()}};
}

// "WEST,SOUTH,EAST,NORTH" as the API's bounds.
json::object bounds_json(const std::string& text)
{
    std::vector<double> edges;
    std::size_t at = 0;
    while (at <= text.size()) {
        const auto comma = std::min(text.find(',', at), text.size());
        const auto edge = parse_degrees(std::string_view(text).substr(at, comma - at));
        if (!edge)
            break;
        edges.push_back(*edge);
        at = comma + 1;
    }
    if (edges.size() != 4 || at != text.size() + 1)
        throw usage_error("--bounds '" + text + "' is not WEST,SOUTH,EAST,NORTH in decimal degrees");
    return json::object{{"south_west", json::object{{"lon", edges[0]}, {"lat", edges[1]}}},
                        {"north_east", json::object{{"lon", edges[2]}, {"lat", edges[3]}}}};
}

void create_room(const settings& global, const arguments& args)
{
    std::string title, description, city, center, bounds, time_zone;
    double zoom = -1;
    po::options_description options;
    options.add_options()("title", po::value(&title))("description", po::value(&description))("city", po::value(&city))(
        "center", po::value(&center))("zoom", po::value(&zoom))("bounds", po::value(&bounds))("time-zone",
                                                                                              po::value(&time_zone));
    const auto parsed = parse_command(args, options);
    if (parsed.words.size() > 1 || title.empty() || center.empty() || zoom < 0)
        throw usage_error(std::string("usage: maptable ") + create_room_usage);
    json::object room{{"title", title}, {"center", position_json(lon_lat(center, "--center"))}, {"zoom", zoom}};
    if (!parsed.words.empty())
        room["id"] = parsed.words[0];
    if (!description.empty())
        room["description"] = description;
    if (!city.empty())
        room["city"] = city;
    if (!bounds.empty())
        room["bounds"] = bounds_json(bounds);
    if (!time_zone.empty())
        room["time_zone"] = time_zone; // the server says whether it is a zone
    const auto created = expect_success(
        http_call("POST", http_base(global) + "/v1/admin/rooms", admin_key_of(global), json::serialize(room)));
    const auto* id = created.if_contains("id");
    if (!id || !id->is_string())
        throw refused(pb::ERROR_CODE_UNSPECIFIED, "the server's answer names no room id: " + json::serialize(created));
    std::cout << id->as_string().c_str() << std::endl;
}

// Shows the room (--room) as the admin API has it, or changes it first when
// given any option; prints the room as one line of JSON either way. An
// option given as "" unsets that field (--time-zone "").
void room_info(const settings& global, const arguments& args)
{
    // The text options, each sent as the API's field of the same meaning.
    constexpr std::pair<const char*, const char*> texts[] = {
        {"title", "title"},         {"description", "description"}, {"city", "city"},
        {"time-zone", "time_zone"}, {"network", "network_id"},      {"kind", "kind"},
        {"city-id", "city_id"},
    };
    po::options_description options;
    for (const auto& [option, field] : texts)
        options.add_options()(option, po::value<std::string>());
    options.add_options()("center", po::value<std::string>())("zoom", po::value<double>())(
        "bounds", po::value<std::string>())("clear-bounds", "");
    const auto parsed = parse_command(args, options);
    if (!parsed.words.empty())
        throw usage_error(std::string("usage: maptable --room ROOM ") + room_info_usage);
    if (parsed.options.count("bounds") && parsed.options.count("clear-bounds"))
        throw usage_error("give --bounds or --clear-bounds, not both");

    json::object change;
    for (const auto& [option, field] : texts)
        if (parsed.options.count(option))
            change[field] = parsed.options[option].as<std::string>();
    if (parsed.options.count("center"))
        change["center"] = position_json(lon_lat(parsed.options["center"].as<std::string>(), "--center"));
    if (parsed.options.count("zoom"))
        change["zoom"] = parsed.options["zoom"].as<double>();
    if (parsed.options.count("bounds"))
        change["bounds"] = bounds_json(parsed.options["bounds"].as<std::string>());
    if (parsed.options.count("clear-bounds"))
        change["clear_bounds"] = true;

    const auto url = http_base(global) + "/v1/admin/rooms/" + path_segment(room_from(global));
    const auto room = change.empty()
        ? expect_success(http_call("GET", url, admin_key_of(global)))
        : expect_success(http_call("PATCH", url, admin_key_of(global), json::serialize(change)));
    std::cout << json::serialize(room) << std::endl;
}

void invite(const settings& global, const arguments& args)
{
    std::string role, name, subject;
    std::uint64_t expires_in = 0;
    po::options_description options;
    options.add_options()("role", po::value(&role))("name", po::value(&name))("subject", po::value(&subject))(
        "expires-in", po::value(&expires_in))("token-only", "");
    const auto parsed = parse_command(args, options);
    if (!parsed.words.empty() || name.empty())
        throw usage_error(std::string("usage: maptable ") + invite_usage);
    if (role != "facilitator" && role != "participant" && role != "observer")
        throw usage_error("--role '" + role + "' is not a role: give facilitator, participant or observer");
    json::object body{{"role", role}, {"name", name}};
    if (!subject.empty())
        body["subject"] = subject;
    if (expires_in != 0)
        body["expires_in"] = expires_in;
    const auto room = room_from(global);
    const auto minted =
        expect_success(http_call("POST", http_base(global) + "/v1/admin/rooms/" + path_segment(room) + "/tokens",
                                 admin_key_of(global), json::serialize(body)));
    const char* wanted = parsed.options.count("token-only") ? "token" : "invite_url";
    const auto* value = minted.if_contains(wanted);
    if (!value || !value->is_string())
        throw refused(pb::ERROR_CODE_UNSPECIFIED,
                      std::string("the server's answer has no ") + wanted + ": " + json::serialize(minted));
    std::cout << value->as_string().c_str() << std::endl;
}

// What `export KIND` fetches, under /v1/rooms/{id}/export/.
struct export_kind {
    const char* name;
    const char* path;
};
constexpr export_kind export_kinds[] = {
    {"geojson", "geojson"},     {"report", "report.md"},          {"chat-csv", "chat.csv"},
    {"chat-json", "chat.json"}, {"comments-csv", "comments.csv"}, {"comments-json", "comments.json"},
};

} // namespace

void admin_command(const settings& global, const arguments& args)
{
    const std::string what = args.empty() ? "" : args[0];
    const arguments rest(args.begin() + (args.empty() ? 0 : 1), args.end());
    if (what == "create-room")
        return create_room(global, rest);
    if (what == "invite")
        return invite(global, rest);
    if (what == "room-info")
        return room_info(global, rest);
    throw usage_error(what.empty() ? "admin needs create-room, room-info or invite"
                                   : "admin has no command '" + what + "'; it has create-room, room-info and invite");
}

void export_command(const settings& global, const arguments& args)
{
    std::string output, session;
    std::uint64_t seq = 0;
    std::int64_t time_ms = 0;
    po::options_description options;
    options.add_options()("output", po::value(&output))("seq", po::value(&seq))("time", po::value(&time_ms))(
        "session", po::value(&session))("include-deleted", "");
    const auto parsed = parse_command(args, options);
    const export_kind* kind = nullptr;
    for (const auto& k : export_kinds)
        if (parsed.words.size() == 1 && parsed.words[0] == k.name)
            kind = &k;
    if (!kind)
        throw usage_error("usage: maptable export geojson|report|chat-csv|chat-json|comments-csv|comments-json "
                          "[--seq N | --time UNIX_MS] [--session ID] [--include-deleted] [--output FILE]");
    if (seq != 0 && time_ms != 0)
        throw usage_error("give --seq or --time, not both");

    std::string query;
    auto add = [&](const std::string& parameter) { query += (query.empty() ? "?" : "&") + parameter; };
    if (seq != 0)
        add("seq=" + std::to_string(seq));
    if (time_ms != 0)
        add("time=" + std::to_string(time_ms));
    if (!session.empty())
        add("session=" + path_segment(session));
    if (parsed.options.count("include-deleted"))
        add("include_deleted=1");

    // The admin key when there is one, else the join token (a facilitator's).
    const std::string bearer = !global.admin_key.empty() ? global.admin_key : global.token;
    if (bearer.empty())
        throw usage_error("export needs a facilitator's join token (--token) or the admin key (--admin-key)");
    const auto url =
        http_base(global) + "/v1/rooms/" + path_segment(room_from(global)) + "/export/" + kind->path + query;
    const auto answer = http_call("GET", url, bearer);
    if (answer.status != 200)
        expect_success(answer); // throws with the server's reason
    if (output.empty()) {
        std::cout << answer.body << std::flush;
        return;
    }
    std::ofstream file(output, std::ios::binary | std::ios::trunc);
    file << answer.body;
    file.close();
    if (!file)
        throw refused(pb::ERROR_CODE_UNSPECIFIED, "cannot write " + output);
}

} // namespace maptable::cli
