// Layer: webhook (repository). webhooks.db: endpoints and delivery cursors.
#include "webhook/endpoint_store.hpp"

#include "store/sqlite_statement.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <stdexcept>

namespace maptable::webhook {
namespace {

constexpr int schema_version = 1;

constexpr const char* database = "webhooks.db"; // named in every error

std::string join(const std::vector<std::string>& kinds)
{
    std::string out;
    for (const auto& k : kinds)
        out += (out.empty() ? "" : ",") + k;
    return out;
}

std::vector<std::string> split(const std::string& text)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size() && !text.empty()) {
        const auto comma = text.find(',', start);
        out.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    return out;
}

} // namespace

endpoint_store::endpoint_store(const std::filesystem::path& file)
{
    // Created owner-only before SQLite opens it: it holds the signing secrets.
    if (!std::filesystem::exists(file)) {
        const int fd = ::open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        if (fd >= 0)
            ::close(fd);
    }
    if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
        const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw std::runtime_error("cannot open " + file.string() + ": " + why);
    }
    try {
        sqlite3_busy_timeout(db_, 5000);
        // WAL and NORMAL: a cursor write is not fsynced, so a crash may forget
        // the last few advances and deliver those events again, which
        // at-least-once allows; registrations are rare and made durable below.
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=NORMAL");
        store::sqlite_statement version(db_, "PRAGMA user_version", database);
        version.next();
        const auto found = version.integer(0);
        if (found > schema_version)
            throw std::runtime_error(file.string() + " has schema version " + std::to_string(found) +
                                     ", newer than this server's " + std::to_string(schema_version));
        exec("CREATE TABLE IF NOT EXISTS webhook_endpoints("
             " id TEXT PRIMARY KEY, url TEXT NOT NULL, scope TEXT NOT NULL, room TEXT,"
             " kinds TEXT NOT NULL, secret TEXT NOT NULL, created_ms INTEGER NOT NULL)");
        exec("CREATE TABLE IF NOT EXISTS webhook_deliveries("
             " endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,"
             " room TEXT NOT NULL, cursor INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
             " next_attempt_ms INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT 'active',"
             " last_error TEXT NOT NULL DEFAULT '', delivered INTEGER NOT NULL DEFAULT 0,"
             " PRIMARY KEY (endpoint_id, room))");
        exec("PRAGMA user_version=1");
        exec("PRAGMA foreign_keys=ON");
    } catch (...) {
        sqlite3_close(db_);
        db_ = nullptr;
        throw;
    }
}

endpoint_store::~endpoint_store()
{
    sqlite3_close(db_);
}

void endpoint_store::exec(const char* sql)
{
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string why = error ? error : sqlite3_errmsg(db_);
        sqlite3_free(error);
        throw std::runtime_error("webhooks.db: " + why);
    }
}

void endpoint_store::add(const endpoint& e, std::uint64_t cursor)
{
    // A registration is answered with its secret once: it must survive a crash.
    exec("PRAGMA synchronous=FULL");
    exec("BEGIN IMMEDIATE");
    try {
        store::sqlite_statement insert(db_,
                                       "INSERT INTO webhook_endpoints(id, url, scope, room, kinds, secret, created_ms)"
                                       " VALUES (?, ?, ?, ?, ?, ?, ?)",
                                       database);
        insert.bind(1, e.id)
            .bind(2, e.url)
            .bind(3, e.scope)
            .bind(5, join(e.kinds))
            .bind(6, e.secret)
            .bind(7, e.created_ms);
        if (e.room.empty())
            insert.bind_null(4);
        else
            insert.bind(4, e.room);
        insert.next();
        store::sqlite_statement start(db_, "INSERT INTO webhook_deliveries(endpoint_id, room, cursor) VALUES (?, ?, ?)",
                                      database);
        start.bind(1, e.id).bind(2, e.room).bind(3, static_cast<std::int64_t>(cursor));
        start.next();
        exec("COMMIT");
        exec("PRAGMA synchronous=NORMAL");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        sqlite3_exec(db_, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr);
        throw;
    }
}

bool endpoint_store::remove(const std::string& id)
{
    store::sqlite_statement del(db_, "DELETE FROM webhook_endpoints WHERE id = ?", database);
    del.bind(1, id).next();
    return sqlite3_changes(db_) > 0;
}

std::vector<endpoint> endpoint_store::endpoints()
{
    std::vector<endpoint> out;
    store::sqlite_statement q(
        db_, "SELECT id, url, scope, room, kinds, secret, created_ms FROM webhook_endpoints ORDER BY created_ms, id",
        database);
    while (q.next()) {
        endpoint e;
        e.id = q.text(0);
        e.url = q.text(1);
        e.scope = q.text(2);
        e.room = q.text(3);
        e.kinds = split(q.text(4));
        e.secret = q.text(5);
        e.created_ms = q.integer(6);
        out.push_back(std::move(e));
    }
    return out;
}

std::vector<delivery> endpoint_store::deliveries()
{
    std::vector<delivery> out;
    store::sqlite_statement q(
        db_,
        "SELECT endpoint_id, room, cursor, attempts, next_attempt_ms, state, last_error, delivered"
        " FROM webhook_deliveries ORDER BY endpoint_id, room",
        database);
    while (q.next()) {
        delivery d;
        d.endpoint_id = q.text(0);
        d.room = q.text(1);
        d.cursor = static_cast<std::uint64_t>(q.integer(2));
        d.attempts = static_cast<unsigned>(q.integer(3));
        d.next_attempt_ms = q.integer(4);
        d.status = q.text(5) == "dead" ? delivery_status::dead : delivery_status::active;
        d.last_error = q.text(6);
        d.delivered = static_cast<std::uint64_t>(q.integer(7));
        out.push_back(std::move(d));
    }
    return out;
}

void endpoint_store::save(const delivery& d)
{
    store::sqlite_statement q(db_,
                              "UPDATE webhook_deliveries SET cursor = ?, attempts = ?, next_attempt_ms = ?, state = ?,"
                              " last_error = ?, delivered = ? WHERE endpoint_id = ? AND room = ?",
                              database);
    q.bind(1, static_cast<std::int64_t>(d.cursor))
        .bind(2, static_cast<std::int64_t>(d.attempts))
        .bind(3, d.next_attempt_ms)
        .bind(4, std::string(d.status == delivery_status::dead ? "dead" : "active"))
        .bind(5, d.last_error)
        .bind(6, static_cast<std::int64_t>(d.delivered))
        .bind(7, d.endpoint_id)
        .bind(8, d.room);
    q.next();
}

} // namespace maptable::webhook
