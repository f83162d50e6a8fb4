// Layer: net (handlers). The reference-layer routes (see layer_routes.hpp).
// Parsing a file and reading the room's state run on the work pool; the room
// validates, persists and publishes the AddLayer; the answer is posted back
// to the connection's executor.
#include "net/layer_routes.hpp"

#include "export/geojson_export.hpp"
#include "import/import_layer.hpp"
#include "media/attachment_store.hpp"
#include "model/text.hpp"
#include "net/export_routes.hpp"
#include "net/upload_gate.hpp"
#include "room/admin_submit.hpp"
#include "store/random_hex.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <memory>

namespace maptable::net {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;
namespace pb = maptable::v1;

constexpr std::string_view rooms_prefix = "/v1/rooms/";
constexpr std::string_view layers_segment = "/layers";
// A file at the limits takes a noticeable fraction of a second and tens of
// MiB to parse: a few at a time, so that imports cannot starve the work pool
// (exports, attachments) nor the memory.
constexpr std::size_t max_concurrent_imports = 2;
// A slow connection in the field sends 8 MiB in well under this.
constexpr auto upload_timeout = std::chrono::seconds(120);
// The layer's name and the file's name: the model's title limit.
constexpr std::size_t max_name_chars = 200;

std::atomic<std::size_t> imports_in_flight{0};

using reply = std::function<void(admin_response)>;

// /v1/rooms/{room}/layers -> room
std::optional<std::string> parse_path(std::string_view path)
{
    if (!path.starts_with(rooms_prefix) || !path.ends_with(layers_segment))
        return std::nullopt;
    const auto room = path.substr(rooms_prefix.size(), path.size() - rooms_prefix.size() - layers_segment.size());
    if (room.empty() || room.find('/') != std::string_view::npos)
        return std::nullopt;
    return std::string(room);
}

// ---------------------------------------------------------------- the query

int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// application/x-www-form-urlencoded: %XX and '+' for a space; nullopt for a
// broken escape.
std::optional<std::string> url_decode(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%') {
            if (i + 2 >= text.size())
                return std::nullopt;
            const int high = hex_digit(text[i + 1]);
            const int low = hex_digit(text[i + 2]);
            if (high < 0 || low < 0)
                return std::nullopt;
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

struct upload_query {
    imports::import_options options;
    std::string name;
    std::string colour;
    std::string filename;
};

// The text of a 400 or a 415 (with its status), or the query.
struct query_error {
    http::status status;
    std::string message;
};

std::variant<upload_query, query_error> parse_query(std::string_view query)
{
    upload_query q;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty())
            continue;
        const auto eq = pair.find('=');
        const auto key = pair.substr(0, eq);
        const auto raw = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        auto value = url_decode(raw);
        if (!value)
            return query_error{http::status::bad_request,
                               "the query's " + std::string(key.substr(0, 32)) + " has a broken %-escape"};
        if (!model::is_valid_utf8(*value))
            return query_error{http::status::bad_request,
                               "the query's " + std::string(key.substr(0, 32)) + " is not valid UTF-8"};
        if (key == "format") {
            if (*value == "geojson" || *value == "json")
                q.options.format = imports::source_format::geojson;
            else if (*value == "kml")
                q.options.format = imports::source_format::kml;
            else if (*value == "gpx")
                q.options.format = imports::source_format::gpx;
            else if (*value == "csv")
                q.options.format = imports::source_format::csv;
            else if (!value->empty())
                return query_error{http::status::unsupported_media_type,
                                   "format must be geojson, kml, gpx or csv (or left out: found from the file)"};
        } else if (key == "name") {
            q.name = std::move(*value);
        } else if (key == "colour" || key == "color") {
            q.colour = std::move(*value);
        } else if (key == "filename") {
            q.filename = std::move(*value);
        } else if (key == "lon") {
            q.options.csv.lon_column = std::move(*value);
        } else if (key == "lat") {
            q.options.csv.lat_column = std::move(*value);
        }
        // Other keys are ignored, as a browser's cache-busting would be.
    }
    if (model::utf8_length(q.name) > max_name_chars)
        return query_error{http::status::bad_request, "the layer's name has more than 200 characters"};
    if (model::utf8_length(q.filename) > max_name_chars)
        return query_error{http::status::bad_request, "the file's name has more than 200 characters"};
    if (q.options.csv.lon_column.size() > 64 || q.options.csv.lat_column.size() > 64)
        return query_error{http::status::bad_request, "a column's name (lon, lat) has more than 64 bytes"};
    return q;
}

// ---------------------------------------------------------------- answers

admin_response import_refusal(unsigned version, http::status status, std::string_view code, std::string_view message)
{
    return json_reply(status, version, json::serialize(json::object{{"error", message}, {"code", code}}) + "\n");
}

http::status status_of(imports::import_errc code)
{
    switch (code) {
    case imports::import_errc::too_large: return http::status::payload_too_large;
    case imports::import_errc::unknown_format: return http::status::unsupported_media_type;
    default: return http::status::unprocessable_entity;
    }
}

// A refusal of the room's: the code's HTTP meaning.
http::status status_of(pb::ErrorCode code)
{
    switch (code) {
    case pb::ERROR_CODE_PERMISSION_DENIED:
    case pb::ERROR_CODE_PARTICIPANT_REMOVED: return http::status::forbidden;
    case pb::ERROR_CODE_ROOM_ARCHIVED:
    case pb::ERROR_CODE_INVALID_LAYER: return http::status::conflict; // the room's state, not the file
    case pb::ERROR_CODE_ROOM_UNAVAILABLE:
    case pb::ERROR_CODE_SERVER_BUSY: return http::status::service_unavailable;
    default: return http::status::unprocessable_entity;
    }
}

// The layer's summary (the GeoJSON export's), its seq called "seq" as in
// every answer of these routes, and how many positions it holds.
json::object layer_json(const pb::ReferenceLayer& layer)
{
    auto out = exports::layer_summary(layer, "seq");
    out["vertices"] = exports::layer_vertices(layer);
    return out;
}

std::string random_layer_id()
{
    return "L-" + store::random_hex(6, "a layer id");
}

// The same upload (room, person, key) always gets the same id: a retry finds
// its layer in the room instead of adding a second one.
std::string idempotent_layer_id(const std::string& room, const std::string& who, const std::string& key)
{
    return "L-" + media::sha256_hex(room + '\n' + who + '\n' + key).substr(0, 16);
}

// The name without the extension ("Parks 2026.geojson" -> "Parks 2026").
std::string stem_of(const std::string& filename)
{
    const auto slash = filename.find_last_of("/\\");
    auto base = slash == std::string::npos ? filename : filename.substr(slash + 1);
    const auto dot = base.rfind('.');
    if (dot != std::string::npos && dot > 0)
        base.resize(dot);
    return base;
}

// ---------------------------------------------------------------- one request

struct layer_request {
    session::server_context& context;
    std::string room;
    room_caller who;
    unsigned version;
    boost::asio::any_io_executor reply_on;
    boost::asio::any_io_executor work_on;
    std::uint64_t connection_id;
    reply done;

    void answer(admin_response res) const
    {
        boost::asio::post(reply_on, [done = done, res = std::move(res)]() mutable { done(std::move(res)); });
    }
    void error(http::status status, std::string_view message) const { answer(json_error(status, version, message)); }
    std::string uploader() const { return who.token ? who.token->subject : "admin"; }
};
using shared_request = std::shared_ptr<const layer_request>;

// Reads the room's committed state on the work pool and runs next there with
// it, unless the caller was removed from the room (403).
void with_state(const shared_request& r, std::function<void(const model::room_state&)> next)
{
    read_latest_state(r->context, r->room, r->work_on,
                      [r, next = std::move(next)](std::variant<model::room_state, read_failure> read) {
        if (auto* failed = std::get_if<read_failure>(&read))
            return r->error(http::status(failed->status), failed->message);
        const auto& state = std::get<model::room_state>(read);
        if (r->who.token && state.data().removed.contains(r->who.token->subject)) {
            spdlog::info("conn={} layer request in room {} refused (403): participant {} was removed", r->connection_id,
                         r->room, r->who.token->subject);
            return r->error(http::status::forbidden,
                            "a facilitator removed you from this room (ERROR_CODE_PARTICIPANT_REMOVED)");
        }
        next(state);
    });
}

admin_response created(const shared_request& r, const pb::ReferenceLayer& layer, bool replayed)
{
    auto res = json_reply(replayed ? http::status::ok : http::status::created, r->version,
                          json::serialize(layer_json(layer)) + "\n");
    res.set(http::field::location, std::string(rooms_prefix) + r->room + "/layers");
    if (replayed)
        res.set("Idempotent-Replayed", "true");
    return res;
}

// On the work pool: the file parsed, the layer sent to the room; the answer.
void import_upload(const shared_request& r, const std::shared_ptr<const admin_request>& req, upload_query query,
                   std::string key, std::shared_ptr<void> slot)
{
    with_state(r,
               [r, req, query = std::move(query), key = std::move(key),
                slot = std::move(slot)](const model::room_state& state) {
        const auto id = key.empty() ? random_layer_id() : idempotent_layer_id(r->room, r->uploader(), key);
        if (const auto it = state.data().layers.find(id); !key.empty() && it != state.data().layers.end()) {
            spdlog::info("conn={} layer upload to room {} by {} repeated (Idempotency-Key): answered with {}",
                         r->connection_id, r->room, r->uploader(), id);
            return r->answer(created(r, it->second, true));
        }
        if (state.data().archived)
            return r->error(
                http::status::conflict,
                "the room is archived: it can be read and exported, not changed (ERROR_CODE_ROOM_ARCHIVED)");

        auto imported = imports::import_layer(req->body(), query.options);
        if (auto* refused = std::get_if<imports::import_error>(&imported)) {
            spdlog::info("conn={} layer upload to room {} by {} refused ({} {}): {}", r->connection_id, r->room,
                         r->uploader(), static_cast<unsigned>(status_of(refused->code)),
                         imports::code_name(refused->code), refused->message);
            return r->answer(import_refusal(r->version, status_of(refused->code), imports::code_name(refused->code),
                                            refused->message));
        }
        auto& parsed = std::get<imports::reference_layer>(imported);

        pb::ClientMessage command;
        pb::ReferenceLayer& layer = *command.mutable_add_layer()->mutable_layer();
        layer.set_id(id);
        std::string name = query.name;
        if (model::is_blank(name))
            name = parsed.name;
        if (model::is_blank(name))
            name = stem_of(query.filename);
        if (model::is_blank(name))
            name = std::string(imports::format_name(parsed.format)) + " layer";
        layer.set_name(std::move(name));
        layer.set_source_format(imports::format_name(parsed.format));
        layer.set_source_name(query.filename);
        if (!query.colour.empty())
            layer.mutable_style()->set_colour(query.colour);
        for (auto& note : parsed.notes)
            layer.add_notes(std::move(note));
        for (auto& source : parsed.features) {
            pb::LayerFeature& feature = *layer.add_features();
            *feature.mutable_geometry() = std::move(source.geometry);
            feature.set_title(std::move(source.title));
            feature.set_description(std::move(source.description));
            for (auto& [k, v] : source.properties) {
                auto& property = *feature.add_properties();
                property.set_key(std::move(k));
                property.set_value(std::move(v));
            }
        }
        const auto features = layer.features_size();
        const auto vertices = parsed.total_vertices;

        auto finished = [r, command, slot](room::admin_outcome outcome) {
            const auto& layer = command.add_layer().layer();
            if (!outcome.ok) {
                spdlog::info("conn={} layer upload to room {} by {} refused by the room ({}): {}", r->connection_id,
                             r->room, r->uploader(), pb::ErrorCode_Name(outcome.code), outcome.message);
                return r->answer(import_refusal(r->version, status_of(outcome.code), pb::ErrorCode_Name(outcome.code),
                                                outcome.message));
            }
            spdlog::info("conn={} layer {} \"{}\" added to room {} by {} at seq {}: {} {} features", r->connection_id,
                         layer.id(), layer.name(), r->room, r->uploader(), outcome.seq, layer.source_format(),
                         layer.features_size());
            pb::ReferenceLayer added = layer;
            added.set_added_seq(outcome.seq);
            r->answer(created(r, added, false));
        };
        spdlog::info("conn={} layer upload to room {} by {} parsed: {} features, {} positions", r->connection_id,
                     r->room, r->uploader(), features, vertices);
        if (r->who.token)
            room::submit_on_behalf(r->context.rooms, r->reply_on, r->room, std::move(command),
                                   model::actor{r->who.token->subject, r->who.token->name, pb::ROLE_ADMIN, {}},
                                   std::move(finished));
        else
            room::submit_as_admin(r->context.rooms, r->reply_on, r->room, std::move(command), std::move(finished));
    });
}

// On the work pool: the room's layers, without their features.
void list_layers(const shared_request& r)
{
    with_state(r, [r](const model::room_state& state) {
        json::array layers;
        for (const auto& [id, layer] : state.data().layers)
            layers.push_back(layer_json(layer));
        r->answer(
            json_reply(http::status::ok, r->version,
                       json::serialize(json::object{{"layers", std::move(layers)}, {"seq", state.seq()}}) + "\n"));
    });
}

template <class Step>
void on_work_pool(const shared_request& r, Step step)
{
    boost::asio::post(r->work_on, [r, step = std::move(step)]() mutable {
        try {
            step();
        } catch (const std::exception& e) {
            spdlog::error("conn={} layer request in room {} failed: {}", r->connection_id, r->room, e.what());
            r->error(http::status::service_unavailable, "the server could not read the room; try again later");
        }
    });
}

constexpr std::string_view missing_token = "this needs 'Authorization: Bearer <join token>' of this room";
// Imports: a city's team into its living lab, a facilitator anywhere; the
// admin key too (an operator loading a city's data).
constexpr room_gate upload_gate{roles_allowed::contributors, true, missing_token,
                                "observers may look at the room's layers but not import them"};
constexpr room_gate list_gate{roles_allowed::anyone, true, missing_token, ""};

// After the gate: the upload's query, key and limits checked, then its
// parse and the room's AddLayer on the work pool.
void start_upload(const shared_request& r, std::shared_ptr<admin_request> req)
{
    const unsigned version = r->version;
    const auto target = std::string_view(req->target());
    const auto question = target.find('?');
    auto query = parse_query(question == std::string_view::npos ? std::string_view{} : target.substr(question + 1));
    if (auto* bad = std::get_if<query_error>(&query))
        return r->done(import_refusal(
            version, bad->status,
            bad->status == http::status::unsupported_media_type ? "unknown_format" : "bad_request", bad->message));
    auto given = idempotency_key_of(*req);
    if (auto* refused = std::get_if<admin_response>(&given))
        return r->done(std::move(*refused));
    // The connection's body limit was raised to this for the upload; a
    // request that reached here some other way is checked again.
    if (req->body().size() > layer_upload_limit(r->context))
        return r->done(layer_too_large(r->context, version));
    if (imports_in_flight.fetch_add(1) >= max_concurrent_imports) {
        imports_in_flight.fetch_sub(1);
        spdlog::warn("conn={} layer upload to room {} refused (503): {} imports already in progress", r->connection_id,
                     r->room, max_concurrent_imports);
        auto res = json_error(http::status::service_unavailable, version,
                              "the server is busy with other imports; try again shortly");
        res.set(http::field::retry_after, "5");
        return r->done(std::move(res));
    }
    // The slot is given back when the last holder lets go, whatever the
    // outcome (the room's answer may come after the parse).
    std::shared_ptr<void> slot(nullptr, [](void*) { imports_in_flight.fetch_sub(1); });
    spdlog::info("conn={} layer upload to room {} by {}: {} bytes", r->connection_id, r->room, r->uploader(),
                 req->body().size());
    std::shared_ptr<const admin_request> body = std::move(req);
    on_work_pool(r,
                 [r, body, query = std::get<upload_query>(std::move(query)),
                  key = std::get<std::string>(std::move(given)), slot = std::move(slot)]() mutable {
        import_upload(r, body, std::move(query), std::move(key), std::move(slot));
    });
}

} // namespace

bool is_layer_path(std::string_view path)
{
    return parse_path(path).has_value();
}

upload_header_verdict check_layer_upload_header(const session::server_context& context, const admin_request& header)
{
    if (header.method() != http::verb::post)
        return std::monostate{};
    const auto target = std::string_view(header.target());
    const auto room = parse_path(target.substr(0, target.find('?')));
    if (!room || !valid_room_id(*room))
        return std::monostate{};
    return check_upload_header_for(header, context, *room, upload_gate,
                                   upload_allowance{layer_upload_limit(context), upload_timeout}, "layer upload",
                                   [&context](unsigned version) { return layer_too_large(context, version); });
}

std::size_t layer_upload_limit(const session::server_context&)
{
    return imports::import_limits{}.max_bytes;
}

admin_response layer_too_large(const session::server_context& context, unsigned version)
{
    const auto limit = layer_upload_limit(context);
    return import_refusal(version, http::status::payload_too_large, "too_large",
                          "the file is larger than the limit of " + std::to_string(limit / (1024 * 1024)) +
                              " MiB for one layer; split it or leave out what the map does not need");
}

void handle_layer_request(admin_request req, session::server_context& context, boost::asio::any_io_executor reply_on,
                          std::uint64_t connection_id, reply done)
{
    const unsigned version = req.version();
    const auto target = std::string_view(req.target());
    const auto question = target.find('?');
    auto room = parse_path(target.substr(0, question));
    if (!room)
        return done(
            json_error(http::status::not_found, version, "no such endpoint; layers are /v1/rooms/{room}/layers"));
    const bool upload = req.method() == http::verb::post;
    const bool list = req.method() == http::verb::get || req.method() == http::verb::head;
    if (!upload && !list) {
        auto res = json_error(http::status::method_not_allowed, version,
                              "import a layer with POST (the body is the file); list them with GET");
        res.set(http::field::allow, "GET, HEAD, POST");
        return done(std::move(res));
    }
    if (!valid_room_id(*room))
        return done(json_error(http::status::not_found, version,
                               std::string("no room has that id (") + std::string(room_id_rule) + ")"));
    auto request = std::make_shared<admin_request>(std::move(req));
    const std::string room_id = *room;
    pass_room_gate(*request, context, room_id, upload ? upload_gate : list_gate, reply_on,
                   [request, &context, reply_on, connection_id, room = std::move(*room), list,
                    done = std::move(done)](std::variant<room_caller, admin_response> authenticated) mutable {
        if (auto* refused = std::get_if<admin_response>(&authenticated)) {
            spdlog::info("conn={} layer request in room {} refused ({}): {}", connection_id, room,
                         refused->result_int(), refused->body().substr(0, refused->body().find('\n')));
            return done(std::move(*refused));
        }
        auto work_on = context.work ? context.work : reply_on;
        auto r = std::make_shared<const layer_request>(
            layer_request{context, std::move(room), std::get<room_caller>(std::move(authenticated)), request->version(),
                          reply_on, work_on, connection_id, std::move(done)});
        if (list)
            return on_work_pool(r, [r] { list_layers(r); });
        start_upload(r, std::move(request));
    });
}

} // namespace maptable::net
