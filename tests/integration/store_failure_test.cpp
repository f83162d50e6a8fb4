// When the store refuses a write (here: another process holds the database's
// write lock, as a full or failing disk would refuse it), clients get a clear
// error, nothing unstored is acknowledged or shown, and the room recovers.
#include "server_process.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

using namespace maptable;
using namespace maptable::test;

TEST_CASE("a write the store refuses is answered with STORE_UNAVAILABLE and never acked or shown")
{
    server_process server;
    client ana(server.options("disk", "ana"));
    client ben(server.options("disk", "ben"));
    event_recorder ben_sees(ben);
    join_or_fail(ana);
    join_or_fail(ben);
    auto first = ana.send_chat("stored").get();
    REQUIRE(first.ok);

    sqlite3* blocker = nullptr;
    REQUIRE(sqlite3_open_v2(server.db_path().c_str(), &blocker, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_exec(blocker, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
    auto refused = ana.send_chat("not stored").get(); // waits out the log's busy timeout
    sqlite3_exec(blocker, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(blocker);

    CHECK_FALSE(refused.ok);
    CHECK(refused.code == pb::ERROR_CODE_STORE_UNAVAILABLE);
    CHECK_FALSE(refused.message.empty());

    // The room goes on from what is stored: the refused message got no seq.
    auto after = ana.send_chat("stored again").get();
    REQUIRE(after.ok);
    CHECK(after.seq == first.seq + 1);
    REQUIRE(ben_sees.wait_for_seq(after.seq));
    for (const auto& e : ben_sees.events())
        CHECK(e.chat_posted().message().text() != "not stored");

    server.kill9();
    server.start();
    client reader(server.options("disk", "reader"));
    join_or_fail(reader);
    CHECK(reader.seq() == after.seq);
    CHECK(reader.replica().canonical_hash() == ben.replica().canonical_hash());
}
