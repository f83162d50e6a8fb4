#include "room/room_host.hpp"

#include "metrics/metrics.hpp"
#include "room/event_record.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace maptable::room {
namespace {

std::int64_t now_ms()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string op_key(const std::string& client_id, std::uint64_t op_id)
{
    return client_id + '\n' + std::to_string(op_id);
}

bool sees_hidden_presence(pb::Role role)
{
    return role == pb::ROLE_FACILITATOR || role == pb::ROLE_ADMIN;
}

// Who the room's own commands (closing a vote round at its end time) come
// from: the admin role, which may do anything a facilitator may.
model::actor server_actor()
{
    return model::actor{"server", "maptable", pb::ROLE_ADMIN, {}};  // no dots of its own: no ballot id
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
                     store::commit_queue& store, const server_limits& limits, idle_callback on_idle)
    : strand_(boost::asio::make_strand(executor))
    , work_(std::move(work))
    , id_(std::move(room_id))
    , store_(store)
    , limits_(limits)
    , on_idle_(std::move(on_idle))
    , committed_(id_)
    , speculative_(id_)
    , presence_timer_(strand_)
    , idle_timer_(strand_)
    , vote_timer_(strand_)
    , server_sink_(std::make_shared<server_command_sink>(id_))
{
}

// ------------------------------------------------------------------ loading

void room_host::load()
{
    boost::asio::post(strand_, [self = shared_from_this()] {
        if (self->phase_ != phase::created)
            return;
        self->phase_ = phase::loading;
        store::load_options options;
        options.recent_ops = self->limits_.recent_ops_per_room;
        options.events_before_snapshot = self->limits_.resume_window_events;
        self->store_.run([self, options](store::event_log& log) {
            try {
                auto history = log.load(self->id_, options);
                boost::asio::post(self->strand_, [self, h = std::move(history)]() mutable { self->on_loaded(std::move(h)); });
            } catch (const std::exception& e) {
                boost::asio::post(self->strand_, [self, why = std::string(e.what())] { self->fail_load(why); });
            }
        });
    });
}

void room_host::on_loaded(store::room_history history)
{
    if (phase_ != phase::loading)
        return;  // shut down meanwhile
    model::room_state state(id_);
    if (history.snapshot) {
        pb::RoomState snapshot;
        if (!snapshot.ParseFromString(*history.snapshot))
            return fail_load("its snapshot does not decode");
        state = model::room_state::from_proto(snapshot);
    }
    std::uint64_t seq = history.first_event_seq;
    for (const auto& bytes : history.events) {
        if (seq > history.snapshot_seq) {
            pb::Event event;
            if (!event.ParseFromString(bytes) || !state.apply(event))
                return fail_load("its log does not replay at seq " + std::to_string(state.seq() + 1));
        }
        remember_event(seq++, encode_event_piece(bytes));
    }
    committed_ = state;
    speculative_ = std::move(state);
    last_snapshot_seq_ = history.snapshot_seq;
    epoch_ = std::move(history.epoch);
    // Oldest first, so the newest stay when the window is full.
    for (auto it = history.recent_ops.rbegin(); it != history.recent_ops.rend(); ++it)
        remember_op(it->client_id, it->op_id, it->seq);
    phase_ = phase::ready;
    spdlog::info("room={} loaded seq={} events_replayed={}", id_, committed_.seq(), history.events.size());

    auto joins = std::move(waiting_joins_);
    waiting_joins_.clear();
    for (auto& j : joins)
        do_join(std::move(j));
    // Rounds whose end passed while the room was not loaded close now.
    close_ended_votes();
    if (members_.empty())
        arm_idle_timer();
}

void room_host::fail_load(const std::string& why)
{
    if (phase_ != phase::loading)
        return;
    spdlog::error("room={} failed to load: {}", id_, why);
    phase_ = phase::failed;
    auto joins = std::move(waiting_joins_);
    waiting_joins_.clear();
    for (auto& j : joins)
        j.done(join_outcome::unavailable);
    arm_idle_timer();  // unload, so a later join tries again
}

// ------------------------------------------------------------------ members

void room_host::join(std::shared_ptr<subscriber> who, model::actor actor, std::uint64_t request_id,
                     std::optional<pb::Resume> resume, join_callback done)
{
    boost::asio::post(strand_, [self = shared_from_this(), req = pending_join{std::move(who), std::move(actor), request_id,
                                                                              std::move(resume), std::move(done)}]() mutable {
        self->do_join(std::move(req));
    });
}

void room_host::do_join(pending_join request)
{
    switch (phase_) {
    case phase::created:
    case phase::loading:
        waiting_joins_.push_back(std::move(request));
        return;
    case phase::failed:
        request.done(join_outcome::unavailable);
        return;
    case phase::gone:
        request.done(join_outcome::gone);
        return;
    case phase::closing:
        request.done(join_outcome::unavailable);
        return;
    case phase::ready:
        break;
    }
    // Committed state: a removal still in the store does not refuse yet; it
    // kicks this connection when it commits.
    if (committed_.data().removed.contains(request.actor.id)) {
        request.done(join_outcome::removed);
        return;
    }
    if (members_.size() >= limits_.max_participants_per_room) {
        request.done(join_outcome::full);
        return;
    }
    idle_timer_.cancel();

    pb::Participant participant;
    participant.set_id(request.actor.id);
    participant.set_name(request.actor.name);
    participant.set_role(request.actor.role);

    auto& entry = online_[participant.id()];
    const bool first_connection = entry.connections++ == 0;
    entry.participant = participant;
    if (first_connection) {
        pb::ServerMessage joined;
        *joined.mutable_participant_joined()->mutable_participant() = participant;
        broadcast(encode_piece(joined));
    }

    members_[request.who.get()] = member{request.who, participant.id()};
    fanout_.add(request.who);
    start_presence_tick();
    // Tell the session first: its connection strand then marks it joined
    // before the Welcome is queued there, so a command the client sends the
    // moment it sees the Welcome is never refused as NOT_JOINED.
    request.done(join_outcome::joined);
    send_welcome(request, participant);
}

void room_host::send_welcome(const pending_join& request, const pb::Participant& participant)
{
    pb::ServerMessage welcome;
    auto* w = welcome.mutable_welcome();
    w->set_request_id(request.request_id);
    *w->mutable_you() = participant;
    for (const auto& [id, online] : online_)
        *w->add_online() = online.participant;
    w->set_protocol_version(1);
    w->set_server_version(MAPTABLE_VERSION);
    w->set_epoch(epoch_);
    w->set_server_time_ms(now_ms());
    w->set_ballot_id(request.actor.ballot_id);

    // Resume from memory only when the client's history is ours (same epoch,
    // not ahead of us) and every event it missed is still kept.
    const auto head = committed_.seq();
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
        // A join storm into a large room: the state is encoded once per seq,
        // not once per client (bench B5).
        if (!welcome_state_ || welcome_state_seq_ != committed_.seq()) {
            welcome_state_ = std::make_shared<const std::string>(committed_.to_proto().SerializeAsString());
            welcome_state_seq_ = committed_.seq();
        }
        catch_up.push_back(encode_welcome_piece(*w, *welcome_state_));
    }
    request.who->deliver_catch_up(std::move(catch_up));
}

void room_host::update_participant(model::actor actor)
{
    boost::asio::post(strand_, [self = shared_from_this(), actor = std::move(actor)] {
        auto it = self->online_.find(actor.id);
        if (it == self->online_.end())
            return;
        it->second.participant.set_name(actor.name);
        it->second.participant.set_role(actor.role);
        pb::ServerMessage changed;
        *changed.mutable_participant_joined()->mutable_participant() = it->second.participant;
        self->broadcast(encode_piece(changed));
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
        auto it = self->members_.find(who);
        if (it != self->members_.end())
            self->drop_member(it);
    });
}

void room_host::drop_member(std::map<const subscriber*, member>::iterator it)
{
    const std::string participant_id = it->second.participant_id;
    fanout_.remove(it->first);
    members_.erase(it);
    auto online = online_.find(participant_id);
    if (online != online_.end() && --online->second.connections == 0) {
        online_.erase(online);
        dirty_presence_.erase(participant_id);
        pb::ServerMessage left;
        left.mutable_participant_left()->set_participant_id(participant_id);
        broadcast(encode_piece(left));
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
            drop_member(it);   // erases only it: next stays valid
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
    boost::asio::post(strand_, [self = shared_from_this(), sender = std::move(sender), actor = std::move(actor),
                                client_id = std::move(client_id), command = std::move(command)]() mutable {
        self->do_submit(std::move(sender), std::move(actor), std::move(client_id), std::move(command));
    });
}

void room_host::do_submit(std::shared_ptr<subscriber> sender, model::actor actor, std::string client_id,
                          pb::ClientMessage command)
{
    const std::uint64_t request_id = command.request_id();
    if (phase_ != phase::ready) {
        sender->deliver(error_piece(request_id, pb::ERROR_CODE_ROOM_UNAVAILABLE,
                                    phase_ == phase::closing ? "the server is shutting down; resend after reconnecting"
                                                             : "the room is not available; join again"));
        return;
    }
    if (request_id != 0 && !client_id.empty()) {
        // A retry (after a reconnect, or a restart) of a command already
        // sequenced: acknowledge it with its original seq, never apply twice.
        auto seen = recent_ops_.find(op_key(client_id, request_id));
        if (seen != recent_ops_.end()) {
            if (seen->second <= committed_.seq())
                sender->deliver(ack_piece(request_id, seen->second));
            else if (!attach_retry(seen->second, sender, request_id))
                sender->deliver(ack_piece(request_id, seen->second));  // unreachable: pending seqs are in a batch
            return;
        }
    }

    auto result = speculative_.validate(command, actor, now_ms());
    if (auto* refused = std::get_if<model::rejection>(&result)) {
        spdlog::debug("room={} refused request={} code={}", id_, request_id, pb::ErrorCode_Name(refused->code));
        metrics::global().refusals.add(static_cast<std::size_t>(refused->code) / 10);
        sender->deliver(error_piece(request_id, refused->code, std::move(refused->message)));
        return;
    }
    auto& event = std::get<pb::Event>(result);
    speculative_.apply(event);
    if (request_id != 0 && !client_id.empty())
        remember_op(client_id, request_id, event.seq());

    pending_event pending;
    pending.bytes = event.SerializeAsString();
    pending.event = std::move(event);
    pending.sender = sender;
    pending.request_id = request_id;
    pending.client_id = std::move(client_id);
    queued_.push_back(std::move(pending));
    if (in_store_.empty())
        start_commit();
}

void room_host::start_commit()
{
    in_store_ = std::move(queued_);
    queued_.clear();
    std::vector<store::event_record> records;
    records.reserve(in_store_.size());
    for (const auto& p : in_store_) {
        store::event_record r;
        r.room_id = id_;
        r.seq = p.event.seq();
        r.time_ms = p.event.time_ms();
        describe(p.event, r);
        r.client_id = p.client_id;
        r.op_id = p.client_id.empty() ? 0 : p.request_id;
        r.bytes = p.bytes;
        records.push_back(std::move(r));
    }
    store_.append(std::move(records), [self = shared_from_this()](store::append_error result) {
        boost::asio::post(self->strand_, [self, result] { self->on_committed(result); });
    });
}

void room_host::on_committed(store::append_error result)
{
    if (result != store::append_error::ok) {
        spdlog::error("room={} could not store events {}..{}: {}", id_, in_store_.front().event.seq(),
                      in_store_.back().event.seq(), result == store::append_error::duplicate ? "duplicate key" : "I/O error");
        // Nothing of this batch is in the log, and the next batch was validated
        // against it: refuse both and go back to what is stored.
        for (auto* batch : {&in_store_, &queued_}) {
            for (auto& p : *batch) {
                forget_op(p.client_id, p.request_id);
                auto refuse = [](const std::shared_ptr<subscriber>& who, std::uint64_t request_id) {
                    who->deliver(error_piece(request_id, pb::ERROR_CODE_STORE_UNAVAILABLE,
                                             "the change could not be stored and was not applied; try again"));
                };
                if (auto sender = p.sender.lock())
                    refuse(sender, p.request_id);
                for (const auto& retry : p.retries)
                    if (auto who = retry.who.lock())
                        refuse(who, retry.request_id);
            }
            batch->clear();
        }
        speculative_ = committed_;
        // Rounds whose CloseVote was refused with the batch are tried again,
        // after a pause, so a store that keeps failing is not hammered.
        std::erase_if(votes_closing_, [&](const std::string& id) {
            const auto* round = committed_.find_vote(id);
            return round == nullptr || !round->closed();
        });
        if (phase_ == phase::closing)
            finish_shutdown();
        else
            arm_vote_timer(std::chrono::seconds(1));
        return;
    }

    metrics::global().events_committed.add(in_store_.size());
    // The whole batch goes to each member in one hand-over (one per lane in
    // the per-core model): the events in order, then each sender's acks.
    std::size_t fanned_out = 0;
    for (auto& p : in_store_) {
        committed_.apply(p.event);
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
    in_store_.clear();
    maybe_snapshot();
    if (phase_ == phase::ready)
        arm_vote_timer();
    if (!queued_.empty())
        start_commit();
    else if (phase_ == phase::closing)
        finish_shutdown();
    else if (members_.empty())
        arm_idle_timer();
}

bool room_host::attach_retry(std::uint64_t seq, const std::shared_ptr<subscriber>& sender, std::uint64_t request_id)
{
    for (auto* batch : {&in_store_, &queued_})
        for (auto& p : *batch)
            if (p.event.seq() == seq) {
                p.retries.push_back(ack_target{sender, request_id});
                return true;
            }
    return false;
}

void room_host::maybe_snapshot()
{
    if (committed_.seq() - last_snapshot_seq_ < limits_.snapshot_every_events)
        return;
    last_snapshot_seq_ = committed_.seq();
    auto bytes = committed_.to_proto().SerializeAsString();
    store_.run([room = id_, seq = last_snapshot_seq_, bytes = std::move(bytes)](store::event_log& log) {
        try {
            log.save_snapshot(room, seq, bytes);
        } catch (const std::exception& e) {
            // A missing snapshot costs replay time, never data: the log is complete.
            spdlog::warn("room={} snapshot at seq={} not saved: {}", room, seq, e.what());
        }
    });
}

void room_host::remember_op(const std::string& client_id, std::uint64_t op_id, std::uint64_t seq)
{
    auto key = op_key(client_id, op_id);
    recent_ops_[key] = seq;
    recent_ops_order_.push_back(std::move(key));
    while (recent_ops_order_.size() > limits_.recent_ops_per_room) {
        recent_ops_.erase(recent_ops_order_.front());
        recent_ops_order_.pop_front();
    }
}

void room_host::forget_op(const std::string& client_id, std::uint64_t op_id)
{
    if (!client_id.empty())
        recent_ops_.erase(op_key(client_id, op_id));
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
                    auto it = std::lower_bound(messages->begin(), messages->end(), target,
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
        if (self->phase_ != phase::ready)
            return who->deliver(error_piece(request_id, pb::ERROR_CODE_ROOM_UNAVAILABLE,
                                            "the room is not available; join again"));
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
        const auto head = self->committed_.seq();
        // The present needs no replay.
        if (const auto* at = std::get_if<replay_at_seq>(&*target); at && at->seq == head)
            return who->deliver(answer(self->committed_));
        if (self->replays_running_ >= self->limits_.max_replays_per_room)
            return who->deliver(error_piece(request_id, pb::ERROR_CODE_RATE_LIMITED,
                                            "too many replays of this room are running; ask again shortly"));
        ++self->replays_running_;
        // Bounded by the committed seq: a replay never shows an event before
        // the room has published it. Folded on the work pool: neither the
        // room's strand nor an event loop waits for it.
        replay_async(self->store_, self->work_, self->id_, *target, head,
                     [self, who, request_id, answer](replay_result result) {
                         if (auto* state = std::get_if<model::room_state>(&result))
                             who->deliver(answer(*state));
                         else
                             who->deliver(error_piece(request_id, std::get<replay_failure>(result).code,
                                                      std::get<replay_failure>(result).message));
                         boost::asio::post(self->strand_, [self] { --self->replays_running_; });
                     });
    });
}

// ------------------------------------------------------------------ votes with an end time

void room_host::arm_vote_timer(std::chrono::milliseconds at_least)
{
    std::optional<std::int64_t> next_end;
    for (const auto& [id, round] : speculative_.data().votes)
        if (!round.closed() && round.end_time_ms() > 0 && !votes_closing_.contains(id))
            next_end = std::min(next_end.value_or(round.end_time_ms()), round.end_time_ms());
    if (!next_end) {
        vote_timer_.cancel();
        return;
    }
    const auto wait = std::clamp<std::chrono::milliseconds>(std::chrono::milliseconds(*next_end - now_ms()), at_least,
                                                            std::max<std::chrono::milliseconds>(at_least, longest_vote_wait));
    vote_timer_.expires_after(wait);
    vote_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec)
            self->close_ended_votes();
    });
}

void room_host::close_ended_votes()
{
    if (phase_ != phase::ready)
        return;
    // End times are server times (the clock events carry), not steady ones.
    const auto now = now_ms();
    std::vector<std::string> ended;
    for (const auto& [id, round] : speculative_.data().votes)
        if (!round.closed() && round.end_time_ms() > 0 && round.end_time_ms() <= now && !votes_closing_.contains(id))
            ended.push_back(id);
    for (const auto& id : ended) {
        votes_closing_.insert(id);   // once: a refusal is logged, not retried (only a failed store is)
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
        if (!self->online_.contains(presence.participant_id()))
            return;
        auto [slot, fresh] = self->dirty_presence_.try_emplace(presence.participant_id());
        if (!fresh)
            metrics::global().queue_drops.add();   // an update not yet sent is replaced
        auto& latest = slot->second;
        latest.set_participant_id(presence.participant_id());
        if (presence.has_cursor())
            *latest.mutable_cursor() = presence.cursor();
        if (presence.has_viewport())
            *latest.mutable_viewport() = presence.viewport();
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
            self->on_presence_tick();
    });
}

void room_host::on_presence_tick()
{
    if (!dirty_presence_.empty())
        send_presence(std::exchange(dirty_presence_, {}));
    if (!members_.empty() && phase_ == phase::ready)
        start_presence_tick();
}

void room_host::send_presence(std::map<std::string, pb::ParticipantPresence> changed)
{
    const auto& room = committed_.data();
    if (!room.settings.hide_cursors()) {
        pb::ServerMessage update;
        for (auto& [id, p] : changed)
            *update.mutable_presence()->add_presence() = std::move(p);
        broadcast(encode_piece(update));
        return;
    }
    // Cursors hidden: two variants, each encoded once. Facilitators see
    // everyone; the others see facilitators, and the follow leader's viewport
    // (their view follows it).
    pb::ServerMessage all, visible;
    for (auto& [id, p] : changed) {
        auto online = online_.find(id);
        const bool from_facilitator = online != online_.end() && sees_hidden_presence(online->second.participant.role());
        if (from_facilitator) {
            *visible.mutable_presence()->add_presence() = p;
        } else if (id == room.follow.leader_id() && p.has_viewport()) {
            auto* leader = visible.mutable_presence()->add_presence();
            leader->set_participant_id(id);
            *leader->mutable_viewport() = p.viewport();
        }
        *all.mutable_presence()->add_presence() = std::move(p);
    }
    const auto to_facilitators = encode_piece(all);
    const auto to_others = visible.presence().presence_size() > 0 ? encode_piece(visible) : nullptr;
    for (auto& [key, m] : members_) {
        auto who = m.who.lock();
        if (!who)
            continue;
        auto online = online_.find(m.participant_id);
        const bool facilitator = online != online_.end() && sees_hidden_presence(online->second.participant.role());
        if (facilitator)
            who->deliver(to_facilitators);
        else if (to_others)
            who->deliver(to_others);
    }
}

// ------------------------------------------------------------------ lifetime

void room_host::arm_idle_timer()
{
    idle_timer_.expires_after(limits_.room_idle_unload);
    idle_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (ec || !self->members_.empty() || !self->waiting_joins_.empty())
            return;
        if (!self->in_store_.empty() || !self->queued_.empty())
            return self->arm_idle_timer();
        self->phase_ = phase::gone;
        // Nothing may keep an unloaded room alive; its votes close when it loads again.
        self->vote_timer_.cancel();
        self->on_idle_(*self);
    });
}

void room_host::shutdown(std::string reason, std::function<void()> done)
{
    boost::asio::post(strand_, [self = shared_from_this(), reason = std::move(reason), done = std::move(done)]() mutable {
        self->shutdown_reason_ = std::move(reason);
        self->shutdown_done_ = std::move(done);
        const bool committing = self->phase_ == phase::ready && !self->in_store_.empty();
        self->phase_ = phase::closing;
        // What is in the store finishes (acks and events go out); commands
        // sequenced behind it were never stored: refuse them, clients resend.
        for (auto& p : self->queued_) {
            self->forget_op(p.client_id, p.request_id);
            if (auto sender = p.sender.lock())
                sender->deliver(error_piece(p.request_id, pb::ERROR_CODE_ROOM_UNAVAILABLE,
                                            "the server is shutting down; resend after reconnecting"));
        }
        self->queued_.clear();
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
        j.done(join_outcome::unavailable);
    waiting_joins_.clear();
    if (auto done = std::exchange(shutdown_done_, nullptr))
        done();
}

} // namespace maptable::room
