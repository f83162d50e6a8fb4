// Catch-up of any size: what a join sends before anything live (the Welcome,
// and on a resume every missed event) arrives in full however large it is,
// paced by the socket, while the outbound queue's byte limit still closes a
// live reader that stopped reading. Each case ends with the client's replica
// equal to a fresh Welcome's state (same canonical hash).
//
// The server under test has a small queue limit (128 KiB) and a resume window
// that keeps every event, so a catch-up of three times the limit stays small
// and fast.
#include "http_probe.hpp"
#include "raw_client.hpp"
#include "server_process.hpp"

#include "model/room_state.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using namespace maptable;
using namespace maptable::test;

namespace {

constexpr std::size_t queue_limit = 128 * 1024;

std::vector<std::string> server_args()
{
    return {"--ws-outbound-queue-max",
            std::to_string(queue_limit),
            "--resume-window-events",
            "100000",
            "--command-rate",
            "1000000",
            "--command-burst",
            "1000000",
            "--durability",
            "normal"};
}

// A client's replica kept from what a raw connection receives: a Welcome's
// state, or (recovered) the replica it already had, then every event in order.
struct raw_replica {
    explicit raw_replica(const std::string& room) : state(room) {}

    // Sends join and reads up to its Welcome; false if the connection closed first.
    bool join(raw_client& raw, const pb::ClientMessage& join)
    {
        raw.send(join);
        const auto reply = raw.answer_to(join.request_id());
        if (!reply)
            return false;
        REQUIRE_MESSAGE(reply->has_welcome(), reply->ShortDebugString());
        const auto& welcome = reply->welcome();
        epoch = welcome.epoch();
        recovered = welcome.recovered();
        if (!recovered)
            state = model::room_state::from_proto(welcome.state());
        return true;
    }

    // Applies one message if it is an event; counts its size.
    void take(const pb::ServerMessage& m)
    {
        if (!m.has_event())
            return;
        REQUIRE(m.event().seq() == state.seq() + 1);
        REQUIRE(state.apply(m.event()));
        event_bytes += m.ByteSizeLong();
    }

    // Reads until the replica reaches seq; false if the connection closed first.
    bool read_to(raw_client& raw, std::uint64_t seq)
    {
        while (state.seq() < seq) {
            const auto m = raw.next();
            if (!m)
                return false;
            take(*m);
        }
        return true;
    }

    model::room_state state;
    std::string epoch;
    bool recovered = false;
    std::size_t event_bytes = 0;
};

// The room as a fresh join sees it: the seq and canonical hash of its Welcome's state.
std::pair<std::uint64_t, std::string> fresh_welcome(server_process& server, const std::string& room)
{
    raw_client raw(server.port());
    raw_replica fresh(room);
    REQUIRE(fresh.join(raw, join_message(room, server.token(room, "auditor"), "auditor")));
    return {fresh.state.seq(), fresh.state.canonical_hash()};
}

// The answer to a command; fails the test if none comes (a server that
// keeps closing the client must fail here, not hang).
command_result answer(std::future<command_result>& ack)
{
    REQUIRE(ack.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
    return ack.get();
}

// Sends n commands from c (chat lines of text_bytes, every tenth one a point
// feature instead), 16 in flight at a time; returns the seq of the last.
// The window keeps what one commit fans out to the writer itself (its own
// events and acks) well under the queue limit: the writer is a live reader.
std::uint64_t write_backlog(client& c, int n, std::size_t text_bytes, const std::string& tag)
{
    constexpr int window = 16;
    std::uint64_t last = 0;
    for (int first = 0; first < n; first += window) {
        std::vector<std::future<command_result>> acks;
        for (int i = first; i < std::min(n, first + window); ++i) {
            if (i % 10 == 0)
                acks.push_back(c.add_feature(point_feature(tag + "-" + std::to_string(i), 10 + i * 1e-4, 50, tag)));
            else
                acks.push_back(c.send_chat(tag + " " + std::to_string(i) + " " + std::string(text_bytes, 'x')));
        }
        for (auto& ack : acks) {
            const auto r = answer(ack);
            REQUIRE_MESSAGE(r.ok, r.message);
            last = std::max(last, r.seq);
        }
    }
    return last;
}

std::uint64_t metric(unsigned short port, const std::string& name)
{
    const auto [status, body] = http_get(port, "/metrics");
    REQUIRE(status == 200);
    std::istringstream lines(body);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind(name + " ", 0) == 0)
            return std::stoull(line.substr(name.size() + 1));
    FAIL("no metric " << name);
    return 0;
}

} // namespace

TEST_CASE("a resume with a backlog of three times the queue limit gets every missed event and converges")
{
    server_process server(server_args());
    client writer(server.options("backlog", "writer"));
    join_or_fail(writer);
    write_backlog(writer, 20, 100, "before");

    raw_replica reader("backlog");
    {
        raw_client first(server.port());
        REQUIRE(reader.join(first, join_message("backlog", server.token("backlog", "reader"), "reader-1")));
        REQUIRE(reader.state.seq() == 20);
    }

    // 300 commands of about 3 kB: over 800 kB missed, more than six times the limit.
    const auto head = write_backlog(writer, 300, 3000, "missed");

    raw_client again(server.port());
    REQUIRE(reader.join(again,
                        join_message("backlog", server.token("backlog", "reader"), "reader-1",
                                     resume_at(reader.epoch, reader.state.seq()))));
    CHECK(reader.recovered);
    INFO("close " << again.close().code << " " << again.close().reason << "; server log:\n" << server.log());
    REQUIRE(reader.read_to(again, head));
    CHECK(reader.event_bytes > 3 * queue_limit);

    const auto [fresh_seq, fresh_hash] = fresh_welcome(server, "backlog");
    CHECK(fresh_seq == head);
    CHECK(reader.state.canonical_hash() == fresh_hash);
    CHECK(reader.state.canonical_hash() == writer.replica().canonical_hash());

    // The connection is live after its catch-up: the next event arrives.
    auto after = writer.send_chat("after the catch-up");
    const auto next = answer(after);
    REQUIRE(next.ok);
    REQUIRE(reader.read_to(again, next.seq));
}

TEST_CASE("a Welcome of three times the queue limit reaches every joiner, also after a restart")
{
    server_process server(server_args());
    {
        client writer(server.options("districts", "writer"));
        join_or_fail(writer);
        // 12 areas of 2,000 positions: about 40 kB each, close to 500 kB of
        // state. One at a time: each is a third of the queue limit.
        for (int i = 0; i < 12; ++i) {
            auto ack = writer.add_feature(large_area("district-" + std::to_string(i), 2000));
            REQUIRE(answer(ack).ok);
        }
    }

    const auto check_joins = [&] {
        raw_client raw(server.port());
        raw_replica joiner("districts");
        INFO("close " << raw.close().code << " " << raw.close().reason);
        REQUIRE(joiner.join(raw, join_message("districts", server.token("districts", "joiner"), "joiner")));
        CHECK(joiner.state.to_proto().ByteSizeLong() > 3 * queue_limit);
        CHECK(joiner.state.features().size() == 12);

        // The SDK reads it too, and its replica is the same state.
        client sdk(server.options("districts", "sdk-joiner"));
        auto connected = sdk.connect();
        const auto joined = answer(connected);
        REQUIRE_MESSAGE(joined.ok, joined.message);
        CHECK(sdk.replica().canonical_hash() == joiner.state.canonical_hash());
        CHECK(sdk.replica().seq() == joiner.state.seq());
    };
    check_joins();
    server.stop();
    server.start();
    check_joins();
}

TEST_CASE("a slow reader closed with 1013 resumes, gets its whole backlog, and converges")
{
    // The write deadline is far away: only the queue limit closes the reader.
    auto args = server_args();
    args.insert(args.end(), {"--ws-write-timeout", "3600"});
    server_process server(args);
    client writer(server.options("slow", "writer"));
    join_or_fail(writer);
    write_backlog(writer, 10, 100, "before");

    // Joins, then stops reading; its small receive buffer stalls the server's writes soon.
    raw_client slow(server.port(), "/v1/ws", 4096);
    raw_replica reader("slow");
    REQUIRE(reader.join(slow, join_message("slow", server.token("slow", "slow-reader"), "slow-reader")));

    // Writes until the server closes the reader for its queue (bounded: a
    // server that never closes it fails here instead of hanging).
    const auto closes_before = metric(server.port(), "maptable_slow_consumer_closes_total");
    int rounds = 0;
    while (metric(server.port(), "maptable_slow_consumer_closes_total") == closes_before) {
        REQUIRE_MESSAGE(++rounds < 200, "the stalled reader was never closed; server log:\n" << server.log());
        write_backlog(writer, 100, 3000, "flood-" + std::to_string(rounds));
    }
    // What it misses after the close alone is over three times the limit.
    const auto head = write_backlog(writer, 150, 3000, "later");

    // Reading again, it gets what was in flight, then the close: it may resume.
    REQUIRE_FALSE(reader.read_to(slow, head));
    CHECK(slow.close().code == 1013);
    CHECK(slow.close().reason.find("reading too slowly") != std::string::npos);
    const auto seen = reader.state.seq();
    REQUIRE(seen < head);
    reader.event_bytes = 0;

    raw_client again(server.port());
    REQUIRE(reader.join(
        again,
        join_message("slow", server.token("slow", "slow-reader"), "slow-reader", resume_at(reader.epoch, seen))));
    CHECK(reader.recovered);
    INFO("close " << again.close().code << " " << again.close().reason << "; server log:\n" << server.log());
    REQUIRE(reader.read_to(again, head));
    CHECK(reader.event_bytes > 3 * queue_limit);

    const auto [fresh_seq, fresh_hash] = fresh_welcome(server, "slow");
    CHECK(fresh_seq == head);
    CHECK(reader.state.canonical_hash() == fresh_hash);
}

TEST_CASE("a large Welcome to a slow link that keeps reading is not dropped at the write deadline")
{
    // A write deadline of 1 s, and a Welcome of about 12 MB read at about
    // 3 MB/s through a 128 KiB receive buffer. The server's socket buffer
    // takes at most 4 MiB (Linux's tcp_wmem maximum), so the one write of
    // the Welcome lasts some 2.5 s: in progress all along, never stalled.
    auto args = server_args();
    args.insert(args.end(), {"--ws-write-timeout", "1"});
    server_process server(args);
    {
        client writer(server.options("wide", "writer"));
        join_or_fail(writer);
        for (int i = 0; i < 300; ++i) {
            auto ack = writer.add_feature(large_area("district-" + std::to_string(i), 2000));
            REQUIRE(answer(ack).ok);
        }
    }

    raw_client slow(server.port(), "/v1/ws", 64 * 1024);
    slow.send(join_message("wide", server.token("wide", "slow-link"), "slow-link"));
    const auto welcome = slow.next_paced(64 * 1024, std::chrono::milliseconds(20));
    INFO("close " << slow.close().code << " " << slow.close().reason);
    REQUIRE(welcome.has_value());
    REQUIRE(welcome->has_welcome());
    CHECK(welcome->ByteSizeLong() > 10 * 1000 * 1000);
    CHECK(model::room_state::from_proto(welcome->welcome().state()).canonical_hash() ==
          fresh_welcome(server, "wide").second);
    CHECK(server.log().find("the peer stopped reading") == std::string::npos);
}
