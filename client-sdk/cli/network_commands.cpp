// Layer: client (command-line tool). `network create|update|show|add-city|
// add-room|plan-session|invite`: a learning network's admin API
// (docs/NETWORKS.md) from a terminal, with the server's admin key; and
// `network harvest`, the network's report (docs/HARVEST.md), with the admin
// key or a network facilitator's invitation. JSON with Boost.JSON.
#include "command_table.hpp"
#include "http_call.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <iostream>

namespace maptable::cli {

namespace {

namespace json = boost::json;

constexpr const char* network_usage =
    "usage: maptable network create ID --title T [--theme T] [--languages en,de] [--starts-on YYYY-MM-DD] "
    "[--ends-on YYYY-MM-DD] [--members-elsewhere observer|participant]\n"
    "       maptable network update ID [--title T] [--theme T] [--languages en,de] [--starts-on YYYY-MM-DD] "
    "[--ends-on YYYY-MM-DD] [--members-elsewhere observer|participant]\n"
    "       maptable network show ID\n"
    "       maptable network add-city ID CITY --name N --country CC --position LON,LAT [--living-lab TITLE]\n"
    "       maptable network add-room ID ROOM --title T --kind living_lab|consultation|workshop|study_trip|plenary "
    "[--city CITY] [--center LON,LAT] [--zoom Z]\n"
    "       maptable network plan-session ID --room ROOM --title T --starts UNIX_MS --ends UNIX_MS --time-zone TZ "
    "[--agenda POINT]... [--session-id S]\n"
    "       maptable network invite ID --role facilitator|participant|observer --name NAME [--city CITY] "
    "[--subject S] [--ttl SECONDS] [--token-only]\n"
    "       maptable network harvest ID [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format html|md|geojson] "
    "[--per-person] [--out FILE]";

// Returns on 2xx; else throws refused "HTTP <status> <code>: <the server's reason>".
void expect_2xx(const http_answer& answer)
{
    if (answer.status >= 200 && answer.status <= 299)
        return;
    json::error_code ec;
    const auto value = json::parse(answer.body, ec);
    std::string why = answer.body;
    if (!ec && value.is_object()) {
        const auto& o = value.as_object();
        if (const auto* error = o.if_contains("error"); error && error->is_string())
            why = std::string(error->as_string());
        if (const auto* code = o.if_contains("code"); code && code->is_string())
            why = std::string(code->as_string()) + ": " + why;
    }
    throw refused(pb::ERROR_CODE_UNSPECIFIED, "HTTP " + std::to_string(answer.status) + " " + printable(why));
}

// The answer's JSON object on 2xx; else refused as expect_2xx says.
json::object answer_of(const http_answer& answer)
{
    expect_2xx(answer);
    json::error_code ec;
    auto value = json::parse(answer.body, ec);
    if (ec || !value.is_object())
        throw refused(pb::ERROR_CODE_UNSPECIFIED,
                      "the server's answer is not a JSON object: " + printable(answer.body));
    return std::move(value.as_object());
}

json::object call(const settings& global, const std::string& method, const std::string& path,
                  const json::object& body = {})
{
    if (global.admin_key.empty())
        throw usage_error("network needs the server's admin key: pass --admin-key or set MAPTABLE_ADMIN_KEY");
    return answer_of(http_call(method, http_base(global) + path, global.admin_key,
                               method == "GET" ? std::string{} : json::serialize(body)));
}

json::object position_of(const std::string& text, const char* what)
{
    const auto p = lon_lat(text, what);
    return json::object{{"lon", p.lon()}, {"lat", p.lat()}};
}

std::string text_of(const json::value& v)
{
    return v.is_string() ? printable(std::string(v.as_string())) : json::serialize(v);
}

// "en,de" as the JSON array the admin API takes; "" is the empty list.
json::array languages_of(const std::string& text)
{
    json::array list;
    for (std::size_t at = 0; at < text.size();) {
        const auto comma = std::min(text.find(',', at), text.size());
        list.emplace_back(text.substr(at, comma - at));
        at = comma + 1;
    }
    return list;
}

// The network's own fields: its line, then its theme and languages when it has them.
void show_network(const json::object& n)
{
    std::cout << "network " << text_of(n.at("id")) << " '" << text_of(n.at("title")) << "'";
    if (!n.at("starts_on").as_string().empty() || !n.at("ends_on").as_string().empty())
        std::cout << " " << text_of(n.at("starts_on")) << ".." << text_of(n.at("ends_on"));
    std::cout << " (members elsewhere: " << text_of(n.at("members_elsewhere")) << ")\n";
    if (!n.at("theme").as_string().empty())
        std::cout << "theme '" << text_of(n.at("theme")) << "'\n";
    if (!n.at("languages").as_array().empty()) {
        std::cout << "languages";
        for (const auto& l : n.at("languages").as_array())
            std::cout << " " << text_of(l);
        std::cout << "\n";
    }
}

// `network show`: the network, its cities, rooms and sessions, one line each.
void show(const json::object& state)
{
    show_network(state.at("network").as_object());
    for (const auto& c : state.at("cities").as_array())
        std::cout << "city " << text_of(c.at("id")) << " " << text_of(c.at("name")) << " (" << text_of(c.at("country"))
                  << ")\n";
    for (const auto& r : state.at("rooms").as_array()) {
        std::cout << "room " << text_of(r.at("id")) << " " << text_of(r.at("kind"));
        if (!r.at("city_id").as_string().empty())
            std::cout << " of " << text_of(r.at("city_id"));
        std::cout << " '" << text_of(r.at("title")) << "' seq " << json::serialize(r.at("last_seq")) << "\n";
    }
    for (const auto& s : state.at("sessions").as_array())
        std::cout << "session " << text_of(s.at("id")) << " in " << text_of(s.at("room_id")) << " '"
                  << text_of(s.at("title")) << "' at " << json::serialize(s.at("starts_ms")) << " ("
                  << text_of(s.at("time_zone")) << ")\n";
    std::cout << std::flush;
}

const std::string& members_elsewhere_checked(const std::string& value)
{
    if (value != "observer" && value != "participant")
        throw usage_error("--members-elsewhere '" + value +
                          "' is not a role a network gives: give observer or participant");
    return value;
}

// What `network harvest` asks for (docs/HARVEST.md).
struct harvest_request {
    std::string network;
    std::string from, to; // YYYY-MM-DD; empty: from the first record, up to now
    std::string format;   // html, md or geojson (json: the same)
    bool per_person = false;
    std::string out; // the file to write; empty: stdout
};

// `network harvest`: the report as the server made it, into a file or to
// stdout. The file is written only once the server has answered with the
// report, so a refusal never leaves a file behind.
void harvest(const settings& global, const harvest_request& h)
{
    // The route's names; "json" too, as the bundle's file ends.
    std::string format = h.format.empty() ? "html" : h.format;
    if (format == "json")
        format = "geojson";
    if (format != "html" && format != "md" && format != "geojson")
        throw usage_error("--format '" + h.format + "' is not a harvest format: give html, md or geojson");
    const std::string bearer = !global.admin_key.empty() ? global.admin_key : global.token;
    if (bearer.empty())
        throw usage_error("network harvest needs the server's admin key (--admin-key) or a network facilitator's "
                          "invitation (--token)");
    std::string query = "?format=" + format;
    if (!h.from.empty())
        query += "&from=" + path_segment(h.from);
    if (!h.to.empty())
        query += "&to=" + path_segment(h.to);
    if (h.per_person)
        query += "&per_person=1";
    const auto answer =
        http_call("GET", http_base(global) + "/v1/networks/" + path_segment(h.network) + "/harvest" + query, bearer);
    expect_2xx(answer);
    if (h.out.empty()) {
        std::cout << answer.body << std::flush;
        return;
    }
    std::ofstream file(h.out, std::ios::binary | std::ios::trunc);
    file << answer.body;
    file.close();
    if (!file)
        throw refused(pb::ERROR_CODE_UNSPECIFIED, "cannot write " + h.out);
}

} // namespace

void network_command(const settings& global, const arguments& args)
{
    std::string title, theme, languages, starts_on, ends_on, members_elsewhere, name, country, position, living_lab;
    std::string kind, city, center, room, starts, ends, time_zone, session_id, role, subject;
    std::string from, to, format, out;
    std::vector<std::string> agenda;
    double zoom = -1;
    std::uint64_t ttl = 0;
    po::options_description options;
    options.add_options()("title", po::value(&title))("theme", po::value(&theme))("languages", po::value(&languages))(
        "starts-on", po::value(&starts_on))("ends-on", po::value(&ends_on))(
        "members-elsewhere", po::value(&members_elsewhere))("name", po::value(&name))("country", po::value(&country))(
        "position", po::value(&position))("living-lab", po::value(&living_lab))("kind", po::value(&kind))(
        "city", po::value(&city))("center", po::value(&center))("zoom", po::value(&zoom))("room", po::value(&room))(
        "starts", po::value(&starts))("ends", po::value(&ends))("time-zone", po::value(&time_zone))(
        "agenda", po::value(&agenda))("session-id", po::value(&session_id))("role", po::value(&role))(
        "subject", po::value(&subject))("ttl", po::value(&ttl))("token-only", "")("from", po::value(&from))(
        "to", po::value(&to))("format", po::value(&format))("per-person", "")("out", po::value(&out))("output",
                                                                                                      po::value(&out));
    const auto parsed = parse_command(args, options);
    const auto& words = parsed.words;
    const std::string what = words.empty() ? "" : words[0];
    auto need = [&](std::size_t count) {
        if (words.size() != count)
            throw usage_error(network_usage);
    };
    auto required = [&](const std::string& value, const char* option) {
        if (value.empty())
            throw usage_error(std::string("network ") + what + " needs --" + option + "\n" + network_usage);
    };
    const std::string base = words.size() > 1 ? "/v1/admin/networks/" + path_segment(words[1]) : "";

    if (what == "create") {
        need(2);
        required(title, "title");
        json::object body{{"id", words[1]}, {"title", title}};
        if (!theme.empty())
            body["theme"] = theme;
        if (!languages.empty())
            body["languages"] = languages_of(languages);
        if (!starts_on.empty())
            body["starts_on"] = starts_on;
        if (!ends_on.empty())
            body["ends_on"] = ends_on;
        if (!members_elsewhere.empty())
            body["members_elsewhere"] = members_elsewhere_checked(members_elsewhere);
        call(global, "POST", "/v1/admin/networks", body);
        std::cout << words[1] << std::endl;
        return;
    }
    if (what == "update") {
        need(2);
        // Only the options given change; one given empty clears that field ("--theme ''").
        const auto given = [&](const char* option) { return parsed.options.count(option) > 0; };
        json::object body;
        if (given("title"))
            body["title"] = title;
        if (given("theme"))
            body["theme"] = theme;
        if (given("languages"))
            body["languages"] = languages_of(languages);
        if (given("starts-on"))
            body["starts_on"] = starts_on;
        if (given("ends-on"))
            body["ends_on"] = ends_on;
        if (given("members-elsewhere"))
            body["members_elsewhere"] = members_elsewhere_checked(members_elsewhere);
        if (body.empty())
            throw usage_error("network update needs something to change: --title, --theme, --languages, "
                              "--starts-on, --ends-on or --members-elsewhere\n" +
                              std::string(network_usage));
        const auto state = call(global, "PATCH", base, body);
        show_network(state.at("network").as_object());
        std::cout << std::flush;
        return;
    }
    if (what == "harvest") {
        need(2);
        return harvest(global,
                       {.network = words[1],
                        .from = from,
                        .to = to,
                        .format = format,
                        .per_person = parsed.options.count("per-person") > 0,
                        .out = out});
    }
    if (what == "show") {
        need(2);
        return show(call(global, "GET", base));
    }
    if (what == "add-city") {
        need(3);
        required(name, "name");
        required(country, "country");
        required(position, "position");
        json::object body{
            {"id", words[2]}, {"name", name}, {"country", country}, {"position", position_of(position, "--position")}};
        if (!living_lab.empty())
            body["living_lab_title"] = living_lab;
        call(global, "POST", base + "/cities", body);
        std::cout << words[2] << std::endl;
        return;
    }
    if (what == "add-room") {
        need(3);
        required(title, "title");
        required(kind, "kind");
        json::object body{{"room_id", words[2]}, {"title", title}, {"kind", kind}};
        if (!city.empty())
            body["city_id"] = city;
        if (!center.empty())
            body["center"] = position_of(center, "--center");
        if (zoom >= 0)
            body["zoom"] = zoom;
        const auto created = call(global, "POST", base + "/rooms", body);
        std::cout << text_of(created.at("id")) << std::endl;
        return;
    }
    if (what == "plan-session") {
        need(2);
        required(room, "room");
        required(title, "title");
        required(time_zone, "time-zone");
        required(starts, "starts");
        required(ends, "ends");
        json::array points;
        for (const auto& point : agenda)
            points.emplace_back(point);
        json::object body{{"room_id", room},
                          {"title", title},
                          {"starts_ms", whole_number(starts, "--starts")},
                          {"ends_ms", whole_number(ends, "--ends")},
                          {"time_zone", time_zone},
                          {"agenda", std::move(points)}};
        if (!session_id.empty())
            body["id"] = session_id;
        const auto state = call(global, "POST", base + "/sessions", body);
        // The id of the session planned: the given one, or the one of that title and start.
        std::string id = session_id;
        for (const auto& s : state.at("sessions").as_array())
            if (id.empty() && s.at("title").as_string() == title && s.at("room_id").as_string() == room &&
                s.at("starts_ms").to_number<std::int64_t>() == static_cast<std::int64_t>(whole_number(starts, "")))
                id = std::string(s.at("id").as_string());
        std::cout << id << std::endl;
        return;
    }
    if (what == "invite") {
        need(2);
        required(name, "name");
        if (role != "facilitator" && role != "participant" && role != "observer")
            throw usage_error("--role '" + role + "' is not a role: give facilitator, participant or observer");
        json::object body{{"role", role}, {"name", name}};
        if (!city.empty())
            body["city_id"] = city;
        if (!subject.empty())
            body["subject"] = subject;
        if (ttl != 0)
            body["ttl_s"] = ttl;
        const auto minted = call(global, "POST", base + "/invitations", body);
        std::cout << text_of(minted.at(parsed.options.count("token-only") ? "token" : "invite_url")) << std::endl;
        return;
    }
    throw usage_error(what.empty() ? std::string(network_usage)
                                   : "network has no command '" + what + "'\n" + network_usage);
}

} // namespace maptable::cli
