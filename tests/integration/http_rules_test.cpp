// HTTP routes under the rules of a Join: a join token is refused at every
// route that takes one when it is revoked, of the wrong role, or of a
// participant removed from the room; CSV exports neutralise text a
// spreadsheet would run as a formula; room ids are the ones a Join takes;
// a joined room without events; and exports of a long history are read in
// pages and folded off the event loops, so other requests are answered
// meanwhile.
#include "csv_records.hpp"
#include "http_probe.hpp"
#include "raw_client.hpp"
#include "server_process.hpp"
#include "store/sqlite_event_log.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

using namespace maptable;
using namespace maptable::test;

namespace {

namespace json = boost::json;

constexpr const char* admin_key = "test-admin-key-0123456789";

http_reply get(unsigned short port, const std::string& target, const std::string& credential = admin_key)
{
    return call_api(port, {.target = target, .bearer = credential});
}

// Every route under /v1/rooms/{id}/ that takes a join token.
std::vector<std::string> token_routes(const std::string& room)
{
    const std::string base = "/v1/rooms/" + room;
    return {base + "/export/geojson",
            base + "/export/chat.json",
            base + "/export/chat.csv",
            base + "/export/comments.json",
            base + "/export/comments.csv",
            base + "/export/report.md",
            base + "/state",
            base + "/state?seq=1",
            base + "/export/chat.json?seq=1"};
}

std::int64_t unix_now()
{
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

std::string token_with_id(const std::string& room, const std::string& name, pb::Role role, const std::string& jti)
{
    auth::join_claims claims;
    claims.room = room;
    claims.subject = name;
    claims.name = name;
    claims.role = role;
    claims.expires_at = unix_now() + 3600;
    claims.token_id = jti;
    return auth::mint_join_token(claims, test_secret);
}

pb::ClientMessage remove_participant(const std::string& id)
{
    pb::ClientMessage m;
    m.mutable_remove_participant()->set_participant_id(id);
    return m;
}

// Waits until the server's log has a line containing text (the server
// writes it when it reaches that step; there is no other signal of it).
bool wait_for_log(const server_process& server, const std::string& text)
{
    for (int i = 0; i < 3000; ++i) {
        if (server.log().find(text) != std::string::npos)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

} // namespace

TEST_CASE("a removed facilitator's token is refused with 403 at every route that takes a token")
{
    server_process server({"--admin-key", admin_key});
    client ana(server.options("rules", "ana", pb::ROLE_FACILITATOR));
    join_or_fail(ana);
    REQUIRE(ana.send_chat("hello").get().ok);
    const auto bob_token = server.token("rules", "bob", pb::ROLE_FACILITATOR);

    // Before the removal, bob's token reads every route.
    for (const auto& route : token_routes("rules")) {
        const auto r = get(server.port(), route, bob_token);
        CHECK_MESSAGE(r.status == 200, route << ": " << r.body);
    }

    const auto removed = ana.send(remove_participant("bob")).get();
    REQUIRE_MESSAGE(removed.ok, removed.message);

    // A Join refuses him...
    raw_client bob_joins(server.port());
    const auto refused = bob_joins.join("rules", bob_token);
    REQUIRE(refused.has_error());
    CHECK(refused.error().code() == pb::ERROR_CODE_PARTICIPANT_REMOVED);

    // ...and so does every HTTP route, with the same reason; ana still reads.
    for (const auto& route : token_routes("rules")) {
        const auto r = get(server.port(), route, bob_token);
        CHECK_MESSAGE(r.status == 403, route << ": " << r.status << " " << r.body);
        CHECK_MESSAGE(r.body.find("PARTICIPANT_REMOVED") != std::string::npos, route << ": " << r.body);
        CHECK(get(server.port(), route, server.token("rules", "ana", pb::ROLE_FACILITATOR)).status == 200);
    }
    CHECK(server.log().find("participant bob was removed") != std::string::npos);
}

TEST_CASE("a revoked token gets 401, and a participant's or observer's token 403, at every token route")
{
    server_process server({"--admin-key", admin_key});
    client ana(server.options("rules", "ana", pb::ROLE_FACILITATOR));
    join_or_fail(ana);
    REQUIRE(ana.send_chat("hello").get().ok);

    const auto revoked = token_with_id("rules", "ana", pb::ROLE_FACILITATOR, "t-ana-http");
    CHECK(get(server.port(), "/v1/rooms/rules/export/chat.json", revoked).status == 200);
    const auto revocation = call_api(server.port(),
                                     {.method = "POST",
                                      .target = "/v1/admin/revocations",
                                      .bearer = admin_key,
                                      .body = "{\"jti\": \"t-ana-http\"}"});
    REQUIRE(revocation.status == 204);

    const auto participant = server.token("rules", "pat", pb::ROLE_PARTICIPANT);
    const auto observer = server.token("rules", "obs", pb::ROLE_OBSERVER);
    const auto other_room = server.token("elsewhere", "ana", pb::ROLE_FACILITATOR);
    for (const auto& route : token_routes("rules")) {
        const auto r = get(server.port(), route, revoked);
        CHECK_MESSAGE(r.status == 401, route << ": " << r.body);
        CHECK(r.body.find("revoked") != std::string::npos);
        CHECK(r.header("WWW-Authenticate") == "Bearer realm=\"maptable\"");
        const auto p = get(server.port(), route, participant);
        CHECK_MESSAGE(p.status == 403, route << ": " << p.body);
        CHECK(p.body.find("participant") != std::string::npos);
        const auto o = get(server.port(), route, observer);
        CHECK_MESSAGE(o.status == 403, route << ": " << o.body);
        CHECK(o.body.find("observer") != std::string::npos);
        CHECK(get(server.port(), route, other_room).status == 403);
        CHECK(get(server.port(), route, "").status == 401);
    }
}

TEST_CASE("CSV exports neutralise cells that a spreadsheet would run as a formula")
{
    server_process server({"--admin-key", admin_key});
    client ana(server.options("sheet", "ana", pb::ROLE_FACILITATOR));
    join_or_fail(ana);
    const std::vector<std::string> formulas = {"=1+1", "+SUM(A1:A9)", "-2+3", "@cmd",
                                               "=HYPERLINK(\"http://x\",\"a,b\")"};
    for (const auto& text : formulas)
        REQUIRE(ana.send_chat(text).get().ok);
    REQUIRE(ana.add_feature(point_feature("f-1", 18.42, -33.92, "=cmd|' /C calc'!A0")).get().ok);
    REQUIRE(ana.start_thread("t-1", "f-1", "=1+1").get().ok);
    for (const auto& text : formulas)
        REQUIRE(ana.add_comment("t-1", text).get().ok);
    REQUIRE(ana.add_comment("t-1", "plain words, -not- a formula").get().ok);

    const auto chat = get(server.port(), "/v1/rooms/sheet/export/chat.csv");
    REQUIRE_MESSAGE(chat.status == 200, chat.body);
    const auto chat_rows = parse_csv(chat.body);
    REQUIRE(chat_rows.size() == formulas.size() + 1);
    const auto text_column = column(chat_rows[0], "text");
    for (std::size_t i = 0; i < formulas.size(); ++i)
        CHECK(chat_rows[i + 1][text_column] == "'" + formulas[i]);
    // The raw file has each neutralised cell in quotes.
    CHECK(chat.body.find(",\"'=1+1\",") != std::string::npos);

    const auto comments = get(server.port(), "/v1/rooms/sheet/export/comments.csv");
    REQUIRE_MESSAGE(comments.status == 200, comments.body);
    const auto rows = parse_csv(comments.body);
    REQUIRE(rows.size() == formulas.size() + 3);
    const auto& header = rows[0];
    CHECK(rows[1][column(header, "text")] == "'=1+1");
    for (std::size_t i = 0; i < formulas.size(); ++i)
        CHECK(rows[i + 2][column(header, "text")] == "'" + formulas[i]);
    CHECK(rows.back()[column(header, "text")] == "plain words, -not- a formula");
    CHECK(rows[1][column(header, "feature_title")] == "'=cmd|' /C calc'!A0");
    // Numbers the export writes itself stay numbers.
    CHECK(rows[1][column(header, "lat")] == "-33.92");
    CHECK(rows[1][column(header, "lon")] == "18.42");

    // JSON is data, not a sheet: the texts are as written.
    const auto chat_json = json_body(get(server.port(), "/v1/rooms/sheet/export/chat.json"));
    REQUIRE(chat_json.is_object());
    CHECK(chat_json.at("messages").at(0).at("text") == "=1+1");
}

TEST_CASE("a cell starting with a tab or a carriage return is neutralised too")
{
    // Chat text cannot start with white space (the room trims it), but a
    // display name can start with a tab: it comes from the token.
    server_process server({"--admin-key", admin_key});
    auto options = server.options("tabs", "ana", pb::ROLE_FACILITATOR);
    auth::join_claims claims;
    claims.room = "tabs";
    claims.subject = "ana";
    claims.name = "\t=1+1";
    claims.role = pb::ROLE_FACILITATOR;
    claims.expires_at = unix_now() + 3600;
    options.token = auth::mint_join_token(claims, test_secret);
    client ana(options);
    join_or_fail(ana);
    REQUIRE(ana.send_chat("hi").get().ok);
    const auto chat = get(server.port(), "/v1/rooms/tabs/export/chat.csv");
    REQUIRE_MESSAGE(chat.status == 200, chat.body);
    const auto rows = parse_csv(chat.body);
    REQUIRE(rows.size() == 2);
    CHECK(rows[1][column(rows[0], "author_name")] == "'\t=1+1");
}

TEST_CASE("a room id with a dot works at a Join and in every admin and export call")
{
    server_process server({"--admin-key", admin_key});
    const auto created = call_api(server.port(),
                                  {.method = "POST",
                                   .target = "/v1/admin/rooms",
                                   .bearer = admin_key,
                                   .body = R"({"id": "city.harbour", "title": "Harbour", )"
                                           R"("center": {"lon": 18.42, "lat": -33.92}, "zoom": 12})"});
    REQUIRE_MESSAGE(created.status == 201, created.body);
    CHECK(get(server.port(), "/v1/admin/rooms/city.harbour").status == 200);
    const auto patched = call_api(server.port(),
                                  {.method = "PATCH",
                                   .target = "/v1/admin/rooms/city.harbour",
                                   .bearer = admin_key,
                                   .body = R"({"title": "Harbour II"})"});
    CHECK_MESSAGE(patched.status == 200, patched.body);
    const auto minted = call_api(server.port(),
                                 {.method = "POST",
                                  .target = "/v1/admin/rooms/city.harbour/tokens",
                                  .bearer = admin_key,
                                  .body = R"({"role": "facilitator", "name": "Ana", "subject": "ana"})"});
    REQUIRE_MESSAGE(minted.status == 201, minted.body);

    auto options = server.options("city.harbour", "ana", pb::ROLE_FACILITATOR);
    options.token = std::string(json_body(minted).at("token").as_string());
    client ana(options);
    join_or_fail(ana);
    CHECK(ana.replica().info().title() == "Harbour II");
    REQUIRE(ana.send_chat("from a dotted room").get().ok);
    const auto chat = get(server.port(), "/v1/rooms/city.harbour/export/chat.json", options.token);
    REQUIRE_MESSAGE(chat.status == 200, chat.body);
    CHECK(chat.body.find("from a dotted room") != std::string::npos);
    CHECK(get(server.port(), "/v1/rooms/city.harbour/state").status == 200);
    CHECK(call_api(server.port(),
                   {.method = "POST", .target = "/v1/admin/rooms/city.harbour/archive", .bearer = admin_key})
              .status == 200);

    // What a Join refuses, every route refuses.
    CHECK(get(server.port(), "/v1/admin/rooms/city%2Fharbour").status == 404);
    CHECK(get(server.port(), "/v1/rooms/city%20harbour/state").status == 404);
    const auto bad = call_api(server.port(),
                              {.method = "POST",
                               .target = "/v1/admin/rooms",
                               .bearer = admin_key,
                               .body = R"({"id": "a/b", "title": "x", "center": {"lon": 0, "lat": 0}, "zoom": 1})"});
    CHECK(bad.status == 400);
}

TEST_CASE("a joined room without events exports as the empty room to a token; the admin key gets 404")
{
    server_process server({"--admin-key", admin_key});
    client ana(server.options("quiet", "ana", pb::ROLE_FACILITATOR));
    join_or_fail(ana);
    const auto token = server.token("quiet", "ana", pb::ROLE_FACILITATOR);

    const auto chat = get(server.port(), "/v1/rooms/quiet/export/chat.json", token);
    REQUIRE_MESSAGE(chat.status == 200, chat.body);
    const auto doc = json_body(chat);
    REQUIRE(doc.is_object());
    CHECK(doc.at("seq").to_number<std::uint64_t>() == 0);
    CHECK(doc.at("messages").as_array().empty());
    const auto state = get(server.port(), "/v1/rooms/quiet/state", token);
    CHECK_MESSAGE(state.status == 200, state.body);
    CHECK(get(server.port(), "/v1/rooms/quiet/export/geojson", token).status == 200);
    CHECK(get(server.port(), "/v1/rooms/quiet/export/chat.json?seq=1", token).status == 400);

    // The admin key knows rooms by the catalogue and the log: neither has it.
    const auto admin = get(server.port(), "/v1/rooms/quiet/export/chat.json");
    CHECK(admin.status == 404);
    CHECK(admin.body.find("there is no room 'quiet'") != std::string::npos);
    // Once something happened in it, it is there for the admin key too.
    REQUIRE(ana.send_chat("first words").get().ok);
    CHECK(get(server.port(), "/v1/rooms/quiet/export/chat.json").status == 200);
}

TEST_CASE("other requests are answered while an export folds a long history")
{
    // One event loop: a fold on it would hold every other request.
    server_process server({"--admin-key", admin_key, "--threads", "1"});
    client ana(server.options("small", "ana", pb::ROLE_FACILITATOR));
    join_or_fail(ana);
    REQUIRE(ana.send_chat("a short history").get().ok);
    ana.disconnect();

    // A long history, written straight into the log while the server is down.
    server.stop();
    constexpr std::uint64_t events = 120000;
    {
        store::sqlite_event_log log(server.db_path(), store::durability::normal);
        std::vector<store::event_record> batch;
        const auto start_ms = unix_now() * 1000;
        for (std::uint64_t seq = 1; seq <= events; ++seq) {
            pb::Event e;
            e.set_seq(seq);
            e.set_time_ms(start_ms + static_cast<std::int64_t>(seq));
            e.set_actor_id("p-" + std::to_string(seq % 50));
            e.set_actor_name("Participant " + std::to_string(seq % 50));
            e.mutable_chat_posted()->mutable_message()->set_text("message number " + std::to_string(seq) +
                                                                 " of a long workshop day");
            store::event_record r;
            r.room_id = "big";
            r.seq = seq;
            r.time_ms = e.time_ms();
            r.kind = store::event_kind::chat;
            r.bytes = e.SerializeAsString();
            batch.push_back(std::move(r));
            if (batch.size() == 5000) {
                REQUIRE(log.append(batch) == store::append_error::ok);
                batch.clear();
            }
        }
    }
    server.start();

    pending_call big(server.port(), {.target = "/v1/rooms/big/export/report.md", .bearer = admin_key});
    // The export's first read is queued on the store right after this line.
    REQUIRE(wait_for_log(server, "export report.md of room big"));
    // A small export asked after it is answered before it: its reads are not
    // queued behind one read of the whole history, and its fold does not wait
    // for the big one's...
    const auto small = get(server.port(), "/v1/rooms/small/export/chat.json");
    CHECK_MESSAGE(small.status == 200, small.body);
    // ...and so are the health check and an admin call, on the same loop.
    CHECK(http_request(server.port(), "/healthz").status == 200);
    CHECK(get(server.port(), "/v1/admin/rooms").status == 200);
    CHECK_MESSAGE(!big.reply_started(), "the long export was answered first: something waited for it");

    const auto report = big.finish();
    REQUIRE_MESSAGE(report.status == 200, report.body.substr(0, 300));
    CHECK(report.body.find("seq " + std::to_string(events)) != std::string::npos);
}
