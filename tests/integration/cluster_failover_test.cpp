// kill -9 of a room's owner in the middle of a stream of writes, over and
// over: the writer resumes on another node (which takes the room over once
// the dead owner's lease has run out), sends again what was not answered,
// and in the end every acked command is in the log exactly once, at the seq
// its Ack named, and the seqs run 1..N without a gap. A reader that knocked
// at another node is served by the owner too, and follows every event
// through every fail-over.
#include "cluster_harness.hpp"

#include <doctest/doctest.h>

using namespace maptable;
using namespace maptable::test;
using namespace maptable::test::cluster_test;

namespace {

constexpr int cycles = 50;
constexpr int commands_in_flight = 6;

// Reads until every command is answered, rejoining (at the node after
// `after`) and resending whenever the connection is closed under it.
void settle(room_client& writer, std::size_t after)
{
    while (!writer.drain()) {
        writer.join((after + 1) % 3);
        writer.resend_pending();
    }
}

// Reads until the replica has reached seq, rejoining whenever the
// connection is closed under it.
void catch_up(room_client& reader, std::uint64_t seq, std::size_t after)
{
    while (!reader.read_until_seq(seq))
        reader.join((after + 1) % 3);
}

std::uint64_t last_acked(const room_client& writer)
{
    std::uint64_t last = 0;
    for (const auto& [id, seq] : writer.acked())
        last = std::max(last, seq);
    return last;
}

} // namespace

TEST_CASE("kill -9 of the owner during a stream of writes, 50 times: every acked command stored once, no seq gap")
{
    CLUSTER_SKIP_WITHOUT_POSTGRES(pg);
    cluster c(*pg, {.nodes = 3, .lease_ms = 500});
    room_client writer(c, "failover", "writer");
    REQUIRE(writer.join(0).joined);
    room_client reader(c, "failover", "reader");
    REQUIRE(reader.join(1).joined);
    // Knocking at another node, the reader is sent to the writer's: one
    // node sequences the room.
    REQUIRE(reader.node() == writer.node());

    int moved = 0;
    for (int cycle = 0; cycle < cycles; ++cycle) {
        CAPTURE(cycle);
        const auto owner = std::size_t(writer.node());
        // A stream: several commands in flight; the first answer shows the
        // owner is working on them, and the kill lands among the rest.
        for (int k = 0; k < commands_in_flight; ++k)
            writer.send_chat("cycle " + std::to_string(cycle) + " command " + std::to_string(k));
        const auto answered_before = writer.acked().size();
        while (writer.acked().size() == answered_before && writer.read_one()) {}
        c.node(owner).kill9();
        // What the dead node sent before it died is still read; then the
        // connection ends.
        while (writer.read_one()) {}
        const auto rejoined = writer.join((owner + 1) % c.size());
        REQUIRE(rejoined.joined);
        CHECK(rejoined.node != int(owner));
        if (rejoined.node != int(owner))
            ++moved;
        writer.resend_pending();
        settle(writer, owner);
        catch_up(reader, last_acked(writer), owner);
        // The dead node comes back (same id, same port) for later cycles.
        c.node(owner).start();
    }
    CHECK(moved == cycles);
    CHECK(writer.pending().empty());
    CHECK(writer.refused().empty());
    CHECK(writer.acked().size() == std::size_t(cycles * commands_in_flight));

    const auto log = stored_events(c.store_url(), "failover");
    CHECK(log.size() >= writer.acked().size());
    CHECK(reader.replica().seq() == log.size());
    const auto problems = log_problems(log, {&writer, &reader});
    CHECK_MESSAGE(problems.empty(), describe(problems));

    const auto check = run_server_command({"check", "--store", c.store_url()});
    INFO(check.out << check.err);
    CHECK(check.status == 0);
}
