#include "net/harvest_routes.hpp"

#include "harvest/harvest.hpp"
#include "net/admin_room_routes.hpp"
#include "net/export_routes.hpp"
#include "net/room_token.hpp"
#include "room/replay.hpp"
#include "session/revocations.hpp"
#include "store/clock.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <memory>

namespace maptable::net {
namespace {

namespace http = boost::beast::http;
namespace pb = maptable::v1;

constexpr std::string_view networks_prefix = "/v1/networks/";
constexpr std::string_view harvest_suffix = "/harvest";

using reply = std::function<void(admin_response)>;

// The id between the prefix and the suffix, "" when path is not a harvest.
std::string_view network_id_of(std::string_view path)
{
    if (path.size() <= networks_prefix.size() + harvest_suffix.size() || !path.starts_with(networks_prefix) ||
        !path.ends_with(harvest_suffix))
        return {};
    const auto id = path.substr(networks_prefix.size(), path.size() - networks_prefix.size() - harvest_suffix.size());
    return id.find('/') == std::string_view::npos ? id : std::string_view{};
}

// A network's id has the form of a room's (network.proto): 1-64 of
// A-Z a-z 0-9 . _ -.
bool valid_network_id(std::string_view id)
{
    return valid_room_id(id);
}

// ---------------------------------------------------------------- the query

struct harvest_query {
    harvest::date_range range;
    std::string format = "html";
    bool per_person = false;
};

std::variant<harvest_query, std::string> parse_query(std::string_view query)
{
    harvest_query q;
    std::string_view from, to;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        const auto eq = pair.find('=');
        const auto key = pair.substr(0, eq);
        const auto value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        if (key == "from")
            from = value;
        else if (key == "to")
            to = value;
        else if (key == "format") {
            if (value != "html" && value != "md" && value != "geojson")
                return "format must be html, md or geojson; got '" + std::string(value.substr(0, 32)) + "'";
            q.format = std::string(value);
        } else if (key == "per_person") {
            if (value != "0" && value != "1" && value != "true" && value != "false")
                return std::string("per_person must be 1 or 0");
            q.per_person = value == "1" || value == "true";
        }
        // Other parameters (cache busters) are ignored.
    }
    auto range = harvest::parse_range(from.substr(0, 64), to.substr(0, 64));
    if (auto* bad = std::get_if<std::string>(&range))
        return std::move(*bad);
    q.range = std::get<harvest::date_range>(std::move(range));
    return q;
}

// ---------------------------------------------------------------- who may read

// The admin key, or a network facilitator's invitation to this network:
// the checks of a Join that need no room (signature, expiry, revocation),
// then the token's network and role. An invitation to one room, even of
// this network, opens that room only, not the network's harvest.
std::optional<admin_response> refusal(const admin_request& req, const session::server_context& context,
                                      const std::string& network_id)
{
    const unsigned version = req.version();
    if (has_admin_key(req, context))
        return std::nullopt;
    const auto credential = bearer_credential(req);
    if (credential.empty())
        return unauthorized(version,
                            "this needs 'Authorization: Bearer <token>': the admin key, or a network "
                            "facilitator's invitation to this network");
    const auto seconds = clock::now_ms() / 1000;
    const auto verified = auth::verify_join_token(credential, context.verifier, seconds);
    if (const auto* error = std::get_if<auth::token_error>(&verified))
        return unauthorized(version,
                            "the token was refused: " + error->message + " (" + pb::ErrorCode_Name(error->code) + ")");
    const auto& claims = std::get<auth::join_claims>(verified);
    if (context.revocations && context.revocations->is_revoked(claims.token_id))
        return unauthorized(version, "the token was revoked (ERROR_CODE_TOKEN_REVOKED)");
    if (claims.network != network_id)
        return json_error(http::status::forbidden, version,
                          "the token is not an invitation to this network (ERROR_CODE_TOKEN_WRONG_NETWORK)");
    if (!claims.room.empty())
        return json_error(http::status::forbidden, version,
                          "the token is an invitation to one room; the harvest needs the network facilitator's "
                          "invitation to the whole network (ERROR_CODE_PERMISSION_DENIED)");
    if (claims.role != pb::ROLE_FACILITATOR)
        return json_error(http::status::forbidden, version,
                          "the harvest is for the network's facilitators; this token's role is " +
                              std::string(auth::role_name(claims.role)) + " (ERROR_CODE_PERMISSION_DENIED)");
    return std::nullopt;
}

// ---------------------------------------------------------------- one request

// Everything the steps of one harvest share. The steps run one after
// another (each posts the next, on the work pool), never two at once, so
// they change it without a lock.
struct harvest_request {
    harvest_request(session::server_context& context, std::string network_id, harvest_query query, unsigned version,
                    boost::asio::any_io_executor reply_on, boost::asio::any_io_executor work,
                    std::uint64_t connection_id, reply done)
        : context(context)
        , network_id(std::move(network_id))
        , query(std::move(query))
        , version(version)
        , reply_on(std::move(reply_on))
        , work(std::move(work))
        , connection_id(connection_id)
        , done(std::move(done))
    {
    }

    session::server_context& context;
    std::string network_id;
    harvest_query query;
    unsigned version;
    boost::asio::any_io_executor reply_on; // the connection's: done runs there
    boost::asio::any_io_executor work;     // reads are folded and the report written here
    std::uint64_t connection_id;
    reply done;

    model::network_state network{network_id};
    std::vector<std::string> room_ids; // the catalogue's
    std::size_t next_room = 0;
    std::vector<harvest::room_input> rooms; // those of the network

    void answer(admin_response res) const
    {
        boost::asio::post(reply_on, [done = done, res = std::move(res)]() mutable { done(std::move(res)); });
    }
    void error(unsigned status, std::string_view message) const
    {
        answer(json_error(http::status(status), version, message));
    }
};
using shared_request = std::shared_ptr<harvest_request>;

void next_room(const shared_request& r);

admin_response file_reply(const harvest_request& r, std::string content_type, std::string body, std::string_view ext)
{
    admin_response res{http::status::ok, r.version};
    res.set(http::field::content_type, std::move(content_type));
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    // The HTML holds people's text (escaped) and our own SVG: nothing in it
    // may run or fetch, should a browser open it from this origin.
    res.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    const auto& q = r.query.range;
    res.set(http::field::content_disposition,
            "attachment; filename=\"harvest-" + r.network_id + (q.from.empty() ? "" : "-from-" + q.from) +
                (q.to.empty() ? "" : "-to-" + q.to) + "." + std::string(ext) + "\"");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

// On the work pool: every room read; the report written.
void finish(const shared_request& r)
{
    try {
        harvest::harvest_input input{std::move(r->network), std::move(r->rooms), r->query.range, clock::now_ms(),
                                     r->query.per_person};
        const auto& format = r->query.format;
        spdlog::info("conn={} harvest of network {}: {} rooms, format {}", r->connection_id, r->network_id,
                     input.rooms.size(), format);
        if (format == "md")
            return r->answer(file_reply(*r, "text/markdown; charset=utf-8", harvest::harvest_markdown(input), "md"));
        if (format == "geojson")
            return r->answer(file_reply(*r, "application/json", harvest::harvest_bundle(input), "json"));
        r->answer(file_reply(*r, "text/html; charset=utf-8", harvest::harvest_html(input), "html"));
    } catch (const std::exception& e) {
        spdlog::error("conn={} harvest of network {} failed: {}", r->connection_id, r->network_id, e.what());
        r->error(500, "the harvest failed; see the server's log");
    }
}

void store_failed(const shared_request& r, const std::string& what, const char* why)
{
    spdlog::error("conn={} harvest of network {}: cannot read {}: {}", r->connection_id, r->network_id, what, why);
    r->error(503, "the store could not be read; try again");
}

// Counts the room's events from..to (its events in the range), a page of
// room::replay_page_events per store read, each page on the work pool;
// then the next room.
void count_pages(const shared_request& r, harvest::room_input room, std::uint64_t from, std::uint64_t to)
{
    if (from > to) {
        r->rooms.push_back(std::move(room));
        return next_room(r);
    }
    const auto last = std::min(to, from + room::replay_page_events - 1);
    r->context.store->read([r, room = std::move(room), from, last, to](store::event_log& log) mutable {
        std::vector<std::string> page;
        try {
            page = log.events_between(room.info.id(), from, last);
        } catch (const std::exception& e) {
            return store_failed(r, "the log of room " + room.info.id(), e.what());
        }
        boost::asio::post(r->work, [r, room = std::move(room), page = std::move(page), from, last, to]() mutable {
            for (const auto& bytes : page) {
                pb::Event e;
                if (!e.ParseFromString(bytes)) {
                    spdlog::error("conn={} harvest: an event of room {} does not decode", r->connection_id,
                                  room.info.id());
                    return r->error(500, "the log of room " + room.info.id() + " does not decode");
                }
                harvest::count_event(room.activity, e, r->query.range);
            }
            if (page.size() < last - from + 1) // the log ended early: a room does not shrink, so this is the end
                return count_pages(r, std::move(room), to + 1, to);
            count_pages(r, std::move(room), last + 1, to);
        });
    });
}

// A room of the network (latest is its newest state): its state at the end
// of the range and its events in it.
void read_member(const shared_request& r, model::room_state latest)
{
    const auto& range = r->query.range;
    r->context.store->read([r, latest = std::move(latest), range](store::event_log& log) mutable {
        const auto& id = latest.info().id();
        std::uint64_t end_seq = latest.seq(), first_seq = 1;
        try {
            // Server times grow with seq: the range is a span of seqs.
            if (range.end_ms != INT64_MAX)
                end_seq = log.seq_at_time(id, range.end_ms - 1, room::replay_unbounded).value_or(0);
            if (range.from_ms > 0)
                first_seq = log.seq_at_time(id, range.from_ms - 1, room::replay_unbounded).value_or(0) + 1;
        } catch (const std::exception& e) {
            return store_failed(r, "the log of room " + id, e.what());
        }
        boost::asio::post(r->work, [r, latest = std::move(latest), end_seq, first_seq]() mutable {
            harvest::room_input room{latest.info(), exports::room_record(latest.info().id()), {}};
            if (end_seq == 0) // nothing yet by the end of the range: the room as it began
                return count_pages(r, std::move(room), 1, 0);
            if (end_seq >= latest.seq()) {
                room.at_end.state = std::move(latest);
                return count_pages(r, std::move(room), first_seq, room.at_end.state.seq());
            }
            // The range ended before the room's newest event: its record at
            // that seq, folded as the room's exports fold it (what was
            // deleted since is withheld).
            // The id is copied first: the callback below takes the room.
            const std::string room_id = room.info.id();
            read_room_record(r->context, room_id, history_point{end_seq, std::nullopt}, r->work,
                             [r, room = std::move(room), first_seq,
                              end_seq](std::variant<exports::room_record, read_failure> read) mutable {
                if (auto* failed = std::get_if<read_failure>(&read))
                    return r->error(failed->status, failed->message);
                room.at_end = std::get<exports::room_record>(std::move(read));
                count_pages(r, std::move(room), first_seq, end_seq);
            });
        });
    });
}

// On the work pool: the next room of the catalogue, read to see whether it
// belongs to the network; at the end, the report.
void next_room(const shared_request& r)
{
    if (r->next_room == r->room_ids.size())
        return finish(r);
    const auto room_id = r->room_ids[r->next_room++];
    read_latest_state(r->context, room_id, r->work,
                      [r, room_id](std::variant<model::room_state, read_failure> read) mutable {
        if (auto* failed = std::get_if<read_failure>(&read))
            return r->error(failed->status, failed->message);
        auto& latest = std::get<model::room_state>(read);
        if (latest.info().network_id() != r->network_id)
            return boost::asio::post(r->work, [r] { next_room(r); });
        read_member(r, std::move(latest));
    });
}

// On the work pool, after the network was folded: the catalogue's rooms.
void list_rooms(const shared_request& r)
{
    const auto* config = r->context.admin_api.get();
    if (!config || !config->catalog)
        return finish(r); // a server without a catalogue lists no rooms
    boost::asio::post(config->catalog_lane(r->context), [r, config] {
        try {
            for (auto& entry : config->catalog->list())
                r->room_ids.push_back(std::move(entry.room_id));
        } catch (const std::exception& e) {
            return store_failed(r, "the room catalogue", e.what());
        }
        boost::asio::post(r->work, [r] { next_room(r); });
    });
}

// The network's own log, read and folded; 404 when it has none.
void read_network(const shared_request& r)
{
    r->context.store->read([r](store::event_log& log) {
        const auto log_id = harvest::network_log_id(r->network_id);
        std::vector<std::string> events;
        try {
            // A network's log is short (its cities, settings and planned
            // sessions), so one read takes all of it, a page at a time.
            for (std::uint64_t from = 1;; from += room::replay_page_events) {
                auto page = log.events_between(log_id, from, from + room::replay_page_events - 1);
                const bool full = page.size() == room::replay_page_events;
                std::move(page.begin(), page.end(), std::back_inserter(events));
                if (!full)
                    break;
            }
        } catch (const std::exception& e) {
            return store_failed(r, "the network's log", e.what());
        }
        boost::asio::post(r->work, [r, events = std::move(events)] {
            for (const auto& bytes : events)
                if (auto failed = harvest::fold_network_event(r->network, bytes)) {
                    spdlog::error("conn={} harvest of network {}: {}", r->connection_id, r->network_id, *failed);
                    return r->error(500, "the network's log does not replay: " + *failed);
                }
            if (!r->network.exists()) {
                spdlog::info("conn={} harvest refused (404): no network {}", r->connection_id, r->network_id);
                return r->error(404, "there is no network '" + r->network_id + "'");
            }
            list_rooms(r);
        });
    });
}

} // namespace

bool is_harvest_path(std::string_view path)
{
    return !network_id_of(path).empty();
}

void handle_harvest_request(admin_request req, session::server_context& context, boost::asio::any_io_executor reply_on,
                            std::uint64_t connection_id, std::function<void(admin_response)> done)
{
    const unsigned version = req.version();
    const auto target = std::string_view(req.target());
    const auto question = target.find('?');
    const auto path = target.substr(0, question);
    const auto query = question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
    const std::string network_id(network_id_of(path));

    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        auto res = json_error(http::status::method_not_allowed, version, "use GET");
        res.set(http::field::allow, "GET, HEAD");
        return done(std::move(res));
    }
    if (!valid_network_id(network_id)) {
        spdlog::info("conn={} harvest refused (404): not a network id", connection_id);
        return done(json_error(http::status::not_found, version,
                               "no network has that id (network ids are 1-64 of A-Z a-z 0-9 . _ -)"));
    }
    if (auto refused = refusal(req, context, network_id)) {
        spdlog::info("conn={} harvest of network {} refused ({}): {}", connection_id, network_id, refused->result_int(),
                     refused->body());
        return done(std::move(*refused));
    }
    auto parsed = parse_query(query);
    if (auto* bad = std::get_if<std::string>(&parsed)) {
        spdlog::info("conn={} harvest of network {} refused (400): {}", connection_id, network_id, *bad);
        return done(json_error(http::status::bad_request, version, *bad));
    }
    if (!context.store)
        return done(json_error(http::status::service_unavailable, version, "this server has no store"));
    auto work = context.work ? context.work : reply_on;
    auto r = std::make_shared<harvest_request>(context, network_id, std::get<harvest_query>(std::move(parsed)), version,
                                               std::move(reply_on), std::move(work), connection_id, std::move(done));
    spdlog::info("conn={} harvest of network {} from {} to {}", connection_id, network_id,
                 r->query.range.from.empty() ? "the start" : r->query.range.from,
                 r->query.range.to.empty() ? "now" : r->query.range.to);
    read_network(r);
}

} // namespace maptable::net
