// Layer: store. The offline log check: plain SQLite reads on a read-only
// connection of its own, one room at a time in key order.
#include "store/log_check.hpp"

#include "store/checksum.hpp"

#include <sqlite3.h>

#include <bit>
#include <memory>
#include <stdexcept>

namespace maptable::store {

namespace {

using db_handle = std::unique_ptr<sqlite3, decltype(&sqlite3_close)>;

class query {
public:
    query(sqlite3* db, const std::string& sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK)
            throw std::runtime_error(sql + ": " + sqlite3_errmsg(db));
    }
    ~query() { sqlite3_finalize(stmt_); }
    query(const query&) = delete;
    query& operator=(const query&) = delete;

    query& bind(int index, const std::string& text) {
        sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
        return *this;
    }
    // True for each row; false at the end; throws on an error.
    bool next() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw std::runtime_error(std::string("reading the log: ") + sqlite3_errmsg(db_));
    }
    std::string text(int column) const {
        const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
        return data == nullptr ? std::string() : std::string(data, std::size_t(sqlite3_column_bytes(stmt_, column)));
    }
    std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
    std::uint64_t seq(int column) const { return std::bit_cast<std::uint64_t>(sqlite3_int64(integer(column))); }
    bool null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

std::string at(std::uint64_t seq) {
    return "seq " + std::to_string(seq) + ": ";
}

// "" when the stored checksum (column crc_column) matches.
std::string checksum_problem(const query& q, int crc_column, const std::string& room, std::uint64_t seq,
                             const std::string& body) {
    if (q.null(crc_column)) return "no checksum";
    if (q.integer(crc_column) != std::int64_t(record_checksum(room, seq, body))) return "does not match its checksum";
    return {};
}

} // namespace

bool log_check_report::clean() const {
    if (!problems.empty()) return false;
    for (const auto& room : rooms)
        if (!room.problems.empty()) return false;
    return true;
}

log_check_report check_log(const std::string& path, const record_check& check_event,
                           const record_check& check_snapshot) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    db_handle db(raw, &sqlite3_close);
    if (rc != SQLITE_OK)
        throw std::runtime_error("cannot open " + path + ": " + (raw ? sqlite3_errmsg(raw) : "out of memory"));
    sqlite3_busy_timeout(db.get(), 5000);

    log_check_report report;
    const auto count = [&](const std::string& sql) {
        query q(db.get(), sql);
        return q.next() ? q.integer(0) : 0;
    };
    if (count("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'") == 0)
        throw std::runtime_error(path + " is not a maptable event log (it has no events table)");
    report.checksums = count("SELECT count(*) FROM pragma_table_info('events') WHERE name = 'crc'") > 0;
    const bool snapshot_checksums =
        count("SELECT count(*) FROM pragma_table_info('snapshots') WHERE name = 'crc'") > 0;

    // SQLite's own check of its pages and indexes, minus the slow
    // index-content comparison of integrity_check.
    {
        query q(db.get(), "PRAGMA quick_check");
        while (q.next()) {
            const auto line = q.text(0);
            if (line != "ok") report.problems.push_back("SQLite structure check: " + line);
        }
    }

    // One read transaction, so a server writing meanwhile cannot make the
    // check see half a commit.
    query(db.get(), "BEGIN").next();
    query rooms(db.get(),
                "SELECT room FROM rooms UNION SELECT room FROM snapshots UNION SELECT DISTINCT room FROM events "
                "ORDER BY 1");
    while (rooms.next()) {
        room_check room;
        room.room_id = rooms.text(0);

        query snapshot(db.get(), snapshot_checksums ? "SELECT seq, body, crc FROM snapshots WHERE room = ?1"
                                                    : "SELECT seq, body, NULL FROM snapshots WHERE room = ?1");
        snapshot.bind(1, room.room_id);
        if (snapshot.next()) {
            room.snapshot_seq = snapshot.seq(0);
            const auto body = snapshot.text(1);
            std::string problem = snapshot_checksums ? checksum_problem(snapshot, 2, room.room_id, room.snapshot_seq, body)
                                                     : std::string();
            if (problem.empty()) problem = check_snapshot(body, room.snapshot_seq);
            if (!problem.empty()) room.problems.push_back(at(room.snapshot_seq) + "the snapshot: " + problem);
        }

        query events(db.get(), report.checksums ? "SELECT seq, body, crc FROM events WHERE room = ?1 ORDER BY seq"
                                                : "SELECT seq, body, NULL FROM events WHERE room = ?1 ORDER BY seq");
        events.bind(1, room.room_id);
        std::uint64_t expected = 1;
        while (events.next()) {
            const auto seq = events.seq(0);
            const auto body = events.text(1);
            if (room.events == 0) {
                room.first_seq = seq;
                // Events before a snapshot may be gone; none after it may.
                if (seq != 1 && !(room.snapshot_seq > 0 && seq <= room.snapshot_seq + 1))
                    room.problems.push_back(at(1) + "missing: the log starts at seq " + std::to_string(seq));
            } else if (seq != expected) {
                room.problems.push_back(at(expected) + "missing: the next stored event is seq " + std::to_string(seq));
            }
            expected = seq + 1;
            room.last_seq = seq;
            ++room.events;
            std::string problem = report.checksums ? checksum_problem(events, 2, room.room_id, seq, body) : std::string();
            if (problem.empty()) problem = check_event(body, seq);
            if (!problem.empty()) room.problems.push_back(at(seq) + "the event " + problem);
        }
        if (room.snapshot_seq > room.last_seq)
            room.problems.push_back(at(room.snapshot_seq) + "the snapshot is beyond the log, which ends at seq " +
                                    std::to_string(room.last_seq));

        // The unique index makes this impossible unless the index itself is
        // damaged: a command applied twice.
        query ops(db.get(),
                  "SELECT client_id, op_id, min(seq), max(seq) FROM events WHERE room = ?1 AND op_id IS NOT NULL "
                  "GROUP BY client_id, op_id HAVING count(*) > 1");
        ops.bind(1, room.room_id);
        while (ops.next())
            room.problems.push_back(at(ops.seq(3)) + "command " + std::to_string(ops.seq(1)) + " of client '" +
                                    ops.text(0) + "' is stored again (first at seq " + std::to_string(ops.seq(2)) + ")");
        report.rooms.push_back(std::move(room));
    }
    query(db.get(), "COMMIT").next();
    return report;
}

} // namespace maptable::store
