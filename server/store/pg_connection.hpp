// Layer: store. One libpq connection, used synchronously by one store thread
// (the commit queue's writer, one reader, the catalogue behind its mutex):
// parameters and results in binary, errors as exceptions carrying SQLSTATE,
// and a reconnect on the next call after the connection was lost.
//
// Synchronous on purpose: every caller already runs on a dedicated store
// thread, never on an event loop, so libpq's blocking calls cost no I/O
// thread anything, and the code stays as plain as the SQLite log's.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace maptable::store {

// A statement that failed. sqlstate is PostgreSQL's five-character code
// ("23505" unique violation); empty when the connection itself failed.
class pg_error : public std::runtime_error {
public:
    pg_error(const std::string& what, std::string sqlstate) : std::runtime_error(what), sqlstate_(std::move(sqlstate))
    {
    }
    const std::string& sqlstate() const noexcept { return sqlstate_; }
    bool unique_violation() const noexcept { return sqlstate_ == "23505"; }

private:
    std::string sqlstate_;
};

// Whether a --store value names PostgreSQL: a postgresql:// or postgres:// URL.
bool is_postgres_url(std::string_view store);

// "postgresql://app:secret@db.example.org:5433/maptable?sslmode=require" ->
// "db.example.org:5433/maptable": what a log line may say about a store. The
// password (and the user) never appear.
std::string describe_postgres_url(const std::string& url);

// Parameters of one statement, all sent in binary with their types given,
// so no value is ever parsed from text or spliced into SQL.
class pg_params {
public:
    pg_params() = default;
    // Not copyable: values point into storage, which a copy would not own
    // (`auto p = pg_params().text(...)` would dangle). Moving keeps them:
    // a deque moved keeps its elements where they are.
    pg_params(const pg_params&) = delete;
    pg_params& operator=(const pg_params&) = delete;
    pg_params(pg_params&&) = default;
    pg_params& operator=(pg_params&&) = default;

    pg_params& text(std::string_view value); // copied
    pg_params& null_text();
    pg_params& bytes(std::string_view value); // not copied: must outlive the call
    pg_params& null_bytes();
    pg_params& integer(std::int64_t value);
    pg_params& null_integer();
    pg_params& real(double value); // float8, bit for bit
    pg_params& null_real();

    int size() const { return int(values_.size()); }
    const unsigned* types() const { return types_.data(); }
    const char* const* values() const { return values_.data(); }
    const int* lengths() const { return lengths_.data(); }
    const int* formats() const { return formats_.data(); }

private:
    pg_params& null_of(unsigned type);

    std::deque<std::string> storage_; // deque: growing it never moves a stored value
    std::vector<unsigned> types_;
    std::vector<const char*> values_;
    std::vector<int> lengths_;
    std::vector<int> formats_;
};

// A result in binary format. Column accessors check the wire size, so a
// column of an unexpected type throws instead of being misread.
class pg_rows {
public:
    explicit pg_rows(pg_result* result) : result_(result) {}
    ~pg_rows();
    pg_rows(pg_rows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
    pg_rows& operator=(pg_rows&&) = delete;
    pg_rows(const pg_rows&) = delete;

    int size() const;
    bool is_null(int row, int column) const;
    std::string text(int row, int column) const;     // text or bytea
    std::int64_t integer(int row, int column) const; // int8, int4 or int2
    double real(int row, int column) const;          // float8
    std::uint64_t affected() const;                  // rows an INSERT/UPDATE/DELETE touched

private:
    pg_result* result_;
};

class pg_connection {
public:
    // Connects to conninfo (a URL or key=value string). Throws pg_error when
    // the server cannot be reached. read_only: every transaction of the
    // session is READ ONLY, so a reader cannot write by mistake.
    pg_connection(std::string conninfo, bool read_only);
    ~pg_connection();
    pg_connection(const pg_connection&) = delete;
    pg_connection& operator=(const pg_connection&) = delete;

    // Runs one statement. Reconnects first when the connection was found
    // lost by an earlier call (never in the middle of a transaction: the
    // statement that met the loss has already failed, and with it the
    // transaction), and retries once on a new connection a statement sent
    // outside a transaction that meets a connection lost while idle. Throws
    // pg_error on any other failure.
    pg_rows exec(const char* sql, const pg_params& params = {});

    // Runs SQL text without parameters (several statements allowed: schema).
    void exec_script(const char* sql);

    // Rolls back an open transaction, ignoring any error: the way out of a
    // failed one.
    void rollback_quietly();

    // Whether a transaction is open (or failed and not yet rolled back).
    bool in_transaction() const;

    // False when there is no connection or libpq found it broken: the
    // server went away (restart, crash, network), not a statement's fault.
    bool connected() const;

    const std::string& where() const { return where_; }

private:
    void connect();
    [[noreturn]] void fail(const std::string& what, pg_result* result);

    std::string conninfo_;
    std::string where_; // host:port/database, for messages; never the password
    bool read_only_;
    pg_conn* conn_ = nullptr;
};

} // namespace maptable::store
