// Schema version 6 of the SQLite event log: seq_at_time without a time
// index (a search over seq that stays right when a clock was set back), the
// chat-only index, the migration of a version 5 file, and the WAL checkpoint
// taken out of the commits.
#include "raw_connection.hpp"
#include "store/checksum.hpp"
#include "store/seq_at_time_search.hpp"
#include "store/sqlite_event_log.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace maptable::store;
using maptable::store::testing::temp_dir;

namespace {

constexpr std::uint64_t unbounded = std::numeric_limits<std::uint64_t>::max();

event_record timed(const std::string& room, std::uint64_t seq, std::int64_t time_ms,
                   event_kind kind = event_kind::other)
{
    event_record r;
    r.room_id = room;
    r.seq = seq;
    r.time_ms = time_ms;
    r.kind = kind;
    r.bytes = room + "#" + std::to_string(seq);
    return r;
}

// What an index on (time, seq) answers: among the events with seq <= bound,
// the greatest time <= time_ms, the greatest seq among equal times.
std::optional<std::uint64_t> by_scan(const std::vector<std::int64_t>& times, std::int64_t time_ms, std::uint64_t bound)
{
    std::optional<std::uint64_t> best;
    std::int64_t best_time = 0;
    for (std::uint64_t seq = 1; seq <= times.size() && seq <= bound; ++seq) {
        const auto t = times[seq - 1];
        if (t <= time_ms && (!best || t >= best_time)) {
            best = seq;
            best_time = t;
        }
    }
    return best;
}

using maptable::test::raw_connection;

// An event row as version 5 wrote it, checksum included.
void insert_v5_event(raw_connection& raw, const event_record& r)
{
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw.handle(),
                               "INSERT INTO events(room, seq, time_ms, kind, client_id, op_id, body, target_seq, "
                               "crc) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                               -1, &stmt, nullptr) == SQLITE_OK);
    sqlite3_bind_text(stmt, 1, r.room_id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 2, sqlite3_int64(r.seq));
    sqlite3_bind_int64(stmt, 3, r.time_ms);
    sqlite3_bind_int(stmt, 4, int(r.kind));
    if (r.client_id.empty())
        sqlite3_bind_null(stmt, 5);
    else
        sqlite3_bind_text(stmt, 5, r.client_id.c_str(), -1, SQLITE_TRANSIENT);
    if (r.op_id == 0)
        sqlite3_bind_null(stmt, 6);
    else
        sqlite3_bind_int64(stmt, 6, sqlite3_int64(r.op_id));
    sqlite3_bind_blob(stmt, 7, r.bytes.data(), int(r.bytes.size()), SQLITE_TRANSIENT);
    if (r.target_seq == 0)
        sqlite3_bind_null(stmt, 8);
    else
        sqlite3_bind_int64(stmt, 8, sqlite3_int64(r.target_seq));
    sqlite3_bind_int64(stmt, 9, sqlite3_int64(record_checksum(r.room_id, r.seq, r.bytes)));
    REQUIRE(sqlite3_step(stmt) == SQLITE_DONE);
    sqlite3_finalize(stmt);
}

std::uintmax_t file_size(const std::string& path)
{
    std::error_code ignored;
    const auto size = std::filesystem::file_size(path, ignored);
    return ignored ? 0 : size;
}

} // namespace

TEST_CASE("last_at_or_before answers as an index on (time, seq) would, over runs cut by setbacks")
{
    // Seqs 1..9; the clock goes back at 4 and at 7.
    const std::vector<std::int64_t> times{10, 20, 20, 5, 15, 30, 1, 20, 25};
    const std::vector<std::uint64_t> setbacks{4, 7};
    int reads = 0;
    const auto time_of = [&](std::uint64_t seq) {
        ++reads;
        return times.at(seq - 1);
    };
    for (std::int64_t t = -1; t <= 32; ++t) {
        for (std::uint64_t last = 1; last <= times.size(); ++last) {
            const auto found = last_at_or_before(1, last, setbacks, t, time_of);
            const auto expected = by_scan(times, t, last);
            INFO("time " << t << ", up to seq " << last);
            REQUIRE(found.has_value() == expected.has_value());
            if (found) {
                CHECK(found->seq == *expected);
                CHECK(found->time_ms == times[*expected - 1]);
            }
        }
    }
    // With no setback, a question about "now" reads one event.
    const std::vector<std::int64_t> growing{1, 2, 3, 4, 5, 6, 7, 8};
    reads = 0;
    const auto growing_time = [&](std::uint64_t seq) {
        ++reads;
        return growing.at(seq - 1);
    };
    CHECK(last_at_or_before(1, 8, {}, 100, growing_time)->seq == 8);
    CHECK(reads == 1);
}

TEST_CASE("seq_at_time stays right when the clock was set back, however the events were batched")
{
    temp_dir dir;
    sqlite_event_log log(dir.file("log.db"));
    // 300 events whose times mostly grow, with steps back now and then and
    // runs of equal times, appended in batches of varying size.
    std::mt19937 random(1234);
    std::vector<std::int64_t> times;
    std::int64_t now = 1'700'000'000'000;
    for (int i = 0; i < 300; ++i) {
        const int roll = int(random() % 20);
        if (roll == 0)
            now -= std::int64_t(random() % 5000); // the clock goes back
        else if (roll > 5)
            now += std::int64_t(random() % 300);
        times.push_back(now);
    }
    for (std::size_t at = 0; at < times.size();) {
        const std::size_t n = std::min<std::size_t>(times.size() - at, 1 + random() % 7);
        std::vector<event_record> batch;
        for (std::size_t i = at; i < at + n; ++i)
            batch.push_back(timed("r", i + 1, times[i]));
        REQUIRE(log.append(batch) == append_error::ok);
        at += n;
    }
    const std::vector<event_record> other{timed("other", 1, 0)};
    REQUIRE(log.append(other) == append_error::ok);

    const auto lowest = std::min_element(times.begin(), times.end());
    const auto highest = std::max_element(times.begin(), times.end());
    for (int q = 0; q < 400; ++q) {
        const std::int64_t t = *lowest - 10 + std::int64_t(random() % std::uint64_t(*highest - *lowest + 20));
        const std::uint64_t bound = q % 3 == 0 ? unbounded : 1 + random() % (times.size() + 5);
        INFO("time " << t << ", up to seq " << bound);
        CHECK(log.seq_at_time("r", t, bound) == by_scan(times, t, bound));
    }
    CHECK(log.seq_at_time("r", *highest, unbounded) == by_scan(times, *highest, unbounded));
    CHECK(log.seq_at_time("r", *lowest - 1, unbounded) == std::nullopt);
    CHECK(log.seq_at_time("nobody", *highest, unbounded) == std::nullopt);
}

TEST_CASE("a setback is found whichever of two neighbouring events is stored first")
{
    temp_dir dir;
    const auto path = dir.file("log.db");
    sqlite_event_log log(path);
    // Seq 3 (time 100) before seq 2 (time 500): 3 is the setback.
    REQUIRE(log.append(std::vector<event_record>{timed("r", 1, 200)}) == append_error::ok);
    REQUIRE(log.append(std::vector<event_record>{timed("r", 3, 100)}) == append_error::ok);
    REQUIRE(log.append(std::vector<event_record>{timed("r", 2, 500)}) == append_error::ok);
    raw_connection raw(path);
    CHECK(raw.count("SELECT count(*) FROM time_setbacks WHERE room = 'r' AND seq = 3") == 1);
    CHECK(raw.count("SELECT count(*) FROM time_setbacks") == 1);
    CHECK(log.seq_at_time("r", 150, unbounded) == std::optional<std::uint64_t>(3));
    CHECK(log.seq_at_time("r", 300, unbounded) == std::optional<std::uint64_t>(1));
    CHECK(log.seq_at_time("r", 500, unbounded) == std::optional<std::uint64_t>(2));

    // A batch that fails (a duplicate) leaves no setback behind.
    REQUIRE(log.append(std::vector<event_record>{timed("r", 4, 50), timed("r", 2, 1)}) == append_error::duplicate);
    CHECK(raw.count("SELECT count(*) FROM time_setbacks") == 1);
}

TEST_CASE("a version 5 file is migrated in place: every read still right, every checksum still checked")
{
    temp_dir dir;
    const auto path = dir.file("log.db");
    std::vector<std::int64_t> times;
    {
        // The schema as version 5 wrote it.
        raw_connection raw(path, true);
        const char* v5 = R"sql(
PRAGMA journal_mode=WAL;
CREATE TABLE events(room TEXT NOT NULL, seq INTEGER NOT NULL, time_ms INTEGER NOT NULL, kind INTEGER NOT NULL,
    client_id TEXT, op_id INTEGER, body BLOB NOT NULL, target_seq INTEGER, crc INTEGER, PRIMARY KEY (room, seq))
    WITHOUT ROWID;
CREATE UNIQUE INDEX events_op ON events(room, client_id, op_id) WHERE op_id IS NOT NULL;
CREATE INDEX events_chat ON events(room, kind, seq);
CREATE INDEX events_target ON events(room, target_seq) WHERE target_seq IS NOT NULL;
CREATE INDEX events_time ON events(room, time_ms, seq);
CREATE TABLE rooms(room TEXT PRIMARY KEY, epoch TEXT NOT NULL);
CREATE TABLE snapshots(room TEXT PRIMARY KEY, seq INTEGER NOT NULL, body BLOB NOT NULL, crc INTEGER);
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE revoked_tokens(jti TEXT PRIMARY KEY, expires_at INTEGER);
INSERT INTO rooms VALUES('r', 'e5');
INSERT INTO meta VALUES('database_id', 'made-by-version-5');
PRAGMA user_version=5;
)sql";
        REQUIRE(raw.exec(v5) == SQLITE_OK);
        // Chat, edits with op ids, a chat change, and a clock set back at seq 6.
        times = {1000, 1100, 1200, 1300, 1400, 900, 950, 1500};
        for (std::uint64_t seq = 1; seq <= times.size(); ++seq) {
            auto r = timed("r", seq, times[seq - 1], seq % 3 == 1 ? event_kind::chat : event_kind::other);
            if (seq == 5) {
                r.kind = event_kind::chat_change;
                r.target_seq = 4;
            }
            if (r.kind == event_kind::other) {
                r.client_id = "c";
                r.op_id = 100 + seq;
            }
            insert_v5_event(raw, r);
        }
        insert_v5_event(raw, timed("s", 1, 5000, event_kind::chat));
        REQUIRE(raw.exec(("INSERT INTO snapshots VALUES('r', 3, CAST('state at 3' AS BLOB), " +
                          std::to_string(sqlite3_int64(record_checksum("r", 3, "state at 3"))) + ")")
                             .c_str()) == SQLITE_OK);
    }

    {
        sqlite_event_log log(path);
        CHECK(log.database_id() == "made-by-version-5");
        const auto history = log.load("r", load_options{.recent_ops = 10, .events_before_snapshot = 10});
        CHECK(history.epoch == "e5");
        CHECK(history.snapshot == std::optional<std::string>("state at 3"));
        REQUIRE(history.events.size() == 8);
        CHECK(history.events.front() == "r#1");
        CHECK(history.recent_ops.size() == 4); // seqs 2, 3, 6, 8
        CHECK(log.find_op("r", "c", 106) == std::optional<std::uint64_t>(6));
        CHECK(log.chat_before("r", 0, 10) == std::vector<std::string>{"r#1", "r#4", "r#7"});
        CHECK(log.chat_before("r", 7, 1) == std::vector<std::string>{"r#4"});
        CHECK(log.chat_changes("r", 4, 4) == std::vector<std::string>{"r#5"});
        CHECK(log.chat_before("s", 0, 10) == std::vector<std::string>{"s#1"});
        for (std::int64_t t = 800; t <= 1600; t += 25)
            for (std::uint64_t bound : {std::uint64_t(3), std::uint64_t(6), std::uint64_t(7), unbounded})
                CHECK(log.seq_at_time("r", t, bound) == by_scan(times, t, bound));
        // New events go on from where the old ones stop, under the new indexes.
        REQUIRE(log.append(std::vector<event_record>{timed("r", 9, 1600, event_kind::chat)}) == append_error::ok);
        CHECK(log.chat_before("r", 0, 2) == std::vector<std::string>{"r#7", "r#9"});
    }

    raw_connection raw(path);
    CHECK(raw.count("PRAGMA user_version") == 6);
    CHECK(raw.count("SELECT count(*) FROM sqlite_master WHERE name = 'events_time'") == 0);
    CHECK(raw.count("SELECT count(*) FROM sqlite_master WHERE name = 'events_chat' AND sql LIKE '%WHERE kind = 1%'") ==
          1);
    CHECK(raw.count("SELECT count(*) FROM events INDEXED BY events_chat WHERE room = 'r' AND kind = 1") == 4);
    CHECK(raw.count("SELECT count(*) FROM time_setbacks WHERE room = 'r' AND seq = 6") == 1);
    CHECK(raw.count("SELECT count(*) FROM time_setbacks") == 1);
    CHECK(raw.count("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'") == 0);

    // The migrated rows are still checked: damage after the migration shows.
    REQUIRE(raw.exec("UPDATE events SET body = CAST('r#X' AS BLOB) WHERE room = 'r' AND seq = 4") == SQLITE_OK);
    sqlite_event_log log(path);
    CHECK_THROWS_AS(log.load("r"), corrupt_record);
    CHECK_THROWS_AS(log.chat_before("r", 0, 10), corrupt_record);
}

TEST_CASE("commits never checkpoint; between_commits does once the WAL has grown")
{
    temp_dir dir;
    const auto path = dir.file("log.db");
    sqlite_event_log log(path);
    const std::string body(3000, 'x'); // about a page per event
    std::uint64_t seq = 0;
    const auto commit_one = [&] {
        auto r = timed("r", ++seq, 1000);
        r.bytes = body;
        REQUIRE(log.append(std::vector<event_record>{r}) == append_error::ok);
    };
    const auto page = std::uintmax_t(4096);
    const auto database_before = file_size(path);
    while (file_size(path + "-wal") < std::uintmax_t(sqlite_event_log::checkpoint_after_frames + 200) * page)
        commit_one();
    // SQLite's own checkpoint would have run at 1000 pages, inside a commit,
    // and copied the events into the database file.
    CHECK(file_size(path) == database_before);

    log.between_commits();
    // Every event is in the database file now (each takes a page of its own).
    CHECK(file_size(path) >= database_before + seq * body.size());

    // Checkpointed, the WAL starts again from its beginning: more commits
    // do not make the file longer until it fills up again.
    const auto wal_after = file_size(path + "-wal");
    for (int i = 0; i < 200; ++i) {
        commit_one();
        log.between_commits();
    }
    CHECK(file_size(path + "-wal") == wal_after);
    CHECK(log.load("r").events.size() == seq);
}
