// Layer: store. The durable, ordered, per-room event log.
//
// Small on purpose: SQLite implements it now, PostgreSQL can later. The log
// itself enforces order and idempotency: (room, seq) and
// (room, client id, op id) are unique keys, so a bug upstream can never write
// two events at one seq or apply one retried command twice.
//
// Calls are synchronous and not thread-safe; the commit_queue owns one
// event_log and calls it from its single writer thread (and, for reads, one
// more per reader thread, each opened read-only).
//
// Every stored event and snapshot carries a checksum of its room, seq and
// bytes (store/checksum.hpp); reads check it and throw corrupt_record on a
// mismatch.
#pragma once

#include "store/room_lease.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace maptable::store {

enum class event_kind : int {
    other = 0,
    chat = 1,        // indexed separately: chat history is read by kind
    chat_change = 2, // a reaction, edit or deletion of the chat message at target_seq
};

// One event as stored: the encoded maptable.v1.Event plus the columns the log
// needs to index it without decoding.
struct event_record {
    std::string room_id;
    std::uint64_t seq = 0;
    std::int64_t time_ms = 0;
    event_kind kind = event_kind::other;
    std::string client_id;   // who sent the command (may be empty)
    std::uint64_t op_id = 0; // the client's id for the command; 0 = not deduplicated
    // The seq of the event this one changes (for chat_change: the message's
    // seq), indexed so that a page of chat history finds its changes without
    // a scan. 0 = none.
    std::uint64_t target_seq = 0;
    std::string bytes; // encoded maptable.v1.Event
    // The room's lease generation the appender holds (store/room_lease.hpp):
    // the log refuses the batch as fenced unless the room's lease still
    // carries it. 0 = not fenced (SQLite, where one process owns every room).
    // Not stored.
    std::uint64_t lease_generation = 0;
};

// A stored snapshot: the encoded maptable.v1.RoomState at seq.
struct stored_snapshot {
    std::uint64_t seq = 0;
    std::string bytes;
};

// A command's identity as stored: (client id, op id) produced seq.
struct op_record {
    std::string client_id;
    std::uint64_t op_id = 0;
    std::uint64_t seq = 0;
};

// How much history load() reads beyond what rebuilding the state needs.
struct load_options {
    std::size_t recent_ops = 0;             // newest (client, op) ids, to recognise retried commands after a restart
    std::size_t events_before_snapshot = 0; // events at or before the snapshot, to answer resumes from memory
};

// What is needed to rebuild a room: its newest snapshot (if any) and every
// event after it, in seq order.
struct room_history {
    std::optional<std::string> snapshot; // encoded maptable.v1.RoomState
    std::uint64_t snapshot_seq = 0;
    // Encoded maptable.v1.Event in seq order, from first_event_seq on: every
    // event after snapshot_seq, preceded by up to events_before_snapshot older ones.
    std::vector<std::string> events;
    std::uint64_t first_event_seq = 0; // seq of events[0] (when not empty)
    std::string epoch;                 // the room's history epoch (created on first load)
    std::vector<op_record> recent_ops; // newest first
};

enum class append_error {
    ok = 0,
    duplicate, // a (room, seq) or (room, client, op) key already exists; nothing written
    io,        // the disk refused (full, read-only, I/O error); nothing written
    fenced,    // a room's lease has passed to another owner (event_record::lease_generation); nothing written
};

// A stored record that fails its check: its checksum does not match its
// bytes, or the room's seqs have a gap. Thrown by every read that meets one
// (load, chat history, replay pages), so a damaged row is reported, naming
// room and seq, and never served as if it were true. Reads that catch
// std::runtime_error (every caller does) report it as the store failing.
class corrupt_record : public std::runtime_error {
public:
    corrupt_record(std::string room_id, std::uint64_t seq, const std::string& what)
        : std::runtime_error("room " + room_id + " seq " + std::to_string(seq) + ": " + what +
                             "; the database file is damaged (maptable-server check --data-dir lists every bad "
                             "record; restore maptable.db from a backup)")
        , room_id_(std::move(room_id))
        , seq_(seq)
    {
    }
    const std::string& room_id() const noexcept { return room_id_; }
    std::uint64_t seq() const noexcept { return seq_; }

private:
    std::string room_id_;
    std::uint64_t seq_;
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

    // Every event whose target_seq is in [first_target, last_target]
    // (the reactions, edits and deletions of those chat messages), in seq
    // order, encoded.
    virtual std::vector<std::string> chat_changes(const std::string& room_id, std::uint64_t first_target,
                                                  std::uint64_t last_target) = 0;

    // The events of room_id with from_seq <= seq <= to_seq, in seq order,
    // encoded. Fewer than asked when the log ends before to_seq. Callers
    // bound the range (replay reads in pages), not this method.
    virtual std::vector<std::string> events_between(const std::string& room_id, std::uint64_t from_seq,
                                                    std::uint64_t to_seq) = 0;

    // The seq of the newest event of room_id at or before time_ms (server
    // time, Unix ms) among the events with seq <= up_to_seq: the event with
    // the greatest time_ms <= time_ms, the greatest seq among equal times.
    // Server times grow with seq (unless the clock was set back), so this is
    // "the last event at or before time_ms". nullopt when none is.
    virtual std::optional<std::uint64_t> seq_at_time(const std::string& room_id, std::int64_t time_ms,
                                                     std::uint64_t up_to_seq) = 0;

    // The room's stored snapshot if its seq is <= seq, else nullopt. (One
    // snapshot per room is kept, the newest; replay of an older seq starts
    // from the beginning of the log.)
    virtual std::optional<stored_snapshot> snapshot_at_most(const std::string& room_id, std::uint64_t seq) = 0;

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

    // Whether the log can still write where it was opened: false once it has
    // found that its file was deleted or replaced (by a restore, a cleanup
    // script), after which every append reports io for good. Called by the
    // writer between commits so that an idle server notices too.
    virtual bool still_writable() { return true; }

    // The room leases kept beside this log, when several nodes may share it
    // (PostgreSQL); nullptr when one process owns every room (SQLite).
    virtual room_lease* leases() { return nullptr; }
};

} // namespace maptable::store
