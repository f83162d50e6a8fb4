// Breakout groups over HTTP and WebSocket against a real server process
// (docs/BREAKOUTS.md): the whole round trip, who may do what, bad input,
// retries and a restart mid-round.
#include "http_probe.hpp"
#include "server_process.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <string>

using namespace maptable;
using namespace maptable::test;
namespace json = boost::json;

namespace {

http_reply post(const server_process& server, const std::string& target, const std::string& token,
                const std::string& body = "{}")
{
    return call_api(server.port(), {.method = "POST", .target = target, .bearer = token, .body = body});
}

std::string error_of(const http_reply& r)
{
    const auto body = json_body(r);
    if (!body.is_object() || !body.as_object().contains("error"))
        return "(no JSON error: " + r.body.substr(0, 200) + ")";
    return std::string(body.at("error").as_string());
}

client_options options_with(const server_process& server, const std::string& room, const std::string& token)
{
    client_options o;
    o.url = server.url();
    o.room_id = room;
    o.token = token;
    return o;
}

void require_ok(const command_result& r, const char* what)
{
    REQUIRE_MESSAGE(r.ok, what << ": " << pb::ErrorCode_Name(r.code) << " " << r.message);
}

pb::AgendaStep step_with_view()
{
    pb::AgendaStep step;
    step.set_id("market");
    step.set_title("The market square at night");
    step.mutable_view()->mutable_center()->set_lon(28.05);
    step.mutable_view()->mutable_center()->set_lat(-26.2);
    step.mutable_view()->set_zoom(16);
    return step;
}

const json::object* layer_named(const json::value& state, const std::string& name)
{
    if (!state.as_object().contains("layers"))
        return nullptr;
    for (const auto& l : state.at("layers").as_array())
        if (l.at("name").as_string() == name)
            return &l.as_object();
    return nullptr;
}

constexpr const char* start_body = R"({"mode": "by_hand", "minutes": 20, "groups": [
    {"name": "North", "participant_ids": ["ana"]},
    {"name": "South", "participant_ids": ["ben"]}]})";

constexpr const char* admin_key = "breakouts-admin-key-0123456789";

// A network invitation (no room in it) minted by the admin API.
std::string invite(const server_process& server, const std::string& network, const std::string& body)
{
    const auto r = call_api(server.port(),
                            {.method = "POST",
                             .target = "/v1/admin/networks/" + network + "/invitations",
                             .bearer = admin_key,
                             .body = body});
    REQUIRE_MESSAGE(r.status == 201, r.body);
    return std::string(json_body(r).at("token").as_string());
}

// Network `id` with one city and a workshop `{id}-workshop`.
void make_network(const server_process& server, const std::string& id)
{
    const auto admin = [&](const std::string& target, const std::string& body) {
        const auto r = call_api(server.port(), {.method = "POST", .target = target, .bearer = admin_key, .body = body});
        REQUIRE_MESSAGE(r.status == 201, r.body);
    };
    admin("/v1/admin/networks", R"({"id": ")" + id + R"(", "title": "Safe streets", "languages": ["en"]})");
    admin("/v1/admin/networks/" + id + "/cities",
          R"({"id": "lisbon", "name": "Lisbon", "country": "PT", "position": {"lon": -9.14, "lat": 38.72}})");
    admin("/v1/admin/networks/" + id + "/rooms", R"({"room_id": ")" + id + R"(-workshop", "title": "Workshop",
          "kind": "workshop", "center": {"lon": 10, "lat": 45}, "zoom": 4})");
}
} // namespace

TEST_CASE("a round trip: groups open at the plenary's view, draw, hear a broadcast, and come back as layers")
{
    server_process server;
    const std::string base = "/v1/rooms/plenary/breakouts";
    const auto fay_token = server.token("plenary", "fay", pb::ROLE_FACILITATOR);
    const auto ana_token = server.token("plenary", "ana");
    const auto ben_token = server.token("plenary", "ben");

    client fay(options_with(server, "plenary", fay_token));
    join_or_fail(fay);
    event_recorder fay_events(fay);
    require_ok(fay.set_agenda({step_with_view()}).get(), "agenda");
    require_ok(fay.open_agenda_step("market").get(), "open step");
    client ana(options_with(server, "plenary", ana_token));
    join_or_fail(ana);
    event_recorder ana_plenary(ana);

    // Who may start, and what a start must look like.
    CHECK(post(server, base, "", start_body).status == 401);
    const auto by_participant = post(server, base, ben_token, start_body);
    CHECK(by_participant.status == 403);
    CHECK(error_of(by_participant).find("PERMISSION_DENIED") != std::string::npos);
    CHECK(post(server, base, server.token("elsewhere", "fay", pb::ROLE_FACILITATOR), start_body).status == 403);
    CHECK(post(server, base, fay_token, "{\"mode\": \"by_hand\", ").status == 400);
    CHECK(post(server, base, fay_token, "[1, 2]").status == 400);
    CHECK(post(server, base, fay_token, R"({"mode": "by_lottery"})").status == 400);
    CHECK(post(server, base, fay_token, R"({"mode": "random", "count": 0, "participant_ids": ["ana"]})").status == 400);
    CHECK(post(server, base, fay_token, R"({"mode": "random", "count": 2})").status == 400);
    CHECK(post(server, base, fay_token, R"({"mode": "by_city", "participants": [{"id": "ana"}]})").status == 400);
    const auto twice = post(server, base, fay_token,
                            R"({"mode": "by_hand", "groups": [{"name": "A", "participant_ids": ["ana"]},
                                {"name": "B", "participant_ids": ["ana"]}]})");
    CHECK(twice.status == 400);
    CHECK(error_of(twice).find("INVALID_BREAKOUT") != std::string::npos);
    CHECK(post(server, base + "/broadcast", fay_token, R"({"text": "anyone?"})").status == 409);
    CHECK(post(server, base + "/end", fay_token).status == 409);
    CHECK(post(server, base + "/token", ana_token).status == 409);
    CHECK(call_api(server.port(), {.method = "GET", .target = base, .bearer = fay_token}).status == 405);
    CHECK_FALSE(fay.replica().data().breakouts.open()); // nothing refused reached the log

    // Start: two groups, each in a room of its own.
    const auto started = post(server, base, fay_token, start_body);
    REQUIRE_MESSAGE(started.status == 201, started.body);
    const auto round = json_body(started);
    const std::string round_id(round.at("id").as_string());
    REQUIRE(round.at("groups").as_array().size() == 2);
    const std::string north_room(round.at("groups").at(0).at("room_id").as_string());
    const std::string south_room(round.at("groups").at(1).at("room_id").as_string());
    CHECK(north_room == "plenary." + round_id + ".g1");
    CHECK(round.at("ends_ms").to_number<std::int64_t>() > round.at("started_ms").to_number<std::int64_t>());

    // The participants' plenary replicas name them in the round.
    REQUIRE(ana_plenary.wait_until([&] { return ana.replica().data().breakouts.open(); }));
    CHECK(ana.replica().data().breakouts.groups(0).participant_ids(0) == "ana");

    const auto again = post(server, base, fay_token, start_body);
    CHECK(again.status == 409);
    CHECK(error_of(again).find("BREAKOUTS_RUNNING") != std::string::npos);

    // Tokens: one's own group only; facilitators visit any.
    const auto ana_move = post(server, base + "/token", ana_token);
    REQUIRE_MESSAGE(ana_move.status == 200, ana_move.body);
    CHECK(json_body(ana_move).at("room").as_string() == north_room);
    CHECK(json_body(ana_move).at("group_name").as_string() == "North");
    const auto sneaking = post(server, base + "/token?group=g2", ana_token);
    CHECK(sneaking.status == 403);
    CHECK(post(server, base + "/token?group=g9", fay_token).status == 404);
    CHECK(post(server, base + "/token", server.token("plenary", "carla")).status == 404);
    const auto ben_move = post(server, base + "/token", ben_token);
    REQUIRE(ben_move.status == 200);
    const auto fay_visit = post(server, base + "/token?group=g2", fay_token);
    REQUIRE(fay_visit.status == 200);
    CHECK(json_body(fay_visit).at("room").as_string() == south_room);
    // A group token opens its group's room, and no other.
    const std::string ana_group_token(json_body(ana_move).at("token").as_string());
    const std::string ben_group_token(json_body(ben_move).at("token").as_string());
    {
        client wrong(options_with(server, south_room, ana_group_token));
        CHECK_FALSE(wrong.connect().get().ok);
    }

    client ana_group(options_with(server, north_room, ana_group_token));
    join_or_fail(ana_group);
    event_recorder ana_heard(ana_group);
    client ben_group(options_with(server, south_room, ben_group_token));
    join_or_fail(ben_group);
    event_recorder ben_heard(ben_group);

    // Each group's room starts at the plenary's view and step.
    const auto north = ana_group.replica();
    CHECK(north.data().breakout_of.parent_room_id() == "plenary");
    CHECK(north.data().breakout_of.round_id() == round_id);
    CHECK(north.data().breakout_of.group_name() == "North");
    CHECK(north.data().breakout_of.group_number() == 1);
    CHECK(north.data().breakout_of.group_count() == 2);
    CHECK(north.data().breakout_of.step_title() == "The market square at night");
    CHECK(north.data().breakout_of.ends_ms() == round.at("ends_ms").to_number<std::int64_t>());
    CHECK(north.info().center().lon() == doctest::Approx(28.05));
    CHECK(north.info().center().lat() == doctest::Approx(-26.2));
    CHECK(north.info().zoom() == 16);
    CHECK(ana_group.me().role() == pb::ROLE_PARTICIPANT);
    CHECK(ana_group.me().name() == "ana");

    require_ok(ana_group.add_feature(point_feature("lamp", 28.051, -26.201, "Broken lamp")).get(), "ana draws");
    require_ok(ben_group.add_feature(point_feature("bench", 28.049, -26.199, "New bench")).get(), "ben draws");
    pb::LonLat corner;
    corner.set_lon(28.052);
    corner.set_lat(-26.198);
    require_ok(ben_group.start_thread("dark", corner, "Too dark after 7 pm").get(), "ben's thread");
    require_ok(ben_group.add_comment("dark", "Agreed, and no shelter").get(), "ben's comment");

    // A broadcast reaches the plenary and both groups.
    CHECK(post(server, base + "/broadcast", fay_token, R"({"text": ""})").status == 400);
    CHECK(post(server, base + "/broadcast", fay_token, R"({"words": "x"})").status == 400);
    CHECK(post(server, base + "/broadcast", ana_token, R"({"text": "hi"})").status == 403);
    const auto told = post(server, base + "/broadcast", fay_token, R"({"text": "Five minutes left"})");
    REQUIRE_MESSAGE(told.status == 200, told.body);
    CHECK(json_body(told).at("rooms").as_array().size() == 2);
    const auto heard = [](const event_recorder& r) {
        for (const auto& e : r.events())
            if (e.has_groups_broadcast() && e.groups_broadcast().text() == "Five minutes left")
                return true;
        return false;
    };
    CHECK(ana_heard.wait_until([&] { return heard(ana_heard); }));
    CHECK(ben_heard.wait_until([&] { return heard(ben_heard); }));
    CHECK(ana_plenary.wait_until([&] { return heard(ana_plenary); }));

    // Back to plenary: one layer per group, named after it, attributed.
    const auto ended = post(server, base + "/end", fay_token);
    REQUIRE_MESSAGE(ended.status == 200, ended.body);
    CHECK(json_body(ended).at("layers").as_array().size() == 2);
    REQUIRE(fay_events.wait_until([&] { return !fay.replica().data().breakouts.open(); }));
    const auto plenary = fay.replica();
    REQUIRE(plenary.data().layers.size() == 2);
    const pb::ReferenceLayer* north_layer = nullptr;
    const pb::ReferenceLayer* south_layer = nullptr;
    for (const auto& [id, layer] : plenary.data().layers) {
        CHECK(layer.source_format() == "breakout");
        if (layer.name() == "North")
            north_layer = &layer;
        if (layer.name() == "South")
            south_layer = &layer;
    }
    REQUIRE(north_layer);
    REQUIRE(south_layer);
    REQUIRE(north_layer->features_size() == 1);
    CHECK(north_layer->features(0).title() == "Broken lamp");
    const auto props = north_layer->features(0).properties();
    CHECK(std::any_of(props.begin(), props.end(),
                      [](const pb::LayerProperty& p) { return p.key() == "author" && p.value() == "ana"; }));
    REQUIRE(south_layer->features_size() == 2);
    CHECK(south_layer->features(0).title() == "New bench");
    CHECK(south_layer->features(1).geometry().positions(0).lon() == doctest::Approx(28.052));
    CHECK(south_layer->features(1).description() == "ben: Too dark after 7 pm\nben: Agreed, and no shelter");
    // The layers' events name the facilitator who brought the groups back.
    int added = 0;
    for (const auto& e : fay_events.events())
        if (e.has_layer_added()) {
            ++added;
            CHECK(e.actor_id() == "fay");
        }
    CHECK(added == 2);

    // The groups' rooms know their round is over.
    CHECK(ana_heard.wait_until([&] { return ana_group.replica().data().breakout_of.ended(); }));

    // A retry of the end adds nothing twice.
    const auto retried = post(server, base + "/end", fay_token);
    CHECK(retried.status == 200);
    CHECK(json_body(retried).at("already_ended").as_bool());
    const auto state = json_body(call_api(server.port(), {.target = "/v1/rooms/plenary/state", .bearer = fay_token}));
    CHECK(state.at("layers").as_array().size() == 2);
    REQUIRE(layer_named(state, "South"));
    CHECK(layer_named(state, "South")->at("source_format").as_string() == "breakout");
    CHECK(post(server, base + "/broadcast", fay_token, R"({"text": "late"})").status == 409);
    CHECK(post(server, base + "/token", ana_token).status == 409);

    // A new round may start once everyone is back.
    const auto next = post(server, base, fay_token, start_body);
    CHECK(next.status == 201);
}

TEST_CASE("random and by-city rounds deal everyone once")
{
    server_process server;
    const std::string base = "/v1/rooms/workshop/breakouts";
    const auto fay_token = server.token("workshop", "fay", pb::ROLE_FACILITATOR);
    const auto r = post(server, base, fay_token,
                        R"({"mode": "random", "count": 3, "participant_ids": ["a", "b", "c", "d", "e", "f", "g"],
                            "names": ["Blue", "Green"]})");
    REQUIRE_MESSAGE(r.status == 201, r.body);
    const auto groups = json_body(r).at("groups").as_array();
    REQUIRE(groups.size() == 3);
    CHECK(groups.at(0).at("name").as_string() == "Blue");
    CHECK(groups.at(2).at("name").as_string() == "Group 3");
    std::multiset<std::string> seen;
    for (const auto& g : groups) {
        const auto n = g.at("participant_ids").as_array().size();
        CHECK((n == 2 || n == 3));
        for (const auto& id : g.at("participant_ids").as_array())
            seen.insert(std::string(id.as_string()));
    }
    CHECK(seen == std::multiset<std::string>{"a", "b", "c", "d", "e", "f", "g"});
    REQUIRE(post(server, base + "/end", fay_token).status == 200);

    const auto by_city = post(server, base, fay_token, R"({"mode": "by_city", "participants": [
        {"id": "a", "city": "Leipzig"}, {"id": "b", "city": "eThekwini"}, {"id": "c", "city": "Leipzig"}]})");
    REQUIRE_MESSAGE(by_city.status == 201, by_city.body);
    const auto city_groups = json_body(by_city).at("groups").as_array();
    REQUIRE(city_groups.size() == 2);
    CHECK(city_groups.at(0).at("name").as_string() == "Leipzig");
    CHECK(city_groups.at(0).at("city").as_string() == "Leipzig");
    CHECK(city_groups.at(0).at("participant_ids").as_array().size() == 2);
    CHECK(city_groups.at(1).at("name").as_string() == "eThekwini");
}

TEST_CASE("a round survives a server restart in the middle")
{
    server_process server;
    const std::string base = "/v1/rooms/plenary/breakouts";
    const auto fay_token = server.token("plenary", "fay", pb::ROLE_FACILITATOR);
    const auto ana_token = server.token("plenary", "ana");
    const auto started = post(server, base, fay_token, start_body);
    REQUIRE_MESSAGE(started.status == 201, started.body);
    const auto move = post(server, base + "/token", ana_token);
    REQUIRE(move.status == 200);
    const std::string group_room(json_body(move).at("room").as_string());
    const std::string group_token(json_body(move).at("token").as_string());
    {
        client ana(options_with(server, group_room, group_token));
        join_or_fail(ana);
        require_ok(ana.add_feature(point_feature("well", 1.0, 2.0, "Old well")).get(), "ana draws");
        ana.disconnect();
    }

    server.kill9();
    server.start();

    // Still open after the restart: the same token moves ana again, she is
    // back in her group's room, and the group's work comes back.
    CHECK(post(server, base, fay_token, start_body).status == 409);
    const auto moved_again = post(server, base + "/token", ana_token);
    REQUIRE(moved_again.status == 200);
    CHECK(json_body(moved_again).at("room").as_string() == group_room);
    client ana(options_with(server, group_room, std::string(json_body(moved_again).at("token").as_string())));
    join_or_fail(ana);
    event_recorder ana_heard(ana);
    CHECK_FALSE(ana.replica().data().breakout_of.ended());

    const auto ended = post(server, base + "/end", fay_token);
    REQUIRE_MESSAGE(ended.status == 200, ended.body);
    const auto state = json_body(call_api(server.port(), {.target = "/v1/rooms/plenary/state", .bearer = fay_token}));
    REQUIRE(layer_named(state, "North"));
    CHECK(layer_named(state, "North")->at("features").at(0).at("title").as_string() == "Old well");
    CHECK_FALSE(layer_named(state, "South")); // nothing drawn: no layer

    // The group's room hears that the round is over (the app takes its
    // people back to the plenary), though the server that opened it is gone.
    CHECK(ana_heard.wait_until([&] { return ana.replica().data().breakout_of.ended(); }));
    // And its log keeps the mark. /state is for facilitators: read with a
    // facilitator's token of the group's room (a participant's answers 403,
    // whose body has no breakout_of at all).
    const auto group_state = call_api(server.port(),
                                      {.target = "/v1/rooms/" + group_room + "/state",
                                       .bearer = server.token(group_room, "fay", pb::ROLE_FACILITATOR)});
    REQUIRE_MESSAGE(group_state.status == 200, group_state.body);
    const auto membership = json_body(group_state).at("breakout_of").as_object();
    CHECK(membership.at("round_id").as_string() == json_body(started).at("id").as_string());
    // Protobuf's JSON leaves a false flag out: absent is not ended.
    const bool group_ended = membership.contains("ended") && membership.at("ended").as_bool();
    CHECK(group_ended);
}

TEST_CASE("a network's facilitator opens groups in a room of the network; its members move with their invitation")
{
    server_process server({"--admin-key", admin_key});
    make_network(server, "na");
    make_network(server, "nb");
    const std::string base = "/v1/rooms/na-workshop/breakouts";
    const auto fatima = invite(server, "na", R"({"subject": "fa", "name": "Fatima", "role": "facilitator"})");
    const auto ana = invite(server, "na", R"({"subject": "ana", "name": "Ana", "role": "participant"})");
    const auto olga = invite(server, "na", R"({"subject": "ol", "name": "Olga", "role": "observer"})");
    const auto other = invite(server, "nb", R"({"subject": "fb", "name": "Fritz", "role": "facilitator"})");

    const auto by_observer = post(server, base, olga, start_body);
    CHECK(by_observer.status == 403);
    CHECK(error_of(by_observer).find("ERROR_CODE_PERMISSION_DENIED") != std::string::npos);
    const auto by_other_network = post(server, base, other, start_body);
    CHECK(by_other_network.status == 403);
    CHECK(error_of(by_other_network).find("ERROR_CODE_TOKEN_WRONG_NETWORK") != std::string::npos);

    const auto started = post(server, base, fatima, start_body);
    REQUIRE_MESSAGE(started.status == 201, started.body);
    // Ana's invitation gets her group's room, as a room token of hers there.
    const auto move = post(server, base + "/token", ana);
    REQUIRE_MESSAGE(move.status == 200, move.body);
    CHECK(json_body(move).at("group_name").as_string() == "North");
    client in_group(options_with(server, std::string(json_body(move).at("room").as_string()),
                                 std::string(json_body(move).at("token").as_string())));
    join_or_fail(in_group);
    CHECK(in_group.me().role() == pb::ROLE_PARTICIPANT);
    CHECK(in_group.me().id() == "ana");
    // The round's end comes from the network's facilitator too.
    const auto ended = post(server, base + "/end", fatima);
    REQUIRE_MESSAGE(ended.status == 200, ended.body);
}
