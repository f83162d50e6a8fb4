#include "net/network_routes.hpp"

#include "auth/join_token.hpp"
#include "export/table_export.hpp"
#include "model/plain_id.hpp"
#include "net/admin_room_routes.hpp"
#include "net/json_answer.hpp"
#include "network/ics.hpp"
#include "network/network_service.hpp"
#include "room/admin_submit.hpp"
#include "store/clock.hpp"
#include "store/random_hex.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <future>
#include <memory>
#include <set>
#include <vector>

namespace maptable::net {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;
namespace pb = maptable::v1;

constexpr std::string_view admin_prefix = "/v1/admin/networks";
constexpr std::string_view member_prefix = "/v1/networks/";

constexpr std::int64_t default_invitation_ttl = 90LL * 24 * 3600;  // a season of the network's work
constexpr std::int64_t max_invitation_ttl = 3LL * 365 * 24 * 3600; // a network runs up to three years
constexpr std::size_t max_name_bytes = 200;
constexpr std::size_t max_network_body = 64 * 1024; // a session's agenda of 50 points fits

using reply = std::function<void(admin_response)>;

// A refusal: the HTTP status, the text and the code ({"error", "code"}).
struct refusal {
    http::status status = http::status::bad_request;
    std::string message;
    std::string code = "INVALID_NETWORK";
};

std::string code_name(pb::ErrorCode code)
{
    auto name = pb::ErrorCode_Name(code);
    constexpr std::string_view prefix = "ERROR_CODE_";
    return name.starts_with(prefix) ? name.substr(prefix.size()) : name;
}

refusal refused_by(const model::rejection& r)
{
    http::status status = http::status::bad_request;
    switch (r.code) {
    case pb::ERROR_CODE_NETWORK_NOT_FOUND:
    case pb::ERROR_CODE_CITY_NOT_FOUND: status = http::status::not_found; break;
    case pb::ERROR_CODE_NETWORK_EXISTS:
    case pb::ERROR_CODE_CITY_EXISTS: status = http::status::conflict; break;
    default: break;
    }
    return refusal{status, r.message, code_name(r.code)};
}

refusal bad(std::string message, std::string code = "INVALID_NETWORK")
{
    return refusal{http::status::bad_request, std::move(message), std::move(code)};
}

admin_response error_response(unsigned version, const refusal& r)
{
    return json_reply(r.status, version, json::serialize(json::object{{"error", r.message}, {"code", r.code}}) + "\n");
}

// ---------------------------------------------------------------- JSON in

json::object parse_object(const std::string& body, std::string_view shape)
{
    auto parsed = json_object_of(body, max_network_body, shape);
    if (auto* problem = std::get_if<json_body_problem>(&parsed))
        throw bad(std::move(problem->message),
                  problem->what == json_body_problem::kind::too_large ? "MESSAGE_TOO_LARGE" : "MALFORMED_MESSAGE");
    return std::get<json::object>(std::move(parsed));
}

void only_fields(const json::object& o, std::initializer_list<std::string_view> known, std::string_view shape)
{
    for (const auto& [key, value] : o)
        if (std::find(known.begin(), known.end(), std::string_view(key)) == known.end())
            throw bad("unknown field \"" + std::string(key) + "\": " + std::string(shape), "MALFORMED_MESSAGE");
}

std::optional<std::string> string_field(const json::object& o, std::string_view field, bool required = false)
{
    const auto* v = o.if_contains(field);
    if (!v) {
        if (required)
            throw bad("\"" + std::string(field) + "\" is required", "MALFORMED_MESSAGE");
        return std::nullopt;
    }
    if (!v->is_string())
        throw bad("\"" + std::string(field) + "\" must be a string", "MALFORMED_MESSAGE");
    return std::string(v->get_string());
}

std::optional<std::int64_t> integer_field(const json::object& o, std::string_view field, bool required = false)
{
    const auto* v = o.if_contains(field);
    if (!v) {
        if (required)
            throw bad("\"" + std::string(field) + "\" is required", "MALFORMED_MESSAGE");
        return std::nullopt;
    }
    if (v->is_int64())
        return v->get_int64();
    if (v->is_uint64() && v->get_uint64() <= std::uint64_t(std::numeric_limits<std::int64_t>::max()))
        return static_cast<std::int64_t>(v->get_uint64());
    throw bad("\"" + std::string(field) + "\" must be a whole number", "MALFORMED_MESSAGE");
}

std::vector<std::string> strings_field(const json::object& o, std::string_view field)
{
    std::vector<std::string> out;
    const auto* v = o.if_contains(field);
    if (!v)
        return out;
    if (!v->is_array())
        throw bad("\"" + std::string(field) + "\" must be an array of strings", "MALFORMED_MESSAGE");
    for (const auto& item : v->get_array()) {
        if (!item.is_string())
            throw bad("\"" + std::string(field) + "\" must be an array of strings", "MALFORMED_MESSAGE");
        out.emplace_back(item.get_string());
    }
    return out;
}

pb::LonLat position_of(const json::object& o, std::string_view field)
{
    const auto* v = o.if_contains(field);
    auto p = v ? lon_lat_of(*v) : std::nullopt;
    if (!p)
        throw bad("\"" + std::string(field) + "\" must be {\"lon\": <number>, \"lat\": <number>}", "MALFORMED_MESSAGE");
    return *p;
}

pb::Role members_elsewhere_of(const std::string& s)
{
    if (s == "observer")
        return pb::ROLE_OBSERVER;
    if (s == "participant")
        return pb::ROLE_PARTICIPANT;
    throw bad("\"members_elsewhere\" is \"observer\" or \"participant\"");
}

constexpr std::string_view network_shape =
    "{\"id\", \"title\", optional \"theme\", \"languages\": [\"en\", ..], \"starts_on\": \"YYYY-MM-DD\", "
    "\"ends_on\", \"members_elsewhere\": \"observer\"|\"participant\"}";

pb::Network network_of(const json::object& o)
{
    only_fields(o, {"id", "title", "theme", "languages", "starts_on", "ends_on", "members_elsewhere"}, network_shape);
    pb::Network n;
    n.set_id(*string_field(o, "id", true));
    n.set_title(*string_field(o, "title", true));
    n.set_theme(string_field(o, "theme").value_or(""));
    for (auto& l : strings_field(o, "languages"))
        n.add_languages(std::move(l));
    n.set_starts_on(string_field(o, "starts_on").value_or(""));
    n.set_ends_on(string_field(o, "ends_on").value_or(""));
    if (auto m = string_field(o, "members_elsewhere"))
        n.set_members_elsewhere(members_elsewhere_of(*m));
    return n;
}

pb::NetworkPatch patch_of(const json::object& o)
{
    only_fields(o, {"title", "theme", "languages", "starts_on", "ends_on", "members_elsewhere"}, network_shape);
    pb::NetworkPatch p;
    if (auto v = string_field(o, "title"))
        p.set_title(*v);
    if (auto v = string_field(o, "theme"))
        p.set_theme(*v);
    if (o.contains("languages")) {
        p.set_set_languages(true);
        for (auto& l : strings_field(o, "languages"))
            p.add_languages(std::move(l));
    }
    if (auto v = string_field(o, "starts_on"))
        p.set_starts_on(*v);
    if (auto v = string_field(o, "ends_on"))
        p.set_ends_on(*v);
    if (auto v = string_field(o, "members_elsewhere"))
        p.set_members_elsewhere(members_elsewhere_of(*v));
    return p;
}

constexpr std::string_view city_shape = "{\"id\", \"name\", \"country\": \"DE\", \"position\": {\"lon\", \"lat\"}, "
                                        "optional \"living_lab_title\"}";

pb::City city_of(const json::object& o, std::optional<std::string> id_from_path)
{
    only_fields(o, {"id", "name", "country", "position", "living_lab_title"}, city_shape);
    pb::City c;
    if (id_from_path) {
        if (auto given = string_field(o, "id"); given && *given != *id_from_path)
            throw bad("the body's \"id\" differs from the city in the path");
        c.set_id(*id_from_path);
    } else {
        c.set_id(*string_field(o, "id", true));
    }
    c.set_name(*string_field(o, "name", true));
    c.set_country(*string_field(o, "country", true));
    *c.mutable_position() = position_of(o, "position");
    c.set_living_lab_title(string_field(o, "living_lab_title").value_or(""));
    return c;
}

constexpr std::string_view session_shape =
    "{optional \"id\", \"room_id\", \"title\", \"starts_ms\", \"ends_ms\" (Unix milliseconds), \"time_zone\": "
    "\"Europe/Lisbon\", \"agenda\": [\"..\"]}";

pb::PlannedSession session_of(const json::object& o)
{
    only_fields(o, {"id", "room_id", "title", "starts_ms", "ends_ms", "time_zone", "agenda"}, session_shape);
    pb::PlannedSession s;
    s.set_id(string_field(o, "id").value_or("s-" + store::random_hex(6)));
    s.set_room_id(*string_field(o, "room_id", true));
    s.set_title(*string_field(o, "title", true));
    s.set_starts_ms(*integer_field(o, "starts_ms", true));
    s.set_ends_ms(*integer_field(o, "ends_ms", true));
    s.set_time_zone(*string_field(o, "time_zone", true));
    for (auto& a : strings_field(o, "agenda"))
        s.add_agenda(std::move(a));
    return s;
}

// ---------------------------------------------------------------- JSON out

json::object network_json(const pb::Network& n)
{
    json::array languages;
    for (const auto& l : n.languages())
        languages.emplace_back(l);
    return json::object{
        {"id", n.id()},
        {"title", n.title()},
        {"theme", n.theme()},
        {"languages", std::move(languages)},
        {"starts_on", n.starts_on()},
        {"ends_on", n.ends_on()},
        {"members_elsewhere", n.members_elsewhere() == pb::ROLE_PARTICIPANT ? "participant" : "observer"},
    };
}

json::object city_json(const pb::City& c)
{
    return json::object{{"id", c.id()},
                        {"name", c.name()},
                        {"country", c.country()},
                        {"position", lon_lat_json(c.position())},
                        {"living_lab_title", c.living_lab_title()}};
}

json::object session_json(const pb::PlannedSession& s)
{
    json::array agenda;
    for (const auto& a : s.agenda())
        agenda.emplace_back(a);
    return json::object{{"id", s.id()},
                        {"room_id", s.room_id()},
                        {"title", s.title()},
                        {"starts_ms", s.starts_ms()},
                        {"ends_ms", s.ends_ms()},
                        {"time_zone", s.time_zone()},
                        {"agenda", std::move(agenda)}};
}

// A room of the network, as the catalogue lists it.
struct network_room {
    std::string id;
    pb::RoomInfo info;
};

// The network as a whole: the record, and its rooms with their last activity.
json::object state_json(const model::network_state& state, const std::vector<network_room>& rooms,
                        network::network_service& service)
{
    const auto proto = state.to_proto();
    json::array cities, sessions, room_list;
    for (const auto& c : proto.cities())
        cities.push_back(city_json(c));
    for (const auto& s : proto.sessions())
        sessions.push_back(session_json(s));
    for (const auto& r : rooms) {
        const auto activity = service.activity_of(r.id);
        room_list.push_back(json::object{{"id", r.id},
                                         {"title", r.info.title()},
                                         {"kind", room_kind_name(r.info.kind())},
                                         {"city_id", r.info.city_id()},
                                         {"last_activity_ms", activity.last_time_ms},
                                         {"last_seq", activity.last_seq}});
    }
    return json::object{{"network", network_json(proto.network())},
                        {"seq", proto.seq()},
                        {"cities", std::move(cities)},
                        {"rooms", std::move(room_list)},
                        {"sessions", std::move(sessions)}};
}

// ---------------------------------------------------------------- one request

struct request_state {
    session::server_context& context;
    boost::asio::any_io_executor reply_on;
    unsigned version;
    std::uint64_t connection_id;
    reply done;

    void answer(admin_response res) const
    {
        boost::asio::post(reply_on, [done = done, res = std::move(res)]() mutable { done(std::move(res)); });
    }
    void fail(const refusal& r) const { answer(error_response(version, r)); }
    void ok(http::status status, const json::value& body) const
    {
        answer(json_reply(status, version, exports::write_json(body) + "\n"));
    }
};
using shared_request = std::shared_ptr<const request_state>;

// Runs step on the work pool (it blocks on the store and the catalogue);
// a refusal thrown there answers 4xx, a failing store 503.
template <class Step>
void on_work_pool(const shared_request& r, Step step)
{
    boost::asio::post(r->context.work, [r, step = std::move(step)]() mutable {
        try {
            step();
        } catch (const refusal& refused) {
            r->fail(refused);
        } catch (const network::store_failure& e) {
            spdlog::error("conn={} network: {}", r->connection_id, e.what());
            r->fail(refusal{http::status::service_unavailable, "the store could not be read or written; try again",
                            "STORE_UNAVAILABLE"});
        } catch (const std::exception& e) {
            spdlog::error("conn={} network: {}", r->connection_id, e.what());
            r->fail(
                refusal{http::status::internal_server_error, "the server could not do this; see its log", "INTERNAL"});
        }
    });
}

network::network_service& service_of(const shared_request& r)
{
    return network::service_for(*r->context.store);
}

model::network_state existing(const shared_request& r, const std::string& id)
{
    auto state = service_of(r).find(id);
    if (!state)
        throw refusal{http::status::not_found,
                      "there is no network '" + id + "' (create it with POST " + std::string(admin_prefix) + ")",
                      "NETWORK_NOT_FOUND"};
    return std::move(*state);
}

// The rooms of the network: the catalogue's rooms whose info names it. The
// catalogue's copy of a room's info is written by every admin change, and
// the network fields change through the admin API only.
std::vector<network_room> rooms_of(const shared_request& r, const std::string& network_id)
{
    std::vector<network_room> out;
    if (!r->context.admin_api || !r->context.admin_api->catalog)
        return out;
    for (const auto& entry : r->context.admin_api->catalog->list()) {
        pb::RoomInfo info;
        if (!info.ParseFromString(entry.info) || info.network_id() != network_id)
            continue;
        out.push_back({entry.room_id, std::move(info)});
    }
    return out;
}

// Applies one change to the network and answers with the network.
void change_network(const shared_request& r, const std::string& id, pb::NetworkEvent change, http::status status)
{
    auto result = service_of(r).change(id, std::move(change), room::admin_actor().id, clock::now_ms());
    if (auto* refused = std::get_if<model::rejection>(&result))
        throw refused_by(*refused);
    const auto& state = std::get<model::network_state>(result);
    r->ok(status, state_json(state, rooms_of(r, id), service_of(r)));
}

std::string plain(std::string_view id, std::string_view section)
{
    if (!model::is_plain_id(id))
        throw refusal{http::status::not_found,
                      "no " + std::string(section) + " has that id (1-64 of A-Z a-z 0-9 . _ -)",
                      section == "network" ? "NETWORK_NOT_FOUND" : "INVALID_ID"};
    return std::string(id);
}

// POST /v1/admin/networks/{id}/rooms: a new room of the network, its
// network fields set by the admin's first RoomInfoChanged (so the room's log
// and its exports say it), listed in the catalogue as the admin API's rooms.
void add_room(const shared_request& r, const std::string& network_id, const std::string& body)
{
    constexpr std::string_view shape = "{\"room_id\", \"title\", \"kind\": \"living_lab\"|\"consultation\"|"
                                       "\"workshop\"|\"study_trip\"|\"plenary\", \"city_id\", optional \"center\", "
                                       "\"zoom\", \"time_zone\"}";
    const auto o = parse_object(body, shape);
    only_fields(o, {"room_id", "title", "kind", "city_id", "center", "zoom", "time_zone"}, shape);
    const auto room_id = *string_field(o, "room_id", true);
    if (!model::is_plain_id(room_id))
        throw bad("\"room_id\" must be 1-64 of A-Z a-z 0-9 . _ -", "INVALID_ROOM_ID");
    const auto kind_text = *string_field(o, "kind", true);
    const pb::RoomKind kind = room_kind_of(kind_text).value_or(pb::ROOM_KIND_UNSPECIFIED);
    if (kind == pb::ROOM_KIND_UNSPECIFIED)
        throw bad("\"kind\" is living_lab, consultation, workshop, study_trip or plenary");
    const auto city_id = string_field(o, "city_id").value_or("");
    if (kind == pb::ROOM_KIND_LIVING_LAB && city_id.empty())
        throw bad("a living lab is a city's: give its \"city_id\"");
    const auto state = existing(r, network_id);
    const pb::City* city = city_id.empty() ? nullptr : state.find_city(city_id);
    if (!city_id.empty() && !city)
        throw refusal{http::status::not_found, "there is no city '" + city_id + "' in network " + network_id,
                      "CITY_NOT_FOUND"};

    pb::ClientMessage command;
    auto* change = command.mutable_update_room_info()->mutable_change();
    change->set_title(*string_field(o, "title", true));
    if (o.contains("center"))
        *change->mutable_center() = position_of(o, "center");
    else if (city)
        *change->mutable_center() = city->position();
    else
        throw bad("\"center\" is required for a room of no city");
    if (const auto* zoom = o.if_contains("zoom")) {
        const auto z = json_number(*zoom);
        if (!z)
            throw bad("\"zoom\" must be a number", "MALFORMED_MESSAGE");
        change->set_zoom(*z);
    } else {
        change->set_zoom(13);
    }
    if (auto tz = string_field(o, "time_zone"))
        change->set_time_zone(*tz);
    if (city)
        change->set_city(city->name());
    change->set_network_id(network_id);
    change->set_kind(kind);
    change->set_city_id(city_id);

    // A bad title or centre is a 400 before anything is listed or stored.
    model::room_state fresh(room_id);
    auto checked = fresh.validate(command, room::admin_actor(), clock::now_ms());
    if (auto* refused = std::get_if<model::rejection>(&checked))
        throw refused_by(*refused);
    fresh.apply(std::get<pb::Event>(checked));

    auto* catalog = r->context.admin_api ? r->context.admin_api->catalog : nullptr;
    if (!catalog)
        throw refusal{http::status::not_found, "this server has no room catalog", "ROOM_UNAVAILABLE"};
    if (kind == pb::ROOM_KIND_LIVING_LAB)
        for (const auto& room : rooms_of(r, network_id))
            if (room.info.kind() == pb::ROOM_KIND_LIVING_LAB && room.info.city_id() == city_id)
                throw refusal{http::status::conflict,
                              "the city '" + city_id + "' has its living lab already: room '" + room.id + "'",
                              "LIVING_LAB_EXISTS"};
    store::catalog_entry entry;
    entry.room_id = room_id;
    entry.created_at_ms = clock::now_ms();
    entry.title = change->title();
    entry.city = change->city();
    entry.info = fresh.info().SerializeAsString();
    if (catalog->has_history(room_id) || !catalog->add(entry))
        throw refusal{http::status::conflict, "a room with id '" + room_id + "' exists already; choose another id",
                      "ROOM_EXISTS"};
    spdlog::info("conn={} admin: creating room {} in network {}", r->connection_id, room_id, network_id);
    room::submit_as_admin(
        r->context.rooms, r->context.work, room_id, std::move(command),
        [r, entry = std::move(entry), info = fresh.info(), catalog](room::admin_outcome outcome) mutable {
        on_work_pool(
            r, [r, entry = std::move(entry), info = std::move(info), catalog, outcome = std::move(outcome)]() mutable {
                if (!outcome.ok) {
                    // Its first event was refused: nothing of the room exists.
                    catalog->remove(entry.room_id);
                    return r->fail(refusal{outcome.code == pb::ERROR_CODE_ROOM_UNAVAILABLE ||
                                                   outcome.code == pb::ERROR_CODE_SERVER_BUSY
                                               ? http::status::service_unavailable
                                               : http::status::bad_request,
                                           outcome.message, code_name(outcome.code)});
                }
                entry.seq = outcome.seq;
                catalog->update(entry);
                r->ok(http::status::created,
                      json::object{{"id", entry.room_id},
                                   {"title", info.title()},
                                   {"kind", room_kind_name(info.kind())},
                                   {"city_id", info.city_id()},
                                   {"network_id", info.network_id()},
                                   {"seq", outcome.seq}});
            });
        });
}

// POST /v1/admin/networks/{id}/invitations: a network join token (net and
// city claims, no room) and the app's link.
void invite(const shared_request& r, const std::string& network_id, const std::string& body)
{
    constexpr std::string_view shape = "{\"name\", \"role\": \"facilitator\"|\"participant\"|\"observer\", "
                                       "optional \"subject\", \"city_id\", \"ttl_s\"}";
    const auto o = parse_object(body, shape);
    only_fields(o, {"subject", "name", "role", "city_id", "ttl_s"}, shape);
    const auto role = auth::parse_role(*string_field(o, "role", true));
    if (!role)
        throw bad("\"role\" must be \"facilitator\", \"participant\" or \"observer\"", "MALFORMED_MESSAGE");
    const auto name = *string_field(o, "name", true);
    if (name.empty() || name.size() > max_name_bytes)
        throw bad("\"name\" must be a display name of 1-" + std::to_string(max_name_bytes) + " bytes",
                  "MALFORMED_MESSAGE");
    std::string subject = string_field(o, "subject").value_or("p-" + store::random_hex(6));
    if (!is_token_subject(subject))
        throw bad("\"subject\" (the participant id) must be 1-128 printable ASCII characters without spaces",
                  "INVALID_PARTICIPANT");
    const auto ttl = integer_field(o, "ttl_s").value_or(default_invitation_ttl);
    if (ttl < 1 || ttl > max_invitation_ttl)
        throw bad("\"ttl_s\" must be whole seconds from 1 to " + std::to_string(max_invitation_ttl) + " (3 years)",
                  "MALFORMED_MESSAGE");
    const auto city_id = string_field(o, "city_id").value_or("");
    const auto state = existing(r, network_id);
    if (!city_id.empty() && !state.find_city(city_id))
        throw refusal{http::status::not_found, "there is no city '" + city_id + "' in network " + network_id,
                      "CITY_NOT_FOUND"};

    auth::join_claims claims;
    claims.network = network_id;
    claims.city = city_id;
    claims.subject = subject;
    claims.name = name;
    claims.role = *role;
    claims.expires_at = clock::now_seconds() + ttl;
    claims.issuer = r->context.verifier.issuer;
    claims.audience = r->context.verifier.audience;
    claims.token_id = "t-" + store::random_hex(8);
    const auto token = auth::mint_join_token(claims, r->context.verifier.secret);
    // In the fragment, as a room's invitation: browsers never send it.
    const auto base = r->context.admin_api ? r->context.admin_api->public_url : std::string{};
    const auto link = base + "/#net=" + network_id + "&token=" + token;
    spdlog::info("conn={} admin: token {} minted for network {} (role {}, city {}, expires at {})", r->connection_id,
                 claims.token_id, network_id, auth::role_name(*role), city_id.empty() ? "-" : city_id,
                 claims.expires_at);
    r->ok(http::status::created,
          json::object{{"token", token},
                       {"jti", claims.token_id},
                       {"subject", subject},
                       {"name", name},
                       {"role", auth::role_name(*role)},
                       {"network", network_id},
                       {"city_id", city_id},
                       {"expires_at", claims.expires_at},
                       {"invite_url", link}});
}

admin_response method_not_allowed(unsigned version, const char* allow)
{
    auto res = error_response(
        version, refusal{http::status::method_not_allowed, std::string("use ") + allow, "METHOD_NOT_ALLOWED"});
    res.set(http::field::allow, allow);
    return res;
}

std::vector<std::string_view> segments(std::string_view rest)
{
    std::vector<std::string_view> out;
    while (!rest.empty()) {
        const auto slash = rest.find('/');
        out.push_back(rest.substr(0, slash));
        if (slash == std::string_view::npos)
            break;
        rest.remove_prefix(slash + 1);
    }
    return out;
}

std::optional<std::string> query_value(std::string_view target, std::string_view key)
{
    const auto q = target.find('?');
    if (q == std::string_view::npos)
        return std::nullopt;
    auto query = target.substr(q + 1);
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) == key)
            return std::string(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
        if (amp == std::string_view::npos)
            break;
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

void handle_admin(const admin_request& req, const shared_request& r, std::string_view path)
{
    const auto method = req.method();
    const auto parts = segments(path.substr(admin_prefix.size()).starts_with("/") ? path.substr(admin_prefix.size() + 1)
                                                                                  : path.substr(admin_prefix.size()));
    if (parts.empty()) {
        if (method == http::verb::get)
            return on_work_pool(r, [r] {
                json::array list;
                for (const auto& state : service_of(r).list()) {
                    auto o = network_json(state.network());
                    o["cities"] = state.cities().size();
                    o["sessions"] = state.sessions().size();
                    list.push_back(std::move(o));
                }
                r->ok(http::status::ok, json::object{{"networks", std::move(list)}});
            });
        if (method == http::verb::post) {
            pb::NetworkEvent change;
            auto network = network_of(parse_object(req.body(), network_shape));
            if (!model::is_plain_id(network.id()))
                throw bad("\"id\" must be 1-64 of A-Z a-z 0-9 . _ -");
            const auto id = network.id();
            *change.mutable_network_created()->mutable_network() = std::move(network);
            return on_work_pool(r, [r, id, change = std::move(change)]() mutable {
                change_network(r, id, std::move(change), http::status::created);
            });
        }
        return r->answer(method_not_allowed(r->version, "GET, POST"));
    }
    const auto id = plain(parts[0], "network");
    const std::string_view section = parts.size() > 1 ? parts[1] : std::string_view{};
    const std::optional<std::string> item =
        parts.size() > 2 ? std::optional<std::string>(std::string(parts[2])) : std::nullopt;
    if (parts.size() > 3)
        throw refusal{http::status::not_found, "no such network endpoint", "NOT_FOUND"};
    pb::NetworkEvent change;
    if (section.empty()) {
        if (method == http::verb::get)
            return on_work_pool(r, [r, id] {
                const auto state = existing(r, id);
                r->ok(http::status::ok, state_json(state, rooms_of(r, id), service_of(r)));
            });
        if (method != http::verb::patch)
            return r->answer(method_not_allowed(r->version, "GET, PATCH"));
        *change.mutable_network_updated()->mutable_patch() = patch_of(parse_object(req.body(), network_shape));
    } else if (section == "cities") {
        if (!item) {
            if (method != http::verb::post)
                return r->answer(method_not_allowed(r->version, "POST"));
            *change.mutable_city_added()->mutable_city() = city_of(parse_object(req.body(), city_shape), std::nullopt);
        } else if (method == http::verb::put) {
            *change.mutable_city_updated()->mutable_city() = city_of(parse_object(req.body(), city_shape), item);
        } else if (method == http::verb::delete_) {
            change.mutable_city_removed()->set_city_id(*item);
        } else {
            return r->answer(method_not_allowed(r->version, "PUT, DELETE"));
        }
    } else if (section == "sessions") {
        if (!item) {
            if (method != http::verb::post)
                return r->answer(method_not_allowed(r->version, "POST"));
            auto session = session_of(parse_object(req.body(), session_shape));
            // A session takes place in a room of this network.
            return on_work_pool(r, [r, id, session = std::move(session)]() mutable {
                if (model::is_plain_id(session.room_id()) &&
                    service_of(r).place_of(session.room_id()).network_id != id) {
                    existing(r, id);
                    throw bad("the room '" + session.room_id() + "' is not a room of network " + id);
                }
                pb::NetworkEvent planned;
                *planned.mutable_session_planned()->mutable_session() = std::move(session);
                change_network(r, id, std::move(planned), http::status::created);
            });
        }
        if (method != http::verb::delete_)
            return r->answer(method_not_allowed(r->version, "DELETE"));
        change.mutable_session_cancelled()->set_session_id(*item);
    } else if (section == "rooms" && !item) {
        if (method != http::verb::post)
            return r->answer(method_not_allowed(r->version, "POST"));
        return on_work_pool(r, [r, id, body = req.body()] { add_room(r, id, body); });
    } else if (section == "invitations" && !item) {
        if (method != http::verb::post)
            return r->answer(method_not_allowed(r->version, "POST"));
        return on_work_pool(r, [r, id, body = req.body()] { invite(r, id, body); });
    } else {
        throw refusal{http::status::not_found,
                      "no such network endpoint; a network has /cities, /rooms, /sessions and /invitations",
                      "NOT_FOUND"};
    }
    const auto status = change.has_city_added() ? http::status::created : http::status::ok;
    on_work_pool(
        r, [r, id, change = std::move(change), status]() mutable { change_network(r, id, std::move(change), status); });
}

// A member of the network (its join token, not revoked, for this network),
// or the admin: nullopt; else the refusal.
std::optional<refusal> member_refusal(const admin_request& req, const session::server_context& context,
                                      const std::string& network_id)
{
    if (has_admin_key(req, context))
        return std::nullopt;
    const auto credential = bearer_credential(req);
    if (credential.empty())
        return refusal{http::status::unauthorized, "send the network invitation's token (or the admin key) as Bearer",
                       "TOKEN_MISSING"};
    const auto verified = auth::verify_join_token(credential, context.verifier, clock::now_seconds());
    if (const auto* error = std::get_if<auth::token_error>(&verified))
        return refusal{http::status::unauthorized, "the token was refused: " + error->message, code_name(error->code)};
    const auto& claims = std::get<auth::join_claims>(verified);
    if (context.revocations && context.revocations->is_revoked(claims.token_id))
        return refusal{http::status::unauthorized, "the token was revoked", "TOKEN_REVOKED"};
    if (claims.network != network_id)
        return refusal{http::status::forbidden, "the token is not an invitation to network " + network_id,
                       "TOKEN_WRONG_NETWORK"};
    return std::nullopt;
}

void handle_member(const admin_request& req, const shared_request& r, std::string_view path)
{
    const auto parts = segments(path.substr(member_prefix.size()));
    if (parts.empty() || parts.size() > 2)
        throw refusal{http::status::not_found, "no such network endpoint", "NOT_FOUND"};
    const auto id = plain(parts[0], "network");
    const std::string_view section = parts.size() > 1 ? parts[1] : std::string_view{};
    if (!section.empty() && section != "sessions.ics" && section != "changes")
        throw refusal{http::status::not_found, "a network has /sessions.ics and /changes", "NOT_FOUND"};
    if (req.method() != http::verb::get)
        return r->answer(method_not_allowed(r->version, "GET"));
    if (auto refused = member_refusal(req, r->context, id)) {
        auto res = error_response(r->version, *refused);
        if (refused->status == http::status::unauthorized)
            res.set(http::field::www_authenticate, "Bearer realm=\"maptable\"");
        return r->answer(std::move(res));
    }
    if (section.empty())
        return on_work_pool(r, [r, id] {
            const auto state = existing(r, id);
            const auto rooms = rooms_of(r, id);
            auto body = state_json(state, rooms, service_of(r));
            // People by city: the distinct participants who have acted in
            // the city's rooms (its living lab, a visit to it).
            json::array people;
            for (const auto& [city_id, city] : state.cities()) {
                std::set<std::string> ids;
                for (const auto& room : rooms)
                    if (room.info.city_id() == city_id)
                        ids.merge(service_of(r).participants_of(room.id));
                ids.erase(room::admin_actor().id);
                people.push_back(json::object{{"city_id", city_id}, {"count", ids.size()}});
            }
            body["people"] = std::move(people);
            r->ok(http::status::ok, body);
        });
    if (section == "sessions.ics")
        return on_work_pool(r, [r, id] {
            const auto state = existing(r, id);
            const auto base = r->context.admin_api ? r->context.admin_api->public_url : std::string{};
            admin_response res{http::status::ok, r->version};
            res.set(http::field::content_type, "text/calendar; charset=utf-8");
            res.set(http::field::content_disposition, "attachment; filename=\"" + id + "-sessions.ics\"");
            res.set(http::field::cache_control, "no-store");
            res.body() = network::sessions_calendar(state.to_proto(), base, clock::now_ms());
            res.prepare_payload();
            r->answer(std::move(res));
        });
    const auto since_text = query_value(req.target(), "since_ms");
    std::int64_t since = 0;
    if (!since_text || since_text->empty() ||
        std::from_chars(since_text->data(), since_text->data() + since_text->size(), since).ec != std::errc{} ||
        std::to_string(since) != *since_text || since < 0)
        throw bad("give ?since_ms=<Unix milliseconds> (a whole number, 0 or more)", "MALFORMED_MESSAGE");
    on_work_pool(r, [r, id, since] {
        existing(r, id);
        json::array rooms;
        for (const auto& room : rooms_of(r, id)) {
            const auto c = service_of(r).changes_since(room.id, since);
            rooms.push_back(json::object{{"id", room.id},
                                         {"title", room.info.title()},
                                         {"features_added", c.features_added},
                                         {"threads_started", c.threads_started},
                                         {"votes_closed", c.votes_closed},
                                         {"chat_messages", c.chat_messages},
                                         {"events", c.events}});
        }
        r->ok(http::status::ok, json::object{{"network", id}, {"since_ms", since}, {"rooms", std::move(rooms)}});
    });
}

} // namespace

bool is_network_path(std::string_view path)
{
    return path == admin_prefix || path.starts_with(std::string(admin_prefix) + "/") || path.starts_with(member_prefix);
}

void handle_network_request(admin_request req, session::server_context& context, boost::asio::any_io_executor reply_on,
                            std::uint64_t connection_id, reply done)
{
    const unsigned version = req.version();
    const auto target = std::string_view(req.target());
    const auto path = target.substr(0, target.find('?'));
    const bool admin = path.starts_with(admin_prefix);
    if (admin && context.admin_key.empty())
        return done(error_response(
            version, refusal{http::status::not_found, "the admin API is disabled (no --admin-key)", "NOT_FOUND"}));
    auto r = std::make_shared<const request_state>(
        request_state{context, reply_on, version, connection_id, std::move(done)});
    if (admin && !has_admin_key(req, context)) {
        auto res = error_response(version,
                                  refusal{http::status::unauthorized,
                                          "the admin API needs Authorization: Bearer <admin key>", "UNAUTHORIZED"});
        res.set(http::field::www_authenticate, "Bearer realm=\"maptable-admin\"");
        return r->answer(std::move(res));
    }
    if (context.store == nullptr || !context.work)
        return r->fail(
            refusal{http::status::service_unavailable, "this server keeps no networks", "STORE_UNAVAILABLE"});
    try {
        if (admin)
            handle_admin(req, r, path);
        else
            handle_member(req, r, path);
    } catch (const refusal& refused) {
        spdlog::info("conn={} network: {} {} refused: {}", connection_id, std::string(req.method_string()),
                     std::string(path), refused.message);
        r->fail(refused);
    } catch (const std::exception& e) {
        spdlog::error("conn={} network: {} {} failed: {}", connection_id, std::string(req.method_string()),
                      std::string(path), e.what());
        r->fail(refusal{http::status::internal_server_error, "the server could not do this; see its log", "INTERNAL"});
    }
}

} // namespace maptable::net
