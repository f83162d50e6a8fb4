// The network harvest over HTTP against a real server: a network of three
// cities (its log and its rooms' network fields written into the server's
// SQLite store with the store's own classes, as the admin API will write
// them), three living labs where real clients draw, chat, comment and vote,
// a room of no network beside them; the harvest's figures equal what the
// clients did. And who may download it, and the refusals of bad requests.
#include "http_probe.hpp"
#include "server_process.hpp"
#include "utc_day.hpp"

#include "model/network_state.hpp"
#include "store/database_file.hpp"
#include "store/room_catalog.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <chrono>

using namespace maptable;
using namespace maptable::test;

namespace {

namespace json = boost::json;

constexpr const char* admin_key = "test-admin-key-0123456789";
constexpr const char* network_id = "trio";

// 2025-01-05 and 2025-02-01, UTC: the network's set-up, long before the test runs.
constexpr std::int64_t setup_ms = 1'736'035'200'000;
constexpr std::int64_t old_feature_ms = 1'738'368'000'000;

std::int64_t now_seconds()
{
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

store::event_record record(const std::string& log_id, std::uint64_t seq, std::int64_t time_ms, std::string bytes)
{
    store::event_record r;
    r.room_id = log_id;
    r.seq = seq;
    r.time_ms = time_ms;
    r.bytes = std::move(bytes);
    return r;
}

// The network's log: created, three cities, one planned session.
std::vector<store::event_record> network_log()
{
    model::network_state network(network_id);
    std::vector<pb::NetworkEvent> changes(4);
    auto* n = changes[0].mutable_network_created()->mutable_network();
    n->set_id(network_id);
    n->set_title("Three <cities> & \"friends\"");
    n->set_theme("Safe public spaces");
    const std::tuple<const char*, const char*, const char*> cities[] = {
        {"alpha", "Alphaville", "DE"}, {"beta", "Betatown", "ZA"}, {"gamma", "Gamma City", "PT"}};
    for (int i = 0; i < 3; ++i) {
        auto* c = changes[i + 1].mutable_city_added()->mutable_city();
        c->set_id(std::get<0>(cities[i]));
        c->set_name(std::get<1>(cities[i]));
        c->set_country(std::get<2>(cities[i]));
        c->mutable_position()->set_lon(10 + i);
        c->mutable_position()->set_lat(50);
        c->set_living_lab_title(std::string("Living lab of ") + std::get<1>(cities[i]));
    }
    std::vector<store::event_record> out;
    for (auto& change : changes) {
        auto v = network.validate(change, "operator", setup_ms);
        if (const auto* r = std::get_if<model::rejection>(&v))
            FAIL("network change refused: " << r->message);
        const auto& e = std::get<pb::NetworkEvent>(v);
        network.apply(e);
        out.push_back(record("network:" + std::string(network_id), e.seq(), e.time_ms(), e.SerializeAsString()));
    }
    return out;
}

pb::RoomInfo room_info(const std::string& id, const std::string& title, const std::string& network,
                       const std::string& city_id)
{
    pb::RoomInfo info;
    info.set_id(id);
    info.set_title(title);
    info.set_network_id(network);
    info.set_kind(network.empty() ? pb::ROOM_KIND_UNSPECIFIED : pb::ROOM_KIND_LIVING_LAB);
    info.set_city_id(city_id);
    return info;
}

// The room's first event, as the admin API writes a room's network fields.
pb::Event info_event(const pb::RoomInfo& info)
{
    pb::Event e;
    e.set_seq(1);
    e.set_time_ms(setup_ms);
    e.set_actor_id("admin");
    e.set_actor_name("Administrator");
    auto* change = e.mutable_room_info_changed();
    change->set_title(info.title());
    if (!info.network_id().empty()) {
        change->set_network_id(info.network_id());
        change->set_kind(info.kind());
        change->set_city_id(info.city_id());
    }
    return e;
}

// Writes the network and its rooms into the stopped server's store: the
// network's log, each room's first event and catalogue entry, and in
// alpha's lab a feature drawn long ago (before any range the test asks for
// today).
void write_network(const server_process& server)
{
    auto log = store::open_server_log(server.data_dir().string(), {});
    REQUIRE(log->append(network_log()) == store::append_error::ok);
    store::sqlite_room_catalog catalog(server.db_path());
    const pb::RoomInfo rooms[] = {room_info("lab-alpha", "Alpha <lab>", network_id, "alpha"),
                                  room_info("lab-beta", "Beta lab", network_id, "beta"),
                                  room_info("lab-gamma", "Gamma lab", network_id, "gamma"),
                                  room_info("elsewhere", "Not in the network", "", "")};
    for (const auto& info : rooms) {
        std::vector<store::event_record> events{record(info.id(), 1, setup_ms, info_event(info).SerializeAsString())};
        if (info.id() == "lab-alpha") {
            pb::Event old;
            old.set_seq(2);
            old.set_time_ms(old_feature_ms);
            old.set_actor_id("pat");
            old.set_actor_name("Pat");
            auto* f = old.mutable_feature_added()->mutable_feature();
            *f = point_feature("old-well", 12.30, 51.30, "Old well");
            f->set_author_id("pat");
            f->set_created_seq(2);
            f->set_updated_seq(2);
            events.push_back(record(info.id(), 2, old_feature_ms, old.SerializeAsString()));
        }
        REQUIRE(log->append(events) == store::append_error::ok);
        store::catalog_entry entry;
        entry.room_id = info.id();
        entry.created_at_ms = setup_ms;
        entry.title = info.title();
        entry.info = info.SerializeAsString();
        entry.seq = events.size();
        REQUIRE(catalog.add(entry));
    }
}

// A network invitation (no room) to network `net` in role.
std::string network_token(const std::string& net, const std::string& who, pb::Role role)
{
    auth::join_claims claims;
    claims.network = net;
    claims.subject = who;
    claims.name = who;
    claims.role = role;
    claims.expires_at = now_seconds() + 3600;
    return auth::mint_join_token(claims, test_secret);
}

http_reply get(unsigned short port, const std::string& target, const std::string& bearer = admin_key)
{
    return call_api(port, {.target = target, .bearer = bearer});
}

pb::Feature area(const std::string& id, const std::string& title, const std::string& category)
{
    pb::Feature f;
    f.set_id(id);
    f.set_title(title);
    f.set_category(category);
    f.mutable_geometry()->set_kind(pb::FEATURE_KIND_AREA);
    for (auto [lon, lat] : {std::pair{12.37, 51.34}, {12.38, 51.34}, {12.38, 51.35}}) {
        auto* p = f.mutable_geometry()->add_positions();
        p->set_lon(lon);
        p->set_lat(lat);
    }
    return f;
}

// What the clients do, room by room; the test's expectations follow from it.
struct network_day {
    explicit network_day(server_process& s) : server(s)
    {
        {
            client fay(s.options("lab-alpha", "fay", pb::ROLE_FACILITATOR));
            client ana(s.options("lab-alpha", "ana"));
            client ben(s.options("lab-alpha", "ben"));
            join_or_fail(fay);
            join_or_fail(ana);
            join_or_fail(ben);
            REQUIRE(fay.start_session("Consultation one").get().ok);
            REQUIRE(ana.add_feature(point_feature("crossing", 12.371, 51.341, "Unsafe <crossing>")).get().ok);
            REQUIRE(ana.add_feature(area("square", "Market square", "green")).get().ok);
            REQUIRE(ben.add_feature(point_feature("lamp", 12.372, 51.342, "Broken lamp")).get().ok);
            REQUIRE(ana.send_chat("hello").get().ok);
            REQUIRE(ana.send_chat("the crossing is dangerous").get().ok);
            REQUIRE(ben.send_chat("agreed").get().ok);
            REQUIRE(ben.start_thread("t-crossing", "crossing", "Needs a zebra crossing").get().ok);
            REQUIRE(ana.add_comment("t-crossing", "And a lower speed limit").get().ok);
            pb::VoteRound round;
            round.set_id("first");
            round.set_title("What first?");
            round.set_dots_per_person(2);
            REQUIRE(fay.open_vote(round).get().ok);
            REQUIRE(ana.place_dot("first", "crossing").get().ok);
            REQUIRE(ana.place_dot("first", "square").get().ok);
            REQUIRE(ben.place_dot("first", "crossing").get().ok);
            REQUIRE(fay.close_vote("first").get().ok);
            REQUIRE(fay.end_session().get().ok);
        }
        {
            client fay(s.options("lab-beta", "fay", pb::ROLE_FACILITATOR));
            client cem(s.options("lab-beta", "cem"));
            join_or_fail(fay);
            join_or_fail(cem);
            REQUIRE(cem.add_feature(point_feature("bus-stop", 18.42, -33.92, "Bus stop")).get().ok);
            REQUIRE(cem.send_chat("sawubona").get().ok);
            REQUIRE(cem.start_thread("t-bus", "bus-stop", "Shelter?").get().ok);
            REQUIRE(fay.resolve_thread("t-bus").get().ok);
        }
        {
            client dee(s.options("lab-gamma", "dee"));
            client ana(s.options("lab-gamma", "ana"));
            join_or_fail(dee);
            join_or_fail(ana);
            REQUIRE(dee.send_chat("olá").get().ok);
            REQUIRE(ana.send_chat("hello from alpha").get().ok);
        }
        {
            client zed(s.options("elsewhere", "zed"));
            join_or_fail(zed);
            REQUIRE(zed.add_feature(point_feature("not-ours", 1, 1, "Not ours")).get().ok);
            REQUIRE(zed.send_chat("not part of the network").get().ok);
        }
    }
    server_process& server;
};

const json::value& city(const json::value& bundle, const std::string& id)
{
    for (const auto& c : bundle.at("cities").as_array())
        if (c.at("city_id") == json::value(id))
            return c;
    FAIL("no city " << id << " in " << json::serialize(bundle));
    throw;
}

int number(const json::value& v, const char* key)
{
    return v.at(key).to_number<int>();
}

struct harvest_fixture {
    server_process server{{"--admin-key", admin_key}};
    harvest_fixture()
    {
        server.stop();
        write_network(server);
        server.start();
    }
};

std::string today_range()
{
    // Yesterday to tomorrow: the test's own actions, whatever the clock's
    // day boundary, and never the set-up of 2025.
    return "from=" + utc_day(-1) + "&to=" + utc_day(1);
}

} // namespace

TEST_CASE("the harvest's figures per city equal what the clients did")
{
    harvest_fixture f;
    network_day did(f.server);

    const auto r = get(f.server.port(), "/v1/networks/trio/harvest?format=geojson&" + today_range());
    REQUIRE_MESSAGE(r.status == 200, r.body);
    CHECK(r.header("Content-Type") == "application/json");
    CHECK(r.header("Content-Disposition").find("harvest-trio-from-") != std::string::npos);
    const auto bundle = json_body(r);
    REQUIRE(bundle.is_object());
    CHECK(bundle.at("network").at("title") == "Three <cities> & \"friends\"");

    const auto& alpha = city(bundle, "alpha");
    CHECK(alpha.at("name") == "Alphaville");
    CHECK(number(alpha.at("participation"), "participants") == 3); // fay, ana, ben; the 2025 author is outside
    CHECK(number(alpha.at("participation"), "messages") == 3);
    CHECK(number(alpha.at("participation"), "features") == 3);
    CHECK(number(alpha.at("participation"), "comments") == 2);
    CHECK(number(alpha, "features_on_map") == 4); // the old well is still on the map
    CHECK(number(alpha, "sessions") == 1);
    CHECK(number(alpha, "decisions") == 1);
    CHECK(number(alpha, "threads_open") == 1);
    CHECK(number(alpha, "threads_resolved") == 0);
    const auto& lab = alpha.at("rooms").at(0);
    CHECK(lab.at("room_id") == "lab-alpha");
    CHECK(lab.at("title") == "Alpha <lab>");
    const auto& decision = lab.at("decisions").at(0);
    CHECK(decision.at("title") == "What first?");
    CHECK(decision.at("results").at(0).at("title") == "Unsafe <crossing>");
    CHECK(number(decision.at("results").at(0), "dots") == 2);
    CHECK(decision.at("results").at(1).at("title") == "Market square");
    CHECK(number(decision.at("results").at(1), "dots") == 1);
    CHECK(lab.at("sessions").at(0).at("title") == "Consultation one");
    CHECK(!lab.at("sessions").at(0).at("ended").is_null());
    CHECK(alpha.at("features").at("type") == "FeatureCollection");
    CHECK(alpha.at("features").at("features").as_array().size() == 4);
    CHECK(alpha.at("maps").as_array().size() == 1);
    const auto svg = std::string(alpha.at("maps").at(0).at("svg").as_string());
    CHECK(svg.find("data-feature=\"crossing\"") != std::string::npos);
    CHECK(svg.find("data-feature=\"old-well\"") != std::string::npos);

    const auto& beta = city(bundle, "beta");
    CHECK(number(beta.at("participation"), "participants") == 2); // cem, and fay who resolved
    CHECK(number(beta.at("participation"), "messages") == 1);
    CHECK(number(beta.at("participation"), "features") == 1);
    CHECK(number(beta.at("participation"), "comments") == 1);
    CHECK(number(beta, "threads_open") == 0);
    CHECK(number(beta, "threads_resolved") == 1);

    const auto& gamma = city(bundle, "gamma");
    CHECK(number(gamma.at("participation"), "participants") == 2);
    CHECK(number(gamma.at("participation"), "messages") == 2);

    const auto& summary = bundle.at("summary");
    CHECK(number(summary, "cities") == 3);
    CHECK(number(summary, "rooms") == 3);                            // "elsewhere" is in no network
    CHECK(number(summary.at("participation"), "participants") == 5); // fay, ana, ben, cem, dee: each once
    CHECK(number(summary.at("participation"), "messages") == 6);
    CHECK(number(summary.at("participation"), "features") == 4);
    CHECK(number(summary, "decisions") == 1);
    CHECK(bundle.as_object().contains("people") == false);
    CHECK(alpha.as_object().contains("people") == false);
    CHECK(r.body.find("zed") == std::string::npos);
    CHECK(r.body.find("not-ours") == std::string::npos);

    {
        // Per person, for those who ask.
        const auto reply =
            get(f.server.port(), "/v1/networks/trio/harvest?format=geojson&per_person=1&" + today_range());
        REQUIRE_MESSAGE(reply.status == 200, reply.body);
        const auto each = json_body(reply);
        const auto& people = city(each, "alpha").at("people").as_array();
        REQUIRE(people.size() == 3);
        for (const auto& p : people)
            if (p.at("id") == "ana") {
                CHECK(number(p, "messages") == 2);
                CHECK(number(p, "features") == 2);
                CHECK(number(p, "comments") == 1);
            }
    }
    {
        // A range in the past: the map as it was then, and that time's work.
        const auto reply =
            get(f.server.port(), "/v1/networks/trio/harvest?format=geojson&from=2025-01-01&to=2025-12-31");
        REQUIRE_MESSAGE(reply.status == 200, reply.body);
        const auto past = json_body(reply);
        const auto& then = city(past, "alpha");
        CHECK(number(then, "features_on_map") == 1);
        CHECK(number(then.at("participation"), "participants") == 1); // pat
        CHECK(number(then.at("participation"), "features") == 1);
        CHECK(number(then, "decisions") == 0);
        CHECK(then.at("features").at("features").at(0).at("properties").at("id") == "old-well");
    }
}

TEST_CASE("a network facilitator downloads the harvest as HTML and Markdown")
{
    harvest_fixture f;
    network_day did(f.server);
    const auto token = network_token(network_id, "nora", pb::ROLE_FACILITATOR);

    const auto html = get(f.server.port(), "/v1/networks/trio/harvest?" + today_range(), token);
    REQUIRE_MESSAGE(html.status == 200, html.body);
    CHECK(html.header("Content-Type") == "text/html; charset=utf-8");
    CHECK(html.header("Content-Security-Policy").find("default-src 'none'") != std::string::npos);
    CHECK(html.body.starts_with("<!DOCTYPE html>"));
    CHECK(html.body.find("Three &lt;cities&gt; &amp; &quot;friends&quot;") != std::string::npos);
    CHECK(html.body.find("Unsafe &lt;crossing&gt;") != std::string::npos);
    CHECK(html.body.find("<crossing>") == std::string::npos);
    CHECK(html.body.find("Alphaville (DE)") != std::string::npos);

    const auto md = get(f.server.port(), "/v1/networks/trio/harvest?format=md&" + today_range(), token);
    REQUIRE_MESSAGE(md.status == 200, md.body);
    CHECK(md.header("Content-Type") == "text/markdown; charset=utf-8");
    CHECK(md.body.starts_with("# Harvest of Three \\<cities\\>"));
    CHECK(md.body.find("| Alphaville (DE) | 3 | 3 | 3 | 2 |") != std::string::npos);
}

TEST_CASE("the harvest refuses whoever may not have it, and bad requests, clearly")
{
    harvest_fixture f;
    const auto port = f.server.port();
    const std::string path = "/v1/networks/trio/harvest";

    auto r = get(port, path, "");
    CHECK(r.status == 401);
    CHECK(r.header("WWW-Authenticate").starts_with("Bearer"));
    CHECK(json_body(r).at("error").as_string().find("facilitator") != std::string::npos);

    r = get(port, path, "not-a-token");
    CHECK(r.status == 401);

    r = get(port, path, network_token(network_id, "pia", pb::ROLE_PARTICIPANT));
    CHECK(r.status == 403);
    CHECK(json_body(r).at("error").as_string().find("participant") != std::string::npos);

    r = get(port, path, network_token("another", "nora", pb::ROLE_FACILITATOR));
    CHECK(r.status == 403);
    CHECK(json_body(r).at("error").as_string().find("TOKEN_WRONG_NETWORK") != std::string::npos);

    r = get(port, path, f.server.token("lab-alpha", "fay", pb::ROLE_FACILITATOR));
    CHECK(r.status == 403); // a room's facilitator is not the network's

    r = get(port, path + "?from=2026-02-30");
    CHECK(r.status == 400);
    CHECK(json_body(r).at("error").as_string().find("YYYY-MM-DD") != std::string::npos);

    r = get(port, path + "?from=2026-05-02&to=2026-05-01");
    CHECK(r.status == 400);
    CHECK(json_body(r).at("error").as_string().find("after") != std::string::npos);

    r = get(port, path + "?format=pdf");
    CHECK(r.status == 400);

    r = get(port, path + "?per_person=maybe");
    CHECK(r.status == 400);

    r = get(port, "/v1/networks/nowhere/harvest");
    CHECK(r.status == 404);
    CHECK(json_body(r).at("error").as_string().find("nowhere") != std::string::npos);

    r = get(port, "/v1/networks/bad%20id/harvest");
    CHECK(r.status == 404);

    r = call_api(port, {.method = "POST", .target = path, .bearer = admin_key});
    CHECK(r.status == 405);

    // The server is still there, and the harvest of a quiet network works.
    r = get(port, path + "?format=geojson");
    REQUIRE_MESSAGE(r.status == 200, r.body);
    const auto bundle = json_body(r);
    CHECK(number(bundle.at("summary"), "rooms") == 3);
    CHECK(bundle.at("from").is_null());
}
