// PostgreSQL restarted under load: two nodes each own a room with a writer.
// While the database is down every command is answered STORE_UNAVAILABLE
// (never acked) and /healthz says 503; once it is back the same nodes serve
// again by themselves, with no restart of theirs. In the end the log holds
// every acked command once and none of the refused ones.
#include "cluster_harness.hpp"
#include "http_probe.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace maptable;
using namespace maptable::test;
using namespace maptable::test::cluster_test;

namespace {

// Sends one command and reads until it is answered; rejoins (at `home` first)
// whenever the connection is closed meanwhile, and resends. Returns the
// error code, or ERROR_CODE_UNSPECIFIED for an ack.
pb::ErrorCode command_answer(room_client& writer, std::size_t home, const std::string& text)
{
    const auto id = writer.send_chat(text);
    for (;;) {
        while (writer.pending().count(id) && writer.read_one()) {}
        if (!writer.pending().count(id))
            break;
        writer.join(home);
        writer.resend_pending();
    }
    const auto refused = writer.refused().find(id);
    return refused == writer.refused().end() ? pb::ERROR_CODE_UNSPECIFIED : refused->second;
}

} // namespace

TEST_CASE("PostgreSQL restarted under load: STORE_UNAVAILABLE and no ack while it is down, service back by itself")
{
    CLUSTER_SKIP_WITHOUT_POSTGRES(pg);
    // Leases far longer than the outage, so each node keeps its room: a
    // node that cannot renew for a whole lease steps down, and its writer
    // could then not rejoin before the database is back.
    cluster c(*pg, {.nodes = 2, .lease_ms = 10000});
    std::vector<std::unique_ptr<room_client>> writers;
    for (std::size_t n = 0; n < 2; ++n) {
        writers.push_back(std::make_unique<room_client>(c, "room" + std::to_string(n), "writer" + std::to_string(n)));
        REQUIRE(writers.back()->join(n).joined);
        CHECK(writers.back()->node() == int(n));
        for (int i = 0; i < 10; ++i)
            writers.back()->send_chat("before " + std::to_string(i));
        REQUIRE(writers.back()->drain());
    }

    stop_postgres();
    for (std::size_t n = 0; n < 2; ++n) {
        CAPTURE(n);
        // The first command after the stop meets the lost connection.
        CHECK(command_answer(*writers[n], n, "while down") == pb::ERROR_CODE_STORE_UNAVAILABLE);
        CHECK(command_answer(*writers[n], n, "still down") == pb::ERROR_CODE_STORE_UNAVAILABLE);
        CHECK(http_request(c.node(n).port(), "/healthz").status == 503);
    }
    start_postgres();

    for (std::size_t n = 0; n < 2; ++n) {
        CAPTURE(n);
        // The writer keeps going, as a client does after STORE_UNAVAILABLE,
        // until its node stores again: no one restarts anything.
        int refused_after_restart = 0;
        while (command_answer(*writers[n], n, "after the restart " + std::to_string(refused_after_restart)) ==
               pb::ERROR_CODE_STORE_UNAVAILABLE) {
            ++refused_after_restart;
            REQUIRE(refused_after_restart < 500);
            std::this_thread::sleep_for(std::chrono::milliseconds(20)); // the client's back-off
        }
        for (int i = 0; i < 10; ++i)
            writers[n]->send_chat("after " + std::to_string(i));
        REQUIRE(writers[n]->drain());
        CHECK(writers[n]->pending().empty());
        CHECK(http_request(c.node(n).port(), "/healthz").status == 200);

        const auto log = stored_events(c.store_url(), writers[n]->room());
        CHECK(log.size() == writers[n]->acked().size());
        const auto problems = log_problems(log, {writers[n].get()});
        CHECK_MESSAGE(problems.empty(), describe(problems));
        CHECK(writers[n]->refused().size() >= 2);
    }
}
