// A forced lease race: the owner of a room is paused (SIGSTOP) past its
// lease, another node takes the room over and writes, and then the old owner
// wakes up still believing the room is its own, with commands of its client
// waiting in its socket. It must not store or ack them (its appends carry a
// generation that is no longer the room's), no seq may ever hold two events,
// and its clients are moved: closed with 4001 "room moved", then sent to the
// new owner, where their commands are applied once.
#include "cluster_harness.hpp"

#include <doctest/doctest.h>

#include <future>

using namespace maptable;
using namespace maptable::test;
using namespace maptable::test::cluster_test;

TEST_CASE("a paused owner that wakes after a takeover writes nothing, and its clients are moved to the new owner")
{
    CLUSTER_SKIP_WITHOUT_POSTGRES(pg);
    cluster c(*pg, {.nodes = 3, .lease_ms = 600});
    room_client ana(c, "race", "ana");
    REQUIRE(ana.join(0).joined);
    const auto old_owner = std::size_t(ana.node());
    for (int i = 0; i < 3; ++i)
        ana.send_chat("before the pause " + std::to_string(i));
    REQUIRE(ana.drain());
    const auto acked_before = ana.acked();

    c.node(old_owner).pause();
    // Ana's next commands reach the paused node's socket and wait there.
    for (int i = 0; i < 3; ++i)
        ana.send_chat("to the paused owner " + std::to_string(i));

    // Ben knocks at another node. While the paused owner's lease runs, he is
    // sent to it and gets no answer; once it has expired, a live node takes
    // the room over and welcomes him.
    room_client ben(c, "race", "ben");
    const auto ben_joined = ben.join((old_owner + 1) % c.size());
    REQUIRE(ben_joined.joined);
    const auto new_owner = std::size_t(ben.node());
    CHECK(new_owner != old_owner);
    for (int i = 0; i < 5; ++i)
        ben.send_chat("on the new owner " + std::to_string(i));
    REQUIRE(ben.drain());
    CHECK(ben.node() == int(new_owner));

    // The old owner wakes up with Ana's commands to handle and a lease it
    // believes it still holds.
    c.node(old_owner).resume();
    while (ana.read_one()) {}
    CHECK(ana.last_close().code == 4001);
    CHECK(ana.last_close().reason == "room moved");
    CHECK_MESSAGE(ana.acked() == acked_before, "the stale owner acked a command it could not have stored");
    CHECK(ana.pending().size() == 3);

    // At the old owner again, Ana is sent on to the new one, where her three
    // commands are applied, once.
    const auto moved = ana.try_join(old_owner);
    REQUIRE_MESSAGE(moved.joined, moved.failure);
    CHECK(moved.redirects >= 1);
    CHECK(moved.node == int(new_owner));
    ana.resend_pending();
    REQUIRE(ana.drain());
    CHECK(ana.acked().size() == 6);

    std::uint64_t last = 0;
    for (const auto* client : {&ana, &ben})
        for (const auto& [id, seq] : client->acked())
            last = std::max(last, seq);
    REQUIRE(ana.read_until_seq(last));
    REQUIRE(ben.read_until_seq(last));
    CHECK(ana.replica().canonical_hash() == ben.replica().canonical_hash());

    // No seq twice: what every client was sent at each seq is what the log
    // holds there, the log runs 1..N, and each acked command is in it once.
    const auto log = stored_events(c.store_url(), "race");
    CHECK(log.size() == 3 + 5 + 3);
    const auto problems = log_problems(log, {&ana, &ben});
    CHECK_MESSAGE(problems.empty(), describe(problems));
    // The old owner says, in its log, that it gave the room up.
    INFO(c.logs());
    CHECK(c.node(old_owner).log().find("room=race steps down") != std::string::npos);
}
