#include "net/admin_room_routes.hpp"

#include "auth/join_token.hpp"
#include "net/export_routes.hpp"
#include "net/json_answer.hpp"
#include "net/room_token.hpp"
#include "room/admin_submit.hpp"
#include "store/clock.hpp"
#include "store/random_hex.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <set>

namespace maptable::net {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;
namespace pb = maptable::v1;

constexpr std::string_view rooms_path = "/v1/admin/rooms";

constexpr std::int64_t default_token_lifetime = 7 * 24 * 3600; // a workshop series of a week
constexpr std::int64_t max_token_lifetime = 365 * 24 * 3600;   // a consultation of a year; longer: mint again
constexpr std::size_t max_name_bytes = 200;                    // a display name, not a biography

using reply = std::function<void(admin_response)>;

// ---------------------------------------------------------------- JSON in

// A refusal found while reading a body: the text of a 400.
struct bad_request {
    std::string message;
};

pb::LonLat position_of(const json::value& v, std::string_view field)
{
    auto p = lon_lat_of(v);
    if (!p)
        throw bad_request{"\"" + std::string(field) + "\" must be {\"lon\": <number>, \"lat\": <number>}"};
    return *p;
}

std::string text_of(const json::object& o, std::string_view field)
{
    const auto* v = o.if_contains(field);
    if (!v->is_string())
        throw bad_request{"\"" + std::string(field) + "\" must be a string"};
    return std::string(v->get_string());
}

json::object parse_object(const std::string& body, std::string_view shape)
{
    auto parsed = json_object_of(body, max_admin_body, shape);
    if (auto* problem = std::get_if<json_body_problem>(&parsed))
        throw bad_request{std::move(problem->message)};
    return std::get<json::object>(std::move(parsed));
}

constexpr std::string_view room_shape =
    "{\"title\": \"...\", \"center\": {\"lon\": .., \"lat\": ..}, \"zoom\": 12, optional \"id\", \"description\", "
    "\"city\", \"bounds\": {\"south_west\": {..}, \"north_east\": {..}}, \"time_zone\": \"Europe/Lisbon\", "
    "\"network_id\", \"kind\": \"living_lab\", \"city_id\"}";

pb::RoomKind kind_of(const json::value& v)
{
    if (v.is_string())
        if (const auto kind = room_kind_of(v.get_string()))
            return *kind;
    throw bad_request{"\"kind\" must be one of " + room_kind_names() + ", or \"\" for a room in no network"};
}

// The room info fields of a body as a change; required says which must be there.
pb::RoomInfoChanged change_of(const json::object& o, bool creating)
{
    static const std::set<std::string_view> known = {"id",        "title",      "description", "city",
                                                     "center",    "zoom",       "bounds",      "clear_bounds",
                                                     "time_zone", "network_id", "kind",        "city_id"};
    for (const auto& [key, value] : o)
        if (!known.count(key))
            throw bad_request{"unknown field \"" + std::string(key) +
                              "\"; a room takes id, title, description, city, center, zoom, bounds" +
                              (creating ? "" : ", clear_bounds") + ", time_zone, network_id, kind, city_id"};
    pb::RoomInfoChanged change;
    if (creating)
        for (const char* field : {"title", "center", "zoom"})
            if (!o.contains(field))
                throw bad_request{std::string("\"") + field + "\" is required: " + std::string(room_shape)};
    if (o.contains("title"))
        change.set_title(text_of(o, "title"));
    if (o.contains("description"))
        change.set_description(text_of(o, "description"));
    if (o.contains("city"))
        change.set_city(text_of(o, "city"));
    if (const auto* center = o.if_contains("center"))
        *change.mutable_center() = position_of(*center, "center");
    if (const auto* zoom = o.if_contains("zoom")) {
        const auto z = json_number(*zoom);
        if (!z)
            throw bad_request{"\"zoom\" must be a number"};
        change.set_zoom(*z);
    }
    // Whether a zone or an id is well formed is the model's rule
    // (INVALID_TIME_ZONE, INVALID_SETTING): a refusal says it in the
    // model's words, as it would to a facilitator.
    if (o.contains("time_zone"))
        change.set_time_zone(text_of(o, "time_zone"));
    if (o.contains("network_id"))
        change.set_network_id(text_of(o, "network_id"));
    if (o.contains("city_id"))
        change.set_city_id(text_of(o, "city_id"));
    if (const auto* kind = o.if_contains("kind"))
        change.set_kind(kind_of(*kind));
    if (const auto* bounds = o.if_contains("bounds"); bounds && !bounds->is_null()) {
        const auto* b = bounds->if_object();
        if (!b || !b->contains("south_west") || !b->contains("north_east"))
            throw bad_request{
                "\"bounds\" must be {\"south_west\": {\"lon\", \"lat\"}, \"north_east\": {\"lon\", \"lat\"}}"};
        *change.mutable_bounds()->mutable_south_west() = position_of(b->at("south_west"), "bounds.south_west");
        *change.mutable_bounds()->mutable_north_east() = position_of(b->at("north_east"), "bounds.north_east");
    }
    if (const auto* clear = o.if_contains("clear_bounds")) {
        if (creating)
            throw bad_request{"\"clear_bounds\" is for changing a room; a new room has no bounds to clear"};
        if (!clear->is_bool())
            throw bad_request{"\"clear_bounds\" must be true or false"};
        change.set_clear_bounds(clear->get_bool());
    }
    return change;
}

// ---------------------------------------------------------------- JSON out

json::object room_object(const store::catalog_entry& entry, const pb::RoomInfo& info, bool archived, std::uint64_t seq)
{
    json::object o{
        {"id", entry.room_id},
        {"title", info.title()},
        {"description", info.description()},
        {"city", info.city()},
        {"center", lon_lat_json(info.center())},
        {"zoom", info.zoom()},
    };
    if (info.has_bounds())
        o["bounds"] = json::object{{"south_west", lon_lat_json(info.bounds().south_west())},
                                   {"north_east", lon_lat_json(info.bounds().north_east())}};
    o["time_zone"] = info.time_zone();
    o["network_id"] = info.network_id();
    o["kind"] = room_kind_name(info.kind());
    o["city_id"] = info.city_id();
    o["archived"] = archived;
    o["created_at"] = entry.created_at_ms;
    o["seq"] = seq;
    return o;
}

std::string room_json(const store::catalog_entry& entry, const pb::RoomInfo& info, bool archived, std::uint64_t seq)
{
    return exports::write_json(room_object(entry, info, archived, seq));
}

// A listed room as the catalog last saw it.
json::object room_object(const store::catalog_entry& entry)
{
    pb::RoomInfo info;
    info.ParseFromString(entry.info);
    return room_object(entry, info, entry.archived, entry.seq);
}

// ---------------------------------------------------------------- the refusals of the room, as HTTP

http::status status_of(pb::ErrorCode code)
{
    switch (code) {
    case pb::ERROR_CODE_ROOM_UNAVAILABLE:
    case pb::ERROR_CODE_SERVER_BUSY:
    case pb::ERROR_CODE_STORE_UNAVAILABLE: return http::status::service_unavailable;
    case pb::ERROR_CODE_ROOM_ARCHIVED:
    case pb::ERROR_CODE_NO_CHANGE: return http::status::conflict;
    case pb::ERROR_CODE_INTERNAL: return http::status::internal_server_error;
    default: return http::status::bad_request; // the content of the change
    }
}

std::string refusal_text(const room::admin_outcome& outcome)
{
    return outcome.message + " (" + pb::ErrorCode_Name(outcome.code) + ")";
}

// ---------------------------------------------------------------- one request

// Everything a request's steps share; kept alive by the callbacks.
struct request_state {
    session::server_context& context;
    store::room_catalog& catalog;
    boost::asio::any_io_executor reply_on;
    unsigned version;
    std::uint64_t connection_id;
    reply done;
    std::string target; // the request's path and query: a redirect to the room's owner keeps them

    // From any thread: the answer goes out on the connection's executor.
    void answer(admin_response res) const
    {
        boost::asio::post(reply_on, [done = done, res = std::move(res)]() mutable { done(std::move(res)); });
    }
    void error(http::status status, std::string_view message) const { answer(json_error(status, version, message)); }
    void ok(http::status status, std::string body) const
    {
        answer(json_reply(status, version, std::move(body) + "\n"));
    }
    // Another node owns the room (room::admin_outcome::moved_to): 307 to the
    // same path and query there, so a client that follows redirects gets
    // the owner's answer.
    void redirect(const std::string& owner, std::string_view message) const
    {
        auto res = json_error(http::status::temporary_redirect, version, message);
        res.set(http::field::location, owner + target);
        answer(std::move(res));
    }
};
using shared_request = std::shared_ptr<const request_state>;

// Runs step(catalog) on the catalogue's strand (server/net/admin_room_routes.hpp:
// never on an event loop, never two at once). A failing catalogue answers
// 503; a bad request found there answers 400.
template <class Step>
void with_catalog(const shared_request& r, Step step)
{
    boost::asio::post(r->context.admin_api->catalog_lane(r->context), [r, step = std::move(step)]() mutable {
        try {
            step(r->catalog);
        } catch (const bad_request& bad) {
            r->error(http::status::bad_request, bad.message);
        } catch (const std::exception& e) {
            spdlog::error("conn={} admin: room catalog: {}", r->connection_id, e.what());
            r->error(http::status::service_unavailable, "the room list could not be read or written; try again");
        }
    });
}

// After a change was acked at seq: reads the room's state, refreshes the
// catalog's copy and answers with the room.
void answer_with_room(const shared_request& r, store::catalog_entry entry, http::status status)
{
    const std::string room_id = entry.room_id; // entry moves into the callback
    read_latest_state(
        r->context, room_id, r->reply_on,
        [r, entry = std::move(entry), status](std::variant<model::room_state, read_failure> read) mutable {
        if (auto* failed = std::get_if<read_failure>(&read))
            return r->error(http::status(failed->status), failed->message);
        const auto& state = std::get<model::room_state>(read);
        entry.archived = state.data().archived;
        entry.title = state.info().title();
        entry.city = state.info().city();
        entry.info = state.info().SerializeAsString();
        entry.seq = state.seq();
        auto body = room_json(entry, state.info(), state.data().archived, state.seq());
        with_catalog(
            r, [r, entry = std::move(entry), status, body = std::move(body)](store::room_catalog& catalog) mutable {
                try {
                    catalog.update(entry);
                } catch (const std::exception& e) {
                    spdlog::warn("admin: room catalog not refreshed for room {}: {}", entry.room_id, e.what());
                }
                r->ok(status, std::move(body));
            });
        });
}

// Submits command to the room as the admin and answers with the room.
// on_refused, when given, answers a refusal itself.
void change_room(const shared_request& r, store::catalog_entry entry, pb::ClientMessage command, http::status status,
                 std::function<void(room::admin_outcome)> on_refused = {})
{
    const std::string room_id = entry.room_id; // entry moves into the callback
    room::submit_as_admin(
        r->context.rooms, r->reply_on, room_id, std::move(command),
        [r, entry = std::move(entry), status, on_refused = std::move(on_refused)](room::admin_outcome outcome) mutable {
        if (!outcome.ok) {
            if (on_refused)
                return on_refused(std::move(outcome));
            if (!outcome.moved_to.empty())
                return r->redirect(outcome.moved_to, refusal_text(outcome));
            return r->error(status_of(outcome.code), refusal_text(outcome));
        }
        answer_with_room(r, std::move(entry), status);
        });
}

void create_room(const shared_request& r, const std::string& body)
{
    auto object = parse_object(body, room_shape);
    std::string id;
    if (const auto* given = object.if_contains("id")) {
        if (!given->is_string() || !valid_room_id(given->get_string()))
            throw bad_request{"\"id\" must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' and '-' (as a Join takes)"};
        id = std::string(given->get_string());
    } else {
        id = "r-" + store::random_hex(6);
    }
    pb::ClientMessage command;
    *command.mutable_update_room_info()->mutable_change() = change_of(object, true);

    // Checked against a new room first, so that a bad title or bounds is a
    // 400 before anything is listed or stored.
    model::room_state fresh(id);
    auto checked = fresh.validate(command, room::admin_actor(), clock::now_ms());
    if (auto* refused = std::get_if<model::rejection>(&checked))
        return r->error(http::status::bad_request, refused->message + " (" + pb::ErrorCode_Name(refused->code) + ")");

    store::catalog_entry entry;
    entry.room_id = id;
    entry.created_at_ms = clock::now_ms();
    entry.title = command.update_room_info().change().title();
    entry.city = command.update_room_info().change().city();
    fresh.apply(std::get<pb::Event>(checked));
    entry.info = fresh.info().SerializeAsString();
    with_catalog(r,
                 [r, id, entry = std::move(entry), command = std::move(command)](store::room_catalog& catalog) mutable {
        if (catalog.has_history(id) || !catalog.add(entry))
            return r->error(http::status::conflict, "a room with id '" + id + "' exists already; choose another id");
        spdlog::info("conn={} admin: creating room {}", r->connection_id, id);
        change_room(r, std::move(entry), std::move(command), http::status::created,
                    [r, id](room::admin_outcome outcome) {
            // The room's first event was refused: nothing of it exists, and
            // the answer waits until it is unlisted, so that a retry may
            // create it.
            with_catalog(r, [r, id, outcome = std::move(outcome)](store::room_catalog& catalog) {
                try {
                    catalog.remove(id);
                } catch (const std::exception& e) {
                    spdlog::warn("admin: room {} stays listed after its creation failed: {}", id, e.what());
                }
                r->error(status_of(outcome.code), refusal_text(outcome));
            });
        });
    });
}

void mint_token(const shared_request& r, const store::catalog_entry& entry, const std::string& body)
{
    constexpr std::string_view shape = "{\"role\": \"facilitator\"|\"participant\"|\"observer\", \"name\": \"...\", "
                                       "optional \"subject\", \"expires_in\"}";
    const auto o = parse_object(body, shape);
    for (const auto& [key, value] : o)
        if (key != "role" && key != "name" && key != "subject" && key != "expires_in")
            throw bad_request{"unknown field \"" + std::string(key) +
                              "\"; a token takes role, name, subject, expires_in"};
    const auto* role_value = o.if_contains("role");
    const auto role = role_value && role_value->is_string() ? auth::parse_role(role_value->get_string()) : std::nullopt;
    if (!role || *role == pb::ROLE_ADMIN || *role == pb::ROLE_UNSPECIFIED)
        throw bad_request{"\"role\" must be \"facilitator\", \"participant\" or \"observer\""};
    const auto* name = o.if_contains("name");
    if (!name || !name->is_string() || name->get_string().empty() || name->get_string().size() > max_name_bytes)
        throw bad_request{"\"name\" must be a display name of 1-" + std::to_string(max_name_bytes) + " bytes"};
    std::string subject;
    if (const auto* given = o.if_contains("subject")) {
        if (!given->is_string() || !is_token_subject(given->get_string()))
            throw bad_request{
                "\"subject\" (the participant id) must be 1-128 printable ASCII characters without spaces"};
        subject = std::string(given->get_string());
    } else {
        subject = "p-" + store::random_hex(6);
    }
    std::int64_t lifetime = default_token_lifetime;
    if (const auto* given = o.if_contains("expires_in")) {
        const bool whole = given->is_int64() || given->is_uint64();
        const auto seconds = given->is_int64() ? given->get_int64()
            : given->is_uint64() && given->get_uint64() <= std::uint64_t(max_token_lifetime)
            ? static_cast<std::int64_t>(given->get_uint64())
            : -1;
        if (!whole || seconds < 1 || seconds > max_token_lifetime)
            throw bad_request{"\"expires_in\" must be whole seconds from 1 to " + std::to_string(max_token_lifetime) +
                              " (365 days); the default is a week"};
        lifetime = seconds;
    }

    auth::join_claims claims;
    claims.room = entry.room_id;
    claims.subject = subject;
    claims.name = std::string(name->get_string());
    claims.role = *role;
    claims.expires_at = clock::now_seconds() + lifetime;
    claims.issuer = r->context.verifier.issuer;
    claims.audience = r->context.verifier.audience;
    claims.token_id = "t-" + store::random_hex(8);
    const auto token = auth::mint_join_token(claims, r->context.verifier.secret);
    // The token travels in the fragment, which browsers never send to a
    // server: it stays out of access logs and Referer headers.
    const auto& config = *r->context.admin_api;
    const std::string invite_url = config.public_url + "/#room=" + entry.room_id + "&token=" + token;
    spdlog::info("conn={} admin: token {} minted for room {} (role {}, expires at {})", r->connection_id,
                 claims.token_id, entry.room_id, auth::role_name(*role), claims.expires_at);
    r->ok(http::status::created,
          exports::write_json(json::object{
              {"token", token},
              {"jti", claims.token_id},
              {"subject", subject},
              {"role", auth::role_name(*role)},
              {"name", claims.name},
              {"room", entry.room_id},
              {"expires_at", claims.expires_at},
              {"invite_url", invite_url},
          }));
}

admin_response method_not_allowed(unsigned version, const char* allow)
{
    auto res = json_error(http::status::method_not_allowed, version, std::string("use ") + allow);
    res.set(http::field::allow, allow);
    return res;
}

} // namespace

bool is_admin_room_path(std::string_view path)
{
    return path == rooms_path || (path.starts_with(rooms_path) && path.substr(rooms_path.size()).starts_with("/"));
}

void handle_admin_room_request(const admin_request& req, session::server_context& context,
                               boost::asio::any_io_executor reply_on, std::uint64_t connection_id, reply done)
{
    const unsigned version = req.version();
    if (!context.admin_api || !context.admin_api->catalog)
        return done(json_error(http::status::not_found, version, "this server has no room catalog"));
    auto r =
        std::make_shared<const request_state>(request_state{context, *context.admin_api->catalog, reply_on, version,
                                                            connection_id, std::move(done), std::string(req.target())});

    const auto target = std::string_view(req.target());
    const auto path = target.substr(0, target.find('?'));
    // /v1/admin/rooms[/{id}[/{action}]]
    std::string_view rest = path.substr(rooms_path.size());
    if (rest.starts_with("/"))
        rest.remove_prefix(1);
    const auto slash = rest.find('/');
    const std::string id(rest.substr(0, slash));
    const std::string action(slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1));
    const auto method = req.method();

    try {
        if (id.empty()) {
            if (method == http::verb::get)
                return with_catalog(r, [r](store::room_catalog& catalog) {
                    json::array rooms;
                    for (const auto& entry : catalog.list())
                        rooms.push_back(room_object(entry));
                    r->ok(http::status::ok, exports::write_json(json::object{{"rooms", std::move(rooms)}}));
                });
            if (method == http::verb::post)
                return create_room(r, req.body());
            return r->answer(method_not_allowed(version, "GET, POST"));
        }
        if (!valid_room_id(id))
            return r->error(http::status::not_found, "no room has that id (" + std::string(room_id_rule) + ")");

        // What to do with the room once the catalogue has found it; the
        // request's method, path and body are checked first, before any
        // catalogue call.
        std::function<void(store::catalog_entry)> then;
        if (action.empty()) {
            if (method == http::verb::get) {
                then = [r](store::catalog_entry entry) { answer_with_room(r, std::move(entry), http::status::ok); };
            } else if (method == http::verb::patch) {
                pb::ClientMessage command;
                *command.mutable_update_room_info()->mutable_change() =
                    change_of(parse_object(req.body(), room_shape), false);
                if (command.update_room_info().change().ByteSizeLong() == 0)
                    throw bad_request{"the body changes nothing; give any of title, description, city, center, zoom, "
                                      "bounds, clear_bounds, time_zone, network_id, kind, city_id"};
                then = [r, command = std::move(command)](store::catalog_entry entry) {
                    change_room(r, std::move(entry), command, http::status::ok);
                };
            } else {
                return r->answer(method_not_allowed(version, "GET, PATCH"));
            }
        } else if (action == "archive" || action == "unarchive") {
            if (method != http::verb::post)
                return r->answer(method_not_allowed(version, "POST"));
            pb::ClientMessage command;
            command.mutable_archive_room()->set_archived(action == "archive");
            then = [r, command = std::move(command)](store::catalog_entry entry) {
                change_room(r, std::move(entry), command, http::status::ok);
            };
        } else if (action == "tokens") {
            if (method != http::verb::post)
                return r->answer(method_not_allowed(version, "POST"));
            then = [r, body = req.body()](store::catalog_entry entry) {
                try {
                    mint_token(r, entry, body);
                } catch (const bad_request& bad) {
                    r->error(http::status::bad_request, bad.message);
                } catch (const std::exception& e) {
                    spdlog::error("conn={} admin: minting a token failed: {}", r->connection_id, e.what());
                    r->error(http::status::internal_server_error, "the server could not do this; see its log");
                }
            };
        } else {
            return r->error(http::status::not_found,
                            "no such room endpoint; a room has /archive, /unarchive and /tokens");
        }
        with_catalog(r, [r, id, then = std::move(then)](store::room_catalog& catalog) {
            auto entry = catalog.find(id);
            if (!entry)
                return r->error(http::status::not_found,
                                "there is no room '" + id + "' (create it with POST /v1/admin/rooms)");
            // The rest off the catalogue's strand: it is for catalogue calls only.
            boost::asio::post(r->reply_on, [then, entry = std::move(*entry)]() mutable { then(std::move(entry)); });
        });
    } catch (const bad_request& bad) {
        return r->error(http::status::bad_request, bad.message);
    } catch (const std::exception& e) {
        spdlog::error("conn={} admin: {} {} failed: {}", connection_id, std::string(req.method_string()),
                      std::string(path), e.what());
        return r->error(http::status::internal_server_error, "the server could not do this; see its log");
    }
}

} // namespace maptable::net
