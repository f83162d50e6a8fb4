// Layer: store. See sqlite_statement.hpp.
#include "store/sqlite_statement.hpp"

#include <stdexcept>

namespace maptable::store {

sqlite_statement::sqlite_statement(sqlite3* db, std::string_view sql, std::string what)
    : db_(db), what_(std::move(what))
{
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK) {
        const std::string reason = db ? sqlite3_errmsg(db) : "out of memory";
        sqlite3_finalize(stmt_); // a no-op for nullptr
        throw std::runtime_error(what_ + ": cannot prepare " + std::string(sql) + ": " + reason);
    }
}

sqlite_statement::~sqlite_statement()
{
    sqlite3_finalize(stmt_);
}

sqlite_statement& sqlite_statement::bind(int index, std::string_view text)
{
    sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    return *this;
}

sqlite_statement& sqlite_statement::bind_blob(int index, std::string_view bytes)
{
    sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
    return *this;
}

sqlite_statement& sqlite_statement::bind(int index, std::int64_t value)
{
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
}

sqlite_statement& sqlite_statement::bind(int index, double value)
{
    sqlite3_bind_double(stmt_, index, value);
    return *this;
}

sqlite_statement& sqlite_statement::bind_null(int index)
{
    sqlite3_bind_null(stmt_, index);
    return *this;
}

bool sqlite_statement::next()
{
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    throw std::runtime_error(what_ + ": " + error());
}

int sqlite_statement::step()
{
    return sqlite3_step(stmt_);
}

std::string sqlite_statement::text(int column) const
{
    const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    return data ? std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
}

std::int64_t sqlite_statement::integer(int column) const
{
    return sqlite3_column_int64(stmt_, column);
}

double sqlite_statement::real(int column) const
{
    return sqlite3_column_double(stmt_, column);
}

bool sqlite_statement::is_null(int column) const
{
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::string sqlite_statement::error() const
{
    return db_ ? sqlite3_errmsg(db_) : "out of memory";
}

} // namespace maptable::store
