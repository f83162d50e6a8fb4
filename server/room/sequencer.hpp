// Layer: room (pure). A room's sequencer: what happens to a validated
// command between its arrival and its durable ack, as a machine fed inputs
// that returns actions. No sockets, no Asio, no clock (time comes in), no
// store calls: room_host owns the strand, the timers, the store and the
// subscribers, feeds this what happened and carries out what it returns, so
// every rule here is tested by feeding inputs (tests/unit/room).
//
// Persist, then publish. A command is validated against the *speculative*
// state (everything sequenced, committed or not) and queued for the next
// batch; the store holds at most one batch of a room at a time. Only when the
// store confirms a batch are its events applied to the *committed* state and
// handed out to publish, each with its sender's ack.
//
// Never a gap: when the store refuses a batch (an I/O error), nothing of it
// is in the log, and the batch sequenced behind it was validated against it;
// both are refused and the speculative state goes back to the committed one,
// so the next command gets the seq after the last stored event.
//
// Exactly once: a command is known by (participant id, client id, request
// id). A retry of one sequenced since the room loaded (or among the newest
// the log held at the load) is answered with the original seq, never applied
// again: at once when it is stored, with the original's ack when it is in
// the store or queued. A retry older than that window reaches the log, whose
// unique key refuses the batch as duplicate: the commands of that batch the
// log holds are acknowledged with their stored seq, the rest are sequenced
// again (look_up_batch, on_stored_ops). A client id is chosen by the client,
// so one participant can never make another's command pass for its retry.
//
// Fencing: when the log refuses a batch as fenced another node owns the room;
// nothing is acked nor refused (the clients resend to the new owner, whose
// log recognises what it holds) and the host steps down.
//
// Not thread-safe: used on the room's strand only.
#pragma once

#include "model/room_state.hpp"
#include "store/event_log.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace maptable::room {

namespace pb = maptable::v1;

class subscriber; // who an answer goes to: the sequencer only carries it

// One answer to one request: an Ack with seq, or an Error with code and
// message.
struct reply {
    std::weak_ptr<subscriber> to;
    std::uint64_t request_id = 0;
    std::uint64_t seq = 0;                           // the ack's seq
    pb::ErrorCode code = pb::ERROR_CODE_UNSPECIFIED; // unspecified: an ack
    std::string message;

    bool is_ack() const { return code == pb::ERROR_CODE_UNSPECIFIED; }
};

// Someone waiting for the answer to a command: its sender, or a connection
// that sent it again while it was being stored.
struct ack_target {
    std::weak_ptr<subscriber> who;
    std::uint64_t request_id = 0;
};

// A command on its way through the sequencer.
struct sequenced_command {
    pb::Event event;
    std::string bytes; // the encoding stored and sent: made once
    std::weak_ptr<subscriber> sender;
    std::uint64_t request_id = 0;
    // Whose retries it answers: "participant id \x1f client id" (stored in
    // the log's client_id column), "" = not deduplicated.
    std::string op_client;
    // What was asked, and by whom: kept so the command can be sequenced
    // again when the log refuses its batch for another command's duplicate.
    pb::ClientMessage command;
    model::actor actor;
    std::vector<ack_target> retries;                // the same command resent while it was being stored
    std::chrono::steady_clock::time_point received; // for the ack latency
};

// A command the state refused that the log may hold from before the window
// of remembered ids (the state refuses it because it was applied): look up
// (op_client, request_id), and the bare client id for rows stored before ids
// named the participant, then call on_refusal_looked_up.
struct refusal_lookup {
    sequenced_command command;
    model::rejection refused;
    std::string bare_client; // "" when op_client holds no participant
};

// What the host does next, in this order: send the replies; publish each
// event of published (to every member, then its sender's and retries' acks);
// start the look-ups; append the batch; step down or reload.
struct sequencer_actions {
    std::vector<reply> replies;
    // Events the store confirmed, in seq order, already in the committed state.
    std::vector<sequenced_command> published;
    // A batch to append to the store (the sequencer waits for on_append);
    // empty for none. lease_generation is left for the host to stamp.
    std::vector<store::event_record> append;
    std::vector<refusal_lookup> look_ups;
    // The log refused the batch as a duplicate: find each (op_client, op_id)
    // in the log (nothing for an empty op_client), then call on_stored_ops.
    std::optional<std::vector<std::pair<std::string, std::uint64_t>>> look_up_batch;
    // Why a command was refused by the state (for metrics and the log).
    std::vector<std::pair<std::uint64_t, pb::ErrorCode>> refusals;
    bool store_failed = false; // a batch was not stored: its commands and the next batch's were refused
    bool step_down = false;    // fenced: another node owns the room
    bool reload = false;       // the log holds events this room did not sequence: load it again
    // The seqs of the batch the store answered, for the log.
    std::uint64_t first_seq = 0;
    std::uint64_t last_seq = 0;
};

class sequencer {
public:
    // recent_ops: how many command ids are remembered for retries.
    sequencer(std::string room_id, std::size_t recent_ops);

    // The room as loaded: state at the log's head, and the newest stored
    // command ids, newest first (store::room_history::recent_ops).
    // load_limit: how many ids the load asked for (a full answer means the
    // log may hold more than the window).
    // No copy of the state is made here (see speculative()).
    void load(model::room_state state, const std::vector<store::op_record>& recent_ops, std::size_t load_limit);

    const model::room_state& committed() const { return committed_; }
    // The committed state with every event in the store or queued applied:
    // what the next command is validated against. The same object as
    // committed() while nothing is in the store or queued (no copy). The
    // first time a command
    // arrives while another is in the store, a copy of the committed state
    // is made, and kept up to date after that; a failed or refused batch
    // drops it again. So a loaded room copies its state only once it has two
    // commands in flight, and a room whose commands come one at a time never.
    const model::room_state& speculative() const;
    // A batch is in the store (its answer is awaited).
    bool committing() const { return !in_store_.empty(); }
    // Nothing in the store and nothing queued.
    bool idle() const { return in_store_.empty() && queued_.empty(); }

    // A command from actor (client_id: the connection's client id, "" for
    // the admin API and the server's own). now_ms: the server's time, which
    // the event carries. received: when it arrived, for the ack latency.
    sequencer_actions submit(std::weak_ptr<subscriber> sender, model::actor actor, const std::string& client_id,
                             pb::ClientMessage command, std::int64_t now_ms,
                             std::chrono::steady_clock::time_point received = {});

    // The store's answer for the batch of the last append action.
    sequencer_actions on_append(store::append_error result);

    // The answer to look_up_batch, in its order: each command's stored seq;
    // nullopt for the whole when the store could not be read. closing: the
    // room is shutting down (nothing new goes to the store).
    sequencer_actions on_stored_ops(std::optional<std::vector<std::optional<std::uint64_t>>> stored, bool closing,
                                    std::int64_t now_ms);

    // The answer to one of look_ups: the seq the log holds the command at,
    // if any.
    sequencer_actions on_refusal_looked_up(refusal_lookup lookup, std::optional<std::uint64_t> stored);

    // The room is shutting down: the queued commands (never stored) are
    // refused with ROOM_UNAVAILABLE; a batch in the store finishes.
    sequencer_actions refuse_queued(const std::string& message);

    // The room stops (stepped down, failed): forget what is in the store and
    // queued without answering it (it may have been stored: the clients
    // resend after they resume, and whoever loads the room next recognises
    // what the log holds).
    void drop_all();

private:
    bool sequence(sequenced_command pending, std::int64_t now_ms, sequencer_actions& out);
    void start_batch(sequencer_actions& out);
    void refuse_pending(const char* message, sequencer_actions& out);
    bool attach_retry(std::uint64_t seq, const std::weak_ptr<subscriber>& sender, std::uint64_t request_id);
    void remember_op(const std::string& op_client, std::uint64_t op_id, std::uint64_t seq);
    void forget_op(const std::string& op_client, std::uint64_t op_id);

    std::string room_id_;
    std::size_t recent_ops_limit_;
    model::room_state committed_; // what subscribers have seen: Welcomes are built from it
    // committed + sequenced but not yet stored, once made (speculative());
    // nullopt: not made, it is committed_ with the events of in_store_ and
    // queued_ applied. Mutable: made on first use, by a const accessor.
    mutable std::optional<model::room_state> speculative_;
    std::vector<sequenced_command> in_store_; // the batch being committed (at most one per room)
    std::vector<sequenced_command> queued_;   // sequenced while in_store_ commits; the next batch

    // (participant id, client id, op id) -> seq of commands sequenced since
    // the room loaded (and the newest stored ones), so that a retried command
    // is acknowledged again without a store read instead of applied twice.
    std::unordered_map<std::string, std::uint64_t> recent_ops_;
    std::deque<std::string> recent_ops_order_;
    // Whether the log may hold command ids this window no longer does (the
    // room loaded a full window, or the window has let one go): only then can
    // a refused command be a retry that only the log knows, worth a read.
    bool ops_beyond_window_ = false;
};

// Whose retries a command answers: the participant and the client id
// together ("" when the client gave no id: not deduplicated).
std::string op_client_of(const std::string& participant_id, const std::string& client_id);

} // namespace maptable::room
