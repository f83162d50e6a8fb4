// GET /metrics over a real server: the instruments move with
// what clients do, and the exposition is Prometheus text.
#include "raw_client.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <regex>
#include <string>

using namespace maptable::test;

namespace {

// The value of one sample line ("name{labels} value"), or -1 when absent.
double sample(const std::string& text, const std::string& series)
{
    const std::regex line("(^|\n)" + std::regex_replace(series, std::regex(R"([{}\[\]().*+?^$|\\])"), R"(\$&)") +
                          " ([0-9.e+-]+)\n");
    std::smatch match;
    if (!std::regex_search(text, match, line))
        return -1;
    return std::stod(match[2]);
}

} // namespace

TEST_CASE("metrics count connections, rooms, commands, events, acks and commits")
{
    server_process server;
    // Not structured bindings: clang 14 cannot capture them in doctest's macros.
    const auto first = http_get(server.port(), "/metrics");
    REQUIRE(first.first == 200);
    const std::string& before = first.second;
    CHECK(sample(before, "maptable_connections") == 0);
    CHECK(sample(before, "maptable_rooms_loaded") == 0);
    CHECK(before.find("# TYPE maptable_ack_seconds histogram") != std::string::npos);

    maptable::client ana(server.options("docks", "ana"));
    maptable::client ben(server.options("docks", "ben"));
    event_recorder ben_sees(ben);
    join_or_fail(ana);
    join_or_fail(ben);
    auto added = ana.add_feature(point_feature("crane", 4.48, 51.9, "Crane")).get();
    REQUIRE(added.ok);
    auto said = ana.send_chat("the crane stays").get();
    REQUIRE(said.ok);
    auto refused = ben.update_feature(
                          "crane",
                          [] {
        maptable::pb::FeaturePatch p;
        p.set_title("mine now");
        return p;
                          }())
        .get();
    CHECK(refused.code == maptable::pb::ERROR_CODE_NOT_AUTHOR);
    REQUIRE(ben_sees.wait_for_seq(said.seq));

    const auto second = http_get(server.port(), "/metrics");
    REQUIRE(second.first == 200);
    const std::string& text = second.second;
    CAPTURE(text);
    CHECK(sample(text, "maptable_connections") == 2);
    CHECK(sample(text, "maptable_rooms_loaded") == 1);
    CHECK(sample(text, "maptable_commands_total{command=\"join\"}") == 2);
    CHECK(sample(text, "maptable_commands_total{command=\"add_feature\"}") == 1);
    CHECK(sample(text, "maptable_commands_total{command=\"send_chat\"}") == 1);
    CHECK(sample(text, "maptable_commands_total{command=\"update_feature\"}") == 1);
    CHECK(sample(text, "maptable_refusals_total{group=\"3\"}") == 1); // NOT_AUTHOR is 33
    CHECK(sample(text, "maptable_events_committed_total") == 2);
    CHECK(sample(text, "maptable_events_fanned_out_total") == 4); // two events, two members each
    CHECK(sample(text, "maptable_ack_seconds_count") == 2);
    CHECK(sample(text, "maptable_commit_batch_events_count") >= 1);
    CHECK(sample(text, "maptable_commit_batch_events_sum") == 2);
    CHECK(sample(text, "maptable_frames_out_total") >= 4);
    CHECK(sample(text, "maptable_bytes_out_total") > 0);

    ana.disconnect();
    REQUIRE(ben_sees.wait_until([&] {
        for (const auto& p : ben.online())
            if (p.id() == "ana")
                return false;
        return true;
    }));
    // The server sees ana's close before it tells ben she left.
    const auto third = http_get(server.port(), "/metrics");
    CHECK(sample(third.second, "maptable_connections") == 1);
}
