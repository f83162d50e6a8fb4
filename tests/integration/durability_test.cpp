// Durability: what the server acknowledged is in the log, whether the server
// stops cleanly or is killed with SIGKILL right after the acks.
#include "server_process.hpp"

#include <doctest/doctest.h>

using namespace maptable;
using namespace maptable::test;

namespace {

// Adds n markers and a chat message per marker; returns the last acked seq.
std::uint64_t make_acked_edits(server_process& server, const std::string& room, int n)
{
    client c(server.options(room, "writer"));
    join_or_fail(c);
    std::vector<std::future<command_result>> pending;
    for (int i = 0; i < n; ++i) {
        pb::Feature f;
        f.set_id("m" + std::to_string(i));
        f.mutable_geometry()->set_kind(pb::FEATURE_KIND_POINT);
        auto* p = f.mutable_geometry()->add_positions();
        p->set_lon(8.68 + i * 0.0001);
        p->set_lat(50.11);
        f.set_title("marker " + std::to_string(i));
        pending.push_back(c.add_feature(f));
        pending.push_back(c.send_chat("about marker " + std::to_string(i)));
    }
    std::uint64_t last = 0;
    for (auto& r : pending) {
        auto result = r.get();
        REQUIRE(result.ok);
        last = std::max(last, result.seq);
    }
    return last;
}

void check_everything_is_there(server_process& server, const std::string& room, int n, std::uint64_t last_seq)
{
    client reader(server.options(room, "reader"));
    join_or_fail(reader);
    auto state = reader.replica();
    CHECK(state.seq() == last_seq);
    CHECK(state.features().size() == static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        const auto* f = state.find_feature("m" + std::to_string(i));
        REQUIRE_MESSAGE(f != nullptr, "marker " << i << " was acked but is gone");
        CHECK(f->title() == "marker " + std::to_string(i));
    }
    auto chat = reader.chat_history(0, 200).get();
    REQUIRE(chat.ok);
    CHECK(chat.messages.size() == static_cast<std::size_t>(std::min(n, 200)));
}

} // namespace

TEST_CASE("acked edits survive a clean restart")
{
    server_process server;
    const auto last = make_acked_edits(server, "clean", 100);
    REQUIRE(server.stop() == 0);
    server.start();
    check_everything_is_there(server, "clean", 100, last);
}

TEST_CASE("acked edits survive kill -9 taken right after the acks arrived")
{
    server_process server;
    const auto last = make_acked_edits(server, "crash", 100);
    server.kill9();
    server.start();
    check_everything_is_there(server, "crash", 100, last);
}

TEST_CASE("a room rebuilt from a snapshot plus the events after it is the same room")
{
    // 1,500 events: one snapshot at 1,000, then 500 replayed on load. Sent
    // in one burst, above the default per-connection burst allowance.
    server_process server({"--command-burst", "5000"});
    std::string hash_before;
    std::uint64_t last = 0;
    {
        client c(server.options("snap", "writer"));
        join_or_fail(c);
        std::vector<std::future<command_result>> pending;
        for (int i = 0; i < 1500; ++i)
            pending.push_back(c.send_chat("line " + std::to_string(i)));
        for (auto& r : pending) {
            auto result = r.get();
            REQUIRE(result.ok);
            last = std::max(last, result.seq);
        }
        hash_before = c.replica().canonical_hash();
    }
    server.kill9();
    server.start();
    client reader(server.options("snap", "reader"));
    join_or_fail(reader);
    CHECK(reader.seq() == last);
    CHECK(reader.replica().canonical_hash() == hash_before);
}
