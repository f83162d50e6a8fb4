// `maptable-server check --store postgresql://…`: the offline check of an
// event log on PostgreSQL, beside a running node (it only reads). A sound log
// passes; a changed byte, a missing row, a row moved to another seq and a
// dropped unique index are each reported by room and seq; a database that is
// not an event log, or not there, cannot be checked (exit 2).
#include "cluster_harness.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>

using namespace maptable::test;
using namespace maptable::test::cluster_test;

namespace {

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

// A one-node cluster with `messages` chat messages in room "checked";
// returns the cluster.
std::unique_ptr<cluster> cluster_with_messages(maptable::testing::postgres_server& pg, int messages)
{
    auto c = std::make_unique<cluster>(pg, cluster_options{.nodes = 1});
    room_client writer(*c, "checked", "writer");
    writer.join(0);
    for (int i = 0; i < messages; ++i)
        writer.send_chat("message " + std::to_string(i));
    REQUIRE(writer.drain());
    REQUIRE(writer.acked().size() == std::size_t(messages));
    return c;
}

} // namespace

TEST_CASE("check --store passes a sound log on PostgreSQL, beside the running node")
{
    CLUSTER_SKIP_WITHOUT_POSTGRES(pg);
    auto c = cluster_with_messages(*pg, 12);
    const auto result = run_server_command({"check", "--store", c->store_url()});
    INFO(result.out << result.err);
    CHECK(result.status == 0);
    CHECK(contains(result.out, "room checked: 12 events, seq 1..12: ok"));
    CHECK(contains(result.out, "1 rooms, 12 events: no problems found"));
    // The output names the database by host, port and name only.
    CHECK(contains(result.out, "postgresql 127.0.0.1:" + std::to_string(pg->port()) + "/"));
}

TEST_CASE("check --store names the room and seq of a changed byte, a missing row and a moved row")
{
    CLUSTER_SKIP_WITHOUT_POSTGRES(pg);
    auto c = cluster_with_messages(*pg, 12);
    c->node(0).kill9();
    const auto& url = c->store_url();

    // One byte of event 3's body changed, as a bad sector or a hand edit would.
    query_postgres(url,
                   "UPDATE events SET body = set_byte(body, length(body) - 1, get_byte(body, length(body) - 1) # 1) "
                   "WHERE room = 'checked' AND seq = 3");
    // Event 6 gone; event 9 moved to seq 20 (its checksum covers the seq).
    query_postgres(url, "DELETE FROM events WHERE room = 'checked' AND seq = 6");
    query_postgres(url, "UPDATE events SET seq = 20 WHERE room = 'checked' AND seq = 9");

    const auto result = run_server_command({"check", "--store", url});
    INFO(result.out << result.err);
    CHECK(result.status == 1);
    CHECK(contains(result.out, "room checked seq 3: the event does not match its checksum"));
    CHECK(contains(result.out, "room checked seq 6: missing: the next stored event is seq 7"));
    CHECK(contains(result.out, "room checked seq 9: missing: the next stored event is seq 10"));
    CHECK(contains(result.out, "room checked seq 13: missing: the next stored event is seq 20"));
    CHECK(contains(result.out, "room checked seq 20: the event does not match its checksum"));
    CHECK(contains(result.out, "Restore the database from a backup (then run maptable-server reset-epochs --store"));
}

TEST_CASE("check --store reports a dropped unique index: seqs or commands could be stored twice")
{
    CLUSTER_SKIP_WITHOUT_POSTGRES(pg);
    auto c = cluster_with_messages(*pg, 3);
    c->node(0).kill9();
    query_postgres(c->store_url(), "DROP INDEX events_op");
    query_postgres(c->store_url(), "ALTER TABLE events DROP CONSTRAINT events_pkey");
    const auto result = run_server_command({"check", "--store", c->store_url()});
    INFO(result.out << result.err);
    CHECK(result.status == 1);
    CHECK(contains(result.out, "database: the events table has no valid primary key (room, seq)"));
    CHECK(contains(result.out, "database: the index events_op is missing or invalid"));
}

TEST_CASE("check --store reports a command stored twice (which only a damaged index lets through)")
{
    CLUSTER_SKIP_WITHOUT_POSTGRES(pg);
    auto c = cluster_with_messages(*pg, 4);
    c->node(0).kill9();
    query_postgres(c->store_url(), "DROP INDEX events_op");
    // Event 2's row copied as seq 5: its command stored twice. (The copy
    // keeps event 2's checksum, which covers the seq, so it fails that
    // check as well; the duplicate command is what this case is about.)
    query_postgres(c->store_url(),
                   "INSERT INTO events(room, seq, time_ms, kind, client_id, op_id, body, target_seq, crc) "
                   "SELECT room, 5, time_ms, kind, client_id, op_id, body, target_seq, crc FROM events "
                   "WHERE room = 'checked' AND seq = 2");
    const auto result = run_server_command({"check", "--store", c->store_url()});
    INFO(result.out << result.err);
    CHECK(result.status == 1);
    CHECK(contains(result.out, "room checked seq 5: command "));
    CHECK(contains(result.out, "is stored again (first at seq 2)"));
}

TEST_CASE("check --store cannot check a database without an event log, or one that is not there")
{
    CLUSTER_SKIP_WITHOUT_POSTGRES(pg);
    const auto empty = pg->create_database();
    auto result = run_server_command({"check", "--store", empty});
    CHECK(result.status == 2);
    CHECK(contains(result.err, "holds no maptable event log"));

    result = run_server_command(
        {"check", "--store", "postgresql://maptable:hunter2@127.0.0.1:" + std::to_string(free_port()) + "/nothing"});
    CHECK(result.status == 2);
    CHECK(contains(result.err, "maptable-server check: "));
    CHECK_FALSE(contains(result.err + result.out, "hunter2"));

    result = run_server_command({"check", "--store", "mysql://somewhere"});
    CHECK(result.status == 2);
    CHECK(contains(result.err, "--store is a postgresql://"));
}

TEST_CASE("a SQLite installation migrated to PostgreSQL passes check --store, and several nodes serve it")
{
    CLUSTER_SKIP_WITHOUT_POSTGRES(pg);
    server_process sqlite_server;
    for (const auto& [room, n] : std::vector<std::pair<std::string, int>>{{"alpha", 10}, {"beta", 3}}) {
        maptable::client writer(sqlite_server.options(room, "writer"));
        join_or_fail(writer);
        for (int i = 0; i < n; ++i)
            REQUIRE(writer.send_chat("message " + std::to_string(i)).get().ok);
    }
    REQUIRE(sqlite_server.stop() == 0);
    const auto url = pg->create_database();
    const auto migrated =
        run_server_command({"migrate-store", "--from", "sqlite:" + sqlite_server.data_dir().string(), "--to", url});
    REQUIRE_MESSAGE(migrated.status == 0, migrated.out << migrated.err);

    const auto result = run_server_command({"check", "--store", url});
    INFO(result.out << result.err);
    CHECK(result.status == 0);
    CHECK(contains(result.out, "room alpha: 10 events, seq 1..10: ok"));
    CHECK(contains(result.out, "room beta: 3 events, seq 1..3: ok"));

    // Two nodes on the copy: one owner per room, the history intact.
    cluster c(*pg, {.nodes = 2, .store_url = url});
    room_client first(c, "alpha", "first");
    REQUIRE(first.join(1).joined);
    CHECK(first.replica().seq() == 10);
    room_client second(c, "alpha", "second");
    REQUIRE(second.join(0).joined);
    CHECK(second.node() == first.node());
    second.send_chat("after the move to PostgreSQL");
    REQUIRE(second.drain());
    CHECK(second.acked().begin()->second == 11);
    REQUIRE(first.read_until_seq(11));
    CHECK(first.replica().canonical_hash() == second.replica().canonical_hash());
}
