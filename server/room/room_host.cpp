#include "room/room_host.hpp"

#include "metrics/metrics.hpp"
#include "room/event_record.hpp"
#include "room/replay.hpp"
#include "store/clock.hpp"
#include "webhook/commit_observer.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <stdexcept>

namespace maptable::room {
namespace {

// Between two load attempts of a room whose store failed: 1 s, doubling, at
// most 30 s. A store that is back serves the next join after a short outage;
// one still down is asked at most twice a minute per room, not once per join.
std::chrono::seconds load_backoff(int failures)
{
    return std::min(std::chrono::seconds(1 << std::min(failures - 1, 5)), std::chrono::seconds(30));
}

// A fault the integration tests inject to show that an exception escaping a
// room's handler ends that room only: a chat message with exactly this text
// throws in the room's submit handler. Off unless the server's environment
// sets MAPTABLE_TEST_ROOM_FAULT (never in production).
const std::string& injected_fault_text()
{
    static const std::string text = [] {
        const char* v = std::getenv("MAPTABLE_TEST_ROOM_FAULT");
        return v ? std::string(v) : std::string();
    }();
    return text;
}

// Who the room's own commands (closing a vote round at its end time) come
// from: the admin role, which may do anything a facilitator may.
model::actor server_actor()
{
    return model::actor{"server", "maptable", pb::ROLE_ADMIN, {}}; // no dots of its own: no ballot id
}

// Receives the answers to the room's own commands. An ack needs nothing; a
// refusal is logged, since no person is waiting for it.
class server_command_sink final : public subscriber {
public:
    explicit server_command_sink(std::string room_id) : room_id_(std::move(room_id)) {}
    void deliver(shared_piece piece) override
    {
        pb::ServerFrame frame;
        if (!frame.ParseFromString(*piece))
            return;
        for (const auto& m : frame.messages())
            if (m.has_error())
                spdlog::warn("room={} the server's own command was refused: {} {}", room_id_,
                             pb::ErrorCode_Name(m.error().code()), m.error().message());
    }
    void disconnect(std::string) override {}

private:
    std::string room_id_;
};

// The longest the vote timer sleeps before looking again: an end time far
// ahead is never turned into a steady_clock deadline that could overflow,
// and a system clock set forward is noticed within this.
constexpr std::chrono::minutes longest_vote_wait{10};

} // namespace

room_host::room_host(boost::asio::any_io_executor executor, boost::asio::any_io_executor work, std::string room_id,
                     store::commit_queue& store, const server_limits& limits, idle_callback on_idle,
                     const store::lease_owner* lease)
    : strand_(boost::asio::make_strand(executor))
    , work_(std::move(work))
    , id_(std::move(room_id))
    , store_(store)
    , limits_(limits)
    , on_idle_(std::move(on_idle))
    , lease_(lease)
    , sequencer_(id_, limits.recent_ops_per_room)
    , presence_timer_(strand_)
    , idle_timer_(strand_)
    , vote_timer_(strand_)
    , server_sink_(std::make_shared<server_command_sink>(id_))
{
}

// Runs one of the room's handlers (on its strand): an exception escaping it
// ends this room, never the process.
template <class Step>
void room_host::guarded(const char* step, Step&& step_fn) noexcept
{
    try {
        step_fn();
    } catch (const std::exception& e) {
        fail_room(step, e.what());
    } catch (...) {
        fail_room(step, "an exception of unknown type");
    }
}

// ------------------------------------------------------------------ loading

void room_host::load()
{
    boost::asio::post(strand_, [self = shared_from_this()] {
        self->guarded("load", [&] {
            if (self->phase_ == phase::created)
                self->do_load();
        });
    });
}

void room_host::do_load()
{
    phase_ = phase::loading;
    load_started_ = std::chrono::steady_clock::now();
    store::load_options options;
    options.recent_ops = limits_.recent_ops_per_room;
    // Only what the state needs: the snapshot and the events after it. The
    // resume window's older events are read after the room serves its first
    // joins (fill_window), not before.
    options.events_before_snapshot = 0;
    store_.run([self = shared_from_this(), options](store::event_log& log) {
        try {
            // Claimed before the load, in the same queue as appends: the
            // claim waits for a stale owner's append in flight (its row
            // lock), and the load after it sees that append.
            std::uint64_t generation = 0;
            if (self->lease_ != nullptr && log.leases() != nullptr) {
                auto claim = log.leases()->acquire(self->id_, *self->lease_);
                if (auto* held = std::get_if<store::lease_holder>(&claim)) {
                    boost::asio::post(self->strand_, [self, holder = std::move(*held)]() mutable {
                        self->guarded("on_owned_elsewhere", [&] { self->on_owned_elsewhere(std::move(holder)); });
                    });
                    return;
                }
                generation = std::get<store::lease_grant>(claim).generation;
            }
            self->lease_generation_ = generation;
            if (generation != 0)
                metrics::global().rooms_owned.add(1);
            auto history = log.load(self->id_, options);
            // Folded on the work pool: neither this writer (every room's
            // commits) nor the room's event loop waits for the decoding.
            boost::asio::post(self->work_, [self, h = std::move(history), generation]() mutable {
                auto folded = fold_loaded_history(self->id_, std::move(h));
                boost::asio::post(self->strand_, [self, f = std::move(folded), generation]() mutable {
                    self->guarded("on_loaded", [&] { self->on_loaded(std::move(f), generation); });
                });
            });
        } catch (const std::exception& e) {
            boost::asio::post(self->strand_, [self, why = std::string(e.what())] {
                self->guarded("fail_load", [&] { self->fail_load(why); });
            });
        }
    });
}

void room_host::on_loaded(std::variant<loaded_room, load_failure> folded, std::uint64_t generation)
{
    if (phase_ != phase::loading)
        return give_up_lease(); // shut down or stepped down meanwhile
    if (auto* failed = std::get_if<load_failure>(&folded))
        return fail_load(failed->why);
    auto& loaded = std::get<loaded_room>(folded);
    for (auto& [seq, piece] : loaded.recent_events)
        remember_event(seq, std::move(piece));
    welcome_state_ = std::move(loaded.state_bytes);
    welcome_state_seq_ = loaded.committed.seq();
    sequencer_.load(std::move(loaded.committed), loaded.recent_ops, limits_.recent_ops_per_room);
    last_snapshot_seq_ = loaded.snapshot_seq;
    epoch_ = std::move(loaded.epoch);
    phase_ = phase::ready;
    ++loads_;
    // Set before the joins below: a resume from before the window waits for it.
    window_filling_ = window_wants_more();
    spdlog::info("room={} loaded seq={} events_replayed={}{}{}", id_, sequencer_.committed().seq(), loaded.events_read,
                 generation != 0 ? " lease_generation=" + std::to_string(generation) : std::string(),
                 failed_loads_ > 0 ? " after " + std::to_string(failed_loads_) + " failed load(s)" : std::string());
    failed_loads_ = 0;

    auto joins = std::move(waiting_joins_);
    waiting_joins_.clear();
    for (auto& j : joins)
        do_join(std::move(j));
    if (window_filling_)
        fill_window();
    // Rounds whose end passed while the room was not loaded close now.
    close_ended_votes();
    if (members_.empty())
        arm_idle_timer();
}

// ------------------------------------------------------------------ the resume window, after a load

std::uint64_t room_host::window_front() const
{
    return recent_events_.empty() ? sequencer_.committed().seq() + 1 : recent_events_.front().first;
}

bool room_host::window_wants_more() const
{
    return recent_events_.size() < limits_.resume_window_events && window_front() > 1;
}

// A resume that only the events the window is still reading can answer: its
// client's epoch is ours, it missed events, and the oldest it missed is
// before the window's oldest but within what the window will hold once full.
bool room_host::awaits_window(const pending_join& request) const
{
    if (!window_filling_ || !request.resume || request.resume->epoch() != epoch_)
        return false;
    const auto head = sequencer_.committed().seq();
    const auto last_seen = request.resume->last_seq();
    if (last_seen >= head)
        return false; // missed nothing (or is ahead of us: the state)
    const auto front = window_front();
    const auto room_left = limits_.resume_window_events - recent_events_.size();
    const auto floor = front > room_left ? front - room_left : 1;
    return last_seen + 1 < front && last_seen + 1 >= floor;
}

// Reads the page of events just before the window's oldest (newest pages
// first, so recent resumes are served soonest) on a reader thread, wraps
// them as pieces on the work pool, and prepends them on the strand
// (on_window_page), until the window holds resume_window_events or reaches
// seq 1. Pages keep the host alive; a page of an earlier load is ignored.
void room_host::fill_window()
{
    const auto to = window_front() - 1;
    const std::uint64_t room_left = limits_.resume_window_events - recent_events_.size();
    const auto count = std::min({room_left, replay_page_events, to});
    const auto from = to + 1 - count;
    store_.read([self = shared_from_this(), load = loads_, from, to](store::event_log& log) {
        std::optional<std::vector<std::string>> page;
        std::string why;
        try {
            page = log.events_between(self->id_, from, to);
        } catch (const std::exception& e) {
            why = e.what();
        }
        boost::asio::post(self->work_, [self, load, from, to, page = std::move(page), why = std::move(why)]() mutable {
            std::optional<std::vector<shared_piece>> pieces;
            if (page) {
                pieces.emplace();
                pieces->reserve(page->size());
                for (const auto& bytes : *page)
                    pieces->push_back(encode_event_piece(bytes));
                page.reset();
            }
            boost::asio::post(self->strand_,
                              [self, load, from, to, pieces = std::move(pieces), why = std::move(why)]() mutable {
                self->guarded("on_window_page", [&] { self->on_window_page(load, from, to, std::move(pieces), why); });
            });
        });
    });
}

void room_host::on_window_page(std::uint64_t load, std::uint64_t from, std::uint64_t to,
                               std::optional<std::vector<shared_piece>> pieces, const std::string& why)
{
    if (load != loads_ || phase_ != phase::ready || !window_filling_)
        return; // unloaded, failed or shut down meanwhile: whoever waited was answered then
    // Prepended only when it still continues the window (it does unless live
    // events filled the window meanwhile) and is whole: never a gap.
    if (!pieces) {
        spdlog::warn("room={} resume window not read before seq={} ({}); resumes from before it get the state", id_,
                     to + 1, why);
        window_filling_ = false;
    } else if (pieces->size() != to - from + 1 || to + 1 != window_front()) {
        window_filling_ = false;
    } else {
        const std::size_t room_left = limits_.resume_window_events - recent_events_.size();
        for (std::size_t i = pieces->size(), taken = 0; i > 0 && taken < room_left; --i, ++taken)
            recent_events_.emplace_front(from + i - 1, std::move((*pieces)[i - 1]));
        window_filling_ = window_wants_more();
        if (window_filling_)
            fill_window();
    }
    // The resumes that waited: served now, or waiting for the next page.
    auto joins = std::exchange(waiting_joins_, {});
    for (auto& j : joins)
        do_join(std::move(j));
    if (members_.empty() && waiting_joins_.empty())
        arm_idle_timer(); // the idle timer does not unload a room with waiting joins
}

void room_host::on_owned_elsewhere(store::lease_holder holder)
{
    if (phase_ != phase::loading)
        return;
    spdlog::debug("room={} is owned by node {} ({}): its joins are sent there", id_, holder.node_id, holder.url);
    {
        std::lock_guard lock(moved_mutex_);
        moved_to_ = holder.url;
    }
    // Not kept: the next join asks the lease table again, so a takeover
    // after the owner's death is noticed by the first join after it.
    phase_ = phase::gone;
    on_idle_(*this);
    for (auto& j : std::exchange(waiting_joins_, {}))
        j.done(join_outcome::moved, holder.url);
}

std::string room_host::moved_to() const
{
    std::lock_guard lock(moved_mutex_);
    return moved_to_;
}

void room_host::give_up_lease()
{
    const auto generation = lease_generation_.exchange(0);
    if (generation == 0)
        return;
    metrics::global().rooms_owned.add(-1);
    // Released, not left to expire: the next node a client joins takes the
    // room at once (a planned restart, an idle room). A release that fails
    // only means the lease expires by itself.
    store_.run([room = id_, generation](store::event_log& log) {
        try {
            if (auto* leases = log.leases())
                leases->release(room, generation);
        } catch (const std::exception& e) {
            spdlog::warn("room={} lease not released ({}); it expires by itself", room, e.what());
        }
    });
}

void room_host::step_down(std::uint64_t generation, std::string why)
{
    boost::asio::post(strand_, [self = shared_from_this(), generation, why = std::move(why)] {
        self->guarded("step_down", [&] {
            if (generation != 0 && self->lease_generation_.load() == generation)
                self->do_step_down(why);
        });
    });
}

// Another node sequences this room now. Nothing in the store or queued is
// acked (it was not stored, or the new owner loaded it: the clients resend
// after they resume there, and the new owner's log recognises what it
// holds) nor refused (that would say "not applied"). Every member is sent
// away with "room moved"; the host leaves the registry.
void room_host::do_step_down(const std::string& why)
{
    if (phase_ == phase::gone)
        return;
    spdlog::warn("room={} steps down: {}; its {} connection(s) are sent to the new owner", id_, why, members_.size());
    metrics::global().lease_steps_down.add();
    stepped_down_ = true;
    if (lease_generation_.exchange(0) != 0)
        metrics::global().rooms_owned.add(-1);
    phase_ = phase::gone;
    idle_timer_.cancel();
    presence_timer_.cancel();
    vote_timer_.cancel();
    sequencer_.drop_all();
    auto members = std::exchange(members_, {});
    for (auto& [key, m] : members) {
        fanout_.remove(key);
        if (auto who = m.who.lock())
            who->disconnect(std::string(room_moved_reason));
    }
    for (const auto& gone : presence_.clear())
        tell_presence(gone, false);
    on_idle_(*this);
    for (auto& j : std::exchange(waiting_joins_, {}))
        j.done(join_outcome::gone, {});
    if (auto done = std::exchange(shutdown_done_, nullptr))
        done();
}

void room_host::fail_load(const std::string& why)
{
    if (phase_ != phase::loading)
        return;
    // Not kept while failed: another node may serve the room meanwhile.
    give_up_lease();
    ++failed_loads_;
    next_load_at_ = load_started_ + load_backoff(failed_loads_);
    spdlog::error("room={} failed to load (attempt {}): {}; a join after {} s loads it again", id_, failed_loads_, why,
                  load_backoff(failed_loads_).count());
    phase_ = phase::failed;
    auto joins = std::move(waiting_joins_);
    waiting_joins_.clear();
    for (auto& j : joins)
        j.done(join_outcome::unavailable, {});
    arm_idle_timer(); // unloaded when nobody asks for it meanwhile
}

// ------------------------------------------------------------------ members

void room_host::join(std::shared_ptr<subscriber> who, model::actor actor, std::uint64_t request_id,
                     std::optional<pb::Resume> resume, join_callback done)
{
    boost::asio::post(strand_,
                      [self = shared_from_this(),
                       req = pending_join{std::move(who), std::move(actor), request_id, std::move(resume),
                                          std::move(done)}]() mutable {
        self->guarded("join", [&] { self->do_join(std::move(req)); });
    });
}

void room_host::do_join(pending_join request)
{
    switch (phase_) {
    case phase::created:
    case phase::loading: waiting_joins_.push_back(std::move(request)); return;
    case phase::failed:
        // The store may be back: a join after the backoff loads the room
        // again, and waits for that load like the first join did.
        if (std::chrono::steady_clock::now() < next_load_at_) {
            request.done(join_outcome::unavailable, {});
            return;
        }
        spdlog::info("room={} loading again after {} failed load(s), for a join", id_, failed_loads_);
        idle_timer_.cancel();
        waiting_joins_.push_back(std::move(request));
        do_load();
        return;
    case phase::gone:
        // Owned elsewhere: a join that reached this host after it learnt so
        // is sent to the owner too. Answered "gone", it would look the room
        // up again and race the same way: a busy machine (the join posted
        // after the lease read came back, each time) ran out of tries and
        // refused a join the other node would have taken.
        if (auto owner = moved_to(); !owner.empty()) {
            request.done(join_outcome::moved, owner);
            return;
        }
        request.done(join_outcome::gone, {});
        return;
    case phase::closing: request.done(join_outcome::unavailable, {}); return;
    case phase::ready: break;
    }
    // Like a join during the load: it waits (not answered with the state,
    // which would be wrong only in cost, nor with fewer events, which would
    // be wrong).
    if (awaits_window(request)) {
        waiting_joins_.push_back(std::move(request));
        return;
    }
    // Committed state: a removal still in the store does not refuse yet; it
    // kicks this connection when it commits.
    if (sequencer_.committed().data().removed.contains(request.actor.id)) {
        request.done(join_outcome::removed, {});
        return;
    }
    if (members_.size() >= limits_.max_participants_per_room) {
        request.done(join_outcome::full, {});
        return;
    }
    idle_timer_.cancel();

    pb::Participant participant;
    participant.set_id(request.actor.id);
    participant.set_name(request.actor.name);
    participant.set_role(request.actor.role);

    if (presence_.join(participant)) {
        pb::ServerMessage joined;
        *joined.mutable_participant_joined()->mutable_participant() = participant;
        broadcast(encode_piece(joined));
        tell_presence(participant, true);
    }

    members_[request.who.get()] = member{request.who, participant.id()};
    fanout_.add(request.who);
    start_presence_tick();
    // Tell the session first: its connection strand then marks it joined
    // before the Welcome is queued there, so a command the client sends the
    // moment it sees the Welcome is never refused as NOT_JOINED.
    request.done(join_outcome::joined, {});
    send_welcome(request, participant);
}

void room_host::send_welcome(const pending_join& request, const pb::Participant& participant)
{
    pb::ServerMessage welcome;
    auto* w = welcome.mutable_welcome();
    w->set_request_id(request.request_id);
    *w->mutable_you() = participant;
    for (auto& online : presence_.roster())
        *w->add_online() = std::move(online);
    w->set_protocol_version(1);
    w->set_server_version(MAPTABLE_VERSION);
    w->set_epoch(epoch_);
    w->set_server_time_ms(clock::now_ms());
    w->set_ballot_id(request.actor.ballot_id);

    // Resume from memory only when the client's history is ours (same epoch,
    // not ahead of us) and every event it missed is still kept.
    const auto& committed = sequencer_.committed();
    const auto head = committed.seq();
    bool recovered = false;
    if (request.resume && request.resume->epoch() == epoch_ && request.resume->last_seq() <= head) {
        const auto from = request.resume->last_seq() + 1;
        recovered = from > head || (!recent_events_.empty() && recent_events_.front().first <= from);
    }
    w->set_recovered(recovered);
    if (request.resume)
        metrics::global().resumes.add(static_cast<std::size_t>(recovered ? metrics::resume_outcome::recovered
                                                                         : metrics::resume_outcome::snapshot));
    // The Welcome and the missed events go as one catch-up: sent in full
    // whatever their size, before anything live (subscriber::deliver_catch_up).
    std::vector<shared_piece> catch_up;
    if (recovered) {
        catch_up.push_back(encode_piece(welcome));
        for (const auto& [seq, piece] : recent_events_)
            if (seq > request.resume->last_seq())
                catch_up.push_back(piece);
    } else {
        // A join storm into a large room (200 clients joining a 2.5 MB state
        // at once, docs/PERFORMANCE.md): the state is encoded once per seq,
        // and sent from that one buffer to every client.
        if (!welcome_state_ || welcome_state_seq_ != head) {
            welcome_state_ = std::make_shared<const std::string>(committed.encode());
            welcome_state_seq_ = head;
        }
        auto pieces = encode_welcome_pieces(*w, welcome_state_);
        catch_up.push_back(std::move(pieces.head));
        catch_up.push_back(std::move(pieces.state));
    }
    request.who->deliver_catch_up(std::move(catch_up));
}

void room_host::update_participant(model::actor actor)
{
    boost::asio::post(strand_, [self = shared_from_this(), actor = std::move(actor)] {
        self->guarded("update_participant", [&] {
            auto renamed = self->presence_.rename(actor.id, actor.name, actor.role);
            if (!renamed)
                return;
            pb::ServerMessage changed;
            *changed.mutable_participant_joined()->mutable_participant() = std::move(*renamed);
            self->broadcast(encode_piece(changed));
        });
    });
}

void room_host::remember_event(std::uint64_t seq, shared_piece piece)
{
    recent_events_.emplace_back(seq, std::move(piece));
    while (recent_events_.size() > limits_.resume_window_events)
        recent_events_.pop_front();
}

void room_host::leave(const subscriber* who)
{
    boost::asio::post(strand_, [self = shared_from_this(), who] {
        self->guarded("leave", [&] {
            auto it = self->members_.find(who);
            if (it != self->members_.end())
                self->drop_member(it);
        });
    });
}

void room_host::drop_member(std::map<const subscriber*, member>::iterator it)
{
    const std::string participant_id = it->second.participant_id;
    fanout_.remove(it->first);
    members_.erase(it);
    const auto* entry = presence_.find(participant_id);
    const auto gone = entry != nullptr ? std::optional<pb::Participant>(*entry) : std::nullopt;
    if (presence_.leave(participant_id)) {
        pb::ServerMessage left;
        left.mutable_participant_left()->set_participant_id(participant_id);
        broadcast(encode_piece(left));
        tell_presence(*gone, false);
    }
    if (members_.empty())
        arm_idle_timer();
}

void room_host::kick_participant(const std::string& participant_id, const std::string& reason)
{
    std::vector<std::shared_ptr<subscriber>> kicked;
    for (auto it = members_.begin(); it != members_.end();) {
        auto next = std::next(it);
        if (it->second.participant_id == participant_id) {
            if (auto who = it->second.who.lock())
                kicked.push_back(std::move(who));
            drop_member(it); // erases only it: next stays valid
        }
        it = next;
    }
    const std::string message =
        "a facilitator removed you from this room" + (reason.empty() ? std::string() : ": " + reason);
    spdlog::info("room={} participant={} removed: closing {} connection(s)", id_, participant_id, kicked.size());
    for (auto& who : kicked)
        who->kick(pb::ERROR_CODE_PARTICIPANT_REMOVED, message);
}

std::size_t room_host::broadcast(const shared_piece& piece)
{
    fanout_.to_all(piece);
    return fanout_.send();
}

// ------------------------------------------------------------------ commands

void room_host::submit(std::shared_ptr<subscriber> sender, model::actor actor, std::string client_id,
                       pb::ClientMessage command)
{
    boost::asio::post(strand_,
                      [self = shared_from_this(), sender = std::move(sender), actor = std::move(actor),
                       client_id = std::move(client_id), command = std::move(command)]() mutable {
        self->guarded("submit", [&] {
            self->do_submit(std::move(sender), std::move(actor), std::move(client_id), std::move(command));
        });
    });
}

void room_host::do_submit(std::shared_ptr<subscriber> sender, model::actor actor, std::string client_id,
                          pb::ClientMessage command)
{
    const std::uint64_t request_id = command.request_id();
    if (stepped_down_) {
        // A member whose command was on its way when the room stepped down:
        // nothing was stored, and an error would read as "not applied, give
        // up". Sent away like the others, its client resumes on the new
        // owner and resends there.
        sender->disconnect(std::string(room_moved_reason));
        return;
    }
    if (phase_ != phase::ready) {
        sender->deliver(error_piece(request_id, pb::ERROR_CODE_ROOM_UNAVAILABLE,
                                    phase_ == phase::closing ? "the server is shutting down; resend after reconnecting"
                                                             : "the room is not available; join again"));
        return;
    }
    if (!injected_fault_text().empty() && command.has_send_chat() &&
        command.send_chat().text() == injected_fault_text())
        throw std::runtime_error("the fault injected for tests (MAPTABLE_TEST_ROOM_FAULT)");
    run(sequencer_.submit(sender, std::move(actor), client_id, std::move(command), clock::now_ms(),
                          std::chrono::steady_clock::now()));
}

// Carries out what the sequencer decided, in its order: answers, published
// events, look-ups, the next batch, then stepping down or reloading.
void room_host::run(sequencer_actions actions)
{
    for (const auto& [request_id, code] : actions.refusals) {
        spdlog::debug("room={} refused request={} code={}", id_, request_id, pb::ErrorCode_Name(code));
        metrics::global().refusals.add(static_cast<std::size_t>(code) / 10);
    }
    send_replies(std::move(actions.replies));
    const bool published = !actions.published.empty();
    if (published)
        publish(std::move(actions.published));
    for (auto& lookup : actions.look_ups)
        look_up_refusal(std::move(lookup));
    if (actions.look_up_batch) {
        spdlog::warn("room={} events {}..{} repeat a command the log already holds: looking up which", id_,
                     actions.first_seq, actions.last_seq);
        return look_up_batch(std::move(*actions.look_up_batch));
    }
    if (actions.step_down)
        return do_step_down("another node took its lease over; the log refused events " +
                            std::to_string(actions.first_seq) + ".." + std::to_string(actions.last_seq));
    if (actions.reload) {
        spdlog::error("room={} the log holds events after seq={} that this room did not sequence: loading it again",
                      id_, sequencer_.committed().seq());
        return close_room();
    }
    if (actions.store_failed)
        return after_failed_commit();
    if (published) {
        maybe_snapshot();
        if (phase_ == phase::ready)
            arm_vote_timer();
    }
    if (!actions.append.empty())
        return append(std::move(actions.append));
    if (sequencer_.committing() || !(published || actions.first_seq != 0))
        return; // no batch finished by these actions
    if (phase_ == phase::closing)
        finish_shutdown();
    else if (members_.empty())
        arm_idle_timer();
}

void room_host::send_replies(std::vector<reply> replies)
{
    for (auto& r : replies)
        if (auto who = r.to.lock())
            who->deliver(r.is_ack() ? ack_piece(r.request_id, r.seq)
                                    : error_piece(r.request_id, r.code, std::move(r.message)));
}

// The whole batch goes to each member in one hand-over (one per lane in the
// per-core model): the events in order, then each sender's acks.
void room_host::publish(std::vector<sequenced_command> published)
{
    metrics::global().events_committed.add(published.size());
    std::size_t fanned_out = 0;
    for (auto& p : published) {
        auto piece = encode_event_piece(p.bytes);
        fanout_.to_all(piece);
        remember_event(p.event.seq(), std::move(piece));
        if (auto sender = p.sender.lock())
            fanout_.to_one(std::move(sender), ack_piece(p.request_id, p.event.seq()));
        metrics::global().ack_seconds.observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - p.received).count());
        for (const auto& retry : p.retries)
            if (auto who = retry.who.lock())
                fanout_.to_one(std::move(who), ack_piece(retry.request_id, p.event.seq()));
        // Persist, then publish, then close: the removed participant's
        // connections see the event before their Error and close, and
        // nothing after it.
        if (p.event.has_participant_removed()) {
            fanned_out += fanout_.send();
            kick_participant(p.event.participant_removed().participant_id(), p.event.participant_removed().reason());
        }
    }
    fanned_out += fanout_.send();
    metrics::global().events_fanned_out.add(fanned_out);
    webhook::notify_commit(id_, published.back().event.seq());
}

void room_host::append(std::vector<store::event_record> records)
{
    for (auto& r : records)
        r.lease_generation = lease_generation_.load();
    store_.append(std::move(records), [self = shared_from_this()](store::append_error result) {
        boost::asio::post(self->strand_,
                          [self, result] { self->guarded("on_committed", [&] { self->on_committed(result); }); });
    });
}

void room_host::on_committed(store::append_error result)
{
    if (phase_ == phase::gone)
        return; // the room failed meanwhile: its members resume and the next load reads what was stored
    auto actions = sequencer_.on_append(result);
    if (result == store::append_error::io)
        spdlog::error("room={} could not store events {}..{}: I/O error", id_, actions.first_seq, actions.last_seq);
    run(std::move(actions));
}

// A command with an id that the state refuses may be a retry of one the log
// holds from before the window of remembered ids (the state refuses it
// because it was applied: the feature exists, the vote is closed): its sender
// gets the original ack, not a refusal of what was done. Only refusals in a
// room whose log holds ids beyond the window pay for the look-up (every other
// room remembers every id it has); the refusal is sent when the log does not
// hold the command.
void room_host::look_up_refusal(refusal_lookup lookup)
{
    store_.read([self = shared_from_this(), lookup = std::move(lookup)](store::event_log& log) mutable {
        std::optional<std::uint64_t> stored;
        const auto& command = lookup.command;
        try {
            stored = log.find_op(self->id_, command.op_client, command.request_id);
            if (!stored && !lookup.bare_client.empty()) // a row stored before ids named the participant
                stored = log.find_op(self->id_, lookup.bare_client, command.request_id);
        } catch (const std::exception& e) {
            spdlog::warn("room={} could not look up request={} in the log: {}", self->id_, command.request_id,
                         e.what());
        }
        boost::asio::post(self->strand_, [self, lookup = std::move(lookup), stored]() mutable {
            self->guarded("refuse_unless_stored", [&] {
                if (stored)
                    spdlog::info("room={} request={} is a retry of seq={}: acknowledged from the log", self->id_,
                                 lookup.command.request_id, *stored);
                self->run(self->sequencer_.on_refusal_looked_up(std::move(lookup), stored));
            });
        });
    });
}

void room_host::after_failed_commit()
{
    // Rounds whose CloseVote was refused with the batch are tried again,
    // after a pause, so a store that keeps failing is not hammered.
    std::erase_if(votes_closing_, [&](const std::string& id) {
        const auto* round = sequencer_.committed().find_vote(id);
        return round == nullptr || !round->closed();
    });
    if (phase_ == phase::closing)
        finish_shutdown();
    else
        arm_vote_timer(std::chrono::seconds(1));
}

// The log refused the batch because a key it holds came again: a command
// retried after the in-memory window forgot it (or after a restart that read
// fewer ids than were sent since). Nothing of the batch was written. The
// commands the log already holds are looked up and acknowledged with their
// stored seq; every other command of this batch and the next is sequenced
// again, in its original order, against the committed state: a retry never
// costs a bystander its command.
void room_host::look_up_batch(std::vector<std::pair<std::string, std::uint64_t>> ops)
{
    store_.read([self = shared_from_this(), ops = std::move(ops)](store::event_log& log) {
        std::optional<std::vector<std::optional<std::uint64_t>>> stored;
        try {
            std::vector<std::optional<std::uint64_t>> seqs;
            seqs.reserve(ops.size());
            for (const auto& [op_client, op_id] : ops)
                seqs.push_back(op_client.empty() ? std::nullopt : log.find_op(self->id_, op_client, op_id));
            stored = std::move(seqs);
        } catch (const std::exception& e) {
            spdlog::error("room={} could not look up the repeated commands: {}", self->id_, e.what());
        }
        boost::asio::post(self->strand_, [self, stored = std::move(stored)]() mutable {
            self->guarded("on_stored_ops", [&] {
                if (self->phase_ == phase::gone)
                    return;
                if (stored)
                    for (const auto& seq : *stored)
                        if (seq)
                            spdlog::info("room={} a repeated command is a retry of seq={}: acknowledged from the log",
                                         self->id_, *seq);
                auto actions =
                    self->sequencer_.on_stored_ops(std::move(stored), self->phase_ == phase::closing, clock::now_ms());
                // A failed look-up arms the vote timer itself, with a pause.
                const bool resolved = !actions.store_failed && !actions.reload;
                self->run(std::move(actions));
                if (resolved && self->phase_ == phase::ready)
                    self->arm_vote_timer();
            });
        });
    });
}

void room_host::maybe_snapshot()
{
    const auto& committed = sequencer_.committed();
    if (committed.seq() - last_snapshot_seq_ < limits_.snapshot_every_events)
        return;
    last_snapshot_seq_ = committed.seq();
    // The same bytes a Welcome at this seq carries: joins until the next
    // event share them instead of encoding the state again.
    welcome_state_ = std::make_shared<const std::string>(committed.encode());
    welcome_state_seq_ = last_snapshot_seq_;
    store_.run([room = id_, seq = last_snapshot_seq_, bytes = welcome_state_](store::event_log& log) {
        try {
            log.save_snapshot(room, seq, *bytes);
        } catch (const std::exception& e) {
            // A missing snapshot costs replay time, never data: the log is complete.
            spdlog::warn("room={} snapshot at seq={} not saved: {}", room, seq, e.what());
        }
    });
}

// ------------------------------------------------------------------ chat history

void room_host::chat_history(std::shared_ptr<subscriber> who, std::uint64_t request_id, std::uint64_t before_seq,
                             std::uint32_t limit)
{
    store_.read([room = id_, who = std::move(who), request_id, before_seq, limit](store::event_log& log) {
        pb::ServerMessage reply;
        auto* history = reply.mutable_chat_history();
        history->set_request_id(request_id);
        try {
            auto rows = log.chat_before(room, before_seq, limit + 1);
            history->set_has_more(rows.size() > limit);
            const std::size_t skip = rows.size() > limit ? rows.size() - limit : 0;
            for (std::size_t i = skip; i < rows.size(); ++i) {
                pb::Event event;
                if (event.ParseFromString(rows[i]) && event.has_chat_posted())
                    *history->add_messages() = event.chat_posted().message();
            }
            // The page as it is now: each message with its reactions, edits
            // and deletion folded in, read by the seqs of the page's messages.
            auto* messages = history->mutable_messages();
            if (!messages->empty()) {
                for (const auto& bytes : log.chat_changes(room, messages->begin()->seq(), messages->rbegin()->seq())) {
                    pb::Event change;
                    if (!change.ParseFromString(bytes))
                        continue;
                    std::uint64_t target = 0;
                    switch (change.body_case()) {
                    case pb::Event::kChatReacted: target = change.chat_reacted().message_seq(); break;
                    case pb::Event::kChatEdited: target = change.chat_edited().message_seq(); break;
                    case pb::Event::kChatDeleted: target = change.chat_deleted().message_seq(); break;
                    default: continue;
                    }
                    // Messages are in seq order (the log's order).
                    auto it =
                        std::lower_bound(messages->begin(), messages->end(), target,
                                         [](const pb::ChatMessage& m, std::uint64_t seq) { return m.seq() < seq; });
                    if (it != messages->end() && it->seq() == target)
                        model::apply_chat_change(*it, change);
                }
            }
        } catch (const std::exception& e) {
            spdlog::error("room={} chat history failed: {}", room, e.what());
            who->deliver(error_piece(request_id, pb::ERROR_CODE_STORE_UNAVAILABLE, "chat history could not be read"));
            return;
        }
        who->deliver(encode_piece(reply));
    });
}

// ------------------------------------------------------------------ replay

void room_host::state_at(std::shared_ptr<subscriber> who, std::uint64_t request_id, pb::GetStateAt ask)
{
    boost::asio::post(strand_, [self = shared_from_this(), who = std::move(who), request_id, ask = std::move(ask)] {
        self->guarded("state_at", [&] { self->do_state_at(who, request_id, ask); });
    });
}

void room_host::do_state_at(const std::shared_ptr<subscriber>& who, std::uint64_t request_id, const pb::GetStateAt& ask)
{
    if (phase_ != phase::ready)
        return who->deliver(
            error_piece(request_id, pb::ERROR_CODE_ROOM_UNAVAILABLE, "the room is not available; join again"));
    const auto target = replay_target_of(ask);
    if (!target)
        return who->deliver(error_piece(request_id, pb::ERROR_CODE_SEQ_OUT_OF_RANGE,
                                        "GetStateAt names neither a seq nor a time_ms; set one of them"));
    auto answer = [request_id](const model::room_state& state) {
        pb::ServerMessage reply;
        reply.mutable_state_at()->set_request_id(request_id);
        *reply.mutable_state_at()->mutable_state() = state.to_proto();
        return encode_piece(reply);
    };
    const auto head = sequencer_.committed().seq();
    // The present needs no replay.
    if (const auto* at = std::get_if<replay_at_seq>(&*target); at && at->seq == head)
        return who->deliver(answer(sequencer_.committed()));
    if (replays_running_ >= limits_.max_replays_per_room)
        return who->deliver(error_piece(request_id, pb::ERROR_CODE_RATE_LIMITED,
                                        "too many replays of this room are running; ask again shortly"));
    ++replays_running_;
    // Bounded by the committed seq: a replay never shows an event before
    // the room has published it, and withholds what was deleted up to it.
    // Folded on the work pool: neither the room's strand nor an event loop
    // waits for it.
    replay_async(store_, work_, id_, *target, head,
                 [self = shared_from_this(), who, request_id, answer](replay_result result) {
        if (auto* state = std::get_if<model::room_state>(&result))
            who->deliver(answer(*state));
        else
            who->deliver(error_piece(request_id, std::get<replay_failure>(result).code,
                                     std::get<replay_failure>(result).message));
        boost::asio::post(self->strand_, [self] { --self->replays_running_; });
    });
}

// ------------------------------------------------------------------ votes with an end time

void room_host::arm_vote_timer(std::chrono::milliseconds at_least)
{
    // The committed rounds: called after every batch, this must not make the
    // sequencer copy its state. A round opened in a batch not yet stored is
    // timed when that batch publishes; one closed in it may wake the timer
    // once for nothing (close_ended_votes looks at the speculative state).
    std::optional<std::int64_t> next_end;
    for (const auto& [id, round] : sequencer_.committed().data().votes)
        if (!round.closed() && round.end_time_ms() > 0 && !votes_closing_.contains(id))
            next_end = std::min(next_end.value_or(round.end_time_ms()), round.end_time_ms());
    if (!next_end) {
        vote_timer_.cancel();
        return;
    }
    const auto wait =
        std::clamp<std::chrono::milliseconds>(std::chrono::milliseconds(*next_end - clock::now_ms()), at_least,
                                              std::max<std::chrono::milliseconds>(at_least, longest_vote_wait));
    vote_timer_.expires_after(wait);
    vote_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec)
            self->guarded("close_ended_votes", [&] { self->close_ended_votes(); });
    });
}

void room_host::close_ended_votes()
{
    if (phase_ != phase::ready)
        return;
    // End times are server times (the clock events carry), not steady ones.
    const auto now = clock::now_ms();
    std::vector<std::string> ended;
    for (const auto& [id, round] : sequencer_.speculative().data().votes)
        if (!round.closed() && round.end_time_ms() > 0 && round.end_time_ms() <= now && !votes_closing_.contains(id))
            ended.push_back(id);
    for (const auto& id : ended) {
        votes_closing_.insert(id); // once: a refusal is logged, not retried (only a failed store is)
        spdlog::info("room={} vote={} reached its end time: closing it", id_, id);
        pb::ClientMessage close;
        close.mutable_close_vote()->set_vote_id(id);
        do_submit(server_sink_, server_actor(), std::string(), std::move(close));
    }
    arm_vote_timer();
}

// ------------------------------------------------------------------ presence

void room_host::update_presence(pb::ParticipantPresence presence)
{
    boost::asio::post(strand_, [self = shared_from_this(), presence = std::move(presence)]() mutable {
        self->guarded("update_presence", [&] {
            if (self->presence_.move(presence) == move_outcome::replaced)
                metrics::global().queue_drops.add(); // an update not yet sent is replaced
        });
    });
}

void room_host::start_presence_tick()
{
    if (presence_ticking_)
        return;
    presence_ticking_ = true;
    presence_timer_.expires_after(limits_.presence_tick);
    presence_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        self->presence_ticking_ = false;
        if (!ec)
            self->guarded("presence_tick", [&] { self->on_presence_tick(); });
    });
}

void room_host::on_presence_tick()
{
    if (presence_.moves_pending()) {
        const auto& room = sequencer_.committed().data();
        send_presence(presence_.tick(room.settings.hide_cursors(), room.follow.leader_id()));
    }
    if (!members_.empty() && phase_ == phase::ready)
        start_presence_tick();
}

void room_host::send_presence(presence_tick tick)
{
    const auto piece_of = [](std::optional<pb::PresenceUpdate>& update) -> shared_piece {
        if (!update)
            return nullptr;
        pb::ServerMessage message;
        *message.mutable_presence() = std::move(*update);
        return encode_piece(message);
    };
    if (tick.to_everyone) {
        broadcast(piece_of(tick.to_everyone));
        return;
    }
    // Cursors hidden: two variants, each encoded once.
    const auto to_facilitators = piece_of(tick.to_facilitators);
    const auto to_others = piece_of(tick.to_others);
    for (auto& [key, m] : members_) {
        auto who = m.who.lock();
        if (!who)
            continue;
        const auto& piece = presence_.sees_hidden(m.participant_id) ? to_facilitators : to_others;
        if (piece)
            who->deliver(piece);
    }
}

// Tells the webhook observer that the roster gained or lost someone.
void room_host::tell_presence(const pb::Participant& who, bool joined)
{
    webhook::presence_change change;
    change.what = joined ? webhook::presence_change::kind::joined : webhook::presence_change::kind::left;
    change.participant_id = who.id();
    change.name = who.name();
    change.role = static_cast<int>(who.role());
    change.time_ms = clock::now_ms();
    change.after_seq = sequencer_.committed().seq();
    change.session_id = sequencer_.committed().data().current_session;
    webhook::notify_presence(id_, change);
}

// ------------------------------------------------------------------ lifetime

void room_host::arm_idle_timer()
{
    idle_timer_.expires_after(limits_.room_idle_unload);
    idle_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (ec || self->phase_ == phase::gone)
            return;
        self->guarded("idle_unload", [&] {
            if (!self->members_.empty() || !self->waiting_joins_.empty())
                return;
            if (!self->sequencer_.idle())
                return self->arm_idle_timer();
            self->phase_ = phase::gone;
            // Nothing may keep an unloaded room alive; its votes close when it loads again.
            self->vote_timer_.cancel();
            self->give_up_lease();
            self->on_idle_(*self);
        });
    });
}

void room_host::shutdown(std::string reason, std::function<void()> done)
{
    boost::asio::post(strand_,
                      [self = shared_from_this(), reason = std::move(reason), done = std::move(done)]() mutable {
        if (self->phase_ == phase::gone)
            return done(); // failed or unloaded meanwhile: it has no members left
        self->shutdown_reason_ = std::move(reason);
        self->shutdown_done_ = std::move(done);
        const bool committing = self->phase_ == phase::ready && self->sequencer_.committing();
        // (A batch the log refused as a duplicate is still in the store while
        // its commands are looked up: the look-up finishes the shutdown.)
        self->phase_ = phase::closing;
        // What is in the store finishes (acks and events go out); commands
        // sequenced behind it were never stored: refuse them, clients resend.
        self->send_replies(
            self->sequencer_.refuse_queued("the server is shutting down; resend after reconnecting").replies);
        if (!committing)
            self->finish_shutdown();
    });
}

void room_host::finish_shutdown()
{
    for (auto& [key, m] : members_)
        if (auto who = m.who.lock())
            who->disconnect(shutdown_reason_);
    idle_timer_.cancel();
    presence_timer_.cancel();
    vote_timer_.cancel();
    for (auto& j : waiting_joins_)
        j.done(join_outcome::unavailable, {});
    waiting_joins_.clear();
    // A clean shutdown hands the room over at once: the next node a client
    // joins takes it without waiting for the lease to expire.
    give_up_lease();
    if (auto done = std::exchange(shutdown_done_, nullptr))
        done();
}

// ------------------------------------------------------------------ failures

void room_host::fail_room(const char* step, const std::string& what) noexcept
{
    metrics::global().handler_exceptions.add();
    spdlog::error("room={} {} failed: {}; closing the room (its members resume, the next join loads it again)", id_,
                  step, what);
    close_room();
}

// Ends this room's life in memory: its members are disconnected (they
// resume), the registry forgets it, and the next join loads it from the log.
void room_host::close_room() noexcept
{
    if (phase_ == phase::gone)
        return;
    try {
        phase_ = phase::gone;
        idle_timer_.cancel();
        presence_timer_.cancel();
        vote_timer_.cancel();
        // Commands in the store may still commit: they are not refused (that
        // would say "not applied"). Every sender resumes and resends; the
        // reloaded room acknowledges what was stored and applies the rest.
        sequencer_.drop_all();
        auto members = std::exchange(members_, {});
        for (auto& [key, m] : members) {
            fanout_.remove(key);
            if (auto who = m.who.lock())
                who->disconnect("the room failed on the server; join again");
        }
        for (const auto& gone : presence_.clear())
            tell_presence(gone, false);
        give_up_lease();
        // Out of the registry first, so that joins sent back to it (gone)
        // load the room anew.
        on_idle_(*this);
        for (auto& j : std::exchange(waiting_joins_, {}))
            j.done(join_outcome::gone, {});
        if (auto done = std::exchange(shutdown_done_, nullptr))
            done();
    } catch (const std::exception& e) {
        spdlog::critical("room={} could not be closed after a failure: {}", id_, e.what());
    } catch (...) {
        spdlog::critical("room={} could not be closed after a failure", id_);
    }
}

} // namespace maptable::room
