// Integration: a small workshop end to end: everything a facilitator needs
// to run one, used together as a real workshop would. A
// facilitator creates a room and mints invites through the admin API; a
// facilitator, two participants and an observer join with those tokens
// through the SDK; an agenda step moves everyone's view, a dot vote runs,
// two participants discuss a feature in a thread, the observer's edit is
// refused; the GeoJSON export and the Markdown report show the votes and
// the thread. Admin calls are plain HTTP requests, as a host app would make.
#include "http_probe.hpp"
#include "server_process.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

using namespace maptable;
using namespace maptable::test;

namespace {

namespace json = boost::json;

constexpr const char* admin_key = "workshop-admin-key-0123456789";
constexpr const char* room_id = "harbour-lab";

json::object parse_object(const http_reply& r)
{
    json::error_code ec;
    auto value = json::parse(r.body, ec);
    REQUIRE_MESSAGE((!ec && value.is_object()), "not a JSON object: " << r.body);
    return value.as_object();
}

// POST .../tokens: a join token for the room, minted by the admin API.
std::string invite(const server_process& server, const std::string& role, const std::string& name)
{
    const json::object body{{"role", role}, {"name", name}};
    const auto r = call_api(server.port(),
                            {.method = "POST",
                             .target = std::string("/v1/admin/rooms/") + room_id + "/tokens",
                             .bearer = admin_key,
                             .body = json::serialize(body)});
    INFO("POST tokens for " << name << ": " << r.status << " " << r.body);
    REQUIRE(r.status == 201);
    const auto minted = parse_object(r);
    CHECK(minted.at("role").as_string() == role.c_str());
    const std::string token(minted.at("token").as_string());
    const std::string url(minted.at("invite_url").as_string());
    CHECK(url.find(std::string("#room=") + room_id + "&token=" + token) != std::string::npos);
    return token;
}

client_options joining_with(const server_process& server, const std::string& token)
{
    client_options o;
    o.url = server.url();
    o.room_id = room_id;
    o.token = token;
    return o;
}

// The views a client was asked to move to (on_view_request).
class view_requests {
public:
    void attach(client& c)
    {
        c.on_view_request([this](const pb::Viewport& v) {
            std::lock_guard lock(mutex_);
            views_.push_back(v);
            changed_.notify_all();
        });
    }
    bool wait_for(std::size_t count)
    {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, std::chrono::seconds(30), [&] { return views_.size() >= count; });
    }
    std::vector<pb::Viewport> views() const
    {
        std::lock_guard lock(mutex_);
        return views_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<pb::Viewport> views_;
};

// The chat messages that mentioned a client (on_mention).
class mentions {
public:
    void attach(client& c)
    {
        c.on_mention([this](const pb::ChatMessage& m) {
            std::lock_guard lock(mutex_);
            texts_.push_back(m.text());
        });
    }
    std::vector<std::string> texts() const
    {
        std::lock_guard lock(mutex_);
        return texts_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> texts_;
};

void require_ok(const command_result& r, const std::string& what)
{
    REQUIRE_MESSAGE(r.ok, what << ": " << pb::ErrorCode_Name(r.code) << ": " << r.message);
}

pb::Viewport viewport(double west, double south, double east, double north, double zoom)
{
    pb::Viewport v;
    v.mutable_south_west()->set_lon(west);
    v.mutable_south_west()->set_lat(south);
    v.mutable_north_east()->set_lon(east);
    v.mutable_north_east()->set_lat(north);
    v.set_zoom(zoom);
    return v;
}

const json::object& feature_in(const json::object& collection, const std::string& id)
{
    for (const auto& f : collection.at("features").as_array())
        if (f.as_object().at("id").as_string() == id.c_str())
            return f.as_object();
    FAIL("no feature " << id << " in " << json::serialize(collection));
    throw; // not reached
}

} // namespace

TEST_CASE("a workshop end to end: admin API, invites, agenda view, dot vote, thread, observer refused, exports")
{
    server_process server({"--admin-key", admin_key});

    // The facilitator's host app creates the room...
    const json::object room{{"id", room_id},
                            {"title", "Harbour lab"},
                            {"city", "Cape Town"},
                            {"center", json::object{{"lon", 18.42}, {"lat", -33.92}}},
                            {"zoom", 13}};
    const auto created =
        call_api(server.port(),
                 {.method = "POST", .target = "/v1/admin/rooms", .bearer = admin_key, .body = json::serialize(room)});
    INFO("POST /v1/admin/rooms: " << created.status << " " << created.body << "\nserver log:\n" << server.log());
    REQUIRE(created.status == 201);
    CHECK(parse_object(created).at("id").as_string() == room_id);

    // ...and mints an invite for each person.
    const auto ana_token = invite(server, "facilitator", "Ana");
    const auto ben_token = invite(server, "participant", "Ben");
    const auto cleo_token = invite(server, "participant", "Cleo");
    const auto obi_token = invite(server, "observer", "Obi");

    view_requests ana_views, ben_views, cleo_views; // outlive the clients that call them
    mentions ben_mentions, cleo_mentions;
    client ana(joining_with(server, ana_token));
    client ben(joining_with(server, ben_token));
    client cleo(joining_with(server, cleo_token));
    client obi(joining_with(server, obi_token));
    ana_views.attach(ana);
    ben_views.attach(ben);
    cleo_views.attach(cleo);
    ben_mentions.attach(ben);
    cleo_mentions.attach(cleo);
    event_recorder obi_events(obi);
    event_recorder cleo_events(cleo);
    for (client* c : {&ana, &ben, &cleo, &obi})
        join_or_fail(*c);
    CHECK(ana.replica().info().title() == "Harbour lab");
    CHECK(ana.me().role() == pb::ROLE_FACILITATOR);
    CHECK(obi.me().role() == pb::ROLE_OBSERVER);
    // Each participant has a ballot pseudonym of their own for anonymous rounds.
    CHECK_FALSE(ben.ballot_id().empty());
    CHECK(ben.ballot_id() != cleo.ballot_id());
    CHECK(ben.ballot_id() != ben.me().id());
    // Server and clients share this machine's clock: the offset is only the
    // Welcome's transit, nowhere near the clock's value itself.
    CHECK(std::chrono::abs(ben.server_clock_offset()) < std::chrono::minutes(1));

    require_ok(ana.add_feature(point_feature("f-crossing", 18.424, -33.918, "Zebra crossing")).get(), "crossing");
    require_ok(ana.add_feature(point_feature("f-bench", 18.426, -33.919, "Bench")).get(), "bench");

    // An agenda step with a view: every participant's map is asked to go there.
    pb::AgendaStep look;
    look.set_id("look");
    look.set_title("Look at the harbour front");
    look.mutable_view()->mutable_center()->set_lon(18.43);
    look.mutable_view()->mutable_center()->set_lat(-33.91);
    look.mutable_view()->set_zoom(15);
    pb::AgendaStep decide;
    decide.set_id("decide");
    decide.set_title("What first?");
    require_ok(ana.set_agenda({look, decide}).get(), "set_agenda");
    require_ok(ana.open_agenda_step("look").get(), "open_agenda_step");
    for (auto* views : {&ben_views, &cleo_views}) {
        REQUIRE(views->wait_for(1));
        const auto v = views->views().front();
        CHECK(v.south_west().lon() == 18.43);
        CHECK(v.south_west().lat() == -33.91);
        CHECK(v.north_east().lon() == 18.43);
        CHECK(v.zoom() == 15);
    }
    CHECK(ben.replica().data().current_step == "look");
    // The facilitator who opened it moves too.
    REQUIRE(ana_views.wait_for(1));

    // "Bring everyone to my view": the others move, the sharer does not.
    const auto harbour = viewport(18.40, -33.93, 18.44, -33.90, 14);
    require_ok(ana.share_view(harbour).get(), "share_view");
    for (auto* views : {&ben_views, &cleo_views}) {
        REQUIRE(views->wait_for(2));
        CHECK(views->views()[1].SerializeAsString() == harbour.SerializeAsString());
    }
    CHECK(ana_views.views().size() == 1); // the event's callbacks ran before its ack

    // Follow me: while Ana leads, her viewport presence moves the others' maps.
    require_ok(ana.set_follow(true).get(), "set_follow");
    const auto pier = viewport(18.425, -33.915, 18.43, -33.91, 16);
    ana.change_viewport(pier);
    for (auto* views : {&ben_views, &cleo_views}) {
        REQUIRE(views->wait_for(3));
        CHECK(views->views()[2].SerializeAsString() == pier.SerializeAsString());
    }
    require_ok(ana.set_follow(false).get(), "stop following");
    const auto before_vote = ana.seq();

    pb::VoteRound round;
    round.set_id("priorities");
    round.set_title("What should be fixed first?");
    round.set_dots_per_person(3);
    require_ok(ana.open_vote(round).get(), "open_vote");

    // Two participants vote and discuss the crossing.
    require_ok(ben.place_dot("priorities", "f-crossing").get(), "Ben's first dot");
    require_ok(ben.place_dot("priorities", "f-crossing").get(), "Ben's second dot");
    require_ok(cleo.place_dot("priorities", "f-crossing").get(), "Cleo's dot on the crossing");
    require_ok(cleo.place_dot("priorities", "f-bench").get(), "Cleo's dot on the bench");
    require_ok(ben.start_thread("t-crossing", "f-crossing", "Kids cross here on the way to school").get(), "thread");
    require_ok(cleo.add_comment("t-crossing", "A speed bump would help too").get(), "reply");

    // A mention reaches the one mentioned.
    require_ok(ana.send_chat("@Ben thanks, that is the school route", 0, {}, {ben.me().id()}).get(), "mention");

    // The observer may look, not draw.
    const auto refused = obi.add_feature(point_feature("f-obi", 18.425, -33.917, "Mine")).get();
    CHECK_FALSE(refused.ok);
    CHECK(refused.code == pb::ERROR_CODE_PERMISSION_DENIED);

    const auto closed = ana.close_vote("priorities").get();
    require_ok(closed, "close_vote");
    REQUIRE(obi_events.wait_for_seq(closed.seq));
    const auto obi_state = obi.replica();
    const auto* final_round = obi_state.find_vote("priorities");
    REQUIRE(final_round != nullptr);
    CHECK(final_round->closed());
    REQUIRE(final_round->results_size() == 2);
    CHECK(final_round->results(0).feature_id() == "f-crossing");
    CHECK(final_round->results(0).dots() == 3);
    CHECK(final_round->results(1).feature_id() == "f-bench");
    CHECK(final_round->results(1).dots() == 1);
    CHECK(ben_mentions.texts() == std::vector<std::string>{"@Ben thanks, that is the school route"});
    // Once Cleo has the close, her callbacks for the earlier mention have run.
    REQUIRE(cleo_events.wait_for_seq(closed.seq));
    CHECK(cleo_mentions.texts().empty());

    // Replay: the room before the vote, and at its close.
    const auto earlier = ana.state_at_seq(before_vote).get();
    REQUIRE_MESSAGE(earlier.ok, pb::ErrorCode_Name(earlier.error.code) << ": " << earlier.error.message);
    CHECK(earlier.state.seq() == before_vote);
    CHECK(earlier.state.data().votes.empty());
    CHECK(earlier.state.data().current_step == "look");
    CHECK(earlier.state.features().size() == 2);
    const auto at_close = ben.state_at_seq(closed.seq).get();
    REQUIRE(at_close.ok);
    CHECK(at_close.state.canonical_hash() == obi.replica().canonical_hash());
    const auto future_seq = ana.state_at_seq(closed.seq + 100).get();
    CHECK_FALSE(future_seq.ok);
    CHECK(future_seq.error.code == pb::ERROR_CODE_SEQ_OUT_OF_RANGE);
    const auto before_history = ana.state_at_time(1).get(); // 1 ms after 1970: before the room's first event
    CHECK_FALSE(before_history.ok);
    CHECK(before_history.error.code == pb::ERROR_CODE_SEQ_OUT_OF_RANGE);

    // The GeoJSON export (admin key) shows the votes and the comment count.
    const auto geojson = call_api(
        server.port(), {.target = std::string("/v1/rooms/") + room_id + "/export/geojson", .bearer = admin_key});
    INFO("geojson: " << geojson.status << " " << geojson.body);
    REQUIRE(geojson.status == 200);
    CHECK(geojson.header("Content-Type").find("application/geo+json") == 0);
    const auto collection = parse_object(geojson);
    CHECK(collection.at("type").as_string() == "FeatureCollection");
    const auto& crossing = feature_in(collection, "f-crossing").at("properties").as_object();
    CHECK(crossing.at("votes").to_number<int>() == 3);
    CHECK(crossing.at("comment_count").to_number<int>() == 2);
    const auto& bench = feature_in(collection, "f-bench").at("properties").as_object();
    CHECK(bench.at("votes").to_number<int>() == 1);
    CHECK(bench.at("comment_count").to_number<int>() == 0);
    // The refused feature never reached the log.
    CHECK(collection.at("features").as_array().size() == 2);

    // The report (the facilitator's own token) shows the vote and the thread.
    const auto report = call_api(
        server.port(), {.target = std::string("/v1/rooms/") + room_id + "/export/report.md", .bearer = ana_token});
    INFO("report: " << report.status << "\n" << report.body);
    REQUIRE(report.status == 200);
    CHECK(report.header("Content-Type").find("text/markdown") == 0);
    CHECK(report.body.find("Harbour lab") != std::string::npos);
    CHECK(report.body.find("What should be fixed first?") != std::string::npos);
    CHECK(report.body.find("Zebra crossing") != std::string::npos);
    CHECK(report.body.find("Kids cross here on the way to school") != std::string::npos);
    CHECK(report.body.find("A speed bump would help too") != std::string::npos);
    // The vote results: a line names the crossing with its 3 dots.
    bool crossing_with_dots = false;
    std::istringstream lines(report.body);
    for (std::string line; std::getline(lines, line);)
        crossing_with_dots |= line.find("Zebra crossing") != std::string::npos && line.find('3') != std::string::npos;
    CHECK(crossing_with_dots);

    // A participant's token does not open the exports.
    const auto forbidden = call_api(
        server.port(), {.target = std::string("/v1/rooms/") + room_id + "/export/report.md", .bearer = ben_token});
    CHECK(forbidden.status == 403);
}

TEST_CASE("remaining_ms counts a running timer down in server time, never below zero; viewport_of a step's view")
{
    pb::Timer timer;
    timer.set_duration_ms(60'000);
    timer.set_remaining_ms(60'000);
    timer.set_running(true);
    timer.set_started_at_ms(1'000'000);
    CHECK(remaining_ms(timer, 1'000'000) == 60'000);
    CHECK(remaining_ms(timer, 1'015'000) == 45'000);
    CHECK(remaining_ms(timer, 1'060'000) == 0);
    CHECK(remaining_ms(timer, 2'000'000) == 0);
    CHECK(remaining_ms(timer, 999'000) == 60'000); // a clock behind the start: no time passed
    timer.set_running(false);
    timer.set_remaining_ms(12'000);
    CHECK(remaining_ms(timer, 5'000'000) == 12'000); // paused: it stands still

    pb::MapView centred;
    centred.mutable_center()->set_lon(13.4);
    centred.mutable_center()->set_lat(52.5);
    centred.set_zoom(12);
    const auto a = viewport_of(centred);
    CHECK(a.south_west().lon() == 13.4);
    CHECK(a.north_east().lat() == 52.5);
    CHECK(a.zoom() == 12);
    pb::MapView boxed = centred;
    boxed.mutable_bounds()->mutable_south_west()->set_lon(13.3);
    boxed.mutable_bounds()->mutable_south_west()->set_lat(52.4);
    boxed.mutable_bounds()->mutable_north_east()->set_lon(13.5);
    boxed.mutable_bounds()->mutable_north_east()->set_lat(52.6);
    const auto b = viewport_of(boxed); // bounds win over the centre
    CHECK(b.south_west().lon() == 13.3);
    CHECK(b.south_west().lat() == 52.4);
    CHECK(b.north_east().lon() == 13.5);
    CHECK(b.north_east().lat() == 52.6);
}
