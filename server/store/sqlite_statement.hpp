// Layer: store. One prepared SQLite statement, finalized on every path out
// of the scope that made it: the RAII wrapper every SQLite file of the server
// shares (the room catalogue, the log check, the migration, the webhook
// endpoints). It lives in the store because that is the lowest layer all of
// them may include (tests/layering/check_layers.py).
//
// The event log's own hot statements are prepared once and reused
// (sqlite_event_log.cpp); this wrapper is for statements made per call.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace maptable::store {

class sqlite_statement {
public:
    // Prepares sql on db; throws std::runtime_error "<what>: cannot prepare
    // <sql>: <SQLite's reason>". `what` names the database for people
    // reading the message ("room catalog", "webhooks.db").
    sqlite_statement(sqlite3* db, std::string_view sql, std::string what);
    ~sqlite_statement();
    sqlite_statement(const sqlite_statement&) = delete;
    sqlite_statement& operator=(const sqlite_statement&) = delete;

    // Bindings copy their bytes (SQLITE_TRANSIENT): the caller's buffer may
    // go away before the statement runs.
    sqlite_statement& bind(int index, std::string_view text);
    sqlite_statement& bind_blob(int index, std::string_view bytes);
    sqlite_statement& bind(int index, std::int64_t value);
    sqlite_statement& bind(int index, double value);
    sqlite_statement& bind_null(int index);

    // One step: true while there is a row, false at the end; throws
    // std::runtime_error "<what>: <SQLite's reason>" on anything else.
    bool next();
    // One step, its result code as SQLite gives it, for callers that treat a
    // code other than a row or the end themselves (a constraint, say).
    int step();

    // Column values of the current row. text() reads the bytes as they are
    // stored (text or blob, embedded NULs kept); a NULL reads as "".
    std::string text(int column) const;
    std::int64_t integer(int column) const;
    double real(int column) const;
    bool is_null(int column) const;

    // The reason SQLite gives for the last failure on this connection.
    std::string error() const;
    const std::string& what() const { return what_; }
    sqlite3_stmt* get() const { return stmt_; }

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
    std::string what_;
};

} // namespace maptable::store
