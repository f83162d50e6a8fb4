// The helpers every server layer shares from the lowest layer its users may
// include: the SQLite statement wrapper, random hex ids and the wall clock
// (server/store), and the one rule for room, network and city ids
// (protocol/model/plain_id.hpp). Each was copied into several files before;
// these cases pin the behaviour those copies had.
#include "model/plain_id.hpp"
#include "store/clock.hpp"
#include "store/random_hex.hpp"
#include "store/sqlite_statement.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>

namespace store = maptable::store;

namespace {

using db_handle = std::unique_ptr<sqlite3, decltype(&sqlite3_close)>;

db_handle memory_database()
{
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
    db_handle handle(db, &sqlite3_close);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE t(k TEXT PRIMARY KEY, n INTEGER, x REAL, b BLOB)", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
    return handle;
}

bool all_hex(const std::string& s)
{
    return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

} // namespace

TEST_CASE("a statement binds text, blobs, integers, reals and nulls and reads them back")
{
    auto db = memory_database();
    const std::string with_nul("a\0b", 3);
    store::sqlite_statement insert(db.get(), "INSERT INTO t(k, n, x, b) VALUES(?1, ?2, ?3, ?4)", "test db");
    insert.bind(1, std::string("key")).bind(2, std::int64_t{-7}).bind(3, 2.5).bind_blob(4, with_nul);
    CHECK_FALSE(insert.next());

    store::sqlite_statement null_row(db.get(), "INSERT INTO t(k, n) VALUES(?1, ?2)", "test db");
    null_row.bind(1, std::string("empty")).bind_null(2);
    CHECK_FALSE(null_row.next());

    store::sqlite_statement select(db.get(), "SELECT k, n, x, b FROM t ORDER BY k", "test db");
    REQUIRE(select.next());
    CHECK(select.text(0) == "empty");
    CHECK(select.is_null(1));
    CHECK(select.text(3).empty()); // NULL reads as ""
    REQUIRE(select.next());
    CHECK(select.text(0) == "key");
    CHECK(select.integer(1) == -7);
    CHECK(select.real(2) == 2.5);
    CHECK(select.text(3) == with_nul); // the embedded NUL is kept
    CHECK_FALSE(select.next());
}

TEST_CASE("a statement names its database in every error and leaves constraints to step()")
{
    auto db = memory_database();
    CHECK_THROWS_WITH_AS(store::sqlite_statement(db.get(), "SELECT nonsense FROM nowhere", "test db"),
                         doctest::Contains("test db: cannot prepare SELECT nonsense FROM nowhere"), std::runtime_error);

    store::sqlite_statement first(db.get(), "INSERT INTO t(k) VALUES('same')", "test db");
    CHECK_FALSE(first.next());
    store::sqlite_statement again(db.get(), "INSERT INTO t(k) VALUES('same')", "test db");
    CHECK((again.step() & 0xff) == SQLITE_CONSTRAINT);

    store::sqlite_statement third(db.get(), "INSERT INTO t(k) VALUES('same')", "test db");
    CHECK_THROWS_WITH_AS(third.next(), doctest::Contains("test db: UNIQUE constraint failed"), std::runtime_error);
}

TEST_CASE("random hex ids have two digits a byte and do not repeat")
{
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const auto id = store::random_hex(8, "a test id");
        CHECK(id.size() == 16);
        CHECK(all_hex(id));
        seen.insert(id);
    }
    CHECK(seen.size() == 100);
    CHECK(store::random_hex(32).size() == 64);
    CHECK(store::random_hex(0).empty());
}

TEST_CASE("the wall clock reads Unix milliseconds and seconds")
{
    using namespace std::chrono;
    const auto before = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    const auto ms = maptable::clock::now_ms();
    const auto s = maptable::clock::now_seconds();
    const auto after = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    CHECK(ms >= before);
    CHECK(ms <= after);
    CHECK(s >= before / 1000);
    CHECK(s <= after / 1000);
}

TEST_CASE("plain ids are 1 to 64 of A-Z a-z 0-9 . _ -")
{
    using maptable::model::is_plain_id;
    CHECK(is_plain_id("harbour"));
    CHECK(is_plain_id("Harbour-Lab_2.0"));
    CHECK(is_plain_id(std::string(64, 'a')));
    CHECK_FALSE(is_plain_id(""));
    CHECK_FALSE(is_plain_id(std::string(65, 'a')));
    CHECK_FALSE(is_plain_id("a/b"));
    CHECK_FALSE(is_plain_id("two words"));
    CHECK_FALSE(is_plain_id("caf\xc3\xa9"));
    CHECK_FALSE(is_plain_id("room\x1f"));
}
