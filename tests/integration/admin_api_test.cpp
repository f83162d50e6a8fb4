// The admin API's rooms and invitations: every endpoint with
// good and bad input, and what it does to the room over the wire: a created
// room's info reaches the replicas, its bounds refuse features outside them,
// archiving makes it read-only, a minted token joins with its role.
#include "http_probe.hpp"
#include "server_process.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <chrono>

using namespace maptable;
using namespace maptable::test;

namespace {

namespace json = boost::json;

constexpr const char* admin_key = "test-admin-key-0123456789";

// The "error" text of a JSON error reply, or "".
std::string error_text(const http_reply& r)
{
    const auto v = json_body(r);
    return v.is_object() && v.as_object().contains("error") ? std::string(v.at("error").as_string()) : "";
}

// One call to the admin API. key "" sends no Authorization header.
http_reply call(unsigned short port, const std::string& method, const std::string& target, const std::string& body = {},
                const std::string& key = admin_key)
{
    return call_api(port, {.method = method, .target = target, .bearer = key, .body = body});
}

constexpr const char* harbour_room = R"({"id": "harbour", "title": "Harbour lab", "description": "Waterfront, phase 2",
  "city": "Cape Town", "center": {"lon": 18.42, "lat": -33.92}, "zoom": 13,
  "bounds": {"south_west": {"lon": 18.3, "lat": -34.0}, "north_east": {"lon": 18.5, "lat": -33.8}}})";

http_reply create(const server_process& server, const std::string& body = harbour_room)
{
    return call(server.port(), "POST", "/v1/admin/rooms", body);
}

std::int64_t unix_now()
{
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

client_options with_token(const server_process& server, const std::string& room, const std::string& token)
{
    client_options o;
    o.url = server.url();
    o.room_id = room;
    o.token = token;
    o.reconnect = false;
    return o;
}

} // namespace

TEST_CASE("without an admin key the rooms API does not exist; with one, a missing or wrong key gets 401")
{
    {
        server_process disabled;
        CHECK(call(disabled.port(), "GET", "/v1/admin/rooms").status == 404);
        CHECK(call(disabled.port(), "POST", "/v1/admin/rooms", harbour_room).status == 404);
    }
    server_process server({"--admin-key", admin_key});
    for (const std::string key : {"", "wrong-key"}) {
        CAPTURE(key);
        CHECK(call(server.port(), "GET", "/v1/admin/rooms", {}, key).status == 401);
        CHECK(call(server.port(), "POST", "/v1/admin/rooms", harbour_room, key).status == 401);
        CHECK(call(server.port(), "POST", "/v1/admin/rooms/harbour/tokens", R"({"role": "facilitator", "name": "Eve"})",
                   key)
                  .status == 401);
    }
    // Nothing was created by the refused requests.
    const auto list = call(server.port(), "GET", "/v1/admin/rooms");
    REQUIRE(list.status == 200);
    CHECK(json_body(list).at("rooms").as_array().empty());
}

TEST_CASE("a created room is listed and read back, and its info reaches a joined client's replica")
{
    server_process server({"--admin-key", admin_key});
    const auto created = create(server);
    REQUIRE_MESSAGE(created.status == 201, created.body);
    CHECK(created.header("Content-Type") == "application/json");
    const auto room = json_body(created).as_object();
    CHECK(room.at("id") == "harbour");
    CHECK(room.at("title") == "Harbour lab");
    CHECK(room.at("description") == "Waterfront, phase 2");
    CHECK(room.at("city") == "Cape Town");
    CHECK(room.at("center").at("lon").to_number<double>() == 18.42);
    CHECK(room.at("center").at("lat").to_number<double>() == -33.92);
    CHECK(room.at("zoom").to_number<double>() == 13);
    CHECK(room.at("bounds").at("south_west").at("lon").to_number<double>() == 18.3);
    CHECK(room.at("archived") == false);
    CHECK(room.at("created_at").to_number<std::int64_t>() / 1000 >= unix_now() - 60);
    const auto seq = room.at("seq").to_number<std::uint64_t>();
    CHECK(seq == 1);

    // The info is an event of the room: a client joining now has it.
    client ben(server.options("harbour", "ben"));
    join_or_fail(ben);
    const auto info = ben.replica().info();
    CHECK(info.title() == "Harbour lab");
    CHECK(info.city() == "Cape Town");
    CHECK(info.center().lon() == 18.42);
    CHECK(info.zoom() == 13);
    REQUIRE(info.has_bounds());
    CHECK(info.bounds().north_east().lat() == -33.8);

    // A change reaches the joined client as an event.
    event_recorder ben_sees(ben);
    const auto patched =
        call(server.port(), "PATCH", "/v1/admin/rooms/harbour", R"({"title": "Harbour lab II", "zoom": 14})");
    REQUIRE_MESSAGE(patched.status == 200, patched.body);
    CHECK(json_body(patched).at("title") == "Harbour lab II");
    CHECK(json_body(patched).at("city") == "Cape Town"); // untouched fields stay
    const auto patched_seq = json_body(patched).at("seq").to_number<std::uint64_t>();
    CHECK(patched_seq == 2);
    REQUIRE(ben_sees.wait_for_seq(patched_seq));
    CHECK(ben.replica().info().title() == "Harbour lab II");
    CHECK(ben.replica().info().zoom() == 14);
    const auto events = ben_sees.events();
    REQUIRE_FALSE(events.empty());
    CHECK(events.back().has_room_info_changed());
    CHECK(events.back().actor_id() == "admin");

    const auto got = call(server.port(), "GET", "/v1/admin/rooms/harbour");
    REQUIRE(got.status == 200);
    CHECK(json_body(got).at("title") == "Harbour lab II");
    CHECK(json_body(got).at("seq").to_number<std::uint64_t>() == 2);

    // A second room, with a generated id.
    const auto second = create(server, R"({"title": "Old town", "center": {"lon": 2.35, "lat": 48.85}, "zoom": 12})");
    REQUIRE_MESSAGE(second.status == 201, second.body);
    const std::string second_id(json_body(second).at("id").as_string());
    CHECK_FALSE(second_id.empty());
    CHECK_FALSE(json_body(second).as_object().contains("bounds"));

    const auto list = call(server.port(), "GET", "/v1/admin/rooms");
    REQUIRE(list.status == 200);
    const auto listed = json_body(list);
    const auto& rooms = listed.at("rooms").as_array();
    REQUIRE(rooms.size() == 2);
    bool saw_harbour = false, saw_second = false;
    for (const auto& r : rooms) {
        if (r.at("id") == "harbour") {
            saw_harbour = true;
            CHECK(r.at("title") == "Harbour lab II");
        }
        saw_second = saw_second || r.at("id") == json::value(second_id);
    }
    CHECK(saw_harbour);
    CHECK(saw_second);

    // clear_bounds removes them.
    const auto cleared = call(server.port(), "PATCH", "/v1/admin/rooms/harbour", R"({"clear_bounds": true})");
    REQUIRE_MESSAGE(cleared.status == 200, cleared.body);
    CHECK_FALSE(json_body(cleared).as_object().contains("bounds"));
}

TEST_CASE("bad room bodies get 400 and create nothing; a duplicate gets 409; an unknown room 404")
{
    server_process server({"--admin-key", admin_key});
    const std::vector<std::pair<const char*, std::string>> bad = {
        {"not JSON", "{\"title\": "},
        {"not an object", "[1, 2]"},
        {"no title", R"({"center": {"lon": 1, "lat": 2}, "zoom": 3})"},
        {"no center", R"({"title": "t", "zoom": 3})"},
        {"no zoom", R"({"title": "t", "center": {"lon": 1, "lat": 2}})"},
        {"center without lat", R"({"title": "t", "center": {"lon": 1}, "zoom": 3})"},
        {"center out of range", R"({"title": "t", "center": {"lon": 200, "lat": 2}, "zoom": 3})"},
        {"zoom as text", R"({"title": "t", "center": {"lon": 1, "lat": 2}, "zoom": "far"})"},
        {"zoom out of range", R"({"title": "t", "center": {"lon": 1, "lat": 2}, "zoom": 99})"},
        {"title not text", R"({"title": 5, "center": {"lon": 1, "lat": 2}, "zoom": 3})"},
        {"bad id", R"({"id": "no spaces please", "title": "t", "center": {"lon": 1, "lat": 2}, "zoom": 3})"},
        {"id too long",
         R"({"id": ")" + std::string(65, 'a') + R"(", "title": "t", "center": {"lon": 1, "lat": 2}, "zoom": 3})"},
        {"bounds upside down",
         R"({"title": "t", "center": {"lon": 1, "lat": 2}, "zoom": 3,
             "bounds": {"south_west": {"lon": 5, "lat": 5}, "north_east": {"lon": 1, "lat": 1}}})"},
        {"bounds half given",
         R"({"title": "t", "center": {"lon": 1, "lat": 2}, "zoom": 3, "bounds": {"south_west": {"lon": 5, "lat": 5}}})"},
        {"unknown field", R"({"title": "t", "center": {"lon": 1, "lat": 2}, "zoom": 3, "colour": "red"})"},
        {"clear_bounds on create",
         R"({"title": "t", "center": {"lon": 1, "lat": 2}, "zoom": 3, "clear_bounds": true})"},
    };
    for (const auto& example : bad) {
        const auto& why = example.first; // not a structured binding: clang 14 cannot capture one in CAPTURE
        CAPTURE(why);
        const auto r = create(server, example.second);
        CHECK(r.status == 400);
        CHECK_FALSE(error_text(r).empty());
    }
    CHECK(json_body(call(server.port(), "GET", "/v1/admin/rooms")).at("rooms").as_array().empty());

    REQUIRE(create(server).status == 201);
    const auto again = create(server);
    CHECK(again.status == 409);
    CHECK(error_text(again).find("harbour") != std::string::npos);

    // A room that exists because someone joined it with a token cannot be created either.
    client pat(server.options("joined-first", "pat"));
    join_or_fail(pat);
    REQUIRE(pat.send_chat("hello").get().ok);
    CHECK(create(server, R"({"id": "joined-first", "title": "t", "center": {"lon": 1, "lat": 2}, "zoom": 3})").status ==
          409);

    // PATCH with bad content.
    CHECK(call(server.port(), "PATCH", "/v1/admin/rooms/harbour", "{}").status == 400);
    CHECK(call(server.port(), "PATCH", "/v1/admin/rooms/harbour", "nope").status == 400);
    CHECK(call(server.port(), "PATCH", "/v1/admin/rooms/harbour", R"({"zoom": -1})").status == 400);
    CHECK(
        call(
            server.port(), "PATCH", "/v1/admin/rooms/harbour",
            R"({"clear_bounds": true, "bounds": {"south_west": {"lon": 1, "lat": 1}, "north_east": {"lon": 2, "lat": 2}}})")
            .status == 400);
    // The room is unchanged by them.
    CHECK(json_body(call(server.port(), "GET", "/v1/admin/rooms/harbour")).at("seq").to_number<int>() == 1);

    // Unknown rooms and paths.
    CHECK(call(server.port(), "GET", "/v1/admin/rooms/nowhere").status == 404);
    CHECK(call(server.port(), "PATCH", "/v1/admin/rooms/nowhere", R"({"title": "x"})").status == 404);
    CHECK(call(server.port(), "POST", "/v1/admin/rooms/nowhere/archive").status == 404);
    CHECK(
        call(server.port(), "POST", "/v1/admin/rooms/nowhere/tokens", R"({"role": "observer", "name": "O"})").status ==
        404);
    CHECK(call(server.port(), "GET", "/v1/admin/rooms/joined-first").status == 404); // never created here
    CHECK(call(server.port(), "POST", "/v1/admin/rooms/harbour/explode").status == 404);
    const auto wrong_method = call(server.port(), "DELETE", "/v1/admin/rooms/harbour");
    CHECK(wrong_method.status == 405);
    CHECK(wrong_method.header("Allow") == "GET, PATCH");
    CHECK(call(server.port(), "GET", "/v1/admin/rooms/harbour/archive").status == 405);
}

TEST_CASE("the admin API sets a room's time zone, network, kind and city; GET and the replicas show them")
{
    server_process server({"--admin-key", admin_key});
    const auto created = create(server, R"({"id": "lab", "title": "Living lab", "center": {"lon": -9.14, "lat": 38.71},
      "zoom": 13, "time_zone": "Europe/Lisbon", "network_id": "safe-spaces", "kind": "living_lab", "city_id": "lisbon"})");
    REQUIRE_MESSAGE(created.status == 201, created.body);
    CHECK(json_body(created).at("time_zone") == "Europe/Lisbon");
    CHECK(json_body(created).at("network_id") == "safe-spaces");
    CHECK(json_body(created).at("kind") == "living_lab");
    CHECK(json_body(created).at("city_id") == "lisbon");

    client ana(server.options("lab", "ana"));
    join_or_fail(ana);
    CHECK(ana.replica().info().time_zone() == "Europe/Lisbon");
    CHECK(ana.replica().info().kind() == maptable::v1::ROOM_KIND_LIVING_LAB);
    CHECK(ana.replica().info().network_id() == "safe-spaces");
    CHECK(ana.replica().info().city_id() == "lisbon");

    // A change of zone alone, then of kind alone: the other fields stay.
    event_recorder ana_sees(ana);
    const auto moved = call(server.port(), "PATCH", "/v1/admin/rooms/lab", R"({"time_zone": "Africa/Johannesburg"})");
    REQUIRE_MESSAGE(moved.status == 200, moved.body);
    CHECK(json_body(moved).at("time_zone") == "Africa/Johannesburg");
    CHECK(json_body(moved).at("kind") == "living_lab");
    const auto rekinded = call(server.port(), "PATCH", "/v1/admin/rooms/lab", R"({"kind": "study_trip"})");
    REQUIRE_MESSAGE(rekinded.status == 200, rekinded.body);
    CHECK(json_body(rekinded).at("kind") == "study_trip");
    CHECK(json_body(rekinded).at("time_zone") == "Africa/Johannesburg");
    REQUIRE(ana_sees.wait_for_seq(json_body(rekinded).at("seq").to_number<std::uint64_t>()));
    CHECK(ana.replica().info().time_zone() == "Africa/Johannesburg");
    CHECK(ana.replica().info().kind() == maptable::v1::ROOM_KIND_STUDY_TRIP);

    const auto got = json_body(call(server.port(), "GET", "/v1/admin/rooms/lab"));
    CHECK(got.at("time_zone") == "Africa/Johannesburg");
    CHECK(got.at("network_id") == "safe-spaces");
    CHECK(got.at("kind") == "study_trip");
    CHECK(got.at("city_id") == "lisbon");
    bool listed = false;
    const auto list = json_body(call(server.port(), "GET", "/v1/admin/rooms")); // kept: the loop reads into it
    for (const auto& r : list.at("rooms").as_array())
        if (r.at("id") == "lab") {
            listed = true;
            CHECK(r.at("time_zone") == "Africa/Johannesburg");
            CHECK(r.at("kind") == "study_trip");
        }
    CHECK(listed);

    // "" unsets each of them.
    const auto unset = call(server.port(), "PATCH", "/v1/admin/rooms/lab",
                            R"({"time_zone": "", "network_id": "", "kind": "", "city_id": ""})");
    REQUIRE_MESSAGE(unset.status == 200, unset.body);
    CHECK(json_body(unset).at("time_zone") == "");
    CHECK(json_body(unset).at("network_id") == "");
    CHECK(json_body(unset).at("kind") == "");
    CHECK(json_body(unset).at("city_id") == "");
    const auto before = json_body(unset).at("seq").to_number<int>();

    // Bad values are 400 with the reason, and change nothing.
    const std::vector<std::pair<const char*, std::string>> bad = {
        {"zone not a name", R"({"time_zone": "Lisbon time"})"},
        {"zone not text", R"({"time_zone": 1})"},
        {"zone as an offset", R"({"time_zone": "+01:00"})"},
        {"unknown kind", R"({"kind": "party"})"},
        {"kind in capitals", R"({"kind": "ROOM_KIND_WORKSHOP"})"},
        {"kind as a number", R"({"kind": 3})"},
        {"network id with spaces", R"({"network_id": "safe spaces"})"},
        {"city id too long", R"({"city_id": ")" + std::string(65, 'c') + R"("})"},
    };
    for (const auto& example : bad) {
        const auto& why = example.first;
        CAPTURE(why);
        const auto r = call(server.port(), "PATCH", "/v1/admin/rooms/lab", example.second);
        CHECK(r.status == 400);
        CHECK_FALSE(error_text(r).empty());
    }
    const auto zone_refused = call(server.port(), "PATCH", "/v1/admin/rooms/lab", R"({"time_zone": "Lisbon time"})");
    CHECK(error_text(zone_refused).find("INVALID_TIME_ZONE") != std::string::npos);
    const auto kind_refused = call(server.port(), "PATCH", "/v1/admin/rooms/lab", R"({"kind": "party"})");
    CHECK(error_text(kind_refused).find("living_lab") != std::string::npos); // says which kinds there are
    CHECK(json_body(call(server.port(), "GET", "/v1/admin/rooms/lab")).at("seq").to_number<int>() == before);

    // A facilitator sets the zone over the wire but not the network fields.
    client fay(server.options("lab", "fay", maptable::v1::ROLE_FACILITATOR));
    join_or_fail(fay);
    maptable::v1::RoomInfoChanged zone;
    zone.set_time_zone("America/Sao_Paulo");
    CHECK(fay.update_room_info(zone).get().ok);
    maptable::v1::RoomInfoChanged network;
    network.set_network_id("other");
    const auto refused = fay.update_room_info(network).get();
    CHECK_FALSE(refused.ok);
    CHECK(refused.code == maptable::v1::ERROR_CODE_PERMISSION_DENIED);
    CHECK(json_body(call(server.port(), "GET", "/v1/admin/rooms/lab")).at("time_zone") == "America/Sao_Paulo");
}

TEST_CASE("a room's bounds refuse a feature outside them with OUTSIDE_BOUNDS over the wire")
{
    server_process server({"--admin-key", admin_key});
    REQUIRE(create(server).status == 201);
    client ana(server.options("harbour", "ana", pb::ROLE_FACILITATOR));
    join_or_fail(ana);

    const auto outside = ana.add_feature(point_feature("f-out", 18.6, -33.9)).get(); // east of 18.5
    CHECK_FALSE(outside.ok);
    CHECK(outside.code == pb::ERROR_CODE_OUTSIDE_BOUNDS);
    CHECK(ana.add_feature(point_feature("f-in", 18.42, -33.92)).get().ok);

    // Without bounds the same place is accepted.
    REQUIRE(call(server.port(), "PATCH", "/v1/admin/rooms/harbour", R"({"clear_bounds": true})").status == 200);
    CHECK(ana.add_feature(point_feature("f-out", 18.6, -33.9)).get().ok);
}

TEST_CASE("an archived room refuses commands with ROOM_ARCHIVED, is still joinable, and reopens when unarchived")
{
    server_process server({"--admin-key", admin_key});
    REQUIRE(create(server).status == 201);
    client ben(server.options("harbour", "ben"));
    join_or_fail(ben);
    REQUIRE(ben.send_chat("before").get().ok);

    const auto archived = call(server.port(), "POST", "/v1/admin/rooms/harbour/archive");
    REQUIRE_MESSAGE(archived.status == 200, archived.body);
    CHECK(json_body(archived).at("archived") == true);
    CHECK(json_body(archived).at("title") == "Harbour lab");

    const auto refused = ben.send_chat("after").get();
    CHECK_FALSE(refused.ok);
    CHECK(refused.code == pb::ERROR_CODE_ROOM_ARCHIVED);
    const auto feature = ben.add_feature(point_feature("f-1", 18.42, -33.92)).get();
    CHECK(feature.code == pb::ERROR_CODE_ROOM_ARCHIVED);

    // Still joinable and readable.
    client late(server.options("harbour", "late", pb::ROLE_FACILITATOR));
    join_or_fail(late);
    CHECK(late.replica().data().archived);
    CHECK(late.replica().recent_chat().size() == 1);
    // Changing its info is refused too, and archiving again changes nothing.
    CHECK(call(server.port(), "PATCH", "/v1/admin/rooms/harbour", R"({"title": "x"})").status == 409);
    CHECK(call(server.port(), "POST", "/v1/admin/rooms/harbour/archive").status == 409);

    const auto list = call(server.port(), "GET", "/v1/admin/rooms");
    REQUIRE(json_body(list).at("rooms").as_array().size() == 1);
    CHECK(json_body(list).at("rooms").at(0).at("archived") == true);

    const auto reopened = call(server.port(), "POST", "/v1/admin/rooms/harbour/unarchive");
    REQUIRE_MESSAGE(reopened.status == 200, reopened.body);
    CHECK(json_body(reopened).at("archived") == false);
    CHECK(ben.send_chat("after reopening").get().ok);
    CHECK(json_body(call(server.port(), "GET", "/v1/admin/rooms")).at("rooms").at(0).at("archived") == false);
}

TEST_CASE("a minted token joins the room with its role, and the invitation carries it in the URL fragment")
{
    server_process server({"--admin-key", admin_key, "--public-url", "https://maps.example.org/"});
    REQUIRE(create(server).status == 201);

    const auto minted = call(server.port(), "POST", "/v1/admin/rooms/harbour/tokens",
                             R"({"role": "facilitator", "name": "Ana", "subject": "ana-1", "expires_in": 3600})");
    REQUIRE_MESSAGE(minted.status == 201, minted.body);
    const auto t = json_body(minted).as_object();
    const std::string token(t.at("token").as_string());
    CHECK(t.at("subject") == "ana-1");
    CHECK(t.at("role") == "facilitator");
    CHECK_FALSE(t.at("jti").as_string().empty());
    const auto expires_at = t.at("expires_at").to_number<std::int64_t>();
    CHECK(expires_at >= unix_now() + 3600 - 60);
    CHECK(expires_at <= unix_now() + 3600 + 60);
    CHECK(t.at("invite_url") == json::value("https://maps.example.org/#room=harbour&token=" + token));

    client ana(with_token(server, "harbour", token));
    join_or_fail(ana);
    CHECK(ana.me().id() == "ana-1");
    CHECK(ana.me().name() == "Ana");
    CHECK(ana.me().role() == pb::ROLE_FACILITATOR);
    pb::RoomInfoChanged change;
    change.set_title("set by a facilitator");
    CHECK(ana.update_room_info(change).get().ok); // a facilitator may

    // An observer token: joins, may not draw. Subject generated, default lifetime a week.
    const auto observer =
        call(server.port(), "POST", "/v1/admin/rooms/harbour/tokens", R"({"role": "observer", "name": "Olu"})");
    REQUIRE(observer.status == 201);
    CHECK_FALSE(json_body(observer).at("subject").as_string().empty());
    CHECK(json_body(observer).at("expires_at").to_number<std::int64_t>() >= unix_now() + 7 * 24 * 3600 - 60);
    client olu(with_token(server, "harbour", std::string(json_body(observer).at("token").as_string())));
    join_or_fail(olu);
    CHECK(olu.me().role() == pb::ROLE_OBSERVER);
    CHECK(olu.add_feature(point_feature("f-1", 18.42, -33.92)).get().code == pb::ERROR_CODE_PERMISSION_DENIED);

    // Its jti revokes it alone.
    const std::string jti(json_body(minted).at("jti").as_string());
    REQUIRE(call(server.port(), "POST", "/v1/admin/revocations", "{\"jti\": \"" + jti + "\"}").status == 204);
    client again(with_token(server, "harbour", token));
    const auto refused = again.connect().get();
    CHECK_FALSE(refused.ok);
    CHECK(refused.code == pb::ERROR_CODE_TOKEN_REVOKED);

    // Bad requests.
    for (const char* body :
         {R"({"role": "admin", "name": "Mal"})", R"({"role": "owner", "name": "Mal"})", R"({"name": "Mal"})",
          R"({"role": "participant"})", R"({"role": "participant", "name": ""})",
          R"({"role": "participant", "name": "P", "expires_in": 0})",
          R"({"role": "participant", "name": "P", "expires_in": 31536001})",
          R"({"role": "participant", "name": "P", "expires_in": "soon"})",
          R"({"role": "participant", "name": "P", "subject": "has space"})",
          R"({"role": "participant", "name": "P", "room": "elsewhere"})", "not json"}) {
        CAPTURE(body);
        const auto r = call(server.port(), "POST", "/v1/admin/rooms/harbour/tokens", body);
        CHECK(r.status == 400);
        CHECK_FALSE(error_text(r).empty());
    }
}

TEST_CASE("invitation links default to the server's own address")
{
    server_process server({"--admin-key", admin_key});
    REQUIRE(create(server).status == 201);
    const auto minted =
        call(server.port(), "POST", "/v1/admin/rooms/harbour/tokens", R"({"role": "participant", "name": "Ben"})");
    REQUIRE(minted.status == 201);
    const std::string token(json_body(minted).at("token").as_string());
    CHECK(json_body(minted).at("invite_url") ==
          json::value("http://127.0.0.1:" + std::to_string(server.port()) + "/#room=harbour&token=" + token));
    client ben(with_token(server, "harbour", token));
    join_or_fail(ben);
    CHECK(ben.me().role() == pb::ROLE_PARTICIPANT);
}
