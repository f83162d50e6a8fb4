// Layer: store. The embedded default event log: one SQLite file in WAL mode.
#pragma once

#include "store/event_log.hpp"
#include "store/log_upkeep.hpp"

#include <chrono>
#include <memory>
#include <string>

struct sqlite3;

namespace maptable::store {

enum class durability {
    full,   // synchronous=FULL: an acked event survives power loss (default)
    normal, // synchronous=NORMAL: survives a process crash, may lose the last commits on power loss
};

enum class log_access {
    read_write, // the one writer: creates and migrates the file, appends
    read_only,  // a reader beside it (chat history, replay pages) or an offline check: never writes
};

class sqlite_event_log final : public event_log, public log_upkeep {
public:
    // Opens (creating if needed) the database file at path. Throws
    // std::runtime_error when it cannot be opened or migrated: a start-up
    // failure, not a data-plane one. A read-only log opens an existing file
    // of this schema version only, and throws from any method that writes.
    explicit sqlite_event_log(const std::string& path, durability mode = durability::full,
                              log_access access = log_access::read_write);
    ~sqlite_event_log() override;
    sqlite_event_log(const sqlite_event_log&) = delete;
    sqlite_event_log& operator=(const sqlite_event_log&) = delete;

    // How long a write waits for a lock held by another connection (a backup
    // tool, a second process on the same file) before append() reports io.
    // Default 5 s; tests shorten it to reach the error path quickly.
    void set_busy_timeout(std::chrono::milliseconds timeout);

    // The id the database was given when it was created (its creation time
    // and 128 random bits), kept inside it; the data dir's marker file holds
    // a copy (store/database_file.hpp). Empty for a read-only log of a file
    // that has none.
    const std::string& database_id() const { return database_id_; }

    // Compares the file at the path with the one open (device and inode).
    // On a difference (deleted, renamed away, replaced) logs an error once,
    // sets the store_writable gauge to 0, and from then on every append
    // reports io: commits into a file that no longer is the database would be
    // acked and then lost. Cheap (one stat); append() calls it first.
    bool still_writable() override;

    append_error append(std::span<const event_record> records) override;
    room_history load(const std::string& room_id, const load_options& options = {}) override;
    std::size_t rotate_epochs() override;
    void save_snapshot(const std::string& room_id, std::uint64_t seq, const std::string& bytes) override;
    std::vector<std::string> chat_before(const std::string& room_id, std::uint64_t before_seq,
                                         std::uint32_t limit) override;
    std::vector<std::string> chat_changes(const std::string& room_id, std::uint64_t first_target,
                                          std::uint64_t last_target) override;
    std::vector<std::string> events_between(const std::string& room_id, std::uint64_t from_seq,
                                            std::uint64_t to_seq) override;
    std::optional<std::uint64_t> seq_at_time(const std::string& room_id, std::int64_t time_ms,
                                             std::uint64_t up_to_seq) override;
    std::optional<stored_snapshot> snapshot_at_most(const std::string& room_id, std::uint64_t seq) override;
    std::optional<std::uint64_t> find_op(const std::string& room_id, const std::string& client_id,
                                         std::uint64_t op_id) override;
    void revoke(const std::string& jti, std::int64_t expires_at) override;
    std::vector<std::pair<std::string, std::int64_t>> revocations() override;

    // Checkpoints the WAL once it holds checkpoint_after_frames pages: the
    // log turns SQLite's automatic checkpoint off, which would otherwise run
    // inside a commit and hold back its acks.
    void between_commits() noexcept override;
    static constexpr int checkpoint_after_frames = 1000; // SQLite's own default threshold

private:
    static int on_wal_commit(void* self, sqlite3* db, const char* schema, int frames);
    std::string epoch_of(const std::string& room_id); // creates one for a new room
    void require_writable(const char* what);          // throws unless still_writable()

    struct statements;
    std::string path_;
    log_access access_;
    sqlite3* db_ = nullptr;
    std::unique_ptr<statements> stmts_;
    std::string database_id_;
    // The file opened, as (st_dev, st_ino); 0/0 for ":memory:".
    unsigned long long device_ = 0, inode_ = 0;
    bool file_lost_ = false;
    int wal_frames_ = 0; // the WAL's length after the last commit (pages)
};

} // namespace maptable::store
