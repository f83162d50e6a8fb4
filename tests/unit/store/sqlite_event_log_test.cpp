// The SQLite event log against a real database file in a temp dir: order,
// idempotency keys, all-or-nothing batches, snapshots, chat paging, reopening,
// and the error paths a test can reach reliably.
#include "raw_connection.hpp"
#include "store/sqlite_event_log.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <vector>

using namespace maptable::store;
using maptable::store::load_options;
using maptable::store::testing::temp_dir;

namespace {

event_record event(const std::string& room, std::uint64_t seq, event_kind kind = event_kind::other,
                   const std::string& client = "", std::uint64_t op = 0)
{
    event_record r;
    r.room_id = room;
    r.seq = seq;
    r.time_ms = 1'700'000'000'000 + std::int64_t(seq);
    r.kind = kind;
    r.client_id = client;
    r.op_id = op;
    r.bytes = room + "#" + std::to_string(seq);
    return r;
}

event_record chat(const std::string& room, std::uint64_t seq)
{
    return event(room, seq, event_kind::chat);
}

// A reaction, edit or deletion of the chat message at target.
event_record chat_change(const std::string& room, std::uint64_t seq, std::uint64_t target)
{
    auto r = event(room, seq, event_kind::chat_change);
    r.target_seq = target;
    return r;
}

std::vector<std::string> bodies(const std::string& room, std::initializer_list<std::uint64_t> seqs)
{
    std::vector<std::string> out;
    for (auto s : seqs)
        out.push_back(room + "#" + std::to_string(s));
    return out;
}

using maptable::test::raw_connection;

} // namespace

TEST_CASE("appended events load back in seq order")
{
    temp_dir dir;
    sqlite_event_log log(dir.file("log.db"));
    CHECK(log.load("r").events.empty());
    CHECK_FALSE(log.load("r").snapshot.has_value());

    const std::vector<event_record> first{event("r", 1), event("r", 2)};
    REQUIRE(log.append(first) == append_error::ok);
    // Appended out of order within a batch: load still returns seq order.
    const std::vector<event_record> second{event("r", 5), event("r", 3), event("r", 4)};
    REQUIRE(log.append(second) == append_error::ok);

    const auto history = log.load("r");
    CHECK_FALSE(history.snapshot.has_value());
    CHECK(history.snapshot_seq == 0);
    CHECK(history.events == bodies("r", {1, 2, 3, 4, 5}));
}

TEST_CASE("an empty append is ok and writes nothing")
{
    temp_dir dir;
    sqlite_event_log log(dir.file("log.db"));
    CHECK(log.append({}) == append_error::ok);
    CHECK(log.load("r").events.empty());
}

TEST_CASE("event bodies are stored byte for byte, including empty and binary ones")
{
    temp_dir dir;
    sqlite_event_log log(dir.file("log.db"));
    auto a = event("r", 1);
    a.bytes.clear();
    auto b = event("r", 2);
    b.bytes = std::string("\0\x01\xff\0zz", 6);
    const std::vector<event_record> batch{a, b};
    REQUIRE(log.append(batch) == append_error::ok);
    const auto history = log.load("r");
    REQUIRE(history.events.size() == 2);
    CHECK(history.events[0].empty());
    CHECK(history.events[1] == b.bytes);
}

TEST_CASE("a duplicate (room, seq) fails the whole batch and writes nothing of it")
{
    temp_dir dir;
    sqlite_event_log log(dir.file("log.db"));
    const std::vector<event_record> first{event("r", 1)};
    REQUIRE(log.append(first) == append_error::ok);

    // The third record collides; the first two must not survive either.
    std::vector<event_record> batch{event("r", 2), event("r", 3), event("r", 1)};
    batch[2].bytes = "impostor";
    CHECK(log.append(batch) == append_error::duplicate);
    CHECK(log.load("r").events == bodies("r", {1}));

    // A collision inside the batch itself is a duplicate too.
    const std::vector<event_record> self{event("r", 2), event("r", 2)};
    CHECK(log.append(self) == append_error::duplicate);
    CHECK(log.load("r").events == bodies("r", {1}));

    // The log is still usable afterwards.
    const std::vector<event_record> next{event("r", 2)};
    CHECK(log.append(next) == append_error::ok);
    CHECK(log.load("r").events == bodies("r", {1, 2}));
}

TEST_CASE("a duplicate (room, client, op) is refused and find_op reports the first seq")
{
    temp_dir dir;
    sqlite_event_log log(dir.file("log.db"));
    const std::vector<event_record> first{event("r", 1, event_kind::other, "alice", 7)};
    REQUIRE(log.append(first) == append_error::ok);
    CHECK(log.find_op("r", "alice", 7) == std::optional<std::uint64_t>(1));

    // The retried command got a new seq, but carries the same op id.
    const std::vector<event_record> retry{event("r", 2), event("r", 3, event_kind::other, "alice", 7)};
    CHECK(log.append(retry) == append_error::duplicate);
    CHECK(log.load("r").events == bodies("r", {1}));

    // Same op id from another client, or in another room, is a different command.
    const std::vector<event_record> others{event("r", 2, event_kind::other, "bob", 7),
                                           event("s", 1, event_kind::other, "alice", 7)};
    CHECK(log.append(others) == append_error::ok);
    CHECK(log.find_op("r", "bob", 7) == std::optional<std::uint64_t>(2));
    CHECK(log.find_op("s", "alice", 7) == std::optional<std::uint64_t>(1));
    CHECK_FALSE(log.find_op("r", "alice", 8).has_value());
    CHECK_FALSE(log.find_op("r", "carol", 7).has_value());
}

TEST_CASE("op id 0 is never deduplicated")
{
    temp_dir dir;
    sqlite_event_log log(dir.file("log.db"));
    const std::vector<event_record> batch{event("r", 1, event_kind::other, "alice", 0),
                                          event("r", 2, event_kind::other, "alice", 0)};
    CHECK(log.append(batch) == append_error::ok);
    const std::vector<event_record> more{event("r", 3, event_kind::other, "alice", 0)};
    CHECK(log.append(more) == append_error::ok);
    CHECK(log.load("r").events.size() == 3);
    CHECK_FALSE(log.find_op("r", "alice", 0).has_value());
}

TEST_CASE("op ids above 2^63 are deduplicated like any other")
{
    temp_dir dir;
    sqlite_event_log log(dir.file("log.db"));
    const std::uint64_t big = std::numeric_limits<std::uint64_t>::max();
    const std::vector<event_record> first{event("r", 1, event_kind::other, "alice", big)};
    REQUIRE(log.append(first) == append_error::ok);
    const std::vector<event_record> retry{event("r", 2, event_kind::other, "alice", big)};
    CHECK(log.append(retry) == append_error::duplicate);
    CHECK(log.find_op("r", "alice", big) == std::optional<std::uint64_t>(1));
}

TEST_CASE("find_op uses the idempotency index, not a scan")
{
    temp_dir dir;
    const auto path = dir.file("log.db");
    sqlite_event_log log(path);
    raw_connection raw(path);
    // Parameters, as find_op uses: the planner must match the partial index
    // without seeing the value (an index "WHERE op_id > 0" would not match).
    const auto plan = raw.text("EXPLAIN QUERY PLAN SELECT seq FROM events WHERE room = ?1 AND client_id = ?2 "
                               "AND op_id = ?3");
    CAPTURE(plan);
    CHECK(plan.find("events_op") != std::string::npos);
}

TEST_CASE("rooms are kept apart")
{
    temp_dir dir;
    sqlite_event_log log(dir.file("log.db"));
    const std::vector<event_record> batch{event("a", 1), event("b", 1), chat("a", 2), chat("b", 2), event("b", 3)};
    REQUIRE(log.append(batch) == append_error::ok);
    CHECK(log.load("a").events == bodies("a", {1, 2}));
    CHECK(log.load("b").events == bodies("b", {1, 2, 3}));
    CHECK(log.load("c").events.empty());
    CHECK(log.chat_before("a", 0, 10) == bodies("a", {2}));
    log.save_snapshot("a", 2, "snap-a");
    CHECK_FALSE(log.load("b").snapshot.has_value());
    CHECK(log.load("b").events.size() == 3);
}

TEST_CASE("load returns the newest snapshot and only the events after it")
{
    temp_dir dir;
    sqlite_event_log log(dir.file("log.db"));
    std::vector<event_record> batch;
    for (std::uint64_t s = 1; s <= 6; ++s)
        batch.push_back(event("r", s));
    REQUIRE(log.append(batch) == append_error::ok);

    log.save_snapshot("r", 2, "snap@2");
    auto history = log.load("r");
    CHECK(history.snapshot == std::optional<std::string>("snap@2"));
    CHECK(history.snapshot_seq == 2);
    CHECK(history.events == bodies("r", {3, 4, 5, 6}));

    log.save_snapshot("r", 4, "snap@4");
    history = log.load("r");
    CHECK(history.snapshot == std::optional<std::string>("snap@4"));
    CHECK(history.snapshot_seq == 4);
    CHECK(history.events == bodies("r", {5, 6}));

    // An older snapshot arriving late does not replace the newer one.
    log.save_snapshot("r", 3, "snap@3");
    CHECK(log.load("r").snapshot_seq == 4);

    // A snapshot at the head leaves nothing to replay.
    log.save_snapshot("r", 6, "snap@6");
    history = log.load("r");
    CHECK(history.snapshot == std::optional<std::string>("snap@6"));
    CHECK(history.events.empty());

    // Events stay in the log: history is kept for replay and export.
    raw_connection raw(dir.file("log.db"));
    CHECK(raw.count("SELECT count(*) FROM events WHERE room = 'r'") == 6);
    CHECK(raw.count("SELECT count(*) FROM snapshots WHERE room = 'r'") == 1);
}

TEST_CASE("chat history pages backwards, oldest first within a page, chat only")
{
    temp_dir dir;
    sqlite_event_log log(dir.file("log.db"));
    std::vector<event_record> batch;
    for (std::uint64_t s = 1; s <= 20; ++s)
        batch.push_back(s % 2 == 0 ? chat("r", s) : event("r", s));
    batch.push_back(chat("other", 21));
    REQUIRE(log.append(batch) == append_error::ok);

    // Newest three chat messages, oldest of them first.
    CHECK(log.chat_before("r", 0, 3) == bodies("r", {16, 18, 20}));
    // The page before seq 16.
    CHECK(log.chat_before("r", 16, 3) == bodies("r", {10, 12, 14}));
    // The bound is exclusive, and it need not be a chat seq.
    CHECK(log.chat_before("r", 15, 2) == bodies("r", {12, 14}));
    // The last page is short.
    CHECK(log.chat_before("r", 6, 3) == bodies("r", {2, 4}));
    CHECK(log.chat_before("r", 2, 3).empty());
    // A limit past the end returns everything.
    CHECK(log.chat_before("r", 0, 1000).size() == 10);
    CHECK(log.chat_before("r", 0, 0).empty());
    CHECK(log.chat_before("nobody", 0, 10).empty());
    CHECK(log.chat_before("r", std::numeric_limits<std::uint64_t>::max(), 1) == bodies("r", {20}));
}

TEST_CASE("reopening the file keeps events, snapshots and keys")
{
    temp_dir dir;
    const auto path = dir.file("log.db");
    {
        sqlite_event_log log(path);
        const std::vector<event_record> batch{event("r", 1, event_kind::other, "alice", 1), chat("r", 2),
                                              event("r", 3)};
        REQUIRE(log.append(batch) == append_error::ok);
        log.save_snapshot("r", 1, "snap@1");
    }
    {
        sqlite_event_log log(path, durability::normal);
        const auto history = log.load("r");
        CHECK(history.snapshot == std::optional<std::string>("snap@1"));
        CHECK(history.events == bodies("r", {2, 3}));
        CHECK(log.chat_before("r", 0, 10) == bodies("r", {2}));
        CHECK(log.find_op("r", "alice", 1) == std::optional<std::uint64_t>(1));
        const std::vector<event_record> dup{event("r", 4, event_kind::other, "alice", 1)};
        CHECK(log.append(dup) == append_error::duplicate);
        const std::vector<event_record> next{event("r", 4)};
        CHECK(log.append(next) == append_error::ok);
    }
    sqlite_event_log log(path);
    CHECK(log.load("r").events == bodies("r", {2, 3, 4}));
}

TEST_CASE("the file is in WAL mode with a schema version")
{
    temp_dir dir;
    const auto path = dir.file("log.db");
    sqlite_event_log log(path);
    raw_connection raw(path);
    CHECK(raw.text("PRAGMA journal_mode") == "wal\n");
    CHECK(raw.count("PRAGMA user_version") == 6);
}

TEST_CASE("opening fails with runtime_error when the file cannot be opened")
{
    temp_dir dir;
    // A directory that does not exist (reliable even when tests run as root,
    // which ignores permission bits).
    CHECK_THROWS_AS(sqlite_event_log{dir.file("missing/log.db")}, std::runtime_error);
    // A directory where the file should be.
    CHECK_THROWS_AS(sqlite_event_log{dir.path().string()}, std::runtime_error);
    // A file that is not a database.
    {
        std::ofstream garbage(dir.file("garbage.db"), std::ios::binary);
        garbage << std::string(8192, 'x');
    }
    CHECK_THROWS_AS(sqlite_event_log{dir.file("garbage.db")}, std::runtime_error);
    try {
        sqlite_event_log log(dir.file("missing/log.db"));
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find("missing/log.db") != std::string::npos);
    }
}

TEST_CASE("a database from a newer schema version is refused")
{
    temp_dir dir;
    const auto path = dir.file("log.db");
    {
        sqlite_event_log log(path);
    }
    {
        raw_connection raw(path);
        REQUIRE(raw.exec("PRAGMA user_version=99") == SQLITE_OK);
    }
    CHECK_THROWS_AS(sqlite_event_log{path}, std::runtime_error);
}

TEST_CASE("revoked token ids survive reopening; revoking again replaces the expiry")
{
    temp_dir dir;
    const auto path = dir.file("log.db");
    {
        sqlite_event_log log(path);
        CHECK(log.revocations().empty());
        log.revoke("t-b", 1'900'000'000);
        log.revoke("t-a", 0);
        log.revoke("t-b", 1'900'000'100);
    }
    sqlite_event_log log(path);
    using entry = std::pair<std::string, std::int64_t>;
    CHECK(log.revocations() == std::vector<entry>{{"t-a", 0}, {"t-b", 1'900'000'100}});
}

TEST_CASE("a version 2 file gains the revoked_tokens table when opened")
{
    temp_dir dir;
    const auto path = dir.file("log.db");
    {
        sqlite_event_log log(path);
        const std::vector<event_record> first{event("r", 1)};
        REQUIRE(log.append(first) == append_error::ok);
    }
    {
        raw_connection raw(path);
        REQUIRE(raw.exec("DROP TABLE revoked_tokens; PRAGMA user_version=2") == SQLITE_OK);
    }
    sqlite_event_log log(path);
    log.revoke("t-x", 0);
    CHECK(log.revocations().size() == 1);
    CHECK(log.load("r").events == bodies("r", {1}));
    raw_connection raw(path);
    CHECK(raw.count("PRAGMA user_version") == 6);
}

TEST_CASE("append reports io and writes nothing when the database is locked by another writer")
{
    // Root ignores file permission bits, so a read-only file is not a reliable
    // way to make writes fail. A second connection holding the write lock is:
    // the log's BEGIN IMMEDIATE waits out its busy timeout and gives up.
    temp_dir dir;
    const auto path = dir.file("log.db");
    sqlite_event_log log(path);
    log.set_busy_timeout(std::chrono::milliseconds(50));
    const std::vector<event_record> first{event("r", 1)};
    REQUIRE(log.append(first) == append_error::ok);
    // A room's first load writes its epoch; later loads only read.
    REQUIRE(log.load("r").events == bodies("r", {1}));

    raw_connection other(path);
    REQUIRE(other.exec("BEGIN EXCLUSIVE") == SQLITE_OK);
    const std::vector<event_record> blocked{event("r", 2), event("r", 3)};
    CHECK(log.append(blocked) == append_error::io);
    // Reads still work in WAL mode while another connection writes.
    CHECK(log.load("r").events == bodies("r", {1}));
    REQUIRE(other.exec("ROLLBACK") == SQLITE_OK);

    // Nothing of the failed batch was written, and the log recovers.
    CHECK(log.load("r").events == bodies("r", {1}));
    CHECK(log.append(blocked) == append_error::ok);
    CHECK(log.load("r").events == bodies("r", {1, 2, 3}));
}

TEST_CASE("a room gets an epoch on first load that stays until epochs are rotated")
{
    temp_dir dir;
    std::string first;
    {
        sqlite_event_log log(dir.file("log.db"));
        first = log.load("r").epoch;
        CHECK(first.size() == 32);
        CHECK(log.load("r").epoch == first);
        CHECK(log.load("other").epoch != first);
    }
    sqlite_event_log reopened(dir.file("log.db"));
    CHECK(reopened.load("r").epoch == first);
    CHECK(reopened.rotate_epochs() == 2);
    const auto rotated = reopened.load("r").epoch;
    CHECK(rotated.size() == 32);
    CHECK(rotated != first);
}

TEST_CASE("load can return the newest ops and events from before the snapshot")
{
    temp_dir dir;
    sqlite_event_log log(dir.file("log.db"));
    std::vector<event_record> batch;
    for (std::uint64_t s = 1; s <= 6; ++s)
        batch.push_back(event("r", s, event_kind::other, "c1", s == 3 ? 0 : 100 + s));
    REQUIRE(log.append(batch) == append_error::ok);
    log.save_snapshot("r", 4, "snap@4");

    load_options options;
    options.recent_ops = 3;
    options.events_before_snapshot = 2;
    const auto history = log.load("r", options);
    CHECK(history.snapshot_seq == 4);
    CHECK(history.first_event_seq == 3);
    CHECK(history.events == bodies("r", {3, 4, 5, 6}));
    REQUIRE(history.recent_ops.size() == 3);
    CHECK(history.recent_ops[0].seq == 6);
    CHECK(history.recent_ops[0].op_id == 106);
    CHECK(history.recent_ops[0].client_id == "c1");
    CHECK(history.recent_ops[2].seq == 4); // seq 3 had no op id

    options.events_before_snapshot = 100; // more than there is
    CHECK(log.load("r", options).first_event_seq == 1);
}

TEST_CASE("chat changes are found by the seq of the message they change, in seq order")
{
    temp_dir dir;
    sqlite_event_log log(dir.file("log.db"));
    const std::vector<event_record> batch{chat("r", 1),  chat("r", 2),           chat_change("r", 3, 1),
                                          event("r", 4), chat_change("r", 5, 2), chat_change("r", 6, 1),
                                          chat("r", 7),  chat_change("r", 8, 7), chat_change("other", 9, 1)};
    REQUIRE(log.append(batch) == append_error::ok);

    CHECK(log.chat_changes("r", 1, 1) == bodies("r", {3, 6}));
    CHECK(log.chat_changes("r", 1, 2) == bodies("r", {3, 5, 6}));
    CHECK(log.chat_changes("r", 2, 7) == bodies("r", {5, 8}));
    CHECK(log.chat_changes("r", 0, std::numeric_limits<std::uint64_t>::max()) == bodies("r", {3, 5, 6, 8}));
    // Events without a target are never changes, even inside the range.
    CHECK(log.chat_changes("r", 4, 4).empty());
    CHECK(log.chat_changes("r", 3, 1).empty());
    CHECK(log.chat_changes("nobody", 1, 10).empty());
    // The chat history still holds the messages alone.
    CHECK(log.chat_before("r", 0, 10) == bodies("r", {1, 2, 7}));

    raw_connection raw(dir.file("log.db"));
    CHECK(raw.count("SELECT count(*) FROM events WHERE target_seq IS NOT NULL") == 5);
}

TEST_CASE("chat changes and chat pages are read through their indexes, not a scan")
{
    temp_dir dir;
    const auto path = dir.file("log.db");
    sqlite_event_log log(path);
    raw_connection raw(path);
    // The statement chat_changes runs (INDEXED BY would fail to prepare if the index could not serve it).
    const auto changes = raw.text("EXPLAIN QUERY PLAN SELECT body FROM events INDEXED BY events_target WHERE room = ?1 "
                                  "AND target_seq IS NOT NULL AND target_seq >= ?2 AND target_seq <= ?3 ORDER BY seq");
    CAPTURE(changes);
    CHECK(changes.find("events_target") != std::string::npos);
    // The page of chat seqs chat_before reads: the partial index alone.
    const auto page = raw.text("EXPLAIN QUERY PLAN SELECT seq FROM events WHERE room = ?1 AND kind = 1 AND seq < ?3 "
                               "ORDER BY seq DESC LIMIT ?4");
    CAPTURE(page);
    CHECK(page.find("COVERING INDEX events_chat") != std::string::npos);
    CHECK(page.find("TEMP B-TREE") == std::string::npos);
}

TEST_CASE("only chat events are in the chat index, and no index is kept on time")
{
    temp_dir dir;
    const auto path = dir.file("log.db");
    sqlite_event_log log(path);
    const std::vector<event_record> batch{chat("r", 1), event("r", 2), chat_change("r", 3, 1), event("r", 4),
                                          chat("r", 5)};
    REQUIRE(log.append(batch) == append_error::ok);
    raw_connection raw(path);
    CHECK(raw.count("SELECT count(*) FROM events INDEXED BY events_chat WHERE room = 'r' AND kind = 1") == 2);
    CHECK(raw.count("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'events_time'") == 0);
    CHECK(log.chat_before("r", 0, 10) == bodies("r", {1, 5}));
}

TEST_CASE("events_between reads a range of one room, short where the log ends")
{
    temp_dir dir;
    sqlite_event_log log(dir.file("log.db"));
    std::vector<event_record> batch;
    for (std::uint64_t s = 1; s <= 8; ++s)
        batch.push_back(s % 3 == 0 ? chat("r", s) : event("r", s));
    batch.push_back(event("other", 1));
    REQUIRE(log.append(batch) == append_error::ok);

    CHECK(log.events_between("r", 1, 3) == bodies("r", {1, 2, 3}));
    CHECK(log.events_between("r", 3, 3) == bodies("r", {3}));
    CHECK(log.events_between("r", 6, 100) == bodies("r", {6, 7, 8}));
    CHECK(log.events_between("r", 0, 2) == bodies("r", {1, 2}));
    CHECK(log.events_between("r", 9, 20).empty());
    CHECK(log.events_between("r", 5, 4).empty());
    CHECK(log.events_between("other", 1, 8) == bodies("other", {1}));
    CHECK(log.events_between("r", 7, std::numeric_limits<std::uint64_t>::max()) == bodies("r", {7, 8}));
}

TEST_CASE("seq_at_time finds the last event at or before a time, within a seq bound")
{
    temp_dir dir;
    sqlite_event_log log(dir.file("log.db"));
    auto at = [](std::uint64_t seq, std::int64_t time_ms) {
        auto r = event("r", seq);
        r.time_ms = time_ms;
        return r;
    };
    // Two events share a millisecond (one batch); times grow with seq.
    const std::vector<event_record> batch{at(1, 1000), at(2, 2000), at(3, 2000), at(4, 5000), at(5, 9000)};
    REQUIRE(log.append(batch) == append_error::ok);
    const auto none = std::numeric_limits<std::uint64_t>::max();

    CHECK(log.seq_at_time("r", 1000, none) == std::optional<std::uint64_t>(1));
    CHECK(log.seq_at_time("r", 1999, none) == std::optional<std::uint64_t>(1));
    CHECK(log.seq_at_time("r", 2000, none) == std::optional<std::uint64_t>(3));
    CHECK(log.seq_at_time("r", 8999, none) == std::optional<std::uint64_t>(4));
    CHECK(log.seq_at_time("r", 1'000'000, none) == std::optional<std::uint64_t>(5));
    CHECK_FALSE(log.seq_at_time("r", 999, none).has_value());
    CHECK_FALSE(log.seq_at_time("r", -1, none).has_value());
    CHECK_FALSE(log.seq_at_time("nobody", 1'000'000, none).has_value());
    // The bound: events above it do not count (not yet published).
    CHECK(log.seq_at_time("r", 1'000'000, 4) == std::optional<std::uint64_t>(4));
    CHECK(log.seq_at_time("r", 2000, 2) == std::optional<std::uint64_t>(2));
    CHECK_FALSE(log.seq_at_time("r", 1'000'000, 0).has_value());
}

TEST_CASE("snapshot_at_most returns the stored snapshot only when it is not past the seq")
{
    temp_dir dir;
    sqlite_event_log log(dir.file("log.db"));
    std::vector<event_record> batch;
    for (std::uint64_t s = 1; s <= 6; ++s)
        batch.push_back(event("r", s));
    REQUIRE(log.append(batch) == append_error::ok);
    CHECK_FALSE(log.snapshot_at_most("r", 6).has_value());

    log.save_snapshot("r", 4, "snap@4");
    const auto at_6 = log.snapshot_at_most("r", 6);
    REQUIRE(at_6.has_value());
    CHECK(at_6->seq == 4);
    CHECK(at_6->bytes == "snap@4");
    CHECK(log.snapshot_at_most("r", 4).has_value());
    CHECK_FALSE(log.snapshot_at_most("r", 3).has_value());
    CHECK_FALSE(log.snapshot_at_most("other", 6).has_value());
}

TEST_CASE("a version 3 file gains events.target_seq and its indexes when opened, keeping its events")
{
    temp_dir dir;
    const auto path = dir.file("log.db");
    {
        // The schema as version 3 wrote it.
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        const char* v3 = R"sql(
PRAGMA journal_mode=WAL;
CREATE TABLE events(room TEXT NOT NULL, seq INTEGER NOT NULL, time_ms INTEGER NOT NULL, kind INTEGER NOT NULL,
    client_id TEXT, op_id INTEGER, body BLOB NOT NULL, PRIMARY KEY (room, seq)) WITHOUT ROWID;
CREATE UNIQUE INDEX events_op ON events(room, client_id, op_id) WHERE op_id IS NOT NULL;
CREATE INDEX events_chat ON events(room, kind, seq);
CREATE TABLE rooms(room TEXT PRIMARY KEY, epoch TEXT NOT NULL);
CREATE TABLE snapshots(room TEXT PRIMARY KEY, seq INTEGER NOT NULL, body BLOB NOT NULL);
CREATE TABLE revoked_tokens(jti TEXT PRIMARY KEY, expires_at INTEGER);
INSERT INTO events VALUES('r', 1, 1700000000001, 1, 'c', 7, CAST('r#1' AS BLOB));
INSERT INTO events VALUES('r', 2, 1700000000002, 0, NULL, NULL, CAST('r#2' AS BLOB));
PRAGMA user_version=3;
)sql";
        REQUIRE(sqlite3_exec(db, v3, nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    sqlite_event_log log(path);
    CHECK(log.load("r").events == bodies("r", {1, 2}));
    CHECK(log.find_op("r", "c", 7) == std::optional<std::uint64_t>(1));
    const std::vector<event_record> next{chat_change("r", 3, 1)};
    REQUIRE(log.append(next) == append_error::ok);
    CHECK(log.chat_changes("r", 1, 1) == bodies("r", {3}));
    CHECK(log.seq_at_time("r", 1700000000002, 100) == std::optional<std::uint64_t>(2));

    raw_connection raw(path);
    CHECK(raw.count("PRAGMA user_version") == 6);
    CHECK(raw.count("SELECT count(*) FROM sqlite_master WHERE name = 'events_target'") == 1);
    CHECK(raw.count("SELECT count(*) FROM sqlite_master WHERE name = 'events_time'") == 0);
    CHECK(raw.count("SELECT count(*) FROM events WHERE target_seq IS NULL") == 2);
}

// ------------------------------------------------------------------ integrity

TEST_CASE("a version 4 file gains checksums for every stored row and keeps them all")
{
    temp_dir dir;
    const auto path = dir.file("log.db");
    {
        // The schema as version 4 wrote it, with events, a chat change and a snapshot.
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        const char* v4 = R"sql(
PRAGMA journal_mode=WAL;
CREATE TABLE events(room TEXT NOT NULL, seq INTEGER NOT NULL, time_ms INTEGER NOT NULL, kind INTEGER NOT NULL,
    client_id TEXT, op_id INTEGER, body BLOB NOT NULL, target_seq INTEGER, PRIMARY KEY (room, seq)) WITHOUT ROWID;
CREATE UNIQUE INDEX events_op ON events(room, client_id, op_id) WHERE op_id IS NOT NULL;
CREATE INDEX events_chat ON events(room, kind, seq);
CREATE INDEX events_target ON events(room, target_seq) WHERE target_seq IS NOT NULL;
CREATE INDEX events_time ON events(room, time_ms, seq);
CREATE TABLE rooms(room TEXT PRIMARY KEY, epoch TEXT NOT NULL);
CREATE TABLE snapshots(room TEXT PRIMARY KEY, seq INTEGER NOT NULL, body BLOB NOT NULL);
CREATE TABLE revoked_tokens(jti TEXT PRIMARY KEY, expires_at INTEGER);
INSERT INTO rooms VALUES('r', 'e0');
INSERT INTO events VALUES('r', 1, 1700000000001, 1, 'c', 7, CAST('r#1' AS BLOB), NULL);
INSERT INTO events VALUES('r', 2, 1700000000002, 2, 'c', 8, CAST('r#2' AS BLOB), 1);
INSERT INTO events VALUES('r', 3, 1700000000003, 0, NULL, NULL, CAST('r#3' AS BLOB), NULL);
INSERT INTO events VALUES('s', 1, 1700000000004, 0, NULL, NULL, CAST('s#1' AS BLOB), NULL);
INSERT INTO snapshots VALUES('r', 2, CAST('state at 2' AS BLOB));
PRAGMA user_version=4;
)sql";
        REQUIRE(sqlite3_exec(db, v4, nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    {
        sqlite_event_log log(path);
        CHECK_FALSE(log.database_id().empty());
    }
    raw_connection raw(path);
    CHECK(raw.count("PRAGMA user_version") == 6);
    CHECK(raw.count("SELECT count(*) FROM events") == 4);
    CHECK(raw.count("SELECT count(*) FROM events WHERE crc IS NULL") == 0);
    CHECK(raw.count("SELECT count(*) FROM snapshots WHERE crc IS NULL") == 0);
    CHECK(raw.text("SELECT epoch FROM rooms") == "e0\n");

    // Every read checks the migrated rows and finds them sound.
    sqlite_event_log log(path);
    const auto history = log.load("r", load_options{.recent_ops = 10, .events_before_snapshot = 10});
    CHECK(history.snapshot == std::optional<std::string>("state at 2"));
    CHECK(history.events == bodies("r", {1, 2, 3}));
    CHECK(log.chat_before("r", 0, 10) == bodies("r", {1}));
    CHECK(log.chat_changes("r", 1, 1) == bodies("r", {2}));
    CHECK(log.events_between("s", 1, 5) == bodies("s", {1}));
    CHECK(log.snapshot_at_most("r", 2).has_value());
}

TEST_CASE("a flipped byte in a stored event fails load, chat history and replay pages, naming room and seq")
{
    temp_dir dir;
    const auto path = dir.file("log.db");
    sqlite_event_log log(path);
    const std::vector<event_record> batch{chat("r", 1), chat("r", 2), event("r", 3), chat("other", 1)};
    REQUIRE(log.append(batch) == append_error::ok);
    raw_connection raw(path);
    // Behind the log's back, as a bad sector would: the body changes, its checksum does not.
    REQUIRE(raw.exec("UPDATE events SET body = CAST('r#X' AS BLOB) WHERE room = 'r' AND seq = 2") == SQLITE_OK);

    const auto expect_corrupt = [](auto&& read) {
        try {
            read();
            FAIL("the damaged row was served");
        } catch (const corrupt_record& e) {
            CHECK(e.room_id() == "r");
            CHECK(e.seq() == 2);
            CHECK(std::string(e.what()).find("room r seq 2") != std::string::npos);
        }
    };
    expect_corrupt([&] { log.load("r"); });
    expect_corrupt([&] { log.chat_before("r", 0, 10); });
    expect_corrupt([&] { log.events_between("r", 1, 3); });
    // What does not touch the damaged row is still served.
    CHECK(log.chat_before("r", 2, 10) == bodies("r", {1}));
    CHECK(log.events_between("r", 3, 3) == bodies("r", {3}));
    CHECK(log.load("other").events == bodies("other", {1}));
}

TEST_CASE("a flipped byte in a snapshot, or a row moved to another seq, is reported too")
{
    temp_dir dir;
    const auto path = dir.file("log.db");
    sqlite_event_log log(path);
    const std::vector<event_record> batch{event("r", 1), event("r", 2)};
    REQUIRE(log.append(batch) == append_error::ok);
    log.save_snapshot("r", 2, "state at 2");
    raw_connection raw(path);
    REQUIRE(raw.exec("UPDATE snapshots SET body = CAST('state at 3' AS BLOB)") == SQLITE_OK);
    CHECK_THROWS_AS(log.load("r"), corrupt_record);
    CHECK_THROWS_AS(log.snapshot_at_most("r", 5), corrupt_record);

    REQUIRE(raw.exec("DELETE FROM snapshots") == SQLITE_OK);
    // The row keeps its body and checksum but sits at another seq.
    REQUIRE(raw.exec("UPDATE events SET seq = 3 WHERE room = 'r' AND seq = 2") == SQLITE_OK);
    REQUIRE(raw.exec("INSERT INTO events(room, seq, time_ms, kind, body, crc) SELECT room, 2, time_ms, kind, body, "
                     "crc FROM events WHERE room = 'r' AND seq = 1") == SQLITE_OK);
    try {
        log.load("r");
        FAIL("a row at the wrong seq was served");
    } catch (const corrupt_record& e) {
        CHECK(e.seq() == 2);
    }
}

TEST_CASE("a missing event stops the load instead of renumbering the events after it")
{
    temp_dir dir;
    const auto path = dir.file("log.db");
    sqlite_event_log log(path);
    const std::vector<event_record> batch{event("r", 1), event("r", 2), event("r", 3)};
    REQUIRE(log.append(batch) == append_error::ok);
    raw_connection raw(path);
    REQUIRE(raw.exec("DELETE FROM events WHERE room = 'r' AND seq = 2") == SQLITE_OK);
    try {
        log.load("r");
        FAIL("a log with a gap was loaded");
    } catch (const corrupt_record& e) {
        CHECK(e.seq() == 2);
    }
    CHECK_THROWS_AS(log.events_between("r", 1, 3), corrupt_record);
}

TEST_CASE("the database keeps the id it was created with")
{
    temp_dir dir;
    const auto path = dir.file("log.db");
    std::string id;
    {
        sqlite_event_log log(path);
        id = log.database_id();
    }
    CHECK(id.size() > 20);
    sqlite_event_log again(path);
    CHECK(again.database_id() == id);
    temp_dir other;
    sqlite_event_log another(other.file("log.db"));
    CHECK(another.database_id() != id);
}

TEST_CASE("a log whose file is deleted or replaced refuses every later write")
{
    temp_dir dir;
    const auto path = dir.file("log.db");
    SUBCASE("deleted")
    {
        sqlite_event_log log(path);
        const std::vector<event_record> first{event("r", 1)};
        REQUIRE(log.append(first) == append_error::ok);
        CHECK(log.still_writable());
        std::filesystem::remove(path);
        const std::vector<event_record> next{event("r", 2)};
        CHECK(log.append(next) == append_error::io);
        CHECK_FALSE(log.still_writable());
        CHECK_THROWS_AS(log.save_snapshot("r", 1, "state"), std::runtime_error);
        CHECK_THROWS_AS(log.revoke("t-1", 0), std::runtime_error);
    }
    SUBCASE("replaced")
    {
        sqlite_event_log log(path);
        {
            sqlite_event_log elsewhere(dir.file("other.db"));
        }
        std::filesystem::rename(dir.file("other.db"), path);
        const std::vector<event_record> next{event("r", 1)};
        CHECK(log.append(next) == append_error::io);
        // For good: the file coming back does not make the log write again.
        CHECK_FALSE(log.still_writable());
    }
}

TEST_CASE("a read-only log sees what the writer committed and refuses to write")
{
    temp_dir dir;
    const auto path = dir.file("log.db");
    sqlite_event_log writer(path);
    sqlite_event_log reader(path, durability::full, log_access::read_only);
    CHECK(reader.database_id() == writer.database_id());
    const std::vector<event_record> batch{chat("r", 1), event("r", 2)};
    REQUIRE(writer.append(batch) == append_error::ok);
    CHECK(reader.events_between("r", 1, 5) == bodies("r", {1, 2}));
    CHECK(reader.chat_before("r", 0, 5) == bodies("r", {1}));
    const std::vector<event_record> more{event("r", 3)};
    CHECK(reader.append(more) == append_error::io);
    CHECK_THROWS_AS(reader.save_snapshot("r", 2, "state"), std::runtime_error);
    CHECK(writer.load("r").events == bodies("r", {1, 2}));
}
