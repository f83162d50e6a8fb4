// Layer: room. One loaded room: its strand, timers, store calls and
// subscribers around two pure machines that hold its rules — the sequencer
// (room/sequencer.hpp: committed and speculative state, batches, retries,
// what a store answer means) and the presence (room/presence.hpp: the
// roster, cursors and viewports). The host feeds them what happened and
// carries out the actions they return.
//
// Runs on its own strand; every public method may be called from any thread
// and posts to it. Owned by the room_registry (shared_ptr) and by in-flight
// completions; it holds its subscribers weakly, so a closed connection never
// lives on because a room still lists it.
//
// Persist, then publish: a command is validated against the *speculative*
// state, appended to the log through the commit_queue, and only when the
// commit returns is the event applied to the *committed* state, fanned out
// and acknowledged. A room has at most one batch in the store at a time, so
// a failed commit can never leave a gap in its seqs (see sequencer.hpp for
// the rules: retries, duplicates, failures, fencing).
//
// An exception escaping one of the room's handlers ends this room only: its
// members are disconnected (they resume), the registry unloads it, and the
// next join loads it again from the log (fail_room).
//
// Several nodes on one PostgreSQL store (store/room_lease.hpp): the load
// first claims the room's lease on the store's writer thread. A room another
// live node holds is not loaded: its joins are answered join_outcome::moved
// with the owner's url, and the host unloads at once. A loaded room stamps
// every append with its lease generation; when the log refuses a batch as
// fenced, or the registry's renewal finds the lease taken over, the room
// steps down: nothing of what is in the store is acked or refused, every
// member is disconnected with room_moved_reason (they resume on the owner),
// and the host unloads.
//
// Joins and leaves of the roster are told to the webhook observer
// (webhook/commit_observer.hpp, notify_presence) as they happen.
#pragma once

#include "limits.hpp"
#include "model/room_state.hpp"
#include "room/fanout.hpp"
#include "room/presence.hpp"
#include "room/replay.hpp"
#include "room/sequencer.hpp"
#include "room/subscriber.hpp"
#include "store/commit_queue.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <mutex>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace maptable::room {

enum class join_outcome {
    joined,      // the Welcome was delivered; events follow in order
    full,        // the room has its maximum of participants
    gone,        // the room was unloaded meanwhile: open it again
    unavailable, // the room could not be loaded from the store
    removed,     // a facilitator removed this participant id from the room
    moved,       // another node owns the room: join there (the callback's moved_to is its url)
};

// The reason a stepping-down room gives subscriber::disconnect: a
// participant's connection closes with 4001 and this text (the SDKs reconnect
// at once and resume on the room's new owner); other subscribers just end.
inline constexpr std::string_view room_moved_reason = "room moved";

class room_host : public std::enable_shared_from_this<room_host> {
public:
    using idle_callback = std::function<void(room_host&)>;
    // moved_to: the owner's url (store::lease_owner::url) when the outcome is
    // moved, else empty.
    using join_callback = std::function<void(join_outcome, const std::string& moved_to)>;

    // executor: the event loop the room's strand runs on; work: where a
    // replay is folded (room_registry's work pool), never an event loop.
    // lease: who this node is in room leases; nullptr when one process owns
    // every room (SQLite). It must outlive the host.
    room_host(boost::asio::any_io_executor executor, boost::asio::any_io_executor work, std::string room_id,
              store::commit_queue& store, const server_limits& limits, idle_callback on_idle,
              const store::lease_owner* lease = nullptr);

    const std::string& id() const { return id_; }

    // Starts loading the room from the store. Called once, by the registry.
    void load();

    // The lease generation this room is loaded under; 0 while it holds none
    // (not loaded yet, stepped down, unloaded, or no leases). Any thread.
    std::uint64_t lease_generation() const { return lease_generation_.load(); }

    // The url of the node that owns this room when the load found it owned
    // elsewhere; empty otherwise. Any thread.
    std::string moved_to() const;

    // Another node holds this room's lease now (the registry's renewal found
    // it taken over under generation): step down, unless the room has loaded
    // again under another generation meanwhile. Posts to the strand.
    void step_down(std::uint64_t generation, std::string why);

    // Adds a subscriber and delivers the Welcome (state at the committed seq,
    // who is online, the server's clock and the actor's ballot id). done runs
    // on the room's strand. A participant id in the committed state's removed
    // set is refused (join_outcome::removed).
    // With resume set, a client that still has a replica at (epoch, seq)
    // gets a Welcome marked recovered followed by exactly the missed events,
    // when they are still kept in memory and the epoch matches; otherwise
    // the full state.
    void join(std::shared_ptr<subscriber> who, model::actor actor, std::uint64_t request_id,
              std::optional<pb::Resume> resume, join_callback done);

    // The participant's token was refreshed with another name or role: the
    // roster shows it (ParticipantJoined again, with the new details).
    void update_participant(model::actor actor);

    // Removes a subscriber (its connection ended).
    void leave(const subscriber* who);

    // Sequences an event command. The sender gets the event, then an Ack,
    // after the commit; or an Error. actor is who the event names: a joined
    // participant, or the admin role for the admin API and the server's timers.
    // When a ParticipantRemoved commits, every connection of that participant
    // is kicked (subscriber::kick with PARTICIPANT_REMOVED).
    void submit(std::shared_ptr<subscriber> sender, model::actor actor, std::string client_id,
                pb::ClientMessage command);

    // Records the newest cursor and/or viewport of a participant; sent at the
    // next tick. While the room's settings hide cursors, the presence of
    // non-facilitators goes to facilitators only (the follow leader's
    // viewport still goes to everyone).
    void update_presence(pb::ParticipantPresence presence);

    // Answers a GetChatHistory (limit already checked by the session).
    void chat_history(std::shared_ptr<subscriber> who, std::uint64_t request_id, std::uint64_t before_seq,
                      std::uint32_t limit);

    // Answers a GetStateAt with StateAt{request_id, state} (the room at that
    // seq, or at the last event at or before that time, replayed from the
    // log), or an Error: SEQ_OUT_OF_RANGE beyond the committed seq or before
    // the first event, RATE_LIMITED when too many replays of this room run.
    void state_at(std::shared_ptr<subscriber> who, std::uint64_t request_id, pb::GetStateAt ask);

    // Stops taking commands, lets the batch in the store commit (its acks and
    // events go out), then disconnects every subscriber with reason and calls
    // done. Commands refused meanwhile are resent by clients after they resume.
    void shutdown(std::string reason, std::function<void()> done);

private:
    enum class phase { created, loading, ready, failed, gone, closing };

    struct member {
        std::weak_ptr<subscriber> who;
        std::string participant_id;
    };
    struct pending_join {
        std::shared_ptr<subscriber> who;
        model::actor actor;
        std::uint64_t request_id;
        std::optional<pb::Resume> resume;
        join_callback done;
    };

    void do_load();
    void on_loaded(std::variant<loaded_room, load_failure> folded, std::uint64_t generation);
    std::uint64_t window_front() const;
    bool window_wants_more() const;
    bool awaits_window(const pending_join& request) const;
    void fill_window();
    void on_window_page(std::uint64_t load, std::uint64_t from, std::uint64_t to,
                        std::optional<std::vector<shared_piece>> pieces, const std::string& why);
    void on_owned_elsewhere(store::lease_holder holder);
    void do_step_down(const std::string& why);
    void give_up_lease();
    void drop_member(std::map<const subscriber*, member>::iterator it);
    void kick_participant(const std::string& participant_id, const std::string& reason);
    void arm_vote_timer(std::chrono::milliseconds at_least = std::chrono::milliseconds(0));
    void close_ended_votes();
    void send_presence(presence_tick tick);
    void tell_presence(const pb::Participant& who, bool joined);
    void fail_load(const std::string& why);
    void do_join(pending_join request);
    void do_state_at(const std::shared_ptr<subscriber>& who, std::uint64_t request_id, const pb::GetStateAt& ask);
    void send_welcome(const pending_join& request, const pb::Participant& participant);
    void finish_shutdown();
    void remember_event(std::uint64_t seq, shared_piece piece);
    void do_submit(std::shared_ptr<subscriber> sender, model::actor actor, std::string client_id,
                   pb::ClientMessage command);
    void run(sequencer_actions actions);
    void send_replies(std::vector<reply> replies);
    void publish(std::vector<sequenced_command> published);
    void append(std::vector<store::event_record> records);
    void on_committed(store::append_error result);
    void after_failed_commit();
    void look_up_batch(std::vector<std::pair<std::string, std::uint64_t>> ops);
    void look_up_refusal(refusal_lookup lookup);
    template <class Step>
    void guarded(const char* step, Step&& step_fn) noexcept;
    void fail_room(const char* step, const std::string& what) noexcept;
    void close_room() noexcept;
    void maybe_snapshot();
    std::size_t broadcast(const shared_piece& piece); // returns how many members it reached
    void start_presence_tick();
    void on_presence_tick();
    void arm_idle_timer();

    boost::asio::strand<boost::asio::any_io_executor> strand_;
    boost::asio::any_io_executor work_;
    std::string id_;
    store::commit_queue& store_;
    const server_limits& limits_;
    idle_callback on_idle_;
    const store::lease_owner* lease_;
    std::atomic<std::uint64_t> lease_generation_{0};
    mutable std::mutex moved_mutex_; // guards moved_to_ only
    std::string moved_to_;

    phase phase_ = phase::created;
    // Gone because another node took the lease: a command that reaches the
    // room after that is answered as its members were, with "room moved".
    bool stepped_down_ = false;
    // Loads that failed in a row, and when the next may start: a join on a
    // failed room loads it again once the backoff (1 s doubling to 30 s,
    // counted from the start of the failed attempt) has passed, so a store
    // that is back serves the next join, and one still down is not asked by
    // every join.
    int failed_loads_ = 0;
    std::chrono::steady_clock::time_point load_started_;
    std::chrono::steady_clock::time_point next_load_at_;
    sequencer sequencer_; // the committed and speculative state, the batches, the retry window
    std::uint64_t last_snapshot_seq_ = 0;
    std::string epoch_; // the log's history epoch, from the store
    // The committed state encoded for Welcomes, and the seq it is at: made
    // by the load (on the work pool) and by each snapshot, else when the
    // first join after a change needs it; shared by the joins after.
    std::shared_ptr<const std::string> welcome_state_;
    std::uint64_t welcome_state_seq_ = 0;

    // The newest committed events as encoded pieces, oldest first, to answer
    // a Resume with exactly the missed events. A load fills it with the
    // events after the snapshot; the older ones (up to resume_window_events
    // in all) are read afterwards, a page at a time, while the room already
    // serves joins (fill_window). Meanwhile a resume that needs them waits in
    // waiting_joins_, as joins wait for the load.
    std::deque<std::pair<std::uint64_t, shared_piece>> recent_events_;
    bool window_filling_ = false; // a page of older events is being read
    std::uint64_t loads_ = 0;     // loads so far: a page of an earlier one is ignored

    std::string shutdown_reason_;
    std::function<void()> shutdown_done_;

    std::map<const subscriber*, member> members_;
    fanout fanout_;                           // the members again, grouped for delivery
    presence presence_;                       // the roster, and the moves not yet sent
    std::vector<pending_join> waiting_joins_; // joins that arrived while loading, resumes waiting for the window

    boost::asio::steady_timer presence_timer_;
    bool presence_ticking_ = false;
    boost::asio::steady_timer idle_timer_;

    // Vote rounds with an end time are closed by the room itself (CloseVote
    // as the admin role) when their end passes.
    boost::asio::steady_timer vote_timer_;
    std::set<std::string> votes_closing_;     // CloseVote submitted (never twice for one round)
    std::shared_ptr<subscriber> server_sink_; // receives the answers to the room's own commands

    std::size_t replays_running_ = 0;
};

} // namespace maptable::room
