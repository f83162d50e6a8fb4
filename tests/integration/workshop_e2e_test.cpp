// Integration: a small workshop end to end (issue 3, "Done when"). A
// facilitator creates a room and mints invites through the admin API; a
// facilitator, two participants and an observer join with those tokens
// through the SDK; an agenda step moves everyone's view, a dot vote runs,
// two participants discuss a feature in a thread, the observer's edit is
// refused; the GeoJSON export and the Markdown report show the votes and
// the thread. Admin calls are plain HTTP (Beast), as a host app would make.
#include "server_process.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <condition_variable>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

using namespace maptable;
using namespace maptable::test;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

constexpr const char* admin_key = "workshop-admin-key-0123456789";
constexpr const char* room_id = "harbour-lab";

struct reply {
    int status = 0;
    std::string body;
    std::string content_type;
};

// One request on a fresh connection to the server.
reply call(unsigned short port, http::verb method, const std::string& target, const std::string& bearer,
           const std::string& body = {})
{
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    req.set(http::field::authorization, "Bearer " + bearer);
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(16 << 20);
    http::read(stream, buffer, parser);
    reply r;
    r.status = static_cast<int>(parser.get().result_int());
    r.body = parser.get().body();
    r.content_type = std::string(parser.get()[http::field::content_type]);
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    return r;
}

json::object parse_object(const reply& r)
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
    const auto r = call(server.port(), http::verb::post, std::string("/v1/admin/rooms/") + room_id + "/tokens",
                        admin_key, json::serialize(body));
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

void require_ok(const command_result& r, const char* what)
{
    REQUIRE_MESSAGE(r.ok, what << ": " << pb::ErrorCode_Name(r.code) << ": " << r.message);
}

const json::object& feature_in(const json::object& collection, const std::string& id)
{
    for (const auto& f : collection.at("features").as_array())
        if (f.as_object().at("id").as_string() == id.c_str())
            return f.as_object();
    FAIL("no feature " << id << " in " << json::serialize(collection));
    throw;  // not reached
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
    const auto created = call(server.port(), http::verb::post, "/v1/admin/rooms", admin_key, json::serialize(room));
    INFO("POST /v1/admin/rooms: " << created.status << " " << created.body << "\nserver log:\n" << server.log());
    REQUIRE(created.status == 201);
    CHECK(parse_object(created).at("id").as_string() == room_id);

    // ...and mints an invite for each person.
    const auto ana_token = invite(server, "facilitator", "Ana");
    const auto ben_token = invite(server, "participant", "Ben");
    const auto cleo_token = invite(server, "participant", "Cleo");
    const auto obi_token = invite(server, "observer", "Obi");

    view_requests ben_views, cleo_views;   // outlive the clients that call them
    client ana(joining_with(server, ana_token));
    client ben(joining_with(server, ben_token));
    client cleo(joining_with(server, cleo_token));
    client obi(joining_with(server, obi_token));
    ben_views.attach(ben);
    cleo_views.attach(cleo);
    event_recorder obi_events(obi);
    for (client* c : {&ana, &ben, &cleo, &obi})
        join_or_fail(*c);
    CHECK(ana.replica().info().title() == "Harbour lab");
    CHECK(ana.me().role() == pb::ROLE_FACILITATOR);
    CHECK(obi.me().role() == pb::ROLE_OBSERVER);

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

    // The GeoJSON export (admin key) shows the votes and the comment count.
    const auto geojson = call(server.port(), http::verb::get, std::string("/v1/rooms/") + room_id + "/export/geojson",
                              admin_key);
    INFO("geojson: " << geojson.status << " " << geojson.body);
    REQUIRE(geojson.status == 200);
    CHECK(geojson.content_type.find("application/geo+json") == 0);
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
    const auto report = call(server.port(), http::verb::get, std::string("/v1/rooms/") + room_id + "/export/report.md",
                             ana_token);
    INFO("report: " << report.status << "\n" << report.body);
    REQUIRE(report.status == 200);
    CHECK(report.content_type.find("text/markdown") == 0);
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
    const auto forbidden = call(server.port(), http::verb::get, std::string("/v1/rooms/") + room_id + "/export/report.md",
                                ben_token);
    CHECK(forbidden.status == 403);
}
