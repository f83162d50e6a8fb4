// Stores that fail, seen from a room: a room whose load failed while the
// store was down loads again on the next join once it is back (not only
// after the idle unload), and a retry older than the room's window of
// remembered command ids is answered from the log with its original seq
// (whether the log's unique key or the state refuses it), without taking the
// commands sequenced around it down.
#include "limits.hpp"
#include "raw_client.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <algorithm>
#include <set>

using namespace maptable;
using namespace maptable::test;

TEST_CASE("store fault (room): a room whose load failed loads again on the next join once the store is back")
{
    // An hour before an empty room is unloaded: only a new load can serve
    // the second join in this test.
    server_process server({"--room-idle-unload", "3600"});

    // Another process holds the write lock, as a full or failing disk would
    // refuse writes: a room seen for the first time cannot store its epoch.
    sqlite3* blocker = nullptr;
    REQUIRE(sqlite3_open_v2(server.db_path().c_str(), &blocker, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_exec(blocker, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
    {
        raw_client early(server.port());
        const auto refused = early.join("outage", server.token("outage", "ana")); // waits out the busy timeout
        REQUIRE(refused.has_error());
        CHECK(refused.error().code() == pb::ERROR_CODE_ROOM_UNAVAILABLE);
    }
    sqlite3_exec(blocker, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(blocker);

    // The store is back: the next join loads the room (the failed attempt
    // took the busy timeout, longer than the first backoff).
    raw_client later(server.port());
    const auto welcome = later.join("outage", server.token("outage", "ana"));
    REQUIRE_MESSAGE(welcome.has_welcome(), (welcome.has_error() ? welcome.error().message() : "no welcome"));
    later.send(chat_command(2, "the room works again"));
    const auto ack = later.answer_to(2);
    REQUIRE(ack);
    CHECK(ack->has_ack());
    CHECK(server.log().find("room=outage loading again after 1 failed load(s)") != std::string::npos);
}

TEST_CASE(
    "store fault (room): a retry older than the op window gets its original ack and its batch neighbours are applied")
{
    // A small window (the default holds 100,000): the test sends more commands
    // than it holds. (Durability normal: the fsyncs are not what is tested.)
    const std::uint64_t window = 60;
    server_process server({"--recent-ops-per-room", std::to_string(window), "--command-rate", "1000000",
                           "--command-burst", "1000000", "--durability", "normal"});
    raw_client ana(server.port());
    REQUIRE(ana.join("window", server.token("window", "ana")).has_welcome());
    raw_client ben(server.port());
    REQUIRE(ben.join("window", server.token("window", "ben")).has_welcome());

    ana.send(chat_command(2, "the original"));
    const auto original = ana.answer_to(2);
    REQUIRE(original);
    REQUIRE(original->has_ack());
    const auto original_seq = original->ack().seq();
    // A command the state refuses when it comes again (the feature exists).
    pb::ClientMessage add;
    add.set_request_id(3);
    *add.mutable_add_feature()->mutable_feature() = point_feature("drawn-once", 4.9, 52.37);
    ana.send(add);
    const auto added = ana.answer_to(3);
    REQUIRE(added);
    REQUIRE(added->has_ack());

    // window more commands, sent in chunks and answered, push requests 2 and
    // 3 out of the room's memory (they are still in the log).
    std::uint64_t head = added->ack().seq();
    const std::uint64_t chunk = 25;
    for (std::uint64_t first = 4; first < 4 + window; first += chunk) {
        const auto last = std::min(first + chunk - 1, 3 + window);
        for (auto id = first; id <= last; ++id)
            ana.send(chat_command(id, "filler"));
        const auto answer = ana.answer_to(last);
        REQUIRE(answer);
        REQUIRE_MESSAGE(answer->has_ack(), (answer->has_error() ? answer->error().message() : "no ack"));
        head = answer->ack().seq();
    }
    REQUIRE(head == added->ack().seq() + window);

    // The retry the state refuses is answered from the log too.
    ana.send(add);
    const auto added_again = ana.answer_to(3);
    REQUIRE(added_again);
    REQUIRE_MESSAGE(added_again->has_ack(), (added_again->has_error() ? added_again->error().message() : "no ack"));
    CHECK(added_again->ack().seq() == added->ack().seq());

    // The retry, and bystanders right behind it in the same batches: ana's
    // own new commands and ben's.
    const std::uint64_t bystanders = 20;
    ana.send(chat_command(2, "the original"));
    for (std::uint64_t i = 0; i < bystanders; ++i) {
        ana.send(chat_command(1'000'000 + i, "ana after the retry"));
        ben.send(chat_command(2 + i, "ben meanwhile"));
    }
    const auto retried = ana.answer_to(2);
    REQUIRE(retried);
    REQUIRE_MESSAGE(retried->has_ack(), (retried->has_error() ? retried->error().message() : "no ack"));
    CHECK(retried->ack().seq() == original_seq);

    std::set<std::uint64_t> seqs;
    for (std::uint64_t i = 0; i < bystanders; ++i) {
        const auto mine = ana.answer_to(1'000'000 + i);
        REQUIRE(mine);
        REQUIRE_MESSAGE(mine->has_ack(), (mine->has_error() ? mine->error().message() : "no ack"));
        seqs.insert(mine->ack().seq());
        const auto theirs = ben.answer_to(2 + i);
        REQUIRE(theirs);
        REQUIRE_MESSAGE(theirs->has_ack(), (theirs->has_error() ? theirs->error().message() : "no ack"));
        seqs.insert(theirs->ack().seq());
    }
    // Every bystander got a seq of its own, right after the head: the retry
    // took none (it was not applied twice).
    REQUIRE(seqs.size() == 2 * bystanders);
    CHECK(*seqs.begin() == head + 1);
    CHECK(*seqs.rbegin() == head + 2 * bystanders);
}
