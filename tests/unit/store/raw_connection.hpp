// Test harness: a second connection to a log's SQLite file, for looking
// behind the log's back (counting rows, reading what is stored, damaging it,
// or writing a file as an older version did).
#pragma once

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <cstdint>
#include <string>

namespace maptable::test {

class raw_connection {
public:
    // create: make the file when it is not there (to build an old version's
    // file by SQL); else it must exist.
    explicit raw_connection(const std::string& path, bool create = false)
    {
        const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
        REQUIRE(sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) == SQLITE_OK);
    }
    ~raw_connection() { sqlite3_close(db_); }
    raw_connection(const raw_connection&) = delete;
    raw_connection& operator=(const raw_connection&) = delete;

    sqlite3* handle() { return db_; }
    int exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }
    // The first column of the one row sql answers.
    std::int64_t count(const char* sql)
    {
        sqlite3_stmt* stmt = nullptr;
        REQUIRE(sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) == SQLITE_OK);
        REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
        const auto n = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        return n;
    }
    // The last column of every row sql answers, a line each.
    std::string text(const char* sql)
    {
        sqlite3_stmt* stmt = nullptr;
        REQUIRE(sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) == SQLITE_OK);
        std::string out;
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            out += reinterpret_cast<const char*>(sqlite3_column_text(stmt, sqlite3_column_count(stmt) - 1));
            out += "\n";
        }
        sqlite3_finalize(stmt);
        return out;
    }

private:
    sqlite3* db_ = nullptr;
};

} // namespace maptable::test
