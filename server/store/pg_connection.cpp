// Layer: store. libpq wrapped for the store threads (see pg_connection.hpp).
#include "store/pg_connection.hpp"

#include <libpq-fe.h>

#include <endian.h>

#include <bit>
#include <cstring>

namespace maptable::store {

namespace {

// pg_type.h's OIDs of the types the store sends.
constexpr unsigned bytea_oid = 17;
constexpr unsigned int8_oid = 20;
constexpr unsigned float8_oid = 701;
constexpr unsigned text_oid = 25;

std::string trimmed(const char* message)
{
    std::string text = message != nullptr ? message : "";
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text;
}

} // namespace

bool is_postgres_url(std::string_view store)
{
    return store.rfind("postgresql://", 0) == 0 || store.rfind("postgres://", 0) == 0;
}

std::string describe_postgres_url(const std::string& url)
{
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
    if (options == nullptr) {
        PQfreemem(error);
        return "(an unreadable PostgreSQL URL)";
    }
    std::string host, port, dbname;
    for (auto* o = options; o->keyword != nullptr; ++o) {
        if (o->val == nullptr)
            continue;
        if (std::strcmp(o->keyword, "host") == 0)
            host = o->val;
        if (std::strcmp(o->keyword, "port") == 0)
            port = o->val;
        if (std::strcmp(o->keyword, "dbname") == 0)
            dbname = o->val;
    }
    PQconninfoFree(options);
    return (host.empty() ? "localhost" : host) + (port.empty() ? "" : ":" + port) + "/" + dbname;
}

pg_params& pg_params::text(std::string_view value)
{
    storage_.emplace_back(value);
    types_.push_back(text_oid);
    values_.push_back(storage_.back().data());
    lengths_.push_back(int(value.size()));
    formats_.push_back(1);
    return *this;
}

pg_params& pg_params::bytes(std::string_view value)
{
    types_.push_back(bytea_oid);
    values_.push_back(value.data());
    lengths_.push_back(int(value.size()));
    formats_.push_back(1);
    return *this;
}

pg_params& pg_params::integer(std::int64_t value)
{
    const std::uint64_t network = htobe64(std::bit_cast<std::uint64_t>(value));
    storage_.emplace_back(reinterpret_cast<const char*>(&network), sizeof network);
    types_.push_back(int8_oid);
    values_.push_back(storage_.back().data());
    lengths_.push_back(int(sizeof network));
    formats_.push_back(1);
    return *this;
}

pg_params& pg_params::null_of(unsigned type)
{
    types_.push_back(type);
    values_.push_back(nullptr);
    lengths_.push_back(0);
    formats_.push_back(1);
    return *this;
}

pg_params& pg_params::null_integer()
{
    return null_of(int8_oid);
}

pg_params& pg_params::null_text()
{
    return null_of(text_oid);
}

pg_params& pg_params::null_bytes()
{
    return null_of(bytea_oid);
}

// float8 travels as its IEEE 754 bits in network byte order.
pg_params& pg_params::real(double value)
{
    integer(std::bit_cast<std::int64_t>(value));
    types_.back() = float8_oid;
    return *this;
}

pg_params& pg_params::null_real()
{
    return null_of(float8_oid);
}

pg_rows::~pg_rows()
{
    PQclear(result_);
}

int pg_rows::size() const
{
    return PQntuples(result_);
}

bool pg_rows::is_null(int row, int column) const
{
    return PQgetisnull(result_, row, column) != 0;
}

std::string pg_rows::text(int row, int column) const
{
    return std::string(PQgetvalue(result_, row, column), std::size_t(PQgetlength(result_, row, column)));
}

std::int64_t pg_rows::integer(int row, int column) const
{
    const char* p = PQgetvalue(result_, row, column);
    switch (PQgetlength(result_, row, column)) {
    case 8: {
        std::uint64_t v;
        std::memcpy(&v, p, 8);
        return std::bit_cast<std::int64_t>(be64toh(v));
    }
    case 4: {
        std::uint32_t v;
        std::memcpy(&v, p, 4);
        return std::bit_cast<std::int32_t>(be32toh(v));
    }
    case 2: {
        std::uint16_t v;
        std::memcpy(&v, p, 2);
        return std::bit_cast<std::int16_t>(be16toh(v));
    }
    default: throw pg_error("postgresql: column " + std::to_string(column) + " is not an integer", "");
    }
}

double pg_rows::real(int row, int column) const
{
    if (PQgetlength(result_, row, column) != 8 || PQftype(result_, column) != float8_oid)
        throw pg_error("postgresql: column " + std::to_string(column) + " is not a float8", "");
    return std::bit_cast<double>(integer(row, column));
}

std::uint64_t pg_rows::affected() const
{
    const char* n = PQcmdTuples(result_);
    return (n == nullptr || *n == '\0') ? 0 : std::stoull(n);
}

pg_connection::pg_connection(std::string conninfo, bool read_only)
    : conninfo_(std::move(conninfo)), where_(describe_postgres_url(conninfo_)), read_only_(read_only)
{
    connect();
}

pg_connection::~pg_connection()
{
    PQfinish(conn_);
}

void pg_connection::connect()
{
    PQfinish(conn_);
    // Defaults the URL can override (it comes after them): a server that
    // does not answer fails the call within seconds instead of holding a
    // store thread for TCP's minutes, and a connection whose server vanished
    // mid-statement is noticed by keepalives.
    const char* keywords[] = {"connect_timeout",  "keepalives",       "keepalives_idle", "keepalives_interval",
                              "keepalives_count", "application_name", "dbname",          nullptr};
    const char* values[] = {"10", "1", "10", "5", "3", "maptable-server", conninfo_.c_str(), nullptr};
    conn_ = PQconnectdbParams(keywords, values, 1);
    if (conn_ == nullptr)
        throw pg_error("postgresql " + where_ + ": out of memory", "");
    if (PQstatus(conn_) != CONNECTION_OK) {
        // libpq's message names host and port, never the password.
        const std::string message = trimmed(PQerrorMessage(conn_));
        PQfinish(conn_);
        conn_ = nullptr;
        throw pg_error("postgresql " + where_ + ": cannot connect: " + message, "");
    }
    // An ack means the commit is on the server's disk (and its synchronous
    // standbys', if any), whatever the server's default says. UTF-8 so that
    // text comes back as it was sent; no NOTICEs ("table exists, skipping")
    // on stderr.
    exec_script(read_only_
                    ? "SET synchronous_commit = on; SET client_encoding = 'UTF8'; SET client_min_messages = warning; "
                      "SET default_transaction_read_only = on"
                    : "SET synchronous_commit = on; SET client_encoding = 'UTF8'; SET client_min_messages = warning");
}

void pg_connection::fail(const std::string& what, pg_result* result)
{
    std::string sqlstate;
    std::string message;
    if (result != nullptr) {
        if (const char* s = PQresultErrorField(result, PG_DIAG_SQLSTATE))
            sqlstate = s;
        message = trimmed(PQresultErrorMessage(result));
        PQclear(result);
    }
    if (message.empty())
        message = trimmed(PQerrorMessage(conn_));
    throw pg_error("postgresql " + where_ + ": " + what + ": " + message, sqlstate);
}

pg_rows pg_connection::exec(const char* sql, const pg_params& params)
{
    if (!connected())
        connect();
    // A connection that died while idle (the server restarted, a failover,
    // an idle timeout) is only found out by the next statement. Outside a
    // transaction that statement is retried once on a new connection: it
    // stood alone, and every statement the store sends alone is a read or
    // an idempotent write (upserts, ON CONFLICT DO NOTHING, BEGIN). Inside a
    // transaction the loss takes the transaction with it, so the statement
    // fails and the caller reports it (append: io).
    const bool alone = PQtransactionStatus(conn_) == PQTRANS_IDLE;
    for (int attempt = 0;; ++attempt) {
        PGresult* result = PQexecParams(conn_, sql, params.size(), params.types(), params.values(), params.lengths(),
                                        params.formats(), 1);
        const auto status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
            return pg_rows(result);
        if (!alone || attempt > 0 || connected())
            fail(sql, result);
        PQclear(result);
        connect(); // throws when the server is really gone
    }
}

void pg_connection::exec_script(const char* sql)
{
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK)
        connect();
    PGresult* result = PQexec(conn_, sql);
    const auto status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        fail("run a script", result);
    PQclear(result);
}

void pg_connection::rollback_quietly()
{
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK)
        return; // a lost connection took its transaction along
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE)
        return;
    PQclear(PQexec(conn_, "ROLLBACK"));
}

bool pg_connection::connected() const
{
    return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK;
}

bool pg_connection::in_transaction() const
{
    if (conn_ == nullptr)
        return false;
    const auto s = PQtransactionStatus(conn_);
    return s == PQTRANS_INTRANS || s == PQTRANS_INERROR;
}

} // namespace maptable::store
