// Layer: net (handlers). The breakout routes (see breakout_routes.hpp and
// docs/BREAKOUTS.md). A round spans several rooms, so nothing here is one
// command: each route reads the plenary's committed state, decides with
// breakout/breakout_plan, and sends the model's commands room by room on the
// facilitator's behalf (room::submit_on_behalf). The routes keep no state of
// their own: the rooms' logs are the truth, so a retry or a restart in the
// middle picks up from what was committed. Every read and fold runs on the
// work pool; answers are posted back to the connection's executor.
#include "net/breakout_routes.hpp"

#include "auth/join_token.hpp"
#include "breakout/breakout_plan.hpp"
#include "net/export_routes.hpp"
#include "net/upload_gate.hpp"
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
#include <random>
#include <set>

namespace maptable::net {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;
namespace pb = maptable::v1;

constexpr std::string_view rooms_prefix = "/v1/rooms/";
constexpr std::string_view breakouts_segment = "/breakouts";
constexpr std::size_t max_body = 64 * 1024; // 500 participant ids with room to spare
constexpr std::int64_t max_minutes = 24 * 60;

using reply = std::function<void(admin_response)>;

enum class action { start, broadcast, end, token };

struct breakout_path {
    std::string room;
    action what = action::start;
};

std::optional<breakout_path> parse_path(std::string_view path)
{
    if (!path.starts_with(rooms_prefix))
        return std::nullopt;
    auto rest = path.substr(rooms_prefix.size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos)
        return std::nullopt;
    breakout_path out;
    out.room = std::string(rest.substr(0, slash));
    rest = rest.substr(slash);
    if (!rest.starts_with(breakouts_segment))
        return std::nullopt;
    rest = rest.substr(breakouts_segment.size());
    if (rest.empty())
        out.what = action::start;
    else if (rest == "/broadcast")
        out.what = action::broadcast;
    else if (rest == "/end")
        out.what = action::end;
    else if (rest == "/token")
        out.what = action::token;
    else
        return std::nullopt;
    return out;
}

std::string random_round_id()
{
    return "b" + store::random_hex(4, "a breakout round id");
}

// The query parameter key's value ("" when absent).
std::string query_value(std::string_view target, std::string_view key)
{
    const auto q = target.find('?');
    if (q == std::string_view::npos)
        return {};
    auto query = target.substr(q + 1);
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto part = query.substr(0, amp);
        const auto eq = part.find('=');
        if (part.substr(0, eq) == key)
            return eq == std::string_view::npos ? std::string{} : std::string(part.substr(eq + 1));
        if (amp == std::string_view::npos)
            break;
        query = query.substr(amp + 1);
    }
    return {};
}

// The HTTP status that tells a client what a refused command means.
unsigned status_of(pb::ErrorCode code)
{
    switch (code) {
    case pb::ERROR_CODE_PERMISSION_DENIED:
    case pb::ERROR_CODE_PARTICIPANT_REMOVED: return 403;
    case pb::ERROR_CODE_BREAKOUTS_RUNNING:
    case pb::ERROR_CODE_NO_BREAKOUTS:
    case pb::ERROR_CODE_ROOM_ARCHIVED: return 409;
    case pb::ERROR_CODE_ROOM_UNAVAILABLE:
    case pb::ERROR_CODE_SERVER_BUSY: return 503;
    default: return 400;
    }
}

std::string with_code(std::string_view message, pb::ErrorCode code)
{
    return std::string(message) + " (" + pb::ErrorCode_Name(code) + ")";
}

// ---------------------------------------------------------------- one request

struct request_state {
    session::server_context& context;
    breakout_path path;
    auth::join_claims who;
    std::string target;
    std::string body;
    unsigned version;
    boost::asio::any_io_executor reply_on;
    boost::asio::any_io_executor work_on;
    std::uint64_t connection_id;
    reply done;

    void answer(admin_response res) const
    {
        boost::asio::post(reply_on, [done = done, res = std::move(res)]() mutable { done(std::move(res)); });
    }
    void error(unsigned status, std::string_view message) const
    {
        spdlog::info("conn={} breakouts of room {} by {} refused ({}): {}", connection_id, path.room, who.subject,
                     status, message);
        answer(json_error(http::status(status), version, message));
    }
    void refused(const room::admin_outcome& outcome, std::string_view room_id) const
    {
        std::string message = outcome.message;
        if (room_id != path.room)
            message = "room " + std::string(room_id) + ": " + message;
        error(status_of(outcome.code), with_code(message, outcome.code));
    }
    void ok(http::status status, const json::object& body_out) const
    {
        answer(json_reply(status, version, json::serialize(body_out) + "\n"));
    }
    model::actor person() const { return model::actor{who.subject, who.name, pb::ROLE_FACILITATOR, ""}; }

    // Sends command to room_id on the caller's behalf; next(outcome) runs on the work pool.
    void submit(const std::string& room_id, pb::ClientMessage command,
                std::function<void(room::admin_outcome)> next) const
    {
        room::submit_on_behalf(context.rooms, work_on, room_id, std::move(command), person(),
                               [work_on = work_on, next = std::move(next)](room::admin_outcome outcome) mutable {
            boost::asio::post(work_on, [next = std::move(next), outcome = std::move(outcome)]() mutable {
                next(std::move(outcome));
            });
        });
    }
};
using shared_request = std::shared_ptr<const request_state>;

// Runs each step in turn (each calls its continuation once, or never to stop
// the chain), then last.
using step = std::function<void(std::function<void()>)>;
void in_turn(std::shared_ptr<std::vector<step>> steps, std::size_t i, std::function<void()> last)
{
    if (i == steps->size())
        return last();
    (*steps)[i]([steps, i, last = std::move(last)]() mutable { in_turn(steps, i + 1, std::move(last)); });
}

json::object round_json(const pb::BreakoutRound& round)
{
    json::array groups;
    for (const pb::BreakoutGroup& g : round.groups()) {
        json::array members;
        for (const std::string& m : g.participant_ids())
            members.emplace_back(m);
        json::object group{{"id", g.id()}, {"name", g.name()}, {"room_id", g.room_id()}, {"participant_ids", members}};
        if (!g.city_id().empty())
            group["city"] = g.city_id();
        groups.emplace_back(std::move(group));
    }
    std::string mode = "by_hand";
    if (round.mode() == pb::BREAKOUT_MODE_RANDOM)
        mode = "random";
    else if (round.mode() == pb::BREAKOUT_MODE_BY_CITY)
        mode = "by_city";
    return json::object{{"id", round.id()},           {"mode", mode},
                        {"groups", groups},           {"started_ms", round.started_ms()},
                        {"ends_ms", round.ends_ms()}, {"open", round.open()}};
}

// ---------------------------------------------------------------- JSON in

struct bad_request {
    std::string message;
};

std::vector<std::string> string_list(const json::value* v, std::string_view field)
{
    if (!v)
        return {};
    if (!v->is_array())
        throw bad_request{"\"" + std::string(field) + "\" must be an array of participant ids"};
    std::vector<std::string> out;
    for (const json::value& item : v->get_array()) {
        if (!item.is_string())
            throw bad_request{"\"" + std::string(field) + "\" must hold participant ids (strings)"};
        out.emplace_back(item.get_string());
    }
    return out;
}

std::string string_field(const json::object& o, std::string_view key, std::string_view what)
{
    const auto* v = o.if_contains(key);
    if (!v)
        return {};
    if (!v->is_string())
        throw bad_request{"\"" + std::string(key) + "\" must be " + std::string(what)};
    return std::string(v->get_string());
}

json::object parse_object(std::string_view body, std::string_view shape)
{
    boost::system::error_code ec;
    auto value = json::parse(body, ec);
    if (ec || !value.is_object())
        throw bad_request{"the body must be a JSON object: " + std::string(shape)};
    return std::move(value.get_object());
}

// The round a start asks for, before the server fills in rooms and times.
pb::BreakoutRound plan_round(const json::object& o, const std::string& plenary, const std::string& round_id,
                             std::uint64_t seed)
{
    for (const auto& [key, value] : o)
        if (key != "mode" && key != "groups" && key != "count" && key != "minutes" && key != "participant_ids" &&
            key != "participants" && key != "names")
            throw bad_request{"unknown field \"" + std::string(key) +
                              "\"; a start takes mode, groups, count, names, participant_ids, participants, minutes"};
    const std::string mode = string_field(o, "mode", "\"by_hand\", \"random\" or \"by_city\"");
    pb::BreakoutRound round;
    round.set_id(round_id);
    std::vector<std::pair<std::string, std::vector<std::string>>> groups; // name, members
    std::vector<std::string> cities;
    std::vector<std::string> names;
    if (const auto* n = o.if_contains("names"))
        names = string_list(n, "names");

    if (mode == "by_hand") {
        round.set_mode(pb::BREAKOUT_MODE_BY_HAND);
        const auto* given = o.if_contains("groups");
        if (!given || !given->is_array() || given->get_array().empty())
            throw bad_request{"by_hand needs \"groups\": [{\"name\": \"...\", \"participant_ids\": [...]}, ...]"};
        for (const json::value& g : given->get_array()) {
            if (!g.is_object())
                throw bad_request{"each group is {\"name\": \"...\", \"participant_ids\": [...]}"};
            const auto& go = g.get_object();
            groups.emplace_back(string_field(go, "name", "a group's name"),
                                string_list(go.if_contains("participant_ids"), "participant_ids"));
        }
    } else if (mode == "random") {
        round.set_mode(pb::BREAKOUT_MODE_RANDOM);
        const auto* count = o.if_contains("count");
        if (!count || !(count->is_int64() || count->is_uint64()))
            throw bad_request{"random needs \"count\": the number of groups, 1 to " +
                              std::to_string(breakout::max_groups)};
        const auto n = count->is_int64() ? count->get_int64() : static_cast<std::int64_t>(-1);
        if (n < 1 || n > breakout::max_groups)
            throw bad_request{"\"count\" must be 1 to " + std::to_string(breakout::max_groups)};
        const auto ids = string_list(o.if_contains("participant_ids"), "participant_ids");
        if (ids.empty())
            throw bad_request{"random needs \"participant_ids\": the people present to deal out (the app sends "
                              "its presence list)"};
        if (std::set<std::string>(ids.begin(), ids.end()).size() != ids.size())
            throw bad_request{"\"participant_ids\" names someone twice"};
        for (auto& members : breakout::deal_random(ids, static_cast<int>(n), seed))
            groups.emplace_back(std::string{}, std::move(members));
    } else if (mode == "by_city") {
        round.set_mode(pb::BREAKOUT_MODE_BY_CITY);
        const auto* given = o.if_contains("participants");
        if (!given || !given->is_array() || given->get_array().empty())
            throw bad_request{"by_city needs \"participants\": [{\"id\": \"...\", \"city\": \"...\"}, ...]: this "
                              "server's sessions do not know who takes part for which city, so the app sends it"};
        std::vector<breakout::person> people;
        for (const json::value& p : given->get_array()) {
            if (!p.is_object())
                throw bad_request{"each participant is {\"id\": \"...\", \"city\": \"...\"}"};
            people.push_back({string_field(p.get_object(), "id", "a participant id"),
                              string_field(p.get_object(), "city", "a city's name")});
        }
        if (!breakout::every_city_known(people))
            throw bad_request{"by_city needs a city for every participant; use by_hand or random otherwise"};
        for (auto& g : breakout::deal_by_city(people)) {
            cities.push_back(g.city);
            groups.emplace_back(g.city, std::move(g.ids));
        }
        if (groups.size() > static_cast<std::size_t>(breakout::max_groups))
            throw bad_request{"by_city makes one group per city: at most " + std::to_string(breakout::max_groups)};
    } else {
        throw bad_request{"\"mode\" must be \"by_hand\", \"random\" or \"by_city\""};
    }

    for (std::size_t i = 0; i < groups.size(); ++i) {
        pb::BreakoutGroup& g = *round.add_groups();
        g.set_id("g" + std::to_string(i + 1));
        std::string name = groups[i].first;
        if (name.empty() && i < names.size())
            name = names[i];
        if (name.empty())
            name = "Group " + std::to_string(i + 1);
        g.set_name(name);
        g.set_room_id(breakout::group_room_id(plenary, round_id, g.id()));
        if (i < cities.size())
            g.set_city_id(cities[i]);
        for (auto& m : groups[i].second)
            g.add_participant_ids(std::move(m));
    }

    if (const auto* minutes = o.if_contains("minutes")) {
        const auto m = minutes->is_int64() ? minutes->get_int64() : static_cast<std::int64_t>(-1);
        if (m < 0 || m > max_minutes)
            throw bad_request{"\"minutes\" must be whole minutes, 0 (no timer) to " + std::to_string(max_minutes)};
        if (m > 0)
            round.set_ends_ms(clock::now_ms() + m * 60'000);
    }
    return round;
}

// The plenary's view as a Viewport: the open agenda step's view when it has
// one, else the room's own centre and zoom (a viewport of one point).
pb::Viewport plenary_view(const model::room_data& room, std::string& step_title)
{
    pb::Viewport v;
    pb::LonLat centre = room.info.center();
    double zoom = room.info.zoom();
    for (const pb::AgendaStep& s : room.agenda) {
        if (s.id() != room.current_step)
            continue;
        step_title = s.title();
        if (s.has_view()) {
            if (s.view().has_bounds()) {
                *v.mutable_south_west() = s.view().bounds().south_west();
                *v.mutable_north_east() = s.view().bounds().north_east();
                v.set_zoom(s.view().zoom() > 0 ? s.view().zoom() : zoom);
                return v;
            }
            if (s.view().has_center()) {
                centre = s.view().center();
                zoom = s.view().zoom();
            }
        }
    }
    *v.mutable_south_west() = centre;
    *v.mutable_north_east() = centre;
    v.set_zoom(zoom);
    return v;
}

// ---------------------------------------------------------------- the actions

// On the work pool, after the plenary's state was read.
void start(const shared_request& r, const model::room_state& plenary)
{
    const auto& data = plenary.data();
    if (data.breakouts.open())
        return r->error(
            409,
            with_code("breakout round " + data.breakouts.id() + " is still open: bring everyone back to plenary first",
                      pb::ERROR_CODE_BREAKOUTS_RUNNING));
    if (!data.breakout_of.round_id().empty() && !data.breakout_of.ended())
        return r->error(409,
                        with_code("this room is itself a breakout group; open groups from its plenary",
                                  pb::ERROR_CODE_INVALID_BREAKOUT));
    pb::BreakoutRound round;
    try {
        const auto o = parse_object(r->body, "{\"mode\", \"groups\" | \"count\", \"minutes\"}");
        std::random_device device;
        const std::uint64_t seed = (std::uint64_t(device()) << 32) ^ device();
        round = plan_round(o, r->path.room, random_round_id(), seed);
    } catch (const bad_request& e) {
        return r->error(400, e.message);
    }
    // The model's own check, before any room is touched.
    pb::ClientMessage start_command;
    *start_command.mutable_start_breakouts()->mutable_round() = round;
    auto checked = plenary.validate(start_command, room::admin_actor(), clock::now_ms());
    if (auto* refused = std::get_if<model::rejection>(&checked))
        return r->error(status_of(refused->code), with_code(refused->message, refused->code));

    std::string step_title;
    const pb::Viewport view = plenary_view(data, step_title);
    auto steps = std::make_shared<std::vector<step>>();
    for (int i = 0; i < round.groups_size(); ++i) {
        const pb::BreakoutGroup& g = round.groups(i);
        pb::ClientMessage open;
        auto* m = open.mutable_open_breakout_group()->mutable_membership();
        m->set_parent_room_id(r->path.room);
        m->set_round_id(round.id());
        m->set_group_id(g.id());
        m->set_group_name(g.name());
        m->set_ends_ms(round.ends_ms());
        m->set_group_number(static_cast<std::uint32_t>(i + 1));
        m->set_group_count(static_cast<std::uint32_t>(round.groups_size()));
        *open.mutable_open_breakout_group()->mutable_viewport() = view;
        open.mutable_open_breakout_group()->set_step_title(step_title);
        steps->push_back([r, open, room_id = g.room_id()](std::function<void()> next) {
            r->submit(room_id, open, [r, room_id, next = std::move(next)](room::admin_outcome outcome) {
                if (!outcome.ok)
                    return r->refused(outcome, room_id);
                next();
            });
        });
    }
    in_turn(steps, 0, [r, start_command, round] {
        r->submit(r->path.room, start_command, [r, round](room::admin_outcome outcome) {
            if (!outcome.ok)
                return r->refused(outcome, r->path.room);
            spdlog::info("conn={} breakouts: round {} started in room {} by {}: {} groups", r->connection_id,
                         round.id(), r->path.room, r->who.subject, round.groups_size());
            pb::BreakoutRound started = round;
            started.set_open(true);
            auto out = round_json(started);
            out["seq"] = outcome.seq;
            r->ok(http::status::created, out);
        });
    });
}

void broadcast(const shared_request& r, const model::room_state& plenary)
{
    const auto& round = plenary.data().breakouts;
    if (!round.open())
        return r->error(
            409, with_code("no breakout groups are out: there is nobody to broadcast to", pb::ERROR_CODE_NO_BREAKOUTS));
    std::string text;
    try {
        const auto o = parse_object(r->body, "{\"text\": \"...\"}");
        for (const auto& [key, value] : o)
            if (key != "text")
                throw bad_request{"unknown field \"" + std::string(key) + "\"; a broadcast takes text"};
        if (!o.if_contains("text") || !o.at("text").is_string())
            throw bad_request{"a broadcast needs \"text\": 1 to 500 characters"};
        text = std::string(o.at("text").get_string());
    } catch (const bad_request& e) {
        return r->error(400, e.message);
    }
    pb::ClientMessage command;
    command.mutable_broadcast_to_groups()->set_text(text);
    r->submit(r->path.room, command, [r, command, round](room::admin_outcome outcome) {
        if (!outcome.ok)
            return r->refused(outcome, r->path.room);
        auto steps = std::make_shared<std::vector<step>>();
        auto reached = std::make_shared<json::array>();
        for (const pb::BreakoutGroup& g : round.groups())
            steps->push_back([r, command, reached, room_id = g.room_id()](std::function<void()> next) {
                r->submit(room_id, command, [r, room_id, reached, next = std::move(next)](room::admin_outcome o) {
                    // A group already back (or never opened) is skipped, not a failure of the others.
                    if (o.ok)
                        reached->emplace_back(room_id);
                    else
                        spdlog::warn("conn={} breakouts: broadcast to {} refused: {}", r->connection_id, room_id,
                                     o.message);
                    next();
                });
            });
        in_turn(steps, 0, [r, reached] {
            spdlog::info("conn={} breakouts: broadcast in room {} by {} reached {} groups", r->connection_id,
                         r->path.room, r->who.subject, reached->size());
            r->ok(http::status::ok, json::object{{"rooms", *reached}});
        });
    });
}

// EndBreakouts into each group's room, in turn, then last. NO_BREAKOUTS is
// an earlier try's work (or a group never opened): not a failure.
void end_groups(const shared_request& r, const pb::BreakoutRound& round, std::function<void()> last)
{
    auto steps = std::make_shared<std::vector<step>>();
    for (const pb::BreakoutGroup& g : round.groups())
        steps->push_back([r, room_id = g.room_id(), round_id = round.id()](std::function<void()> next) {
            pb::ClientMessage end_group;
            end_group.mutable_end_breakouts()->set_round_id(round_id);
            r->submit(room_id, end_group, [r, room_id, next = std::move(next)](room::admin_outcome outcome) {
                if (!outcome.ok && outcome.code != pb::ERROR_CODE_NO_BREAKOUTS)
                    return r->refused(outcome, room_id);
                next();
            });
        });
    in_turn(steps, 0, std::move(last));
}

// Back to plenary, in an order that loses nothing and does nothing twice:
// each group's results become a layer of the plenary (a layer already there
// from an earlier try is not added again), then the plenary's round ends, so
// that people come back to a plenary with the results in it, then each
// group's room learns the round is over (which sends its people back).
void end(const shared_request& r, const model::room_state& plenary)
{
    const auto round = plenary.data().breakouts;
    if (!round.open()) {
        if (round.id().empty())
            return r->error(
                409, with_code("no breakout groups are out: there is nothing to end", pb::ERROR_CODE_NO_BREAKOUTS));
        // A retry after the plenary's end went through: the groups' ends
        // again (an earlier try may have stopped before them), nothing twice.
        return end_groups(r, round, [r, round] {
            auto out = round_json(round);
            out["already_ended"] = true;
            r->ok(http::status::ok, out);
        });
    }
    auto layers = std::make_shared<json::array>();
    auto steps = std::make_shared<std::vector<step>>();
    const auto existing = std::make_shared<const std::map<std::string, pb::ReferenceLayer>>(plenary.data().layers);
    for (const pb::BreakoutGroup& g : round.groups()) {
        steps->push_back([r, g, round_id = round.id(), layers, existing](std::function<void()> next) {
            read_latest_state(r->context, g.room_id(), r->work_on,
                              [r, g, round_id, layers, existing,
                               next = std::move(next)](std::variant<model::room_state, read_failure> read) mutable {
                if (auto* failed = std::get_if<read_failure>(&read))
                    return r->error(failed->status, "room " + g.room_id() + ": " + failed->message);
                const auto& group_room = std::get<model::room_state>(read);
                auto layer = breakout::captured_layer(group_room.data(), round_id, g);
                json::object entry{{"group_id", g.id()}, {"name", g.name()}, {"layer_id", layer.id()}};
                entry["features"] = layer.features_size();
                if (layer.features_size() == 0)
                    entry["layer_id"] = nullptr;
                if (layer.features_size() == 0 || existing->contains(layer.id())) {
                    layers->emplace_back(std::move(entry));
                    return next();
                }
                pb::ClientMessage add;
                *add.mutable_add_layer()->mutable_layer() = std::move(layer);
                r->submit(
                    r->path.room, add,
                    [r, entry = std::move(entry), layers, next = std::move(next)](room::admin_outcome outcome) mutable {
                    // The round stays open when a group's results cannot be
                    // kept: nothing is lost, and the facilitator can make
                    // room (a layer less) and try again.
                    const bool added_before = outcome.code == pb::ERROR_CODE_INVALID_LAYER &&
                        outcome.message.find("already has a layer") != std::string::npos;
                    if (!outcome.ok && !added_before) {
                        // A plenary full of layers is the room's state, not a bad request.
                        if (outcome.code == pb::ERROR_CODE_INVALID_LAYER)
                            return r->error(
                                409, with_code("the group's results cannot be kept: " + outcome.message, outcome.code));
                        return r->refused(outcome, r->path.room);
                    }
                    if (outcome.ok)
                        entry["seq"] = outcome.seq;
                    layers->emplace_back(std::move(entry));
                    next();
                    });
            });
        });
    }
    in_turn(steps, 0, [r, round, layers] {
        pb::ClientMessage end_plenary;
        end_plenary.mutable_end_breakouts()->set_round_id(round.id());
        r->submit(r->path.room, end_plenary, [r, round, layers](room::admin_outcome outcome) {
            if (!outcome.ok && outcome.code != pb::ERROR_CODE_NO_BREAKOUTS)
                return r->refused(outcome, r->path.room);
            end_groups(r, round, [r, round, layers] {
                spdlog::info("conn={} breakouts: round {} in room {} ended by {}: {} groups back", r->connection_id,
                             round.id(), r->path.room, r->who.subject, round.groups_size());
                pb::BreakoutRound ended = round;
                ended.set_open(false);
                auto out = round_json(ended);
                out["layers"] = *layers;
                r->ok(http::status::ok, out);
            });
        });
    });
}

void token(const shared_request& r, const model::room_state& plenary)
{
    const auto& round = plenary.data().breakouts;
    if (!round.open())
        return r->error(409, with_code("no breakout groups are out", pb::ERROR_CODE_NO_BREAKOUTS));
    const std::string asked = query_value(r->target, "group");
    const pb::BreakoutGroup* mine = nullptr;
    const pb::BreakoutGroup* named = nullptr;
    for (const pb::BreakoutGroup& g : round.groups()) {
        for (const std::string& m : g.participant_ids())
            if (m == r->who.subject)
                mine = &g;
        if (g.id() == asked)
            named = &g;
    }
    if (!asked.empty() && !named)
        return r->error(404, "round " + round.id() + " has no group '" + asked.substr(0, 64) + "'");
    const pb::BreakoutGroup* group = named ? named : mine;
    if (!group)
        return r->error(404,
                        r->who.role == pb::ROLE_FACILITATOR
                            ? "name the group to visit: ?group=<id>"
                            : "you are in no group of round " + round.id() + "; stay in the plenary");
    if (r->who.role != pb::ROLE_FACILITATOR && group != mine)
        return r->error(
            403,
            with_code("only facilitators visit other groups; yours is " + (mine ? mine->name() : std::string("none")),
                      pb::ERROR_CODE_PERMISSION_DENIED));
    // The same person, role and expiry in the group's room. The same token
    // id too: revoking the plenary token shuts the group's room as well.
    auth::join_claims claims = r->who;
    claims.room = group->room_id();
    claims.network.clear();
    claims.city.clear();
    claims.not_before = 0;
    claims.issuer = r->context.verifier.issuer;
    claims.audience = r->context.verifier.audience;
    std::string minted;
    try {
        minted = auth::mint_join_token(claims, r->context.verifier.secret);
    } catch (const std::exception& e) {
        spdlog::error("conn={} breakouts: minting a group token failed: {}", r->connection_id, e.what());
        return r->error(500, "the server cannot mint tokens; tell its operator");
    }
    spdlog::info("conn={} breakouts: {} ({}) moves to group {} of round {} in room {}", r->connection_id,
                 r->who.subject, auth::role_name(r->who.role), group->id(), round.id(), group->room_id());
    r->ok(http::status::ok,
          json::object{{"token", minted},
                       {"room", group->room_id()},
                       {"round_id", round.id()},
                       {"group_id", group->id()},
                       {"group_name", group->name()},
                       {"ends_ms", round.ends_ms()},
                       {"expires_at", claims.expires_at}});
}

// After the gate: the plenary's committed state read on the work pool, the
// caller not removed from it, then the action.
void run(session::server_context& context, boost::asio::any_io_executor reply_on, std::uint64_t connection_id,
         breakout_path path, auth::join_claims who, std::string target, std::string body, unsigned version, reply done)
{
    auto work_on = context.work ? context.work : reply_on;
    auto r = std::make_shared<const request_state>(request_state{context, std::move(path), std::move(who),
                                                                 std::move(target), std::move(body), version, reply_on,
                                                                 work_on, connection_id, std::move(done)});
    read_latest_state(context, r->path.room, work_on, [r](std::variant<model::room_state, read_failure> read) {
        if (auto* failed = std::get_if<read_failure>(&read))
            return r->error(failed->status, failed->message);
        const auto& plenary = std::get<model::room_state>(read);
        if (plenary.data().removed.contains(r->who.subject))
            return r->error(403,
                            with_code("a facilitator removed you from this room", pb::ERROR_CODE_PARTICIPANT_REMOVED));
        try {
            switch (r->path.what) {
            case action::start: return start(r, plenary);
            case action::broadcast: return broadcast(r, plenary);
            case action::end: return end(r, plenary);
            case action::token: return token(r, plenary);
            }
        } catch (const std::exception& e) {
            spdlog::error("conn={} breakouts of room {} failed: {}", r->connection_id, r->path.room, e.what());
            r->error(500, "the breakout request failed on the server; try again");
        }
    });
}

} // namespace

bool is_breakout_path(std::string_view path)
{
    return parse_path(path).has_value();
}

void handle_breakout_request(admin_request req, session::server_context& context, boost::asio::any_io_executor reply_on,
                             std::uint64_t connection_id, std::function<void(admin_response)> done)
{
    const unsigned version = req.version();
    const auto target = std::string(req.target());
    auto parsed = parse_path(std::string_view(target).substr(0, target.find('?')));
    if (!parsed)
        return done(
            json_error(http::status::not_found, version,
                       "no such endpoint; breakouts are POST /v1/rooms/{room}/breakouts[/broadcast|/end|/token]"));
    if (req.method() != http::verb::post) {
        auto res = json_error(http::status::method_not_allowed, version, "use POST");
        res.set(http::field::allow, "POST");
        return done(std::move(res));
    }
    if (!valid_room_id(parsed->room))
        return done(json_error(http::status::not_found, version,
                               std::string("no room has that id (") + std::string(room_id_rule) + ")"));
    if (req.body().size() > max_body)
        return done(json_error(http::status::payload_too_large, version,
                               "the body is larger than " + std::to_string(max_body / 1024) + " KB"));
    // Start, broadcast and end are the facilitators'; anyone in a group asks
    // for their own group's token.
    const room_gate gate{parsed->what == action::token ? roles_allowed::anyone : roles_allowed::facilitators, false,
                         "this needs 'Authorization: Bearer <join token>' of this room",
                         "breakout groups are opened, told and ended by the room's facilitators"};
    const std::string room = parsed->room;
    auto request = std::make_shared<admin_request>(std::move(req));
    pass_room_gate(*request, context, room, gate, reply_on,
                   [request, &context, reply_on, connection_id, path = std::move(*parsed), target, version,
                    done = std::move(done)](std::variant<room_caller, admin_response> authenticated) mutable {
        if (auto* refused = std::get_if<admin_response>(&authenticated)) {
            spdlog::info("conn={} breakouts of room {} refused ({}): {}", connection_id, path.room,
                         refused->result_int(), refused->body().substr(0, refused->body().find('\n')));
            return done(std::move(*refused));
        }
        run(context, reply_on, connection_id, std::move(path), *std::get<room_caller>(authenticated).token, target,
            std::move(request->body()), version, std::move(done));
    });
}

} // namespace maptable::net
