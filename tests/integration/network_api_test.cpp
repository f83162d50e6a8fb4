// Learning networks over real sockets: a network of three cities with their
// rooms made through the admin API, invitations that decide a role per room,
// the network home's calendar and changes, a restart, and bad input.
#include "http_probe.hpp"
#include "raw_client.hpp"
#include "server_process.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <sstream>

using namespace maptable;
using namespace maptable::test;

namespace {

namespace json = boost::json;

constexpr const char* admin_key = "network-admin-key-0123456789";

http_reply call(unsigned short port, const std::string& method, const std::string& target, const std::string& body = {},
                const std::string& key = admin_key)
{
    return call_api(port, {.method = method, .target = target, .bearer = key, .body = body});
}

std::string code_of(const http_reply& r)
{
    const auto v = json_body(r);
    return v.is_object() && v.as_object().contains("code") ? std::string(v.at("code").as_string()) : "";
}

std::int64_t now_ms()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void require_created(const http_reply& r)
{
    REQUIRE_MESSAGE((r.status == 201 || r.status == 200), r.status << " " << r.body);
}

// Network `id` with three cities, a living lab each and a workshop.
void make_network(unsigned short port, const std::string& id)
{
    require_created(call(port, "POST", "/v1/admin/networks",
                         R"({"id": ")" + id + R"(", "title": "Safe public spaces )" + id +
                             R"(", "theme": "Streets for all", "languages": ["en", "de", "pt-BR"],
                             "starts_on": "2027-01-01", "ends_on": "2029-12-31"})"));
    const std::string base = "/v1/admin/networks/" + id;
    require_created(
        call(port, "POST", base + "/cities",
             R"({"id": "lisbon", "name": "Lisbon", "country": "PT", "position": {"lon": -9.14, "lat": 38.72},
                             "living_lab_title": "Intendente square"})"));
    require_created(call(port, "POST", base + "/cities",
                         R"({"id": "capetown", "name": "Cape Town", "country": "ZA",
                             "position": {"lon": 18.42, "lat": -33.92}})"));
    require_created(
        call(port, "POST", base + "/cities",
             R"({"id": "leipzig", "name": "Leipzig", "country": "DE", "position": {"lon": 12.37, "lat": 51.34}})"));
    for (const std::string city : {"lisbon", "capetown", "leipzig"})
        require_created(call(port, "POST", base + "/rooms",
                             R"({"room_id": ")" + id + "-" + city + R"(-lab", "title": "Living lab )" + city +
                                 R"(", "kind": "living_lab", "city_id": ")" + city + R"("})"));
    require_created(call(port, "POST", base + "/rooms",
                         R"({"room_id": ")" + id + R"(-workshop", "title": "Workshop 1", "kind": "workshop",
                             "center": {"lon": 10, "lat": 45}, "zoom": 4})"));
}

struct invitation {
    std::string token;
    std::string jti;
};

invitation invite(unsigned short port, const std::string& network, const std::string& body)
{
    const auto r = call(port, "POST", "/v1/admin/networks/" + network + "/invitations", body);
    REQUIRE_MESSAGE(r.status == 201, r.body);
    const auto v = json_body(r);
    CHECK(std::string(v.at("invite_url").as_string()).find("#net=" + network + "&token=") != std::string::npos);
    return {std::string(v.at("token").as_string()), std::string(v.at("jti").as_string())};
}

// Joins room with token over a bare WebSocket: the role in the Welcome, or
// the error code of the refusal.
struct join_result {
    bool joined = false;
    pb::Role role = pb::ROLE_UNSPECIFIED;
    pb::ErrorCode code = pb::ERROR_CODE_UNSPECIFIED;
    std::string message;
};

join_result join(unsigned short port, const std::string& room, const std::string& token)
{
    raw_client c(port);
    const auto answer = c.join(room, token);
    join_result out;
    if (answer.has_welcome()) {
        out.joined = true;
        out.role = answer.welcome().you().role();
    } else if (answer.has_error()) {
        out.code = answer.error().code();
        out.message = answer.error().message();
    }
    return out;
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

// The lines of an iCalendar file, unfolded (RFC 5545 3.1); each physical
// line is checked: CRLF-terminated, at most 75 octets.
std::vector<std::string> unfold(const std::string& ics)
{
    std::vector<std::string> lines;
    std::size_t at = 0;
    while (at < ics.size()) {
        const auto end = ics.find("\r\n", at);
        REQUIRE_MESSAGE(end != std::string::npos, "a line without CRLF at " << at);
        const auto line = ics.substr(at, end - at);
        CHECK_MESSAGE(line.size() <= 75, "line over 75 octets: " << line);
        if (!line.empty() && line[0] == ' ') {
            REQUIRE(!lines.empty());
            lines.back() += line.substr(1);
        } else {
            lines.push_back(line);
        }
        at = end + 2;
    }
    return lines;
}

} // namespace

TEST_CASE("a network of three cities with its rooms, read back; bad input gets a 4xx with its code")
{
    server_process server({"--admin-key", admin_key});
    const auto port = server.port();
    make_network(port, "spaces");

    const auto got = call(port, "GET", "/v1/admin/networks/spaces");
    REQUIRE_MESSAGE(got.status == 200, got.body);
    const auto v = json_body(got);
    CHECK(v.at("network").at("title").as_string() == "Safe public spaces spaces");
    CHECK(v.at("network").at("members_elsewhere").as_string() == "observer");
    CHECK(v.at("cities").as_array().size() == 3);
    const auto& rooms = v.at("rooms").as_array();
    REQUIRE(rooms.size() == 4);
    int labs = 0;
    for (const auto& room : rooms) {
        if (room.at("kind").as_string() == "living_lab") {
            ++labs;
            CHECK(room.at("id").as_string() == "spaces-" + std::string(room.at("city_id").as_string()) + "-lab");
        }
        CHECK(room.at("last_seq").to_number<std::int64_t>() == 1); // the admin's RoomInfoChanged that made it
        CHECK(room.at("last_activity_ms").to_number<std::int64_t>() > 0);
    }
    CHECK(labs == 3);

    const auto list = call(port, "GET", "/v1/admin/networks");
    REQUIRE(list.status == 200);
    REQUIRE(json_body(list).at("networks").as_array().size() == 1);
    CHECK(json_body(list).at("networks").as_array()[0].at("cities").to_number<std::int64_t>() == 3);
    // The rooms are the admin API's rooms too, with their network in their log.
    const auto room = call(port, "GET", "/v1/admin/rooms/spaces-lisbon-lab");
    REQUIRE_MESSAGE(room.status == 200, room.body);

    const std::string base = "/v1/admin/networks/spaces";
    SUBCASE("bad input")
    {
        auto r = call(port, "POST", base + "/rooms",
                      R"({"room_id": "another-lab", "title": "Second", "kind": "living_lab", "city_id": "lisbon"})");
        CHECK(r.status == 409);
        CHECK(code_of(r) == "LIVING_LAB_EXISTS");
        r = call(port, "POST", base + "/rooms",
                 R"({"room_id": "x-lab", "title": "X", "kind": "living_lab", "city_id": "atlantis"})");
        CHECK(r.status == 404);
        CHECK(code_of(r) == "CITY_NOT_FOUND");
        r = call(port, "POST", base + "/rooms", R"({"room_id": "spaces-workshop", "title": "Again", "kind": "plenary",
                                                  "center": {"lon": 1, "lat": 2}})");
        CHECK(r.status == 409);
        CHECK(code_of(r) == "ROOM_EXISTS");
        r = call(port, "POST", base + "/rooms", R"({"room_id": "p", "title": "P", "kind": "party"})");
        CHECK(r.status == 400);
        CHECK(code_of(r) == "INVALID_NETWORK");
        r = call(port, "POST", "/v1/admin/networks", R"({"id": "broken", "title": )");
        CHECK(r.status == 400);
        CHECK(code_of(r) == "MALFORMED_MESSAGE");
        r = call(port, "POST", "/v1/admin/networks", R"({"id": "spaces", "title": "Again"})");
        CHECK(r.status == 409);
        CHECK(code_of(r) == "NETWORK_EXISTS");
        r = call(port, "POST", "/v1/admin/networks", R"({"id": "dated", "title": "D", "starts_on": "2027-02-30"})");
        CHECK(r.status == 400);
        CHECK(code_of(r) == "INVALID_NETWORK");
        r = call(port, "PATCH", base, R"({"starts_on": "2030-01-01"})"); // after ends_on
        CHECK(r.status == 400);
        CHECK(code_of(r) == "INVALID_NETWORK");
        r = call(port, "PATCH", base, R"({})");
        CHECK(r.status == 400);
        CHECK(code_of(r) == "EMPTY_PATCH");
        r = call(port, "POST", base + "/sessions",
                 R"({"room_id": "spaces-workshop", "title": "Backwards", "starts_ms": 1900000000000,
                     "ends_ms": 1800000000000, "time_zone": "Europe/Lisbon"})");
        CHECK(r.status == 400);
        CHECK(code_of(r) == "INVALID_NETWORK");
        r = call(port, "POST", base + "/sessions",
                 R"({"room_id": "nowhere", "title": "Lost", "starts_ms": 1800000000000,
                     "ends_ms": 1800003600000, "time_zone": "Europe/Lisbon"})");
        CHECK(r.status == 400);
        r = call(port, "POST", base + "/cities", R"({"id": "lisbon", "name": "Lisbon", "country": "PT",
                                                   "position": {"lon": -9.14, "lat": 38.72}})");
        CHECK(r.status == 409);
        CHECK(code_of(r) == "CITY_EXISTS");
        r = call(port, "POST", base + "/cities", R"({"id": "x", "name": "X", "country": "Portugal",
                                                   "position": {"lon": 1, "lat": 1}})");
        CHECK(r.status == 400);
        r = call(port, "DELETE", base + "/sessions/none");
        CHECK(r.status == 400);
        r = call(port, "GET", "/v1/admin/networks/unknown");
        CHECK(r.status == 404);
        CHECK(code_of(r) == "NETWORK_NOT_FOUND");
        r = call(port, "POST", "/v1/admin/networks/unknown/cities",
                 R"({"id": "a", "name": "A", "country": "PT", "position": {"lon": 1, "lat": 1}})");
        CHECK(r.status == 404);
        r = call(port, "POST", base + "/invitations", R"({"name": "Ana", "role": "admin"})");
        CHECK(r.status == 400);
        r = call(port, "POST", base + "/invitations", R"({"name": "Ana", "role": "participant", "city_id": "oz"})");
        CHECK(r.status == 404);
        CHECK(code_of(r) == "CITY_NOT_FOUND");
        r = call(port, "GET", base, {}, "");
        CHECK(r.status == 401);
        r = call(port, "GET", base, {}, "wrong-key");
        CHECK(r.status == 401);
        // Nothing of it changed the network.
        const auto after = json_body(call(port, "GET", base));
        CHECK(after.at("rooms").as_array().size() == 4);
        CHECK(after.at("cities").as_array().size() == 3);
        CHECK(after.at("sessions").as_array().empty());
    }
}

TEST_CASE("a network invitation gives each room of its network its role, and no room of another")
{
    server_process server({"--admin-key", admin_key});
    const auto port = server.port();
    make_network(port, "na");
    make_network(port, "nb");
    require_created(call(port, "POST", "/v1/admin/rooms",
                         R"({"id": "loner", "title": "On its own", "center": {"lon": 1, "lat": 2}, "zoom": 3})"));

    const auto facilitator = invite(port, "na", R"({"subject": "fa", "name": "Fatima", "role": "facilitator"})");
    const auto lisboner =
        invite(port, "na", R"({"subject": "lu", "name": "Luis", "role": "participant", "city_id": "lisbon"})");
    const auto expert = invite(port, "na", R"({"subject": "ex", "name": "Expert", "role": "participant"})");

    SUBCASE("roles in every room of the network")
    {
        for (const std::string room : {"na-lisbon-lab", "na-capetown-lab", "na-workshop"}) {
            CAPTURE(room);
            const auto f = join(port, room, facilitator.token);
            REQUIRE_MESSAGE(f.joined, f.message);
            CHECK(f.role == pb::ROLE_FACILITATOR);
            const auto e = join(port, room, expert.token);
            REQUIRE(e.joined);
            CHECK(e.role == pb::ROLE_PARTICIPANT);
        }
        auto own = join(port, "na-lisbon-lab", lisboner.token);
        REQUIRE(own.joined);
        CHECK(own.role == pb::ROLE_PARTICIPANT);
        for (const std::string room : {"na-capetown-lab", "na-workshop"}) {
            const auto elsewhere = join(port, room, lisboner.token);
            REQUIRE(elsewhere.joined);
            CHECK(elsewhere.role == pb::ROLE_OBSERVER);
        }
        // The network lets its cities' members take part everywhere.
        require_created(call(port, "PATCH", "/v1/admin/networks/na", R"({"members_elsewhere": "participant"})"));
        const auto now_participant = join(port, "na-workshop", lisboner.token);
        REQUIRE(now_participant.joined);
        CHECK(now_participant.role == pb::ROLE_PARTICIPANT);
    }

    SUBCASE("refused in a room of another network or of none")
    {
        for (const std::string room : {"nb-lisbon-lab", "nb-workshop", "loner", "never-made"}) {
            CAPTURE(room);
            const auto refused = join(port, room, facilitator.token);
            CHECK_FALSE(refused.joined);
            CHECK(refused.code == pb::ERROR_CODE_TOKEN_WRONG_NETWORK);
        }
    }

    SUBCASE("the network's facilitator runs a room of it: mutes, opens a vote; an observer may not draw")
    {
        client fac(with_token(server, "na-capetown-lab", facilitator.token));
        join_or_fail(fac);
        client luis(with_token(server, "na-capetown-lab", lisboner.token));
        join_or_fail(luis);
        const auto drawn = luis.add_feature(point_feature("f1", 18.4, -33.9)).get();
        CHECK_FALSE(drawn.ok);
        CHECK(drawn.code == pb::ERROR_CODE_PERMISSION_DENIED);
        const auto muted = fac.mute_participant("lu").get();
        CHECK_MESSAGE(muted.ok, muted.message);
        pb::VoteRound round;
        round.set_id("v1");
        round.set_title("Which corner first?");
        round.set_dots_per_person(3);
        const auto opened = fac.open_vote(round).get();
        CHECK_MESSAGE(opened.ok, opened.message);
    }

    SUBCASE("a revoked invitation, and a city that left, are refused")
    {
        REQUIRE(join(port, "na-workshop", expert.token).joined);
        const auto revoked = call(port, "POST", "/v1/admin/revocations", R"({"jti": ")" + expert.jti + R"("})");
        REQUIRE_MESSAGE(revoked.status < 300, revoked.body);
        const auto refused = join(port, "na-workshop", expert.token);
        CHECK_FALSE(refused.joined);
        CHECK(refused.code == pb::ERROR_CODE_TOKEN_REVOKED);
        // The member API refuses it too.
        CHECK(call(port, "GET", "/v1/networks/na", {}, expert.token).status == 401);

        REQUIRE(call(port, "DELETE", "/v1/admin/networks/na/cities/lisbon").status == 200);
        const auto left = join(port, "na-lisbon-lab", lisboner.token);
        CHECK_FALSE(left.joined);
        CHECK(left.code == pb::ERROR_CODE_CITY_NOT_FOUND);
        // Its facilitator still runs the room.
        CHECK(join(port, "na-lisbon-lab", facilitator.token).joined);
    }
}

TEST_CASE("the network home: its state, the sessions' calendar and what changed, across a restart")
{
    server_process server({"--admin-key", admin_key});
    const auto port = server.port();
    make_network(port, "home");
    // 2027-03-15 09:00 UTC is 09:00 in Lisbon (WET) and 11:00 in Johannesburg.
    constexpr std::int64_t march_15 = 1805101200000;
    require_created(call(port, "POST", "/v1/admin/networks/home/sessions",
                         R"({"id": "kickoff", "room_id": "home-workshop", "title": "Kick-off; all cities, together",
                             "starts_ms": )" +
                             std::to_string(march_15) + R"(, "ends_ms": )" +
                             std::to_string(march_15 + 2 * 3600 * 1000) +
                             R"(, "time_zone": "Europe/Lisbon", "agenda": ["Welcome, introductions",
                             "Each city's living lab: what is the question? A long point that goes on and on so that its line must be folded"]})"));
    require_created(call(port, "POST", "/v1/admin/networks/home/sessions",
                         R"({"id": "capetown-visit", "room_id": "home-capetown-lab", "title": "Cape Town consultation",
                             "starts_ms": )" +
                             std::to_string(march_15 + 7 * 24 * 3600 * 1000LL) + R"(, "ends_ms": )" +
                             std::to_string(march_15 + 7 * 24 * 3600 * 1000LL + 3600 * 1000) +
                             R"(, "time_zone": "Africa/Johannesburg"})"));
    const auto member = invite(port, "home", R"({"subject": "cc", "name": "Carla", "role": "participant",
                                               "city_id": "capetown"})");

    const auto ics = call(port, "GET", "/v1/networks/home/sessions.ics", {}, member.token);
    REQUIRE_MESSAGE(ics.status == 200, ics.body);
    CHECK(ics.header("Content-Type").starts_with("text/calendar"));
    const auto lines = unfold(ics.body);
    REQUIRE(lines.size() > 4);
    CHECK(lines.front() == "BEGIN:VCALENDAR");
    CHECK(lines.back() == "END:VCALENDAR");
    auto has = [&](const std::string& line) { return std::find(lines.begin(), lines.end(), line) != lines.end(); };
    CHECK(std::count(lines.begin(), lines.end(), "BEGIN:VEVENT") == 2);
    CHECK(has("UID:kickoff@home.maptable"));
    CHECK(has("DTSTART;TZID=Europe/Lisbon:20270315T090000"));
    CHECK(has("DTEND;TZID=Europe/Lisbon:20270315T110000"));
    CHECK(has("SUMMARY:Kick-off\\; all cities\\, together"));
    CHECK(has("DESCRIPTION:1. Welcome\\, introductions\\n2. Each city's living lab: what is the question? A "
              "long point that goes on and on so that its line must be folded"));
    CHECK(has("DTSTART;TZID=Africa/Johannesburg:20270322T110000"));
    CHECK(has("SUMMARY:Cape Town consultation"));
    bool room_url = false;
    for (const auto& line : lines)
        room_url = room_url || (line.starts_with("URL:") && line.ends_with("/#room=home-capetown-lab"));
    CHECK(room_url);

    // What changed since now: two marks, a thread, a chat message and a closed vote in Cape Town's lab.
    const auto since = now_ms();
    {
        const auto facilitator = invite(port, "home", R"({"subject": "fac", "name": "Fac", "role": "facilitator"})");
        client fac(with_token(server, "home-capetown-lab", facilitator.token));
        join_or_fail(fac);
        client carla(with_token(server, "home-capetown-lab", member.token));
        join_or_fail(carla);
        REQUIRE(carla.add_feature(point_feature("m1", 18.42, -33.92)).get().ok);
        REQUIRE(carla.add_feature(point_feature("m2", 18.43, -33.93)).get().ok);
        REQUIRE(carla.start_thread("t1", "m1", "Unsafe at night").get().ok);
        REQUIRE(carla.send_chat("hello from Cape Town").get().ok);
        pb::VoteRound round;
        round.set_id("v1");
        round.set_title("First");
        round.set_dots_per_person(1);
        REQUIRE(fac.open_vote(round).get().ok);
        REQUIRE(fac.close_vote("v1").get().ok);
    }
    auto check_changes = [&] {
        const auto changes =
            call(port, "GET", "/v1/networks/home/changes?since_ms=" + std::to_string(since), {}, member.token);
        REQUIRE_MESSAGE(changes.status == 200, changes.body);
        bool found = false;
        const auto body = json_body(changes); // kept: the loop reads into it
        for (const auto& room : body.at("rooms").as_array()) {
            if (room.at("id").as_string() == "home-capetown-lab") {
                found = true;
                CHECK(room.at("features_added").to_number<std::int64_t>() == 2);
                CHECK(room.at("threads_started").to_number<std::int64_t>() == 1);
                CHECK(room.at("chat_messages").to_number<std::int64_t>() == 1);
                CHECK(room.at("votes_closed").to_number<std::int64_t>() == 1);
            } else {
                CHECK(room.at("events").to_number<std::int64_t>() == 0);
            }
        }
        CHECK(found);
    };
    check_changes();

    auto check_home = [&] {
        const auto home = call(port, "GET", "/v1/networks/home", {}, member.token);
        REQUIRE_MESSAGE(home.status == 200, home.body);
        const auto v = json_body(home);
        CHECK(v.at("cities").as_array().size() == 3);
        CHECK(v.at("sessions").as_array().size() == 2);
        CHECK(v.at("sessions").as_array()[0].at("id").as_string() == "kickoff");
        CHECK(v.at("rooms").as_array().size() == 4);
        bool counted = false;
        for (const auto& p : v.at("people").as_array())
            if (p.at("city_id").as_string() == "capetown") {
                counted = true;
                CHECK(p.at("count").to_number<std::int64_t>() == 2); // Carla and the facilitator acted in its lab
            }
        CHECK(counted);
    };
    check_home();

    // The member API: a token of another network, no token, bad queries.
    CHECK(call(port, "GET", "/v1/networks/home", {}, "").status == 401);
    const auto wrong = call(port, "GET", "/v1/networks/elsewhere", {}, member.token);
    CHECK(wrong.status == 403);
    CHECK(code_of(wrong) == "TOKEN_WRONG_NETWORK");
    CHECK(call(port, "GET", "/v1/networks/home/changes", {}, member.token).status == 400);
    CHECK(call(port, "GET", "/v1/networks/home/changes?since_ms=yesterday", {}, member.token).status == 400);
    CHECK(call(port, "GET", "/v1/networks/nowhere", {}, admin_key).status == 404);
    CHECK(call(port, "GET", "/v1/networks/home/sessions.ics", {}, admin_key).status == 200);

    // Everything is in the store: the same after a restart, and the
    // invitation still works.
    REQUIRE(server.stop() == 0);
    server.start();
    check_home();
    check_changes();
    const auto again = join(server.port(), "home-capetown-lab", member.token);
    REQUIRE(again.joined);
    CHECK(again.role == pb::ROLE_PARTICIPANT);
    const auto listed = json_body(call(server.port(), "GET", "/v1/admin/networks"));
    CHECK(listed.at("networks").as_array().size() == 1);
}
