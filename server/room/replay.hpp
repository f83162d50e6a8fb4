// Layer: room. Replay: a room's state as it was at a seq, or at the last
// event at or before a server time, rebuilt from its log by folding the
// events through the same model::room_state::apply the live room runs.
//
// Used by the room (GetStateAt over the WebSocket) and by the HTTP exports
// ("at a given seq or time"). Nothing here needs the room to be loaded.
//
// What was deleted later is withheld: a chat message or comment deleted at
// any seq up to the head the caller may see (up_to_seq, or the log's end when
// unbounded) shows as deleted, with who deleted it and why, and without its
// words, exactly as the Welcome, chat history and exports show it. A replay
// shows nothing a member has not seen live, and nothing taken back since.
//
// Cost: a replay of seq k reads and applies k - s events, where s is the
// seq of the room's stored snapshot when s <= k (one snapshot per room is
// kept, the newest, every server_limits::snapshot_every_events), else k
// events from seq 1. Applying is a few microseconds per event, so a replay
// of 100 000 events costs a few hundred milliseconds of CPU. Withholding adds
// one indexed read of the changes of the (at most limits().recent_chat)
// messages shown and, only when comments are shown, the fold of the room at
// the head from its newest snapshot: at most snapshot_every_events events
// when the snapshot is current, the cost of loading the room.
#pragma once

#include "model/room_state.hpp"
#include "room/frame.hpp"
#include "store/commit_queue.hpp"
#include "store/event_log.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace maptable::room {

namespace pb = maptable::v1;

// Where to stop: after the event with this seq (0: the empty room before
// any event)...
struct replay_at_seq {
    std::uint64_t seq = 0;
};
// ...or after the last event whose time_ms is <= this server time (Unix ms).
struct replay_at_time {
    std::int64_t time_ms = 0;
};
using replay_target = std::variant<replay_at_seq, replay_at_time>;

// Why a replay gave no state: SEQ_OUT_OF_RANGE (a seq the room has not
// reached, a time before its first event), STORE_UNAVAILABLE (the log could
// not be read) or INTERNAL (the log does not decode or replay). The message
// is for people and safe to send to a client.
struct replay_failure {
    pb::ErrorCode code = pb::ERROR_CODE_INTERNAL;
    std::string message;
};

using replay_result = std::variant<model::room_state, replay_failure>;

// No upper bound on the seq: everything the log holds may be shown.
inline constexpr std::uint64_t replay_unbounded = std::numeric_limits<std::uint64_t>::max();

// Events read per store job by replay_async: one page is a short read, so a
// long replay never holds the store's writer (and every room's commits) for
// more than a moment.
inline constexpr std::uint64_t replay_page_events = 1000;

// The parsed form of a GetStateAt: nullopt when it names neither a seq nor a time.
std::optional<replay_target> replay_target_of(const pb::GetStateAt& ask);

// Synchronous replay on a thread that may use log: inside a
// commit_queue::run job (the writer thread), or on a log a tool or test owns.
// up_to_seq is the highest seq that may be shown (a live room passes its
// committed seq, so nothing is shown before it is published); a target above
// it, or above the log's last event, is SEQ_OUT_OF_RANGE. Never throws.
// Blocks the calling thread for the whole replay: on the writer thread,
// prefer replay_async.
replay_result replay(store::event_log& log, const std::string& room_id, const replay_target& at,
                     std::uint64_t up_to_seq = replay_unbounded);

// Asynchronous replay. Reads go through the store's writer thread in jobs of
// replay_page_events (reads there see every commit submitted before them,
// and SQLite gets no second connection to coordinate); the events are
// decoded and applied on fold_on (e.g. the io_context's executor: not a
// room's strand, which would stall that room for the whole fold), so the
// writer only ever spends one page's read on a replay. Committed events never
// change, so reading a history in several jobs gives the same result as one
// read. done(result) is called exactly once, on fold_on. Callable from any
// thread. Pages in flight keep their own copies of everything they need.
// (Like every store job, a replay submitted while the commit_queue is being
// destroyed is dropped, and done is not called: only at process exit.)
void replay_async(store::commit_queue& store, boost::asio::any_io_executor fold_on, std::string room_id,
                  replay_target at, std::uint64_t up_to_seq, std::function<void(replay_result)> done);

// ---- Loading a room
//
// Everything a room needs to serve its first join, built from the history
// the store read (room_history: its snapshot and the events after it, and
// any older events it was asked for). The room's strand only takes the
// result: decoding a 2.5 MB snapshot, applying the events after it, wrapping
// the events as pieces and, when events follow the snapshot, encoding the
// first Welcome's state run on the server's work pool, where they hold up no
// event loop (the joins of other rooms, the storm's accepts) and not the
// store's writer (every room's commits).
struct loaded_room {
    model::room_state committed;
    // The (start of the) resume window: the stored events from
    // history.first_event_seq on, each as the piece a resuming client is
    // sent; oldest first.
    std::vector<std::pair<std::uint64_t, shared_piece>> recent_events;
    // committed.encode(): what every Welcome at this seq carries. The
    // snapshot's own bytes when no event follows it and they are that
    // encoding (a snapshot is written with encode()), else encoded here.
    std::shared_ptr<const std::string> state_bytes;
    std::vector<store::op_record> recent_ops; // history.recent_ops, newest first
    std::string epoch;
    std::uint64_t snapshot_seq = 0;
    std::size_t events_read = 0; // how many events the store returned
};

// Why a room's history could not be folded, for the log ("its snapshot does
// not decode", "its log does not replay at seq N").
struct load_failure {
    std::string why;
};

// Folds history (consumed: its buffers are freed by the caller's thread, not
// the room's). Never throws.
std::variant<loaded_room, load_failure> fold_loaded_history(const std::string& room_id, store::room_history history);

} // namespace maptable::room
