#include "net/export_routes.hpp"

#include "auth/join_token.hpp"
#include "export/geojson_export.hpp"
#include "export/report.hpp"
#include "net/room_routes.hpp"
#include "room/replay.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <limits>
#include <memory>

namespace maptable::net {
namespace {

namespace http = boost::beast::http;
namespace pb = maptable::v1;

constexpr std::string_view rooms_prefix = "/v1/rooms/";

using reply = std::function<void(admin_response)>;

// ---------------------------------------------------------------- the query

struct export_query {
    history_point at;
    bool include_deleted = false;
    std::uint64_t session = 0;
};

template <class Int>
bool parse_number(std::string_view text, Int& out)
{
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

// "seq=12&include_deleted=1" -> the query, or the text of a 400.
std::variant<export_query, std::string> parse_query(std::string_view query)
{
    export_query q;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty())
            continue;
        const auto eq = pair.find('=');
        const auto key = pair.substr(0, eq);
        const auto value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        if (key == "seq") {
            std::uint64_t seq = 0;
            if (!parse_number(value, seq))
                return std::string("seq must be a whole number (the room's seq to show), 0 or more");
            q.at.seq = seq;
        } else if (key == "time") {
            std::int64_t time = 0;
            if (!parse_number(value, time))
                return std::string("time must be a server time in Unix milliseconds");
            q.at.time_ms = time;
        } else if (key == "include_deleted") {
            if (value != "0" && value != "1" && value != "true" && value != "false")
                return std::string("include_deleted must be 1 or 0");
            q.include_deleted = value == "1" || value == "true";
        } else if (key == "session") {
            if (!parse_number(value, q.session) || q.session == 0)
                return std::string("session must be a session id (the seq that started it)");
        }
        // Other parameters (cache busters) are ignored.
    }
    if (q.at.seq && q.at.time_ms)
        return std::string("give seq or time, not both");
    return q;
}

// ---------------------------------------------------------------- who may read

std::int64_t unix_seconds()
{
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

admin_response unauthorized(unsigned version, std::string_view message)
{
    auto res = json_error(http::status::unauthorized, version, message);
    res.set(http::field::www_authenticate, "Bearer realm=\"maptable\"");
    return res;
}

// The admin key, or a facilitator's join token for this room; otherwise
// the answer that refuses.
std::optional<admin_response> refusal(const admin_request& req, const session::server_context& context,
                                      const std::string& room_id)
{
    const unsigned version = req.version();
    if (has_admin_key(req, context))
        return std::nullopt;
    const auto credential = bearer_credential(req);
    if (credential.empty())
        return unauthorized(version, "this needs 'Authorization: Bearer <token>': the admin key, or the join token of "
                                     "a facilitator of this room");
    const auto verified = auth::verify_join_token(credential, context.verifier, unix_seconds());
    if (const auto* error = std::get_if<auth::token_error>(&verified))
        return unauthorized(version, "the token was refused: " + error->message);
    const auto& claims = std::get<auth::join_claims>(verified);
    if (context.revocations && context.revocations->is_revoked(claims.token_id))
        return unauthorized(version, "the token was revoked");
    if (claims.room != room_id)
        return json_error(http::status::forbidden, version, "the token is for another room");
    if (claims.role != pb::ROLE_FACILITATOR)
        return json_error(http::status::forbidden, version,
                          "exports and replay are for facilitators; this token's role is " +
                              std::string(auth::role_name(claims.role)));
    return std::nullopt;
}

// ---------------------------------------------------------------- answers

admin_response file_reply(unsigned version, std::string content_type, std::string body,
                          const std::string& download_name = {})
{
    admin_response res{http::status::ok, version};
    res.set(http::field::content_type, std::move(content_type));
    res.set(http::field::cache_control, "no-store");
    if (!download_name.empty())
        res.set(http::field::content_disposition, "attachment; filename=\"" + download_name + "\"");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

std::string state_json(const model::room_state& state)
{
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    std::string out;
    const auto status = google::protobuf::util::MessageToJsonString(state.to_proto(), &out, options);
    if (!status.ok())
        throw std::runtime_error("the room state has no JSON form: " + std::string(status.message()));
    return out + "\n";
}

// The answer for one export of a folded record.
admin_response export_reply(unsigned version, const std::string& room_id, std::string_view what,
                            const exports::room_record& record, const export_query& q)
{
    if (what == "geojson")
        return file_reply(version, "application/geo+json", exports::features_geojson(record, q.include_deleted),
                          room_id + ".geojson");
    if (what == "chat.json")
        return file_reply(version, "application/json", exports::chat_json(record, q.include_deleted),
                          room_id + "-chat.json");
    if (what == "chat.csv")
        return file_reply(version, "text/csv; charset=utf-8; header=present", exports::chat_csv(record, q.include_deleted),
                          room_id + "-chat.csv");
    if (what == "comments.json")
        return file_reply(version, "application/json", exports::comments_json(record, q.include_deleted),
                          room_id + "-comments.json");
    if (what == "comments.csv")
        return file_reply(version, "text/csv; charset=utf-8; header=present",
                          exports::comments_csv(record, q.include_deleted), room_id + "-comments.csv");
    // report.md
    return file_reply(version, "text/markdown; charset=utf-8", exports::session_report(record, q.session),
                      room_id + "-report.md");
}

bool is_export_name(std::string_view what)
{
    return what == "geojson" || what == "chat.json" || what == "chat.csv" || what == "comments.json" ||
           what == "comments.csv" || what == "report.md";
}

// ---------------------------------------------------------------- reading the log

std::vector<pb::Event> decode_events(const std::vector<std::string>& encoded, std::string& error)
{
    std::vector<pb::Event> events;
    events.reserve(encoded.size());
    for (const auto& bytes : encoded) {
        if (!events.emplace_back().ParseFromString(bytes)) {
            error = "an event of the room's log does not decode";
            return {};
        }
    }
    return events;
}

// How many of events (seq order) are at or before the point; nullopt with
// the text of a 400 when the point is outside the history.
std::variant<std::size_t, read_failure> events_until(const std::vector<pb::Event>& events, const history_point& at)
{
    const std::uint64_t last = events.empty() ? 0 : events.back().seq();
    if (at.seq) {
        if (*at.seq > last)
            return read_failure{400, "seq " + std::to_string(*at.seq) + " is beyond the room's last event (seq " +
                                         std::to_string(last) + ")"};
        std::size_t n = 0;
        while (n < events.size() && events[n].seq() <= *at.seq)
            ++n;
        return n;
    }
    if (at.time_ms) {
        // The last event at or before the time; server times grow with seq.
        std::size_t n = 0;
        for (std::size_t i = 0; i < events.size(); ++i)
            if (events[i].time_ms() <= *at.time_ms)
                n = i + 1;
        if (n == 0)
            return read_failure{400, "time " + std::to_string(*at.time_ms) +
                                         " is before the room's first event; give a later Unix time in milliseconds"};
        return n;
    }
    return events.size();
}

} // namespace

void read_room_record(session::server_context& context, const std::string& room_id, history_point at,
                      boost::asio::any_io_executor reply_on,
                      std::function<void(std::variant<exports::room_record, read_failure>)> done)
{
    // Every event from seq 1: exports need all chat and every deletion, not
    // only what the newest snapshot keeps.
    // (One read job: a very long log holds the writer for its read. The
    // state alone goes through room::replay_async, which reads in pages.)
    context.store->run([room_id, at, reply_on, done = std::move(done)](store::event_log& log) mutable {
        std::optional<store::room_history> history;
        try {
            store::load_options options;
            options.events_before_snapshot = std::numeric_limits<std::size_t>::max();
            history = log.load(room_id, options);
        } catch (const std::exception& e) {
            spdlog::error("export: cannot read the log of room {}: {}", room_id, e.what());
        }
        // Decoding and folding run on the connection's executor, not the writer.
        boost::asio::post(reply_on, [room_id, at, history = std::move(history), done = std::move(done)]() mutable {
            if (!history)
                return done(read_failure{503, "the room's log could not be read; try again"});
            std::string error;
            auto events = decode_events(history->events, error);
            if (!error.empty())
                return done(read_failure{500, error});
            auto until = events_until(events, at);
            if (auto* failed = std::get_if<read_failure>(&until))
                return done(std::move(*failed));
            const auto n = std::get<std::size_t>(until);
            done(exports::fold_log(room_id, std::span<const pb::Event>(events.data(), n)));
        });
    });
}

void read_latest_state(session::server_context& context, const std::string& room_id,
                       boost::asio::any_io_executor reply_on,
                       std::function<void(std::variant<model::room_state, read_failure>)> done)
{
    context.store->run([room_id, reply_on, done = std::move(done)](store::event_log& log) mutable {
        std::optional<store::room_history> history;
        try {
            history = log.load(room_id);
        } catch (const std::exception& e) {
            spdlog::error("admin: cannot read the log of room {}: {}", room_id, e.what());
        }
        boost::asio::post(reply_on, [room_id, history = std::move(history), done = std::move(done)]() mutable {
            if (!history)
                return done(read_failure{503, "the room's log could not be read; try again"});
            model::room_state state(room_id);
            if (history->snapshot) {
                pb::RoomState snapshot;
                if (!snapshot.ParseFromString(*history->snapshot))
                    return done(read_failure{500, "the room's snapshot does not decode"});
                state = model::room_state::from_proto(snapshot);
            }
            std::string error;
            for (const auto& event : decode_events(history->events, error))
                if (event.seq() > state.seq())
                    state.apply(event);
            if (!error.empty())
                return done(read_failure{500, error});
            done(std::move(state));
        });
    });
}

bool is_room_path(std::string_view path)
{
    return path.starts_with(rooms_prefix);
}

void handle_room_request(const admin_request& req, session::server_context& context,
                         boost::asio::any_io_executor reply_on, std::uint64_t connection_id, reply done)
{
    const unsigned version = req.version();
    const auto target = std::string_view(req.target());
    const auto question = target.find('?');
    const auto path = target.substr(0, question);
    const auto query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);

    // /v1/rooms/{id}/export/{what} or /v1/rooms/{id}/state
    auto rest = path.substr(rooms_prefix.size());
    const auto slash = rest.find('/');
    const std::string room_id(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    const bool state = rest == "state";
    const bool is_export = rest.starts_with("export/") && is_export_name(rest.substr(7));
    if (room_id.empty() || (!state && !is_export))
        return done(json_error(http::status::not_found, version,
                               "no such endpoint; a room has /state and /export/{geojson, chat.json, chat.csv, "
                               "comments.json, comments.csv, report.md}"));
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        auto res = json_error(http::status::method_not_allowed, version, "use GET");
        res.set(http::field::allow, "GET, HEAD");
        return done(std::move(res));
    }
    if (auto refused = refusal(req, context, room_id)) {
        spdlog::info("conn={} export of room {} refused ({})", connection_id, room_id, refused->result_int());
        return done(std::move(*refused));
    }
    auto parsed = parse_query(query);
    if (auto* bad = std::get_if<std::string>(&parsed))
        return done(json_error(http::status::bad_request, version, *bad));
    const auto q = std::get<export_query>(parsed);

    // A room nobody created and nobody joined: nothing to export (and
    // reading it must not create it).
    if (context.admin_api && context.admin_api->catalog) {
        try {
            auto& catalog = *context.admin_api->catalog;
            if (!catalog.find(room_id) && !catalog.has_history(room_id))
                return done(json_error(http::status::not_found, version, "there is no room '" + room_id + "'"));
        } catch (const std::exception& e) {
            spdlog::error("conn={} export: room catalog: {}", connection_id, e.what());
            return done(json_error(http::status::service_unavailable, version, "the room list could not be read"));
        }
    }
    const std::string what(state ? std::string_view("state") : rest.substr(7));
    spdlog::info("conn={} export {} of room {}", connection_id, what, room_id);
    if (state) {
        auto answer = [version, done](const model::room_state& at) {
            try {
                done(file_reply(version, "application/json", state_json(at)));
            } catch (const std::exception& e) {
                spdlog::error("state export failed: {}", e.what());
                done(json_error(http::status::internal_server_error, version, "the state has no JSON form"));
            }
        };
        if (!q.at.seq && !q.at.time_ms)   // the newest: the snapshot and the events after it
            return read_latest_state(context, room_id, reply_on,
                                     [version, done, answer](std::variant<model::room_state, read_failure> read) {
                                         if (auto* failed = std::get_if<read_failure>(&read))
                                             return done(json_error(http::status(failed->status), version, failed->message));
                                         answer(std::get<model::room_state>(read));
                                     });
        // An earlier point: the room's replay (from the snapshot when it is
        // not newer, in pages, folded here rather than on the writer).
        room::replay_target at = q.at.seq ? room::replay_target(room::replay_at_seq{*q.at.seq})
                                          : room::replay_target(room::replay_at_time{*q.at.time_ms});
        return room::replay_async(*context.store, reply_on, room_id, at, room::replay_unbounded,
                                  [version, done, answer](room::replay_result result) {
                                      if (auto* failed = std::get_if<room::replay_failure>(&result)) {
                                          const auto status = failed->code == pb::ERROR_CODE_SEQ_OUT_OF_RANGE
                                                                  ? http::status::bad_request
                                                              : failed->code == pb::ERROR_CODE_STORE_UNAVAILABLE
                                                                  ? http::status::service_unavailable
                                                                  : http::status::internal_server_error;
                                          return done(json_error(status, version, failed->message));
                                      }
                                      answer(std::get<model::room_state>(result));
                                  });
    }
    read_room_record(context, room_id, q.at, reply_on,
                     [version, room_id, what, q, done = std::move(done)](
                         std::variant<exports::room_record, read_failure> read) {
                         if (auto* failed = std::get_if<read_failure>(&read))
                             return done(json_error(http::status(failed->status), version, failed->message));
                         const auto& record = std::get<exports::room_record>(read);
                         try {
                             if (what == "state")
                                 return done(file_reply(version, "application/json", state_json(record.state)));
                             done(export_reply(version, room_id, what, record, q));
                         } catch (const std::exception& e) {
                             spdlog::error("export {} of room {} failed: {}", what, room_id, e.what());
                             done(json_error(http::status::internal_server_error, version, "the export failed; see the server's log"));
                         }
                     });
}

} // namespace maptable::net
