// Replay over the wire: GetStateAt rebuilds a room at a
// seq or a time from its log, equal to a replica that stopped there; what
// the room has not reached is SEQ_OUT_OF_RANGE; it works after a restart and
// across the room's snapshot.
#include "raw_client.hpp"
#include "server_process.hpp"
#include "store/sqlite_event_log.hpp"

#include <doctest/doctest.h>

#include <future>
#include <limits>
#include <map>

using namespace maptable;
using namespace maptable::test;

namespace {

// The canonical hash of a replica after each seq, folded from the events a
// client received live: hashes[k] is the room at seq k.
std::vector<std::string> hashes_by_seq(const std::string& room, const std::vector<pb::Event>& events)
{
    model::room_state replica(room);
    std::vector<std::string> hashes{replica.canonical_hash()};
    for (const auto& e : events) {
        REQUIRE(replica.apply(e));
        hashes.push_back(replica.canonical_hash());
    }
    return hashes;
}

pb::ClientMessage state_at_seq(std::uint64_t request_id, std::uint64_t seq)
{
    pb::ClientMessage m;
    m.set_request_id(request_id);
    m.mutable_get_state_at()->set_seq(seq);
    return m;
}

pb::ClientMessage state_at_time(std::uint64_t request_id, std::int64_t time_ms)
{
    pb::ClientMessage m;
    m.set_request_id(request_id);
    m.mutable_get_state_at()->set_time_ms(time_ms);
    return m;
}

// Asks on a raw connection and returns the answer (StateAt or Error).
// (raw_client::answer_to does not know StateAt: read until it comes.)
pb::ServerMessage ask(raw_client& raw, const pb::ClientMessage& m)
{
    raw.send(m);
    while (auto answer = raw.next()) {
        if (answer->has_state_at() && answer->state_at().request_id() == m.request_id())
            return *answer;
        if (answer->has_error() && answer->error().request_id() == m.request_id())
            return *answer;
    }
    FAIL("the connection closed before the answer to request " << m.request_id());
    return {};
}

// The hash of the state a StateAt carries; fails the test on an Error.
std::string replayed_hash(raw_client& raw, const pb::ClientMessage& m, std::uint64_t* seq = nullptr)
{
    const auto answer = ask(raw, m);
    REQUIRE_MESSAGE(answer.has_state_at(), (answer.has_error() ? answer.error().message() : "no StateAt"));
    CHECK(answer.state_at().request_id() == m.request_id());
    if (seq)
        *seq = answer.state_at().state().seq();
    return model::room_state::from_proto(answer.state_at().state()).canonical_hash();
}

pb::ErrorCode refusal(raw_client& raw, const pb::ClientMessage& m)
{
    const auto answer = ask(raw, m);
    REQUIRE(answer.has_error());
    CHECK(answer.error().request_id() == m.request_id());
    return answer.error().code();
}

// A small workshop: features drawn, moved, deleted, chat, settings.
std::uint64_t run_workshop(client& ana, client& ben)
{
    std::uint64_t last = 0;
    for (int i = 0; i < 6; ++i) {
        auto r = ben.add_feature(point_feature("f" + std::to_string(i), i, i, "Feature " + std::to_string(i))).get();
        REQUIRE(r.ok);
        pb::FeaturePatch patch;
        patch.set_title("Renamed " + std::to_string(i));
        REQUIRE(ana.update_feature("f" + std::to_string(i), patch).get().ok);
        REQUIRE(ben.send_chat("about f" + std::to_string(i)).get().ok);
    }
    REQUIRE(ana.delete_feature("f2").get().ok);
    pb::ClientMessage lock;
    lock.mutable_update_settings()->mutable_change()->set_map_locked(true);
    REQUIRE(ana.send(lock).get().ok);
    auto said = ana.send_chat("that is all").get();
    REQUIRE(said.ok);
    last = said.seq;
    return last;
}

} // namespace

TEST_CASE("the state at seq k equals a replica that stopped at k; at a time, the last event at or before it")
{
    server_process server;
    client ana(server.options("replay", "ana", pb::ROLE_FACILITATOR));
    client ben(server.options("replay", "ben"));
    event_recorder ana_sees(ana);
    join_or_fail(ana);
    join_or_fail(ben);
    const auto head = run_workshop(ana, ben);
    REQUIRE(ana_sees.wait_for_seq(head));
    const auto events = ana_sees.events();
    REQUIRE(events.size() == head);
    const auto hashes = hashes_by_seq("replay", events);
    REQUIRE(hashes.back() == ana.replica().canonical_hash());

    // Any joined role may ask: an observer here.
    raw_client raw(server.port());
    REQUIRE(raw.join("replay", server.token("replay", "olga", pb::ROLE_OBSERVER)).has_welcome());
    std::uint64_t request = 100;
    for (std::uint64_t k = 0; k <= head; ++k) {
        std::uint64_t seq = 0;
        CHECK_MESSAGE(replayed_hash(raw, state_at_seq(++request, k), &seq) == hashes[k], "seq " << k);
        CHECK(seq == k);
    }

    // At a time: the newest event whose time is at or before it (several
    // events may share a millisecond: the last of them).
    auto expected_at = [&](std::int64_t t) {
        std::uint64_t seq = 0;
        for (const auto& e : events)
            if (e.time_ms() <= t)
                seq = e.seq();
        return seq;
    };
    for (const auto& e : {events.front(), events[events.size() / 2], events.back()}) {
        const auto want = expected_at(e.time_ms());
        std::uint64_t seq = 0;
        CHECK(replayed_hash(raw, state_at_time(++request, e.time_ms()), &seq) == hashes[want]);
        CHECK(seq == want);
    }
    // Far in the future: the room as it is now.
    CHECK(replayed_hash(raw, state_at_time(++request, events.back().time_ms() + 86'400'000)) == hashes.back());
}

TEST_CASE("a seq the room has not reached, a time before its first event, or no target is SEQ_OUT_OF_RANGE")
{
    server_process server;
    client ana(server.options("range", "ana", pb::ROLE_FACILITATOR));
    event_recorder ana_sees(ana);
    join_or_fail(ana);
    const auto added = ana.add_feature(point_feature("a", 1, 1)).get();
    REQUIRE(added.ok);
    REQUIRE(ana_sees.wait_for_seq(added.seq));
    const auto first_time = ana_sees.events().front().time_ms();

    raw_client raw(server.port());
    REQUIRE(raw.join("range", server.token("range", "ben")).has_welcome());
    CHECK(refusal(raw, state_at_seq(1, added.seq + 1)) == pb::ERROR_CODE_SEQ_OUT_OF_RANGE);
    CHECK(refusal(raw, state_at_seq(2, std::numeric_limits<std::uint64_t>::max())) == pb::ERROR_CODE_SEQ_OUT_OF_RANGE);
    CHECK(refusal(raw, state_at_time(3, first_time - 1)) == pb::ERROR_CODE_SEQ_OUT_OF_RANGE);
    CHECK(refusal(raw, state_at_time(4, std::numeric_limits<std::int64_t>::min())) == pb::ERROR_CODE_SEQ_OUT_OF_RANGE);
    pb::ClientMessage nothing;
    nothing.set_request_id(5);
    nothing.mutable_get_state_at();
    CHECK(refusal(raw, nothing) == pb::ERROR_CODE_SEQ_OUT_OF_RANGE);
    // The connection goes on: the refusals were answers, not failures.
    std::uint64_t seq = 0;
    replayed_hash(raw, state_at_seq(6, added.seq), &seq);
    CHECK(seq == added.seq);

    // Before joining there is no room to ask about.
    raw_client stranger(server.port());
    stranger.send(state_at_seq(7, 1));
    const auto answer = stranger.answer_to(7);
    REQUIRE(answer.has_value());
    REQUIRE(answer->has_error());
    CHECK(answer->error().code() == pb::ERROR_CODE_NOT_JOINED);
}

TEST_CASE("replay after a restart, across the room's snapshot, equals the replica")
{
    // 1000 events make a snapshot (at the end of the commit that reaches
    // seq 1000); a replay below it folds from seq 1, one above it starts from
    // the snapshot. Both must give the states a live replica went through.
    server_process server({"--command-burst", "5000"});
    model::room_state replica("long");
    std::vector<std::string> hashes{replica.canonical_hash()};
    auto follow = [&](const std::vector<pb::Event>& events) {
        for (const auto& e : events) {
            REQUIRE(replica.apply(e));
            hashes.push_back(replica.canonical_hash());
        }
    };
    auto ana_options = server.options("long", "ana", pb::ROLE_FACILITATOR);
    ana_options.reconnect = false;
    {
        client ana(ana_options);
        event_recorder ana_sees(ana);
        join_or_fail(ana);
        REQUIRE(ana.add_feature(point_feature("pin", 1, 1, "Pin")).get().ok);
        std::vector<std::future<command_result>> said;
        for (int i = 0; i < 1010; ++i) {
            if (i % 100 == 0) {
                pb::FeaturePatch patch;
                patch.set_title("Pin " + std::to_string(i));
                said.push_back(ana.update_feature("pin", patch));
            } else {
                said.push_back(ana.send_chat("message " + std::to_string(i)));
            }
        }
        for (auto& f : said)
            REQUIRE(f.get().ok);
        REQUIRE(ana_sees.wait_for_seq(ana.seq()));
        follow(ana_sees.events());
    }

    REQUIRE(server.stop() == 0);
    std::uint64_t snapshot_seq = 0;
    {
        store::sqlite_event_log log(server.db_path());
        const auto snapshot = log.snapshot_at_most("long", replica.seq());
        REQUIRE(snapshot.has_value());
        snapshot_seq = snapshot->seq;
        CHECK(snapshot_seq >= 1000);
    }
    server.start();

    // Events after the snapshot, so a replay can start from it.
    client carl(server.options("long", "carl", pb::ROLE_FACILITATOR));
    event_recorder carl_sees(carl);
    join_or_fail(carl);
    REQUIRE(carl.seq() == replica.seq());
    for (int i = 0; i < 5; ++i)
        REQUIRE(carl.send_chat("after the restart " + std::to_string(i)).get().ok);
    REQUIRE(carl_sees.wait_for_seq(replica.seq() + 5));
    follow(carl_sees.events());
    const auto head = replica.seq();
    REQUIRE(hashes.size() == head + 1);

    raw_client raw(server.port());
    REQUIRE(raw.join("long", server.token("long", "ben")).has_welcome());
    std::uint64_t request = 1;
    for (std::uint64_t k : {std::uint64_t(1), std::uint64_t(2), std::uint64_t(500), snapshot_seq - 1, snapshot_seq,
                            snapshot_seq + 1, snapshot_seq + 3, head - 1, head}) {
        std::uint64_t seq = 0;
        CHECK_MESSAGE(replayed_hash(raw, state_at_seq(++request, k), &seq) == hashes[k], "seq " << k);
        CHECK(seq == k);
    }
    CHECK(refusal(raw, state_at_seq(++request, head + 1)) == pb::ERROR_CODE_SEQ_OUT_OF_RANGE);
}
