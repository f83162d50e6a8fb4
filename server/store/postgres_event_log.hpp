// Layer: store. The event log on PostgreSQL, for installations that run on
// more than one machine: the same contract as sqlite_event_log (event_log.hpp),
// chosen with --store postgresql://…
#pragma once

#include "store/event_log.hpp"
#include "store/pg_connection.hpp"

#include <string>

namespace maptable::store {

// The schema version this binary writes and reads (the schema_version
// table's newest row). A database with a newer one is refused at start.
int postgres_schema_version();

// Also the room leases (room_lease.hpp), on the same connection: acquire,
// renew and release run on the writer thread like appends, and every append
// checks, in its own transaction, that each fenced room's lease still carries
// the generation its events were sequenced under.
class postgres_event_log final : public event_log, public room_lease {
public:
    // Connects to url (libpq's conninfo: a postgresql:// URL or key=value
    // pairs). The writer (read_only false) applies the schema migrations
    // the database lacks, in one transaction under an advisory lock, so two
    // servers starting at once cannot both apply them. Throws start_refused
    // when the database's schema is newer than this binary's, std::runtime_error
    // when it cannot connect or migrate. A reader only checks the version.
    explicit postgres_event_log(const std::string& url, bool read_only = false);

    // The id the database was given when its schema was created.
    const std::string& database_id() const { return database_id_; }

    // Where the log is (host:port/database), for log lines: no password.
    const std::string& where() const { return conn_.where(); }

    // True unless read-only: a lost server is retried, never given up on.
    // While the last append failed for want of the server, pings it (one
    // SELECT 1 per call; the commit queue calls this about once a second
    // when idle) so that the store_writable gauge, and /healthz with it,
    // turns back to healthy when the server is back, not only at the next write.
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
    room_lease* leases() override { return read_only_ ? nullptr : this; }

    lease_claim acquire(const std::string& room_id, const lease_owner& me) override;
    std::vector<std::string> renew(const std::vector<held_lease>& held, const lease_owner& me) override;
    void release(const std::string& room_id, std::uint64_t generation) override;
    std::optional<lease_holder> holder(const std::string& room_id) override;

    // The connection, for the migration from SQLite (store_migration.hpp),
    // which writes whole tables in one transaction.
    pg_connection& connection() { return conn_; }

private:
    std::string epoch_of(const std::string& room_id);
    void migrate();
    // Records whether the server answers: logs the change once and sets the
    // store_writable gauge (0: clients get STORE_UNAVAILABLE, /healthz 503).
    void set_reachable(bool reachable, const std::string& why = {});
    // Whether record is in the log as given (same seq, same checksum).
    bool stored(const event_record& record);
    // Inside the append's transaction: whether every fenced room of records
    // still has the lease generation they carry (row-locked until the end).
    bool lease_holds(std::span<const event_record> records);

    pg_connection conn_;
    bool read_only_;
    bool reachable_ = true;
    std::string database_id_;
};

} // namespace maptable::store
