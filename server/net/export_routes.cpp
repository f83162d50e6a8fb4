#include "net/export_routes.hpp"

#include "auth/join_token.hpp"
#include "export/geojson_export.hpp"
#include "export/report.hpp"
#include "net/admin_room_routes.hpp"
#include "net/room_token.hpp"
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

using caller = room_caller;

// The checks a join makes that need no room (net/room_token.hpp), and that
// the token's role may read exports.
std::variant<caller, admin_response> authenticate(const admin_request& req, const session::server_context& context,
                                                  const std::string& room_id)
{
    auto who = authenticate_for_room(req, context, room_id, true,
                                     "this needs 'Authorization: Bearer <token>': the admin key, or the join token of "
                                     "a facilitator of this room");
    if (const auto* c = std::get_if<caller>(&who); c && c->token && c->token->role != pb::ROLE_FACILITATOR)
        return json_error(http::status::forbidden, req.version(),
                          "exports and replay are for facilitators; this token's role is " +
                              std::string(auth::role_name(c->token->role)) + " (ERROR_CODE_PERMISSION_DENIED)");
    return who;
}

// The refusal of a participant the room's committed state says was removed,
// as a Join refuses them.
std::optional<admin_response> refused_if_removed(const caller& who, const model::room_state& latest, unsigned version)
{
    if (!who.token || !latest.data().removed.contains(who.token->subject))
        return std::nullopt;
    return json_error(http::status::forbidden, version,
                      "a facilitator removed you from this room (ERROR_CODE_PARTICIPANT_REMOVED)");
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
        return file_reply(version, "text/csv; charset=utf-8; header=present",
                          exports::chat_csv(record, q.include_deleted), room_id + "-chat.csv");
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

// Where a paged fold starts and stops, decided by its first read.
struct fold_plan {
    std::uint64_t target = room::replay_unbounded;  // the last seq to fold; unbounded: to the log's end
    std::optional<store::stored_snapshot> snapshot; // start from it (only a state fold asks for one)
    std::uint64_t after = 0;                        // without a snapshot: start after this seq
};

// The steps of one paged fold; all but plan run on the work pool, one at a
// time (the next page is read only after the previous one was folded), so
// they share what they fold without a lock.
struct fold_steps {
    // On the store's reader: the plan (a time resolved to its seq, a snapshot).
    std::function<std::variant<fold_plan, read_failure>(store::event_log&)> plan;
    // Begins from the plan's snapshot (when there is one).
    std::function<std::optional<read_failure>(const store::stored_snapshot&)> begin;
    // Folds one event; false when it does not continue the fold.
    std::function<bool(const pb::Event&)> apply;
    // The seq folded so far.
    std::function<std::uint64_t()> seq;
    // The end: nullopt when the fold reached its target (or the log's end).
    std::function<void(std::optional<read_failure>)> done;
};

read_failure unreadable(const std::string& room_id, const char* why)
{
    spdlog::error("export: cannot read the log of room {}: {}", room_id, why);
    return read_failure{503, "the room's log could not be read; try again"};
}

// Reads a room's log in pages of room::replay_page_events, each one short
// commit_queue::read job, and folds each page on the work pool: a long
// history never holds the store (and every room's commits) for more than a
// page, and never folds on an event loop. Committed events never change, so
// the pages add up to the history as one read would see it.
class paged_fold : public std::enable_shared_from_this<paged_fold> {
public:
    paged_fold(store::commit_queue& store, boost::asio::any_io_executor fold_on, std::string room_id, fold_steps steps)
        : store_(store), fold_on_(std::move(fold_on)), room_id_(std::move(room_id)), steps_(std::move(steps))
    {
    }

    void start()
    {
        store_.read([self = shared_from_this()](store::event_log& log) {
            try {
                auto planned = self->steps_.plan(log);
                if (auto* failed = std::get_if<read_failure>(&planned))
                    return self->finish(std::move(*failed));
                auto plan = std::get<fold_plan>(std::move(planned));
                const auto from = (plan.snapshot ? plan.snapshot->seq : plan.after) + 1;
                const auto to = std::min(plan.target, from + room::replay_page_events - 1);
                auto page = from <= to ? log.events_between(self->room_id_, from, to) : std::vector<std::string>{};
                boost::asio::post(self->fold_on_, [self, plan = std::move(plan), page = std::move(page)] {
                    self->target_ = plan.target;
                    if (plan.snapshot)
                        if (auto failed = self->steps_.begin(*plan.snapshot))
                            return self->steps_.done(std::move(failed));
                    self->on_page(page);
                });
            } catch (const std::exception& e) {
                self->finish(unreadable(self->room_id_, e.what()));
            }
        });
    }

private:
    // On fold_on: folds a page, then reads the next one or ends.
    void on_page(const std::vector<std::string>& page)
    {
        const auto from = steps_.seq() + 1;
        const auto to = std::min(target_, from + room::replay_page_events - 1);
        if (from > to) // the target was reached before any page (seq=0, or a snapshot at it)
            return steps_.done(std::nullopt);
        for (const auto& bytes : page) {
            pb::Event event;
            if (!event.ParseFromString(bytes) || event.seq() != steps_.seq() + 1 || !steps_.apply(event) ||
                steps_.seq() != event.seq()) {
                spdlog::error("export: the log of room {} does not fold at seq {}", room_id_, steps_.seq() + 1);
                return steps_.done(
                    read_failure{500, "the room's log does not replay at seq " + std::to_string(steps_.seq() + 1)});
            }
        }
        if (steps_.seq() == target_)
            return steps_.done(std::nullopt);
        if (page.size() < to - from + 1) {
            if (target_ == room::replay_unbounded)
                return steps_.done(std::nullopt); // the end of the log
            return steps_.done(read_failure{400,
                                            "seq " + std::to_string(target_) +
                                                " is beyond the room's last event (seq " +
                                                std::to_string(steps_.seq()) + ")"});
        }
        const auto next_from = steps_.seq() + 1;
        const auto next_to = std::min(target_, next_from + room::replay_page_events - 1);
        store_.read([self = shared_from_this(), next_from, next_to](store::event_log& log) {
            try {
                auto next = log.events_between(self->room_id_, next_from, next_to);
                boost::asio::post(self->fold_on_, [self, next = std::move(next)] { self->on_page(next); });
            } catch (const std::exception& e) {
                self->finish(unreadable(self->room_id_, e.what()));
            }
        });
    }

    // From the store's thread: the end is told on fold_on.
    void finish(read_failure failure)
    {
        boost::asio::post(fold_on_, [self = shared_from_this(), failure = std::move(failure)]() mutable {
            self->steps_.done(std::move(failure));
        });
    }

    store::commit_queue& store_;
    boost::asio::any_io_executor fold_on_;
    std::string room_id_;
    fold_steps steps_;
    std::uint64_t target_ = room::replay_unbounded;
};

// Where folds run: the work pool, never an event loop (the loop's executor
// only when a server has no pool).
boost::asio::any_io_executor fold_executor(const session::server_context& context,
                                           const boost::asio::any_io_executor& reply_on)
{
    return context.work ? context.work : reply_on;
}

// Calls done(value) on reply_on.
template <class Value>
void answer_on(const boost::asio::any_io_executor& reply_on, std::function<void(Value)> done, Value value)
{
    boost::asio::post(reply_on,
                      [done = std::move(done), value = std::move(value)]() mutable { done(std::move(value)); });
}

// ---------------------------------------------------------------- one request

// Everything the steps of one request share; kept alive by their callbacks.
struct room_request {
    session::server_context& context;
    std::string room_id;
    std::string what; // "state" or an export name
    export_query query;
    caller who;
    unsigned version;
    boost::asio::any_io_executor reply_on; // the connection's: done runs there
    boost::asio::any_io_executor fold_on;  // the work pool: folds and the writing of exports
    std::uint64_t connection_id;
    reply done;

    // From any thread: the answer goes out on the connection's executor.
    void answer(admin_response res) const { answer_on<admin_response>(reply_on, done, std::move(res)); }
    void error(unsigned status, std::string_view message) const
    {
        answer(json_error(http::status(status), version, message));
    }
};
using shared_room_request = std::shared_ptr<const room_request>;

// Runs next on the connection's executor when the room exists, else answers
// 404. With the admin key a room exists when it was created here or has
// events (reading it must not create it). A join token's room exists for its
// holder, as it does at a Join, which creates it: an empty room exports as
// empty (seq 0).
void if_room_exists(const shared_room_request& r, std::function<void()> next)
{
    const auto* config = r->context.admin_api.get();
    if (r->who.token || !config || !config->catalog)
        return next();
    boost::asio::post(config->catalog_lane(r->context), [r, config, next = std::move(next)] {
        bool exists = false;
        try {
            exists = config->catalog->find(r->room_id).has_value() || config->catalog->has_history(r->room_id);
        } catch (const std::exception& e) {
            spdlog::error("conn={} export: room catalog: {}", r->connection_id, e.what());
            return r->error(503, "the room list could not be read; try again");
        }
        if (!exists) {
            spdlog::info("conn={} export of room {} refused (404): no such room", r->connection_id, r->room_id);
            return r->error(404, "there is no room '" + r->room_id + "' (never created here, and nothing in its log)");
        }
        boost::asio::post(r->reply_on, next);
    });
}

admin_response state_reply(unsigned version, const model::room_state& at)
{
    try {
        return file_reply(version, "application/json", state_json(at));
    } catch (const std::exception& e) {
        spdlog::error("state export failed: {}", e.what());
        return json_error(http::status::internal_server_error, version, "the state has no JSON form");
    }
}

// The state at an earlier point: the room's replay (from the snapshot when
// it is not newer, in pages, folded on the work pool).
void serve_state_at(const shared_room_request& r)
{
    const auto& q = r->query;
    room::replay_target at = q.at.seq ? room::replay_target(room::replay_at_seq{*q.at.seq})
                                      : room::replay_target(room::replay_at_time{*q.at.time_ms});
    room::replay_async(*r->context.store, r->fold_on, r->room_id, at, room::replay_unbounded,
                       [r](room::replay_result result) {
        if (auto* failed = std::get_if<room::replay_failure>(&result)) {
            const auto status = failed->code == pb::ERROR_CODE_SEQ_OUT_OF_RANGE ? 400
                : failed->code == pb::ERROR_CODE_STORE_UNAVAILABLE              ? 503
                                                                                : 500;
            return r->error(status, failed->message);
        }
        r->answer(state_reply(r->version, std::get<model::room_state>(result)));
    });
}

// An export: the log folded from seq 1 and written, both on the work pool.
void serve_export(const shared_room_request& r)
{
    read_room_record(r->context, r->room_id, r->query.at, r->fold_on,
                     [r](std::variant<exports::room_record, read_failure> read) {
        if (auto* failed = std::get_if<read_failure>(&read))
            return r->error(failed->status, failed->message);
        try {
            r->answer(export_reply(r->version, r->room_id, r->what, std::get<exports::room_record>(read), r->query));
        } catch (const std::exception& e) {
            spdlog::error("export {} of room {} failed: {}", r->what, r->room_id, e.what());
            r->error(500, "the export failed; see the server's log");
        }
    });
}

// The same rules as a Join: a token's participant must not be removed from
// the room as its committed state says, then the answer.
void authorize_and_serve(const shared_room_request& r)
{
    spdlog::info("conn={} export {} of room {}", r->connection_id, r->what, r->room_id);
    const bool latest = !r->query.at.seq && !r->query.at.time_ms;
    if (!r->who.token) {
        if (r->what != "state")
            return serve_export(r);
        if (!latest)
            return serve_state_at(r);
    }
    // The newest state: the removed set for a token, and the answer to /state.
    read_latest_state(r->context, r->room_id, r->fold_on,
                      [r, latest](std::variant<model::room_state, read_failure> read) {
        if (auto* failed = std::get_if<read_failure>(&read))
            return r->error(failed->status, failed->message);
        const auto& state = std::get<model::room_state>(read);
        if (auto refused = refused_if_removed(r->who, state, r->version)) {
            spdlog::info("conn={} export of room {} refused (403): participant {} was removed", r->connection_id,
                         r->room_id, r->who.token->subject);
            return r->answer(std::move(*refused));
        }
        if (r->what != "state")
            return serve_export(r);
        if (!latest)
            return serve_state_at(r);
        r->answer(state_reply(r->version, state));
    });
}

} // namespace

void read_room_record(session::server_context& context, const std::string& room_id, history_point at,
                      boost::asio::any_io_executor fold_on,
                      std::function<void(std::variant<exports::room_record, read_failure>)> done)
{
    // Every event from seq 1: exports need all chat and every deletion, not
    // only what the newest snapshot keeps.
    auto record = std::make_shared<exports::room_record>(room_id);
    fold_steps steps;
    steps.plan = [room_id, at](store::event_log& log) -> std::variant<fold_plan, read_failure> {
        if (!at.time_ms)
            return fold_plan{at.seq ? *at.seq : room::replay_unbounded, std::nullopt};
        // The last event at or before the time; server times grow with seq.
        if (auto seq = log.seq_at_time(room_id, *at.time_ms, room::replay_unbounded))
            return fold_plan{*seq, std::nullopt};
        return read_failure{400,
                            "time " + std::to_string(*at.time_ms) +
                                " is before the room's first event; give a later Unix time in milliseconds"};
    };
    steps.begin = [](const store::stored_snapshot&) { return std::optional<read_failure>(); };
    steps.apply = [record](const pb::Event& e) { return exports::fold_event(*record, e); };
    steps.seq = [record] { return record->state.seq(); };
    const bool at_the_end = !at.seq && !at.time_ms;
    steps.done = [store = context.store, room_id, fold_on, record, at_the_end,
                  done = std::move(done)](std::optional<read_failure> failed) mutable {
        if (failed)
            return done(std::move(*failed));
        if (at_the_end)
            return done(std::move(*record));
        // At a past seq: what was deleted since is withheld, as the Welcome,
        // chat history and replay withhold it. The rest of the log is read for
        // its deletions only.
        auto later_seq = std::make_shared<std::uint64_t>(record->state.seq());
        fold_steps tail;
        tail.plan = [after = *later_seq](store::event_log&) -> std::variant<fold_plan, read_failure> {
            return fold_plan{room::replay_unbounded, std::nullopt, after};
        };
        tail.begin = [](const store::stored_snapshot&) { return std::optional<read_failure>(); };
        tail.apply = [record, later_seq](const pb::Event& e) {
            exports::fold_later_deletion(*record, e);
            *later_seq = e.seq();
            return true;
        };
        tail.seq = [later_seq] { return *later_seq; };
        tail.done = [record, done = std::move(done)](std::optional<read_failure> failed) {
            if (failed)
                return done(std::move(*failed));
            done(std::move(*record));
        };
        std::make_shared<paged_fold>(*store, fold_on, room_id, std::move(tail))->start();
    };
    std::make_shared<paged_fold>(*context.store, std::move(fold_on), room_id, std::move(steps))->start();
}

void read_latest_state(session::server_context& context, const std::string& room_id,
                       boost::asio::any_io_executor done_on,
                       std::function<void(std::variant<model::room_state, read_failure>)> done)
{
    using result = std::variant<model::room_state, read_failure>;
    // The newest snapshot and the events after it, read (never loaded: a
    // load would give a room that never existed an epoch).
    auto state = std::make_shared<model::room_state>(room_id);
    fold_steps steps;
    steps.plan = [room_id](store::event_log& log) -> std::variant<fold_plan, read_failure> {
        return fold_plan{room::replay_unbounded, log.snapshot_at_most(room_id, room::replay_unbounded)};
    };
    steps.begin = [state](const store::stored_snapshot& snapshot) -> std::optional<read_failure> {
        pb::RoomState proto;
        if (!proto.ParseFromString(snapshot.bytes) || proto.seq() != snapshot.seq)
            return read_failure{500, "the room's snapshot does not decode"};
        *state = model::room_state::from_proto(proto);
        return std::nullopt;
    };
    steps.apply = [state](const pb::Event& e) { return state->apply(e); };
    steps.seq = [state] { return state->seq(); };
    steps.done = [state, done_on, done = std::move(done)](std::optional<read_failure> failed) {
        if (failed)
            return answer_on<result>(done_on, done, std::move(*failed));
        answer_on<result>(done_on, done, std::move(*state));
    };
    std::make_shared<paged_fold>(*context.store, fold_executor(context, done_on), room_id, std::move(steps))->start();
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
    if (!valid_room_id(room_id)) {
        spdlog::info("conn={} export refused (404): not a room id a Join takes", connection_id);
        return done(json_error(http::status::not_found, version,
                               std::string("no room has that id (") + std::string(room_id_rule) + ")"));
    }
    auto authenticated = authenticate(req, context, room_id);
    if (auto* refused = std::get_if<admin_response>(&authenticated)) {
        spdlog::info("conn={} export of room {} refused ({}): {}", connection_id, room_id, refused->result_int(),
                     refused->body().substr(0, refused->body().find('\n')));
        return done(std::move(*refused));
    }
    auto parsed = parse_query(query);
    if (auto* bad = std::get_if<std::string>(&parsed))
        return done(json_error(http::status::bad_request, version, *bad));

    auto r = std::make_shared<const room_request>(
        room_request{context, room_id, std::string(state ? std::string_view("state") : rest.substr(7)),
                     std::get<export_query>(parsed), std::get<caller>(std::move(authenticated)), version, reply_on,
                     fold_executor(context, reply_on), connection_id, std::move(done)});
    if_room_exists(r, [r] { authorize_and_serve(r); });
}

} // namespace maptable::net
