// Rules a session enforces on a live connection: rates, the join deadline,
// room and server capacity, token refresh and expiry.
#include "raw_client.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>

using namespace maptable;
using namespace maptable::test;

TEST_CASE("a command flood is refused with RATE_LIMITED, and a sustained one closes the connection")
{
    server_process server({"--command-rate", "1", "--command-burst", "5"});
    raw_client raw(server.port());
    REQUIRE(raw.join("flood", server.token("flood", "script")).has_welcome());
    for (std::uint64_t i = 1; i <= 100; ++i)
        raw.send(chat_command(100 + i, "spam"));
    int acked = 0, limited = 0;
    while (auto m = raw.next()) {
        if (m->has_ack())
            ++acked;
        if (m->has_error()) {
            CHECK(m->error().code() == pb::ERROR_CODE_RATE_LIMITED);
            ++limited;
        }
    }
    CHECK(limited > 0);
    CHECK(raw.close().code == 1008);
    CHECK(raw.close().reason == "too many commands");
    // Only the burst allowance got through (their acks may be cut off by the
    // close; a resuming client would get them on resend), and everyone else
    // is served as before.
    CHECK(acked <= 5);
    client good(server.options("flood", "good"));
    join_or_fail(good);
    const auto applied = good.seq();
    CHECK(applied >= 1);
    CHECK(applied <= 5);
    CHECK(good.send_chat("fine").get().ok);
}

TEST_CASE("a connection that never joins is closed with JOIN_TIMEOUT")
{
    server_process server({"--join-timeout", "1"});
    raw_client raw(server.port());
    auto m = raw.next();
    REQUIRE(m.has_value());
    REQUIRE(m->has_error());
    CHECK(m->error().code() == pb::ERROR_CODE_JOIN_TIMEOUT);
    CHECK_FALSE(raw.next().has_value());
    CHECK(raw.close().code == 1008);
}

TEST_CASE("a full room refuses with ROOM_FULL; a server at its room limit with SERVER_BUSY")
{
    server_process server({"--max-participants-per-room", "1", "--max-rooms-loaded", "1"});
    client first(server.options("small", "first"));
    join_or_fail(first);
    client second(server.options("small", "second"));
    auto r = second.connect().get();
    CHECK_FALSE(r.ok);
    CHECK(r.code == pb::ERROR_CODE_ROOM_FULL);
    client elsewhere(server.options("another", "third"));
    auto busy = elsewhere.connect().get();
    CHECK_FALSE(busy.ok);
    CHECK(busy.code == pb::ERROR_CODE_SERVER_BUSY);
}

TEST_CASE("a refreshed token's role applies at once, and the room sees it")
{
    server_process server;
    client facilitator(server.options("refresh", "fran", pb::ROLE_FACILITATOR));
    event_recorder fran_sees(facilitator);
    join_or_fail(facilitator);
    client pat(server.options("refresh", "pat"));
    join_or_fail(pat);
    pb::Feature f;
    f.set_id("p1");
    f.mutable_geometry()->set_kind(pb::FEATURE_KIND_POINT);
    f.mutable_geometry()->add_positions()->set_lon(1);
    REQUIRE(pat.add_feature(f).get().ok);

    auto refreshed = pat.refresh_token(server.token("refresh", "pat", pb::ROLE_OBSERVER)).get();
    REQUIRE_MESSAGE(refreshed.ok, refreshed.message);
    f.set_id("p2");
    auto refused = pat.add_feature(f).get();
    CHECK(refused.code == pb::ERROR_CODE_PERMISSION_DENIED);
    REQUIRE(fran_sees.wait_until([&] {
        for (const auto& p : facilitator.online())
            if (p.id() == "pat" && p.role() == pb::ROLE_OBSERVER)
                return true;
        return false;
    }));

    auto other = pat.refresh_token(server.token("refresh", "mallory")).get();
    CHECK(other.code == pb::ERROR_CODE_TOKEN_WRONG_SUBJECT);
    auto bad = pat.refresh_token("garbage").get();
    CHECK(bad.code == pb::ERROR_CODE_TOKEN_INVALID);
}

TEST_CASE("a live connection ends when its token expires")
{
    server_process server;
    // Expired 27 s ago: still inside the 30 s leeway, so the join succeeds and
    // the connection ends about 3 s later.
    client pat(server.options("expiry", "pat"));
    client_options options = server.options("expiry", "pat");
    options.token = server.token("expiry", "pat", pb::ROLE_PARTICIPANT, -27);
    options.reconnect = false;
    client late(options);
    event_recorder sees(late);
    join_or_fail(late);
    REQUIRE(sees.wait_until([&] { return late.state() == connection_state::closed; }));
    CHECK(late.closed().code == 1008);
    CHECK(late.closed().reason == "join token expired");
}
