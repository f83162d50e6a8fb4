// Exports and replay over HTTP: GeoJSON valid per RFC
// 7946 with votes and comment counts, chat and comments as JSON and CSV
// (RFC 4180 quoting), the Markdown session report, deleted content only on
// request, an export at an earlier seq, who may export, and a room of a
// learning network naming its network, kind and city.
#include "csv_records.hpp"
#include "http_probe.hpp"
#include "server_process.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace maptable;
using namespace maptable::test;

namespace {

namespace json = boost::json;

constexpr const char* admin_key = "test-admin-key-0123456789";

// GET target with "Authorization: Bearer <credential>" ("" sends none).
http_reply get(unsigned short port, const std::string& target, const std::string& credential = admin_key)
{
    return call_api(port, {.target = target, .bearer = credential});
}

pb::Feature line_feature(const std::string& id)
{
    pb::Feature f;
    f.set_id(id);
    f.set_title("Cycle route");
    f.mutable_geometry()->set_kind(pb::FEATURE_KIND_LINE);
    for (auto [lon, lat] : {std::pair{18.40, -33.90}, {18.41, -33.91}, {18.42, -33.905}}) {
        auto* p = f.mutable_geometry()->add_positions();
        p->set_lon(lon);
        p->set_lat(lat);
    }
    return f;
}

// A clockwise square, left open as the model keeps rings.
pb::Feature area_feature(const std::string& id)
{
    pb::Feature f;
    f.set_id(id);
    f.set_title("Park");
    f.set_category("green");
    f.mutable_geometry()->set_kind(pb::FEATURE_KIND_AREA);
    for (auto [lon, lat] : {std::pair{18.40, -33.90}, {18.41, -33.90}, {18.41, -33.91}, {18.40, -33.91}}) {
        auto* p = f.mutable_geometry()->add_positions();
        p->set_lon(lon);
        p->set_lat(lat);
    }
    return f;
}

// An admin API call with a JSON body that must succeed.
void admin_post(unsigned short port, const std::string& target, const json::object& body)
{
    const auto r =
        call_api(port, {.method = "POST", .target = target, .bearer = admin_key, .body = json::serialize(body)});
    REQUIRE_MESSAGE((r.status >= 200 && r.status <= 299), target << ": " << r.status << " " << r.body);
}

const json::object* feature_named(const json::value& collection, const std::string& id)
{
    for (const auto& f : collection.at("features").as_array())
        if (f.at("id") == json::value(id))
            return &f.as_object();
    return nullptr;
}

// A workshop in room "harbour": an agenda, three features, a vote round
// (closed) with dots, a thread with two comments, chat with a tricky
// message and a deleted one, and a deleted feature.
struct workshop {
    explicit workshop(server_process& s)
        : server(s), ana(s.options("harbour", "ana", pb::ROLE_FACILITATOR)), ben(s.options("harbour", "ben"))
    {
        join_or_fail(ana);
        join_or_fail(ben);
        pb::AgendaStep intro, vote;
        intro.set_id("intro");
        intro.set_title("Walk the waterfront");
        intro.set_prompt("What is missing here?");
        vote.set_id("vote");
        vote.set_title("Choose priorities");
        REQUIRE(ana.set_agenda({intro, vote}).get().ok);
        pb::Feature point = point_feature("f-bench", 18.42, -33.92, "Benches");
        point.set_category("seating");
        first_feature_seq = ben.add_feature(point).get().seq;
        REQUIRE(first_feature_seq > 0);
        REQUIRE(ben.add_feature(line_feature("f-route")).get().ok);
        REQUIRE(ana.add_feature(area_feature("f-park")).get().ok);
        REQUIRE(ben.add_feature(point_feature("f-gone", 18.43, -33.93, "Kiosk")).get().ok);
        REQUIRE(ana.delete_feature("f-gone", "duplicate of the benches").get().ok);

        pb::VoteRound round;
        round.set_id("priorities");
        round.set_title("Top priorities");
        round.set_dots_per_person(3);
        REQUIRE(ana.open_vote(round).get().ok);
        REQUIRE(ben.place_dot("priorities", "f-park").get().ok);
        REQUIRE(ben.place_dot("priorities", "f-park").get().ok);
        REQUIRE(ana.place_dot("priorities", "f-park").get().ok);
        REQUIRE(ana.place_dot("priorities", "f-bench").get().ok);
        REQUIRE(ana.close_vote("priorities").get().ok);

        REQUIRE(ben.start_thread("t-park", "f-park", "Needs shade trees").get().ok);
        REQUIRE(ana.add_comment("t-park", "Agreed; noted for phase 2").get().ok);

        REQUIRE(ben.send_chat(tricky_text).get().ok);
        const auto rude = ben.send_chat("something rude").get();
        REQUIRE(rude.ok);
        deleted_chat_seq = rude.seq;
        const auto removed = ana.delete_chat(rude.seq, "off topic").get();
        REQUIRE(removed.ok);
        last_seq = removed.seq;
    }

    server_process& server;
    client ana;
    client ben;
    std::uint64_t first_feature_seq = 0;
    std::uint64_t deleted_chat_seq = 0;
    std::uint64_t last_seq = 0;
    static constexpr const char* tricky_text = "Benches, \"real\" ones\nnot rocks";
};

} // namespace

TEST_CASE("the GeoJSON export is an RFC 7946 FeatureCollection with votes and comment counts")
{
    server_process server({"--admin-key", admin_key});
    workshop w(server);
    const auto r = get(server.port(), "/v1/rooms/harbour/export/geojson");
    REQUIRE_MESSAGE(r.status == 200, r.body);
    CHECK(r.header("Content-Type") == "application/geo+json");
    const auto doc = json_body(r);
    REQUIRE(doc.is_object());
    CHECK(doc.at("type") == "FeatureCollection");
    CHECK(doc.at("features").as_array().size() == 3); // the deleted one is left out
    CHECK(feature_named(doc, "f-gone") == nullptr);

    const auto* bench = feature_named(doc, "f-bench");
    REQUIRE(bench);
    CHECK(bench->at("type") == "Feature");
    CHECK(bench->at("geometry").at("type") == "Point");
    CHECK(bench->at("geometry").at("coordinates").at(0).to_number<double>() == 18.42); // [lon, lat]
    CHECK(bench->at("geometry").at("coordinates").at(1).to_number<double>() == -33.92);
    const auto& bp = bench->at("properties").as_object();
    CHECK(bp.at("id") == "f-bench");
    CHECK(bp.at("kind") == "point");
    CHECK(bp.at("title") == "Benches");
    CHECK(bp.at("category") == "seating");
    CHECK(bp.at("author_id") == "ben");
    CHECK(bp.at("created_seq").to_number<std::uint64_t>() == w.first_feature_seq);
    CHECK(bp.at("votes").to_number<int>() == 1);
    CHECK(bp.at("comment_count").to_number<int>() == 0);
    for (const char* key : {"description", "colour", "layer", "author_name", "updated_seq", "votes_by_round"})
        CHECK_MESSAGE(bp.contains(key), key);

    const auto* route = feature_named(doc, "f-route");
    REQUIRE(route);
    CHECK(route->at("geometry").at("type") == "LineString");
    CHECK(route->at("geometry").at("coordinates").as_array().size() == 3);

    const auto* park = feature_named(doc, "f-park");
    REQUIRE(park);
    CHECK(park->at("geometry").at("type") == "Polygon");
    const auto& ring = park->at("geometry").at("coordinates").at(0).as_array();
    REQUIRE(ring.size() == 5); // closed: the first position again at the end
    CHECK(ring.front() == ring.back());
    double twice_area = 0; // counter-clockwise (RFC 7946 3.1.6)
    for (std::size_t i = 0; i + 1 < ring.size(); ++i)
        twice_area += ring[i].at(0).to_number<double>() * ring[i + 1].at(1).to_number<double>() -
            ring[i + 1].at(0).to_number<double>() * ring[i].at(1).to_number<double>();
    CHECK(twice_area > 0);
    const auto& pp = park->at("properties").as_object();
    CHECK(pp.at("votes").to_number<int>() == 3);
    CHECK(pp.at("votes_by_round").at("priorities").to_number<int>() == 3);
    CHECK(pp.at("comment_count").to_number<int>() == 2);

    // With include_deleted the deleted feature is there, marked.
    const auto all = json_body(get(server.port(), "/v1/rooms/harbour/export/geojson?include_deleted=1"));
    REQUIRE(all.is_object());
    CHECK(all.at("features").as_array().size() == 4);
    const auto* gone = feature_named(all, "f-gone");
    REQUIRE(gone);
    CHECK(gone->at("properties").at("deleted") == true);
    CHECK(gone->at("properties").at("deleted_by") == "ana");
    CHECK(gone->at("properties").at("delete_reason") == "duplicate of the benches");
    CHECK(feature_named(all, "f-bench")->at("properties").at("deleted") == false);
}

TEST_CASE("chat and comments export as JSON and as RFC 4180 CSV; deleted words only on request")
{
    server_process server({"--admin-key", admin_key});
    workshop w(server);

    const auto chat = get(server.port(), "/v1/rooms/harbour/export/chat.json");
    REQUIRE_MESSAGE(chat.status == 200, chat.body);
    const auto chat_doc = json_body(chat);
    const auto& messages = chat_doc.at("messages").as_array();
    REQUIRE(messages.size() == 2);
    CHECK(messages[0].at("text") == workshop::tricky_text);
    CHECK(messages[0].at("author_id") == "ben");
    CHECK(messages[1].at("seq").to_number<std::uint64_t>() == w.deleted_chat_seq);
    CHECK(messages[1].at("deleted") == true);
    CHECK(messages[1].at("deleted_by") == "ana");
    CHECK(messages[1].at("delete_reason") == "off topic");
    CHECK(messages[1].at("text") == "");
    CHECK(chat.body.find("something rude") == std::string::npos);
    const auto audit = json_body(get(server.port(), "/v1/rooms/harbour/export/chat.json?include_deleted=1"));
    CHECK(audit.at("messages").at(1).at("text") == "something rude");

    const auto csv = get(server.port(), "/v1/rooms/harbour/export/chat.csv");
    REQUIRE(csv.status == 200);
    CHECK(csv.header("Content-Type").starts_with("text/csv"));
    // The tricky text is quoted with its quotes doubled and its newline kept.
    CHECK(csv.body.find("\"Benches, \"\"real\"\" ones\nnot rocks\"") != std::string::npos);
    const auto rows = parse_csv(csv.body);
    REQUIRE(rows.size() == 3);
    for (const auto& row : rows)
        CHECK(row.size() == rows[0].size());
    const auto text = column(rows[0], "text");
    CHECK(rows[1][text] == workshop::tricky_text);
    CHECK(rows[2][text] == "");
    CHECK(rows[2][column(rows[0], "deleted")] == "true");
    CHECK(parse_csv(get(server.port(), "/v1/rooms/harbour/export/chat.csv?include_deleted=1").body)[2][text] ==
          "something rude");

    const auto comments = get(server.port(), "/v1/rooms/harbour/export/comments.json");
    REQUIRE(comments.status == 200);
    const auto comments_doc = json_body(comments);
    const auto& threads = comments_doc.at("threads").as_array();
    REQUIRE(threads.size() == 1);
    CHECK(threads[0].at("id") == "t-park");
    CHECK(threads[0].at("feature_id") == "f-park");
    CHECK(threads[0].at("feature_title") == "Park");
    REQUIRE(threads[0].at("comments").as_array().size() == 2);
    CHECK(threads[0].at("comments").at(0).at("text") == "Needs shade trees");
    CHECK(threads[0].at("comments").at(1).at("author_id") == "ana");

    const auto comment_rows = parse_csv(get(server.port(), "/v1/rooms/harbour/export/comments.csv").body);
    REQUIRE(comment_rows.size() == 3);
    CHECK(comment_rows[2][column(comment_rows[0], "text")] == "Agreed; noted for phase 2");
    CHECK(comment_rows[1][column(comment_rows[0], "thread_id")] == "t-park");
}

TEST_CASE("the Markdown report has the room, the agenda, the vote results, the features and the threads")
{
    server_process server({"--admin-key", admin_key});
    workshop w(server);
    const auto r = get(server.port(), "/v1/rooms/harbour/export/report.md");
    REQUIRE_MESSAGE(r.status == 200, r.body);
    CHECK(r.header("Content-Type").starts_with("text/markdown"));
    const auto& md = r.body;
    CAPTURE(md);
    CHECK(md.find("## Agenda") != std::string::npos);
    CHECK(md.find("1. Walk the waterfront") != std::string::npos);
    CHECK(md.find("What is missing here?") != std::string::npos);
    CHECK(md.find("2. Choose priorities") != std::string::npos);
    CHECK(md.find("## Vote results") != std::string::npos);
    CHECK(md.find("### Top priorities") != std::string::npos);
    CHECK(md.find("1. Park: 3 dots") != std::string::npos);
    CHECK(md.find("2. Benches: 1 dot") != std::string::npos);
    CHECK(md.find("### seating (1)") != std::string::npos);
    CHECK(md.find("### green (1)") != std::string::npos);
    CHECK(md.find("Needs shade trees") != std::string::npos);
    CHECK(md.find("Agreed; noted for phase 2") != std::string::npos);
    CHECK(md.find("## Participants") != std::string::npos);
    CHECK(md.find("(`ana`)") != std::string::npos);
    CHECK(md.find("(`ben`)") != std::string::npos);
    CHECK(md.find("Kiosk") == std::string::npos); // deleted features are left out
}

TEST_CASE("exports need the admin key or a facilitator's token for that room")
{
    server_process server({"--admin-key", admin_key});
    workshop w(server);
    const std::string path = "/v1/rooms/harbour/export/geojson";
    CHECK(get(server.port(), path, "").status == 401);
    CHECK(get(server.port(), path, "not-a-token").status == 401);
    CHECK(get(server.port(), path, server.token("harbour", "ben")).status == 403);
    CHECK(get(server.port(), path, server.token("harbour", "olu", pb::ROLE_OBSERVER)).status == 403);
    CHECK(get(server.port(), path, server.token("elsewhere", "ana", pb::ROLE_FACILITATOR)).status == 403);
    CHECK(get(server.port(), path, server.token("harbour", "ana", pb::ROLE_FACILITATOR, -120)).status ==
          401); // expired
    const auto facilitator = get(server.port(), path, server.token("harbour", "ana", pb::ROLE_FACILITATOR));
    CHECK(facilitator.status == 200);
    CHECK(json_body(facilitator).at("features").as_array().size() == 3);
    CHECK(get(server.port(), "/v1/rooms/harbour/state", server.token("harbour", "ben")).status == 403);
    CHECK(get(server.port(), "/v1/rooms/harbour/state", server.token("harbour", "ana", pb::ROLE_FACILITATOR)).status ==
          200);

    // Unknown rooms, exports and bad queries.
    CHECK(get(server.port(), "/v1/rooms/nowhere/export/geojson").status == 404);
    CHECK(get(server.port(), "/v1/rooms/harbour/export/shapefile").status == 404);
    CHECK(get(server.port(), "/v1/rooms/harbour/export/geojson?seq=abc").status == 400);
    CHECK(get(server.port(), "/v1/rooms/harbour/export/geojson?seq=1&time=5").status == 400);
    CHECK(get(server.port(), "/v1/rooms/harbour/export/geojson?seq=" + std::to_string(w.last_seq + 1)).status == 400);
    CHECK(get(server.port(), "/v1/rooms/harbour/export/geojson?time=1000").status == 400); // before the first event
}

TEST_CASE("an export and the state at an earlier seq show the room as it was then")
{
    server_process server({"--admin-key", admin_key});
    workshop w(server);
    const auto seq = std::to_string(w.first_feature_seq);
    const auto then = json_body(get(server.port(), "/v1/rooms/harbour/export/geojson?seq=" + seq));
    REQUIRE(then.is_object());
    REQUIRE(then.at("features").as_array().size() == 1);
    CHECK(then.at("features").at(0).at("id") == "f-bench");
    CHECK(then.at("maptable").at("seq").to_number<std::uint64_t>() == w.first_feature_seq);

    const auto state = get(server.port(), "/v1/rooms/harbour/state?seq=" + seq);
    REQUIRE_MESSAGE(state.status == 200, state.body);
    CHECK(state.header("Content-Type") == "application/json");
    const auto s = json_body(state);
    CHECK(s.at("seq") == json::value(seq)); // protobuf JSON: 64-bit integers as strings
    CHECK(s.at("features").as_array().size() == 1);
    CHECK(s.at("agenda").as_array().size() == 2);
    CHECK_FALSE(s.as_object().contains("votes")); // the round was opened later

    // The newest state has everything; at seq 0 the room is empty.
    const auto now = json_body(get(server.port(), "/v1/rooms/harbour/state"));
    CHECK(now.at("seq") == json::value(std::to_string(w.last_seq)));
    CHECK(now.at("features").as_array().size() == 3);
    CHECK_FALSE(json_body(get(server.port(), "/v1/rooms/harbour/state?seq=0")).as_object().contains("features"));

    // Points outside the history.
    CHECK(get(server.port(), "/v1/rooms/harbour/state?seq=" + std::to_string(w.last_seq + 1)).status == 400);
    CHECK(get(server.port(), "/v1/rooms/harbour/state?time=1000").status == 400);
    const auto at_time = json_body(get(server.port(), "/v1/rooms/harbour/state?time=99999999999999"));
    CHECK(at_time.at("seq") == json::value(std::to_string(w.last_seq)));

    // By time: a time after the last event is the newest state.
    const auto by_time = json_body(get(server.port(), "/v1/rooms/harbour/export/chat.json?time=99999999999999"));
    CHECK(by_time.at("seq").to_number<std::uint64_t>() == w.last_seq);
}

TEST_CASE("the exports of a room of a learning network name its network, kind and city; others do not")
{
    server_process server({"--admin-key", admin_key});
    const auto port = server.port();
    admin_post(port, "/v1/admin/networks", {{"id", "rivers"}, {"title", "Rivers and people"}});
    admin_post(port, "/v1/admin/networks/rivers/cities",
               {{"id", "porto"}, {"name", "Porto"}, {"country", "PT"}, {"position", {{"lon", -8.61}, {"lat", 41.15}}}});
    admin_post(port, "/v1/admin/networks/rivers/rooms",
               {{"room_id", "porto-lab"}, {"title", "Douro banks"}, {"kind", "living_lab"}, {"city_id", "porto"}});
    admin_post(port, "/v1/admin/networks/rivers/rooms",
               {{"room_id", "rivers-plenary"},
                {"title", "Plenary"},
                {"kind", "plenary"},
                {"center", {{"lon", 0.0}, {"lat", 20.0}}}});
    for (const char* room : {"porto-lab", "rivers-plenary", "harbour"}) {
        client c(server.options(room, "ana", pb::ROLE_FACILITATOR));
        join_or_fail(c);
        REQUIRE(c.add_feature(point_feature("f-1", -8.612, 41.141, "Ferry stop")).get().ok);
    }

    // The living lab: its network, its kind and its city.
    const auto lab = json_body(get(port, "/v1/rooms/porto-lab/export/geojson"));
    REQUIRE(lab.is_object());
    CHECK(lab.at("maptable").at("room_id") == "porto-lab");
    CHECK(lab.at("maptable").at("network") ==
          json::object{{"id", "rivers"}, {"kind", "living_lab"}, {"city_id", "porto"}});
    CHECK(lab.at("features").as_array().size() == 1);
    const auto lab_report = get(port, "/v1/rooms/porto-lab/export/report.md");
    REQUIRE(lab_report.status == 200);
    CAPTURE(lab_report.body);
    CHECK(lab_report.body.find("**Network:** `rivers`  \n**Kind:** living lab  \n**Network city:** `porto`  \n") !=
          std::string::npos);

    // The plenary is the network's, of no city.
    const auto plenary = json_body(get(port, "/v1/rooms/rivers-plenary/export/geojson"));
    REQUIRE(plenary.is_object());
    CHECK(plenary.at("maptable").at("network") == json::object{{"id", "rivers"}, {"kind", "plenary"}, {"city_id", ""}});
    const auto plenary_report = get(port, "/v1/rooms/rivers-plenary/export/report.md").body;
    CHECK(plenary_report.find("**Network:** `rivers`  \n**Kind:** plenary  \n") != std::string::npos);
    CHECK(plenary_report.find("**Network city:**") == std::string::npos);

    // The place comes from the room's log: before the admin API put the room
    // in the network (seq 0, the empty room), its export names none.
    const auto before = json_body(get(port, "/v1/rooms/porto-lab/export/geojson?seq=0"));
    REQUIRE(before.is_object());
    CHECK(!before.at("maptable").as_object().contains("network"));

    // A room of no network exports as it always did.
    const auto alone = json_body(get(port, "/v1/rooms/harbour/export/geojson"));
    REQUIRE(alone.is_object());
    CHECK(alone.at("maptable").as_object().size() == 3); // room_id, title, seq
    CHECK(!alone.at("maptable").as_object().contains("network"));
    const auto alone_report = get(port, "/v1/rooms/harbour/export/report.md").body;
    CHECK(alone_report.find("**Room:** `harbour`") != std::string::npos);
    CHECK(alone_report.find("Network") == std::string::npos);
    CHECK(alone_report.find("**Kind:**") == std::string::npos);
}
