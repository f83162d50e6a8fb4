// Two or more people in one room over real sockets: what one does, the others
// see, with the same seqs.
#include "raw_client.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>

using namespace maptable;
using namespace maptable::test;

TEST_CASE("a marker and a chat message from one client reach the other with the same seqs")
{
    server_process server;
    client ana(server.options("harbour", "ana"));
    client ben(server.options("harbour", "ben"));
    event_recorder ben_sees(ben);
    join_or_fail(ana);
    join_or_fail(ben);

    auto added = ana.add_feature(point_feature("unsafe-corner", 18.4231, -33.9249, "Unsafe corner at night")).get();
    REQUIRE(added.ok);
    auto said = ana.send_chat("This corner needs light", 0, "unsafe-corner").get();
    REQUIRE(said.ok);
    CHECK(said.seq == added.seq + 1);

    REQUIRE(ben_sees.wait_for_seq(said.seq));
    auto events = ben_sees.events();
    REQUIRE(events.size() == 2);
    CHECK(events[0].seq() == added.seq);
    CHECK(events[0].feature_added().feature().title() == "Unsafe corner at night");
    CHECK(events[0].actor_id() == "ana");
    CHECK(events[1].seq() == said.seq);
    CHECK(events[1].chat_posted().message().text() == "This corner needs light");
    CHECK(events[1].chat_posted().message().feature_id() == "unsafe-corner");

    // The sender's own replica already holds the event when the ack arrives.
    auto mine = ana.replica();
    REQUIRE(mine.find_feature("unsafe-corner") != nullptr);
    CHECK(mine.find_feature("unsafe-corner")->author_name() == "ana");
    CHECK(mine.find_feature("unsafe-corner")->created_seq() == added.seq);
    CHECK(ben.replica().canonical_hash() == mine.canonical_hash());
}

TEST_CASE("a per-property update changes only the properties it names")
{
    server_process server;
    client ana(server.options("park", "ana"));
    client ben(server.options("park", "ben", pb::ROLE_FACILITATOR)); // edits and deletes ana's feature
    event_recorder ana_sees(ana);
    join_or_fail(ana);
    join_or_fail(ben);
    auto f = point_feature("bench", 13.4, 52.5, "Bench");
    f.set_category("furniture");
    REQUIRE(ana.add_feature(f).get().ok);

    pb::FeaturePatch title;
    title.set_title("Broken bench");
    pb::FeaturePatch colour;
    colour.set_colour("#ff0000");
    auto a = ana.update_feature("bench", title);
    auto b = ben.update_feature("bench", colour);
    auto ra = a.get();
    auto rb = b.get();
    REQUIRE(ra.ok);
    REQUIRE(rb.ok);

    REQUIRE(ana_sees.wait_for_seq(std::max(ra.seq, rb.seq)));
    const auto state = ana.replica();
    const auto* bench = state.find_feature("bench");
    REQUIRE(bench != nullptr);
    CHECK(bench->title() == "Broken bench");
    CHECK(bench->colour() == "#ff0000");
    CHECK(bench->category() == "furniture");
    CHECK(bench->updated_seq() == std::max(ra.seq, rb.seq));

    auto deleted = ben.delete_feature("bench").get();
    REQUIRE(deleted.ok);
    REQUIRE(ana_sees.wait_for_seq(deleted.seq));
    CHECK(ana.replica().find_feature("bench") == nullptr);
}

TEST_CASE("who is online: the roster in the Welcome, then join and leave notices")
{
    server_process server;
    client ana(server.options("square", "ana", pb::ROLE_FACILITATOR));
    event_recorder ana_sees(ana);
    join_or_fail(ana);
    CHECK(ana.me().role() == pb::ROLE_FACILITATOR);
    CHECK(ana.online().size() == 1);

    {
        client ben(server.options("square", "ben"));
        join_or_fail(ben);
        CHECK(ben.online().size() == 2);
        // The SDK updates its roster just before it calls the callbacks: wait
        // for both, the roster and the notice the recorder keeps.
        REQUIRE(ana_sees.wait_until([&] { return ana.online().size() == 2 && !ana_sees.joined().empty(); }));
        CHECK(ana_sees.joined() == std::vector<std::string>{"ben"});
    }
    REQUIRE(ana_sees.wait_until([&] { return ana.online().size() == 1 && !ana_sees.left().empty(); }));
    CHECK(ana_sees.left() == std::vector<std::string>{"ben"});
}

TEST_CASE("cursors are relayed, coalesced at the presence tick")
{
    server_process server;
    client ana(server.options("river", "ana"));
    client ben(server.options("river", "ben"));
    event_recorder ben_sees(ben);
    join_or_fail(ana);
    join_or_fail(ben);

    for (int i = 0; i < 50; ++i)
        ana.move_cursor(10.0 + i * 0.001, 53.5);
    auto last_cursor_arrived = [&] {
        for (const auto& update : ben_sees.presence())
            for (const auto& p : update.presence())
                if (p.participant_id() == "ana" && p.has_cursor() && p.cursor().lon() == doctest::Approx(10.049))
                    return true;
        return false;
    };
    REQUIRE(ben_sees.wait_until(last_cursor_arrived));
    // 50 moves sent back to back are not 50 messages: the tick keeps the newest.
    std::size_t ana_entries = 0;
    for (const auto& update : ben_sees.presence())
        for (const auto& p : update.presence())
            ana_entries += p.participant_id() == "ana";
    CHECK(ana_entries < 50);
}

TEST_CASE("chat history pages backwards through older messages")
{
    server_process server;
    client ana(server.options("forum", "ana"));
    join_or_fail(ana);
    std::uint64_t last = 0;
    for (int i = 0; i < 30; ++i) {
        auto r = ana.send_chat("message " + std::to_string(i)).get();
        REQUIRE(r.ok);
        last = r.seq;
    }
    auto newest = ana.chat_history(0, 10).get();
    REQUIRE(newest.ok);
    REQUIRE(newest.messages.size() == 10);
    CHECK(newest.has_more);
    CHECK(newest.messages.back().seq() == last);
    CHECK(newest.messages.front().text() == "message 20");

    auto older = ana.chat_history(newest.messages.front().seq(), 50).get();
    REQUIRE(older.ok);
    CHECK(older.messages.size() == 20);
    CHECK_FALSE(older.has_more);
    CHECK(older.messages.front().text() == "message 0");
}

TEST_CASE("a facilitator can retitle the room; a participant cannot")
{
    server_process server;
    client facilitator(server.options("lab", "fran", pb::ROLE_FACILITATOR));
    client peer(server.options("lab", "pat"));
    join_or_fail(facilitator);
    join_or_fail(peer);
    pb::RoomInfoChanged change;
    change.set_title("Cape Town living lab");
    change.mutable_center()->set_lon(18.42);
    change.mutable_center()->set_lat(-33.92);
    change.set_zoom(14);
    auto refused = peer.update_room_info(change).get();
    CHECK_FALSE(refused.ok);
    CHECK(refused.code == pb::ERROR_CODE_PERMISSION_DENIED);
    auto ok = facilitator.update_room_info(change).get();
    REQUIRE(ok.ok);

    client late(server.options("lab", "lou"));
    join_or_fail(late);
    CHECK(late.replica().info().title() == "Cape Town living lab");
    CHECK(late.replica().info().zoom() == 14);
}

TEST_CASE("health check and unknown paths over plain HTTP")
{
    server_process server;
    auto [status, body] = http_get(server.port(), "/healthz");
    CHECK(status == 200);
    CHECK(body == "ok\n");
    CHECK(http_get(server.port(), "/nope").first == 404);
}
