// The PostgreSQL store end to end: a real maptable-server on
// --store postgresql://… (a PostgreSQL this test starts itself from Debian's
// binaries), SDK clients that write, restarts, and the migration of a SQLite
// installation with several rooms, a snapshot, chat and revocations. Skips,
// with a message, only when PostgreSQL's binaries are not installed.
#include "http_probe.hpp"
#include "model/room_state.hpp"
#include "postgres_server.hpp"
#include "server_process.hpp"
#include "store/postgres_event_log.hpp"
#include "store/sqlite_event_log.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace maptable;
using namespace maptable::test;
using maptable::testing::postgres_server;

namespace {

// Adds n markers and a chat message per marker; returns the last acked seq.
std::uint64_t make_acked_edits(server_process& server, const std::string& room, int n)
{
    client c(server.options(room, "writer"));
    join_or_fail(c);
    std::vector<std::future<command_result>> pending;
    for (int i = 0; i < n; ++i) {
        pending.push_back(c.add_feature(point_feature(std::string("m") + std::to_string(i), 8.68 + i * 0.0001, 50.11,
                                                      std::string("marker ") + std::to_string(i))));
        pending.push_back(c.send_chat(std::string("about marker ") + std::to_string(i)));
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
    const auto state = reader.replica();
    CHECK(state.seq() == last_seq);
    CHECK(state.features().size() == static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        const auto* f = state.find_feature(std::string("m") + std::to_string(i));
        REQUIRE_MESSAGE(f != nullptr, "marker " << i << " was acked but is gone");
        CHECK(f->title() == std::string("marker ") + std::to_string(i));
    }
    auto chat = reader.chat_history(0, 200).get();
    REQUIRE(chat.ok);
    CHECK(chat.messages.size() == static_cast<std::size_t>(std::min(n, 200)));
}

// The room as rebuilt from a store: its snapshot, then the events after it.
std::string stored_hash(store::event_log& log, const std::string& room_id)
{
    const auto history = log.load(room_id);
    model::room_state state(room_id);
    if (history.snapshot) {
        pb::RoomState snapshot;
        REQUIRE(snapshot.ParseFromString(*history.snapshot));
        state = model::room_state::from_proto(snapshot);
    }
    std::uint64_t seq = history.first_event_seq;
    for (const auto& bytes : history.events) {
        if (seq++ <= history.snapshot_seq)
            continue;
        pb::Event event;
        REQUIRE(event.ParseFromString(bytes));
        REQUIRE(state.apply(event));
    }
    return state.canonical_hash();
}

// Runs the server binary with args; returns its exit status and output.
std::pair<int, std::string> run_server_binary(const std::string& args, const std::filesystem::path& dir)
{
    const auto out = (dir / "command.out").string();
    const int status = std::system((std::string(MAPTABLE_SERVER_BINARY) + " " + args + " >" + out + " 2>&1").c_str());
    std::ifstream file(out);
    std::stringstream text;
    text << file.rdbuf();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
}

} // namespace

TEST_CASE("a server on PostgreSQL keeps every acked edit across a clean restart and a kill -9")
{
    SKIP_WITHOUT_POSTGRES(postgres);
    const auto url = postgres->create_database();
    server_process server({"--store", url});
    const auto last = make_acked_edits(server, "pg-room", 60);
    REQUIRE(server.stop() == 0);
    server.start();
    check_everything_is_there(server, "pg-room", 60, last);

    const auto more = make_acked_edits(server, "pg-crash", 40);
    server.kill9();
    server.start();
    check_everything_is_there(server, "pg-crash", 40, more);
    check_everything_is_there(server, "pg-room", 60, last);
    // No SQLite file was made: the data dir holds only the secret (if that).
    CHECK(!std::filesystem::exists(server.db_path()));
}

TEST_CASE("a server refuses to start on a PostgreSQL schema newer than its own")
{
    SKIP_WITHOUT_POSTGRES(postgres);
    const auto url = postgres->create_database();
    {
        store::postgres_event_log log(url);
    }
    postgres->exec(postgres_server::database_of(url),
                   "INSERT INTO schema_version(version) VALUES(" +
                       std::to_string(store::postgres_schema_version() + 1) + ")");
    const auto dir = std::filesystem::temp_directory_path() / ("maptable-pg-refuse-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto run = run_server_binary("--port 0 --data-dir " + dir.string() + " --store " + url, dir);
    const int status = run.first;
    const std::string& output = run.second;
    std::filesystem::remove_all(dir);
    CHECK(status == 1);
    CHECK_MESSAGE(output.find("refusing to start") != std::string::npos, output);
    CHECK_MESSAGE(output.find("newer than this server's") != std::string::npos, output);
}

TEST_CASE("migrate-store moves a SQLite installation to PostgreSQL without loss")
{
    SKIP_WITHOUT_POSTGRES(postgres);
    server_process sqlite_server({"--command-burst", "5000"});
    std::map<std::string, std::string> hashes; // room -> canonical hash its clients saw
    std::map<std::string, std::uint64_t> seqs;
    // Several rooms; "long" passes the 1,000-event snapshot interval, so the
    // copy includes a snapshot with events after it.
    for (const auto& [room, n] : std::vector<std::pair<std::string, int>>{{"alpha", 30}, {"beta", 5}, {"long", 520}}) {
        client c(sqlite_server.options(room, "writer", pb::ROLE_FACILITATOR));
        join_or_fail(c);
        event_recorder recorder(c);
        seqs[room] = make_acked_edits(sqlite_server, room, n);
        REQUIRE(recorder.wait_for_seq(seqs[room]));
        hashes[room] = c.replica().canonical_hash();
    }
    REQUIRE(sqlite_server.stop() == 0);
    const auto db_path = sqlite_server.db_path();
    {
        store::sqlite_event_log log(db_path);
        log.revoke("revoked-forever", 0);
        log.revoke("revoked-until", 4'000'000'000);
        REQUIRE(log.snapshot_at_most("long", 1'000'000)); // the copy includes a snapshot
    }

    const auto url = postgres->create_database();
    const auto run = run_server_binary(
        "migrate-store --from sqlite:" + sqlite_server.data_dir().string() + " --to " + url, sqlite_server.data_dir());
    const int status = run.first;
    const std::string& output = run.second;
    REQUIRE_MESSAGE(status == 0, output);
    CHECK_MESSAGE(output.find("verified: all 3 rooms") != std::string::npos, output);

    // The stores agree room by room, and with what the clients saw.
    store::sqlite_event_log source(db_path, store::durability::full, store::log_access::read_only);
    store::postgres_event_log target(url);
    for (const auto& [room, hash] : hashes) {
        CHECK(stored_hash(source, room) == hash);
        CHECK(stored_hash(target, room) == hash);
        CHECK(target.load(room).epoch == source.load(room).epoch); // resumes stay valid
    }
    CHECK(target.revocations() == source.revocations());
    CHECK(target.revocations().size() == 2);

    // A second copy into the same database is refused: nothing is merged.
    const auto second_run = run_server_binary(
        "migrate-store --from sqlite:" + sqlite_server.data_dir().string() + " --to " + url, sqlite_server.data_dir());
    const int again = second_run.first;
    const std::string& again_output = second_run.second;
    CHECK(again == 1);
    CHECK_MESSAGE(again_output.find("empty database only") != std::string::npos, again_output);

    // And a server on the copy serves the same rooms.
    server_process pg_server({"--store", url});
    for (const auto& [room, hash] : hashes) {
        client reader(pg_server.options(room, "reader"));
        join_or_fail(reader);
        CHECK(reader.seq() == seqs[room]);
        CHECK(reader.replica().canonical_hash() == hash);
    }
}

TEST_CASE("the admin API's room catalogue lives in PostgreSQL too, across a restart")
{
    SKIP_WITHOUT_POSTGRES(postgres);
    constexpr const char* admin_key = "test-admin-key-0123456789";
    const auto url = postgres->create_database();
    server_process server({"--store", url, "--admin-key", admin_key});
    const auto call = [&](const std::string& method, const std::string& target, const std::string& body = {}) {
        return call_api(server.port(), {.method = method, .target = target, .bearer = admin_key, .body = body});
    };
    const std::string room = R"({"id": "harbour", "title": "Harbour lab", "city": "Cape Town",
                                 "center": {"lon": 18.42, "lat": -33.92}, "zoom": 13})";
    const auto created = call("POST", "/v1/admin/rooms", room);
    REQUIRE_MESSAGE(created.status == 201, created.body);
    const auto again = call("POST", "/v1/admin/rooms", room);
    CHECK_MESSAGE(again.status == 409, again.body);
    REQUIRE(server.stop() == 0);
    server.start();
    const auto listed = call("GET", "/v1/admin/rooms");
    REQUIRE_MESSAGE(listed.status == 200, listed.body);
    CHECK_MESSAGE(listed.body.find("Harbour lab") != std::string::npos, listed.body);
    client ben(server.options("harbour", "ben"));
    join_or_fail(ben);
    CHECK(ben.replica().info().city() == "Cape Town");
    CHECK(!std::filesystem::exists(server.db_path()));
}

TEST_CASE("the password in a --store URL never reaches the log; MAPTABLE_STORE selects PostgreSQL as well")
{
    SKIP_WITHOUT_POSTGRES(postgres);
    const auto url = postgres->create_database();
    const auto database = postgres_server::database_of(url);
    // The test cluster trusts local connections, so any password is let in:
    // this one is only there to be looked for in the log.
    const std::string with_password =
        "postgresql://maptable:hunter2-not-for-logs@127.0.0.1:" + std::to_string(postgres->port()) + "/" + database;
    ::setenv("MAPTABLE_STORE", with_password.c_str(), 1);
    server_process server;
    ::unsetenv("MAPTABLE_STORE");
    const auto last = make_acked_edits(server, "env-room", 3);
    CHECK(server.log().find("hunter2") == std::string::npos);
    CHECK_MESSAGE(server.log().find("postgresql://127.0.0.1:" + std::to_string(postgres->port()) + "/" + database) !=
                      std::string::npos,
                  server.log());
    store::postgres_event_log log(url);
    CHECK(log.load("env-room").events.size() == last);
    CHECK(!std::filesystem::exists(server.db_path()));
}

TEST_CASE("a server rides out the loss of its PostgreSQL connections: writes and chat history go on")
{
    SKIP_WITHOUT_POSTGRES(postgres);
    const auto url = postgres->create_database();
    server_process server({"--store", url});
    client c(server.options("cut-room", "writer"));
    join_or_fail(c);
    REQUIRE(c.send_chat("before the cut").get().ok);
    // What a PostgreSQL restart or a failover does to every open connection.
    postgres->cut_connections(postgres_server::database_of(url));
    const auto after = c.send_chat("after the cut").get();
    CHECK_MESSAGE(after.ok, server.log());
    const auto chat = c.chat_history(0, 10).get();
    REQUIRE_MESSAGE(chat.ok, server.log());
    CHECK(chat.messages.size() == 2);
}

TEST_CASE("reset-epochs --store gives every room on PostgreSQL a new epoch, and keeps its events")
{
    SKIP_WITHOUT_POSTGRES(postgres);
    const auto url = postgres->create_database();
    server_process server({"--store", url});
    const auto last = make_acked_edits(server, "pg-epochs", 5);
    REQUIRE(server.stop() == 0);

    std::string before;
    {
        store::postgres_event_log log(url);
        before = log.load("pg-epochs").epoch;
    }
    REQUIRE_FALSE(before.empty());
    const auto run = run_server_binary("reset-epochs --store '" + url + "'", server.data_dir());
    const int status = run.first;
    const std::string& out = run.second;
    CAPTURE(out);
    REQUIRE(status == 0);
    CHECK(out.find("new epochs for 1 rooms") != std::string::npos);
    {
        store::postgres_event_log log(url);
        const auto after = log.load("pg-epochs");
        CHECK_FALSE(after.epoch.empty());
        CHECK(after.epoch != before);
    }
    server.start();
    check_everything_is_there(server, "pg-epochs", 5, last);
}
