// Layer: store. The durable, ordered, per-room event log.
//
// Small on purpose: SQLite implements it now, PostgreSQL can later. The log
// itself enforces order and idempotency: (room, seq) and
// (room, client id, op id) are unique keys, so a bug upstream can never write
// two events at one seq or apply one retried command twice.
//
// Calls are synchronous and not thread-safe; the commit_queue owns one
// event_log and calls it from its single writer thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace maptable::store {

enum class event_kind : int {
    other = 0,
    chat = 1,   // indexed separately: chat history is read by kind
};

// One event as stored: the encoded maptable.v1.Event plus the columns the log
// needs to index it without decoding.
struct event_record {
    std::string room_id;
    std::uint64_t seq = 0;
    std::int64_t time_ms = 0;
    event_kind kind = event_kind::other;
    std::string client_id;      // who sent the command (may be empty)
    std::uint64_t op_id = 0;    // the client's id for the command; 0 = not deduplicated
    std::string bytes;          // encoded maptable.v1.Event
};

// A command's identity as stored: (client id, op id) produced seq.
struct op_record {
    std::string client_id;
    std::uint64_t op_id = 0;
    std::uint64_t seq = 0;
};

// How much history load() reads beyond what rebuilding the state needs.
struct load_options {
    std::size_t recent_ops = 0;          // newest (client, op) ids, to recognise retried commands after a restart
    std::size_t events_before_snapshot = 0;  // events at or before the snapshot, to answer resumes from memory
};

// What is needed to rebuild a room: its newest snapshot (if any) and every
// event after it, in seq order.
struct room_history {
    std::optional<std::string> snapshot;    // encoded maptable.v1.RoomState
    std::uint64_t snapshot_seq = 0;
    // Encoded maptable.v1.Event in seq order, from first_event_seq on: every
    // event after snapshot_seq, preceded by up to events_before_snapshot older ones.
    std::vector<std::string> events;
    std::uint64_t first_event_seq = 0;      // seq of events[0] (when not empty)
    std::string epoch;                      // the room's history epoch (created on first load)
    std::vector<op_record> recent_ops;      // newest first
};

enum class append_error {
    ok = 0,
    duplicate,      // a (room, seq) or (room, client, op) key already exists; nothing written
    io,             // the disk refused (full, read-only, I/O error); nothing written
};

class event_log {
public:
    virtual ~event_log() = default;

    // Appends all records in one transaction: all of them are durable when
    // this returns ok, none of them otherwise.
    virtual append_error append(std::span<const event_record> records) = 0;

    // The snapshot and events needed to rebuild room_id (empty for a new
    // room), and its epoch, created for a room seen for the first time.
    virtual room_history load(const std::string& room_id, const load_options& options = {}) = 0;

    // Gives every room a new epoch: run after restoring a backup or anything
    // else that may have lost history, so no client splices two histories.
    // Returns the number of rooms.
    virtual std::size_t rotate_epochs() = 0;

    // Stores a snapshot of room_id at seq, replacing older ones.
    virtual void save_snapshot(const std::string& room_id, std::uint64_t seq, const std::string& bytes) = 0;

    // Up to limit chat events of room_id with seq < before_seq (0: no bound),
    // oldest first.
    virtual std::vector<std::string> chat_before(const std::string& room_id, std::uint64_t before_seq,
                                                 std::uint32_t limit) = 0;

    // The seq an earlier command (client_id, op_id) produced, if it was stored.
    virtual std::optional<std::uint64_t> find_op(const std::string& room_id, const std::string& client_id,
                                                 std::uint64_t op_id) = 0;

    // Records that the join token with id jti ("jti" claim) is refused from
    // now on; expires_at (Unix seconds) is when the token expires anyway and
    // the entry may be forgotten, 0 = never. Revoking again replaces
    // expires_at. Durable when it returns; throws std::runtime_error if not.
    virtual void revoke(const std::string& jti, std::int64_t expires_at) = 0;

    // Every revoked token id with its expires_at (0 = never), by jti.
    virtual std::vector<std::pair<std::string, std::int64_t>> revocations() = 0;
};

} // namespace maptable::store
