// Graceful shutdown: SIGTERM stops accepting, lets every room finish the
// commit in flight, closes every client with 1001 and a reason, and exits 0
// as soon as they are gone (or after --shutdown-timeout when one does not
// answer). Whatever was acked is there after the restart.
#include "raw_client.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <future>
#include <set>
#include <thread>

using namespace maptable;
using namespace maptable::test;

namespace {

pb::Feature marker(const std::string& id, double lon)
{
    pb::Feature f;
    f.set_id(id);
    f.set_title("marker " + id);
    f.mutable_geometry()->set_kind(pb::FEATURE_KIND_POINT);
    auto* p = f.mutable_geometry()->add_positions();
    p->set_lon(lon);
    p->set_lat(52.5);
    return f;
}

client_options without_reconnect(client_options o)
{
    o.reconnect = false;
    return o;
}

} // namespace

TEST_CASE("SIGTERM closes every client with 1001 and a reason, exits 0, and keeps everything acked")
{
    // No rate limit in the way: the burst below is faster than a person.
    server_process server({"--command-rate", "100000", "--command-burst", "100000"});

    client ana(without_reconnect(server.options("harbour", "ana")));
    client ben(without_reconnect(server.options("harbour", "ben")));
    client cleo(without_reconnect(server.options("riverside", "cleo")));
    event_recorder ana_events(ana), ben_events(ben), cleo_events(cleo);
    join_or_fail(ana);
    join_or_fail(ben);
    join_or_fail(cleo);
    // Connected but not joined: no room will close it; the server must.
    raw_client lurker(server.port());

    REQUIRE(ana.add_feature(marker("a-first", 1)).get().ok);
    REQUIRE(cleo.add_feature(marker("c-first", 2)).get().ok);

    // Commands in flight when the signal comes: ben and cleo keep sixteen
    // each in flight until their connection closes. Some are acked before the
    // rooms close, the rest fail; every acked one must survive.
    std::vector<std::pair<std::string, std::future<command_result>>> burst[2];
    std::promise<void> under_way;
    auto send_until_closed = [&](client& c, std::vector<std::pair<std::string, std::future<command_result>>>& sent,
                                 const std::string& prefix, bool announce) {
        for (std::size_t i = 0; i < 5000 && c.state() != connection_state::closed; ++i) {
            if (i >= 16)
                sent[i - 16].second.wait();
            if (announce && i == 64) {
                under_way.set_value();
                announce = false;
            }
            const auto id = prefix + std::to_string(i);
            sent.emplace_back(id, c.add_feature(marker(id, static_cast<double>(i % 1000) * 0.01)));
        }
        if (announce)
            under_way.set_value(); // ended early: let the test go on (and fail on what went wrong)
    };
    std::thread ben_sender(send_until_closed, std::ref(ben), std::ref(burst[0]), "ben-", true);
    std::thread cleo_sender(send_until_closed, std::ref(cleo), std::ref(burst[1]), "cleo-", false);
    under_way.get_future().wait();
    // The lurker reads on its own thread, as a real client would: the server
    // waits for its answer to the close.
    auto lurker_end = std::async(std::launch::async, [&] { return lurker.next().has_value(); });
    const int status = server.stop();
    CHECK(status == 0);

    for (auto* c : {&ana, &ben, &cleo}) {
        auto& events = c == &ana ? ana_events : c == &ben ? ben_events : cleo_events;
        REQUIRE(events.wait_until([&] { return c->closed().closed; }));
        CHECK(c->closed().code == 1001);
        CHECK_FALSE(c->closed().reason.empty());
    }
    CHECK_FALSE(lurker_end.get());
    CHECK(lurker.close().code == 1001);
    CHECK_FALSE(lurker.close().reason.empty());

    ben_sender.join();
    cleo_sender.join();
    std::set<std::string> acked = {"a-first", "c-first"};
    std::size_t sent = 0, unresolved = 0;
    for (auto& list : burst)
        for (auto& [id, result] : list) {
            ++sent;
            // The clients have closed, so every command is answered or failed
            // by now, except one a sender issued just as its client closed:
            // the SDK never resolves a command submitted after its final
            // close. It was never sent, so it cannot have been acked.
            if (result.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
                ++unresolved;
                continue;
            }
            if (result.get().ok)
                acked.insert(id);
        }
    MESSAGE((acked.size() - 2) << " of " << sent << " commands sent were acked before the shutdown (" << unresolved
                               << " issued after the close)");
    CHECK(acked.size() - 2 < sent); // the signal came while commands were in flight

    // It ended because every connection was closed, not at the timeout.
    const auto log = server.log();
    INFO(log);
    CHECK(log.find("shutdown: every connection is closed") != std::string::npos);
    CHECK(log.find("stopping anyway") == std::string::npos);

    server.start();
    client harbour(server.options("harbour", "dora"));
    client riverside(server.options("riverside", "dora"));
    join_or_fail(harbour);
    join_or_fail(riverside);
    const auto h = harbour.replica();
    const auto r = riverside.replica();
    for (const auto& id : acked)
        CHECK_MESSAGE((h.find_feature(id) != nullptr || r.find_feature(id) != nullptr), "acked " << id << " was lost");
    harbour.disconnect();
    riverside.disconnect();
    CHECK(server.stop() == 0);
}

TEST_CASE("a client that never answers the close cannot hold the shutdown past its timeout")
{
    server_process server({"--shutdown-timeout", "1"});
    // Joins, then reads nothing more: it never answers the server's close.
    raw_client deaf(server.port());
    REQUIRE(deaf.join("harbour", server.token("harbour", "deaf")).has_welcome());
    CHECK(server.stop() == 0);
    const auto log = server.log();
    INFO(log);
    CHECK(log.find("stopping anyway") != std::string::npos);
}
