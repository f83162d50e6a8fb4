// The event_log contract (store/event_log.hpp) checked against both
// backends, the embedded SQLite file and a real PostgreSQL server, with the
// same cases: order, the (room, seq) and (room, client, op) keys, all-or-
// nothing batches, snapshots, chat paging, replay reads, revocations,
// epochs, checksums checked on read, and group commit through the
// commit_queue with reader connections. The PostgreSQL cases skip (with a
// message) only when PostgreSQL's binaries are not installed.
#include "metrics/metrics.hpp"
#include "postgres_server.hpp"
#include "store/commit_queue.hpp"
#include "store/database_file.hpp"
#include "store/postgres_event_log.hpp"
#include "store/sqlite_event_log.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <future>
#include <limits>
#include <memory>
#include <thread>

using namespace maptable::store;
using maptable::store::testing::temp_dir;
using maptable::testing::postgres_server;

namespace {

struct sqlite_backend {
    static constexpr const char* name = "sqlite";
    temp_dir dir;
    bool available() const { return true; }
    std::string path() const { return dir.file("maptable.db"); }
    std::unique_ptr<event_log> open() { return std::make_unique<sqlite_event_log>(path()); }
    std::unique_ptr<event_log> open_reader()
    {
        return std::make_unique<sqlite_event_log>(path(), durability::full, log_access::read_only);
    }
    // Changes one stored event's body behind the log's back.
    void damage_event(const std::string& room, std::uint64_t seq)
    {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(path().c_str(), &db) == SQLITE_OK);
        const auto sql = "UPDATE events SET body = X'00' WHERE room = '" + room + "' AND seq = " + std::to_string(seq);
        CHECK(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
};

struct postgres_backend {
    static constexpr const char* name = "postgresql";
    std::string url;
    postgres_backend()
    {
        if (auto* server = postgres_server::shared())
            url = server->create_database();
    }
    bool available() const { return !url.empty(); }
    std::unique_ptr<event_log> open() { return std::make_unique<postgres_event_log>(url); }
    std::unique_ptr<event_log> open_reader() { return std::make_unique<postgres_event_log>(url, true); }
    void damage_event(const std::string& room, std::uint64_t seq)
    {
        postgres_server::shared()->exec(postgres_server::database_of(url),
                                        "UPDATE events SET body = '\\x00'::bytea WHERE room = '" + room +
                                            "' AND seq = " + std::to_string(seq));
    }
};

#define SKIP_WITHOUT(backend)                                                                                          \
    if (!(backend).available()) {                                                                                      \
        MESSAGE("skipped: PostgreSQL's binaries are not installed (deploy/setup.sh installs them)");                   \
        return;                                                                                                        \
    }

event_record event(const std::string& room, std::uint64_t seq, event_kind kind = event_kind::other,
                   const std::string& client = "", std::uint64_t op = 0)
{
    event_record r;
    r.room_id = room;
    r.seq = seq;
    r.time_ms = 1'700'000'000'000 + std::int64_t(seq) * 10;
    r.kind = kind;
    r.client_id = client;
    r.op_id = op;
    r.bytes = room + "#" + std::to_string(seq);
    return r;
}

std::vector<std::string> bodies(const std::string& room, std::initializer_list<std::uint64_t> seqs)
{
    std::vector<std::string> out;
    for (auto s : seqs)
        out.push_back(room + "#" + std::to_string(s));
    return out;
}

append_error append(event_log& log, std::vector<event_record> records)
{
    return log.append(records);
}

} // namespace

TEST_CASE_TEMPLATE("an event log keeps each room's events in order, across reopening", B, sqlite_backend,
                   postgres_backend)
{
    B backend;
    SKIP_WITHOUT(backend);
    std::string epoch;
    {
        auto log = backend.open();
        CHECK(log->load("r").events.empty());
        epoch = log->load("r").epoch;
        CHECK(!epoch.empty());
        REQUIRE(append(*log, {event("r", 1), event("other", 1), event("r", 2)}) == append_error::ok);
        REQUIRE(append(*log, {event("r", 3)}) == append_error::ok);
    }
    auto log = backend.open();
    const auto history = log->load("r");
    CHECK(history.events == bodies("r", {1, 2, 3}));
    CHECK(history.first_event_seq == 1);
    CHECK(history.epoch == epoch);
    CHECK(log->load("other").events == bodies("other", {1}));
    CHECK(log->load("other").epoch != epoch);
}

TEST_CASE_TEMPLATE("a batch with a taken seq is refused whole as duplicate", B, sqlite_backend, postgres_backend)
{
    B backend;
    SKIP_WITHOUT(backend);
    auto log = backend.open();
    REQUIRE(append(*log, {event("r", 1)}) == append_error::ok);
    CHECK(append(*log, {event("r", 2), event("r", 1)}) == append_error::duplicate);
    CHECK(log->load("r").events == bodies("r", {1})); // seq 2 was not written either
    CHECK(append(*log, {event("r", 2)}) == append_error::ok);
    CHECK(log->load("r").events == bodies("r", {1, 2}));
}

TEST_CASE_TEMPLATE("a batch of many events is one transaction, all or nothing", B, sqlite_backend, postgres_backend)
{
    B backend;
    SKIP_WITHOUT(backend);
    auto log = backend.open();
    std::vector<event_record> batch;
    for (std::uint64_t seq = 1; seq <= 1200; ++seq)
        batch.push_back(event("r", seq, event_kind::other, "c", seq));
    REQUIRE(log->append(batch) == append_error::ok);
    CHECK(log->load("r").events.size() == 1200);
    // A taken op id deep in the next batch undoes its first rows too.
    std::vector<event_record> next;
    for (std::uint64_t seq = 1201; seq <= 2000; ++seq)
        next.push_back(event("r", seq, event_kind::other, "c", seq));
    next.back().op_id = 5;
    CHECK(log->append(next) == append_error::duplicate);
    CHECK(log->load("r").events.size() == 1200);
    CHECK(log->find_op("r", "c", 1201) == std::nullopt);
}

TEST_CASE_TEMPLATE("a command id is stored once per room and client; op id 0 is never a key", B, sqlite_backend,
                   postgres_backend)
{
    B backend;
    SKIP_WITHOUT(backend);
    auto log = backend.open();
    const std::uint64_t big = std::numeric_limits<std::uint64_t>::max() - 1; // above 2^63: stored bit for bit
    REQUIRE(append(*log, {event("r", 1, event_kind::other, "c1", 7), event("r", 2, event_kind::other, "c1", big)}) ==
            append_error::ok);
    CHECK(append(*log, {event("r", 3, event_kind::other, "c1", 7)}) == append_error::duplicate);
    CHECK(append(*log, {event("r", 3, event_kind::other, "c1", big)}) == append_error::duplicate);
    CHECK(append(*log, {event("r", 3, event_kind::other, "c2", 7)}) == append_error::ok);     // another client
    CHECK(append(*log, {event("other", 1, event_kind::other, "c1", 7)}) == append_error::ok); // another room
    CHECK(append(*log, {event("r", 4), event("r", 5)}) == append_error::ok);                  // op 0 twice
    CHECK(log->find_op("r", "c1", 7) == 1u);
    CHECK(log->find_op("r", "c1", big) == 2u);
    CHECK(log->find_op("r", "c2", 7) == 3u);
    CHECK(log->find_op("r", "c1", 8) == std::nullopt);
    CHECK(log->find_op("r", "", 0) == std::nullopt);

    const auto history = log->load("r", {.recent_ops = 2});
    REQUIRE(history.recent_ops.size() == 2);
    CHECK(history.recent_ops[0].seq == 3); // newest first
    CHECK(history.recent_ops[0].client_id == "c2");
    CHECK(history.recent_ops[1].op_id == big);
}

TEST_CASE_TEMPLATE("a snapshot replaces older ones only, and load starts from it", B, sqlite_backend, postgres_backend)
{
    B backend;
    SKIP_WITHOUT(backend);
    auto log = backend.open();
    REQUIRE(append(*log, {event("r", 1), event("r", 2), event("r", 3), event("r", 4)}) == append_error::ok);
    log->save_snapshot("r", 3, "state@3");
    log->save_snapshot("r", 2, "state@2"); // older: ignored
    auto history = log->load("r");
    CHECK(history.snapshot == "state@3");
    CHECK(history.snapshot_seq == 3);
    CHECK(history.events == bodies("r", {4}));
    CHECK(history.first_event_seq == 4);
    history = log->load("r", {.events_before_snapshot = 2});
    CHECK(history.events == bodies("r", {2, 3, 4}));
    CHECK(history.first_event_seq == 2);
    CHECK(log->snapshot_at_most("r", 2) == std::nullopt);
    const auto at = log->snapshot_at_most("r", 4);
    REQUIRE(at);
    CHECK(at->seq == 3);
    CHECK(at->bytes == "state@3");
}

TEST_CASE_TEMPLATE("chat history pages backwards and finds the changes of a page", B, sqlite_backend, postgres_backend)
{
    B backend;
    SKIP_WITHOUT(backend);
    auto log = backend.open();
    auto change = event("r", 5, event_kind::chat_change);
    change.target_seq = 2;
    REQUIRE(append(*log,
                   {event("r", 1), event("r", 2, event_kind::chat), event("r", 3, event_kind::chat), event("r", 4),
                    change, event("r", 6, event_kind::chat)}) == append_error::ok);
    CHECK(log->chat_before("r", 0, 2) == bodies("r", {3, 6}));
    CHECK(log->chat_before("r", 3, 10) == bodies("r", {2}));
    CHECK(log->chat_before("r", 0, 0).empty());
    CHECK(log->chat_changes("r", 2, 3) == bodies("r", {5}));
    CHECK(log->chat_changes("r", 3, 6).empty());
}

TEST_CASE_TEMPLATE("replay reads ranges and finds the seq at a time", B, sqlite_backend, postgres_backend)
{
    B backend;
    SKIP_WITHOUT(backend);
    auto log = backend.open();
    REQUIRE(append(*log, {event("r", 1), event("r", 2), event("r", 3)}) == append_error::ok);
    CHECK(log->events_between("r", 2, 9) == bodies("r", {2, 3}));
    CHECK(log->events_between("r", 0, 1) == bodies("r", {1}));
    CHECK(log->events_between("r", 3, 2).empty());
    CHECK(log->seq_at_time("r", 1'700'000'000'000 + 25, 3) == 2u);
    CHECK(log->seq_at_time("r", 1'700'000'000'000 + 25, 1) == 1u);
    CHECK(log->seq_at_time("r", 1'700'000'000'000, 3) == std::nullopt);
}

TEST_CASE_TEMPLATE("revocations are kept by token id, replaced by a second revoke", B, sqlite_backend, postgres_backend)
{
    B backend;
    SKIP_WITHOUT(backend);
    {
        auto log = backend.open();
        log->revoke("b", 0);
        log->revoke("a", 100);
        log->revoke("a", 200);
    }
    auto log = backend.open();
    const std::vector<std::pair<std::string, std::int64_t>> expected{{"a", 200}, {"b", 0}};
    CHECK(log->revocations() == expected);
}

TEST_CASE_TEMPLATE("rotating epochs gives every known room a new one", B, sqlite_backend, postgres_backend)
{
    B backend;
    SKIP_WITHOUT(backend);
    auto log = backend.open();
    const auto a = log->load("a").epoch;
    const auto b = log->load("b").epoch;
    CHECK(log->rotate_epochs() == 2);
    CHECK(log->load("a").epoch != a);
    CHECK(log->load("b").epoch != b);
}

TEST_CASE_TEMPLATE("a damaged record is reported, naming room and seq, never served", B, sqlite_backend,
                   postgres_backend)
{
    B backend;
    SKIP_WITHOUT(backend);
    auto log = backend.open();
    REQUIRE(append(*log, {event("r", 1), event("r", 2, event_kind::chat), event("r", 3)}) == append_error::ok);
    backend.damage_event("r", 2);
    try {
        log->load("r");
        FAIL("a damaged event was loaded");
    } catch (const corrupt_record& e) {
        CHECK(e.room_id() == "r");
        CHECK(e.seq() == 2);
    }
    CHECK_THROWS_AS(log->events_between("r", 1, 3), corrupt_record);
    CHECK_THROWS_AS(log->chat_before("r", 0, 5), corrupt_record);
}

TEST_CASE_TEMPLATE("group commit through the commit queue, read back on reader connections", B, sqlite_backend,
                   postgres_backend)
{
    B backend;
    SKIP_WITHOUT(backend);
    auto queue = std::make_unique<commit_queue>(
        backend.open(), 1024, std::chrono::microseconds(0), [&backend] { return backend.open_reader(); }, 2);
    constexpr int rooms = 4, per_room = 25;
    std::vector<std::promise<append_error>> results(rooms * per_room);
    for (int i = 0; i < per_room; ++i)
        for (int r = 0; r < rooms; ++r)
            queue->append({event("room" + std::to_string(r), std::uint64_t(i + 1))},
                          [&results, r, i](append_error e) { results[std::size_t(i * rooms + r)].set_value(e); });
    for (auto& result : results)
        CHECK(result.get_future().get() == append_error::ok);
    // A retried seq fails alone; the others in its transaction still commit.
    std::promise<append_error> dup, fresh;
    queue->append({event("room0", 1)}, [&](append_error e) { dup.set_value(e); });
    queue->append({event("room1", per_room + 1)}, [&](append_error e) { fresh.set_value(e); });
    CHECK(dup.get_future().get() == append_error::duplicate);
    CHECK(fresh.get_future().get() == append_error::ok);

    std::promise<std::vector<std::string>> read;
    queue->read([&read](event_log& log) { read.set_value(log.events_between("room1", 1, 1000)); });
    const auto events = read.get_future().get();
    REQUIRE(events.size() == per_room + 1);
    CHECK(events.back() == "room1#" + std::to_string(per_room + 1));
    // A reader cannot write.
    std::promise<append_error> refused;
    queue->read([&refused](event_log& log) {
        std::vector<event_record> one{event("room9", 1)};
        try {
            refused.set_value(log.append(one));
        } catch (...) {
            refused.set_value(append_error::io);
        }
    });
    CHECK(refused.get_future().get() == append_error::io);
}

// PostgreSQL only: what SQLite cannot meet the same way.

TEST_CASE("postgresql: a database with a newer schema is refused at start, with a clear message")
{
    postgres_backend backend;
    SKIP_WITHOUT(backend);
    {
        postgres_event_log log(backend.url);
    }
    postgres_server::shared()->exec(postgres_server::database_of(backend.url),
                                    "INSERT INTO schema_version(version) VALUES(" +
                                        std::to_string(postgres_schema_version() + 1) + ")");
    try {
        postgres_event_log log(backend.url);
        FAIL("a newer schema was accepted");
    } catch (const start_refused& e) {
        CHECK(std::string(e.what()).find("newer than this server's") != std::string::npos);
    }
    CHECK_THROWS(postgres_event_log(backend.url, true)); // a reader too
}

TEST_CASE("postgresql: an existing schema is kept and not migrated twice")
{
    postgres_backend backend;
    SKIP_WITHOUT(backend);
    std::string id;
    {
        postgres_event_log log(backend.url);
        id = log.database_id();
        std::vector<event_record> one{event("r", 1)};
        REQUIRE(log.append(one) == append_error::ok);
    }
    postgres_event_log log(backend.url);
    CHECK(log.database_id() == id);
    CHECK(!id.empty());
    CHECK(log.load("r").events == bodies("r", {1}));
}

TEST_CASE("postgresql: a connection lost while idle is replaced by the next call, without an error")
{
    postgres_backend backend;
    SKIP_WITHOUT(backend);
    postgres_event_log log(backend.url);
    std::vector<event_record> first{event("r", 1)}, second{event("r", 2)};
    REQUIRE(log.append(first) == append_error::ok);
    postgres_server::shared()->cut_connections(postgres_server::database_of(backend.url));
    CHECK(log.append(second) == append_error::ok);
    postgres_server::shared()->cut_connections(postgres_server::database_of(backend.url));
    CHECK(log.load("r").events == bodies("r", {1, 2}));
    postgres_server::shared()->cut_connections(postgres_server::database_of(backend.url));
    CHECK(log.revocations().empty());
}

TEST_CASE("postgresql: a connection lost inside a commit is reported as io, and the next call reconnects")
{
    postgres_backend backend;
    SKIP_WITHOUT(backend);
    const auto database = postgres_server::database_of(backend.url);
    postgres_event_log log(backend.url);
    std::vector<event_record> first{event("r", 1)}, second{event("r", 2)};
    REQUIRE(log.append(first) == append_error::ok);

    // Hold the events table, so the next append stops inside its
    // transaction, waiting for the lock; then cut its connection there.
    PGconn* blocker = PQconnectdb(backend.url.c_str());
    REQUIRE(PQstatus(blocker) == CONNECTION_OK);
    PQclear(PQexec(blocker, "BEGIN; LOCK TABLE events IN ACCESS EXCLUSIVE MODE"));
    auto pending = std::async(std::launch::async, [&] { return log.append(second); });
    const std::string waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database +
        "' AND application_name = 'maptable-server' AND wait_event_type = 'Lock'";
    // Watched from a connection of its own: inside the blocker's
    // transaction, pg_stat_activity would show one cached moment.
    PGconn* observer = PQconnectdb(backend.url.c_str());
    REQUIRE(PQstatus(observer) == CONNECTION_OK);
    bool blocked = false;
    for (int i = 0; i < 3000 && !blocked; ++i) { // polls the server's own view; there is no event to await
        PGresult* r = PQexec(observer, waiting.c_str());
        blocked = PQresultStatus(r) == PGRES_TUPLES_OK && std::string(PQgetvalue(r, 0, 0)) == "1";
        PQclear(r);
        if (!blocked)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    PQfinish(observer);
    REQUIRE(blocked);
    PQclear(PQexec(blocker,
                   ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database +
                    "' AND application_name = 'maptable-server'")
                       .c_str()));
    CHECK(pending.get() == append_error::io);
    CHECK(maptable::metrics::global().store_writable.value() == 0); // /healthz says so
    PQclear(PQexec(blocker, "ROLLBACK"));
    PQfinish(blocker);

    CHECK(log.still_writable()); // pings, reconnects: healthy again without a write
    CHECK(maptable::metrics::global().store_writable.value() == 1);
    CHECK(log.load("r").events == bodies("r", {1})); // nothing of the cut transaction
    CHECK(log.append(second) == append_error::ok);
    CHECK(log.load("r").events == bodies("r", {1, 2}));
}

namespace {

// The first value of the first row of sql on a connection of its own.
std::string query_value(const std::string& url, const std::string& sql)
{
    PGconn* conn = PQconnectdb(url.c_str());
    REQUIRE(PQstatus(conn) == CONNECTION_OK);
    PGresult* r = PQexec(conn, sql.c_str());
    std::string out = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    PQfinish(conn);
    return out;
}

// Polls the server's own view until pred(value) or about 30 s; there is no
// event to await in another process.
template <class Pred>
bool poll_until(const std::string& url, const std::string& sql, Pred pred)
{
    for (int i = 0; i < 3000; ++i) {
        if (pred(query_value(url, sql)))
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

} // namespace

TEST_CASE("postgresql: a commit whose answer is lost after the server committed it is reported ok, not io")
{
    postgres_backend backend;
    SKIP_WITHOUT(backend);
    auto* server = postgres_server::shared();
    const auto database = postgres_server::database_of(backend.url);
    // A synchronous standby that never comes: COMMIT is on disk, then waits
    // for it, and a cut connection gets no answer, as in a failover.
    // (Every write waits for it meanwhile: the log, with its first write,
    // the room's epoch, is made before.)
    postgres_event_log log(backend.url);
    CHECK(log.load("r").events.empty());
    const auto standby = [&](const char* sql, const char* shown) {
        server->exec("postgres", sql);
        server->exec("postgres", "SELECT pg_reload_conf()");
        REQUIRE(poll_until(backend.url, "SHOW synchronous_standby_names",
                           [shown](const std::string& v) { return v == shown; }));
    };
    standby("ALTER SYSTEM SET synchronous_standby_names = 'nobody'", "nobody");
    std::vector<event_record> batch{event("r", 1), event("r", 2)};
    auto pending = std::async(std::launch::async, [&] { return log.append(batch); });
    REQUIRE(poll_until(backend.url,
                       "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database +
                           "' AND application_name = 'maptable-server' AND wait_event = 'SyncRep'",
                       [](const std::string& v) { return v == "1"; }));
    server->exec("postgres",
                 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database +
                     "' AND application_name = 'maptable-server'");
    const auto result = pending.get();
    standby("ALTER SYSTEM RESET synchronous_standby_names", "");
    CHECK(result == append_error::ok);
    CHECK(log.load("r").events == bodies("r", {1, 2}));
}

TEST_CASE("postgresql: an unreachable server is a start-up error that names host and database, not the password")
{
    postgres_backend backend;
    SKIP_WITHOUT(backend);
    const std::string url = "postgresql://maptable:s3cret-pw@127.0.0.1:1/nowhere";
    try {
        postgres_event_log log(url);
        FAIL("connected to nothing");
    } catch (const std::exception& e) {
        const std::string what = e.what();
        CHECK(what.find("127.0.0.1:1/nowhere") != std::string::npos);
        CHECK(what.find("s3cret-pw") == std::string::npos);
    }
    CHECK(describe_postgres_url(url) == "127.0.0.1:1/nowhere");
}
