// Layer: room (pure). The sequencer's rules; see sequencer.hpp.
#include "room/sequencer.hpp"

#include "room/event_record.hpp"

#include <algorithm>

namespace maptable::room {
namespace {

std::string op_key(const std::string& op_client, std::uint64_t op_id)
{
    return op_client + '\n' + std::to_string(op_id);
}

reply ack_to(std::weak_ptr<subscriber> to, std::uint64_t request_id, std::uint64_t seq)
{
    reply r;
    r.to = std::move(to);
    r.request_id = request_id;
    r.seq = seq;
    return r;
}

reply error_to(std::weak_ptr<subscriber> to, std::uint64_t request_id, pb::ErrorCode code, std::string message)
{
    reply r;
    r.to = std::move(to);
    r.request_id = request_id;
    r.code = code;
    r.message = std::move(message);
    return r;
}

// The same answer to a command's sender and to everyone who retried it.
void answer_all(const sequenced_command& c, const std::optional<std::uint64_t>& seq, pb::ErrorCode code,
                const std::string& message, sequencer_actions& out)
{
    out.replies.push_back(seq ? ack_to(c.sender, c.request_id, *seq) : error_to(c.sender, c.request_id, code, message));
    for (const auto& retry : c.retries)
        out.replies.push_back(seq ? ack_to(retry.who, retry.request_id, *seq)
                                  : error_to(retry.who, retry.request_id, code, message));
}

constexpr const char* not_stored_message = "the change could not be stored and was not applied; try again";

} // namespace

// A client id is 1-64 characters of [A-Za-z0-9._-] (the session checks it),
// so the separator never occurs in it and the pair reads back unambiguously.
// Rows stored before this rule hold the bare client id.
std::string op_client_of(const std::string& participant_id, const std::string& client_id)
{
    return client_id.empty() ? std::string() : participant_id + '\x1f' + client_id;
}

sequencer::sequencer(std::string room_id, std::size_t recent_ops)
    : room_id_(std::move(room_id)), recent_ops_limit_(recent_ops), committed_(room_id_)
{
}

void sequencer::load(model::room_state state, const std::vector<store::op_record>& recent_ops, std::size_t load_limit)
{
    committed_ = std::move(state);
    speculative_.reset();
    // Oldest first, so the newest stay when the window is full.
    for (auto it = recent_ops.rbegin(); it != recent_ops.rend(); ++it)
        remember_op(it->client_id, it->op_id, it->seq);
    ops_beyond_window_ = ops_beyond_window_ || recent_ops.size() >= load_limit;
}

const model::room_state& sequencer::speculative() const
{
    if (speculative_)
        return *speculative_;
    if (in_store_.empty() && queued_.empty())
        return committed_;
    // Each of these events was validated against the state before it: they apply.
    speculative_.emplace(committed_);
    for (const auto* batch : {&in_store_, &queued_})
        for (const auto& p : *batch)
            speculative_->apply(p.event);
    return *speculative_;
}

sequencer_actions sequencer::submit(std::weak_ptr<subscriber> sender, model::actor actor, const std::string& client_id,
                                    pb::ClientMessage command, std::int64_t now_ms,
                                    std::chrono::steady_clock::time_point received)
{
    sequencer_actions out;
    const std::uint64_t request_id = command.request_id();
    auto op_client = op_client_of(actor.id, client_id);
    if (request_id != 0 && !op_client.empty()) {
        // A retry (after a reconnect, or a restart) of a command already
        // sequenced: acknowledge it with its original seq, never apply twice.
        auto seen = recent_ops_.find(op_key(op_client, request_id));
        if (seen == recent_ops_.end())
            seen = recent_ops_.find(op_key(client_id, request_id)); // a row stored before ids named the participant
        if (seen != recent_ops_.end()) {
            // A seq not yet stored is in a batch: its answer is the original's.
            if (seen->second > committed_.seq() && attach_retry(seen->second, sender, request_id))
                return out;
            out.replies.push_back(ack_to(std::move(sender), request_id, seen->second));
            return out;
        }
    }

    sequenced_command pending;
    pending.sender = std::move(sender);
    pending.request_id = request_id;
    pending.op_client = request_id == 0 ? std::string() : std::move(op_client);
    pending.command = std::move(command);
    pending.actor = std::move(actor);
    pending.received = received;
    if (sequence(std::move(pending), now_ms, out) && in_store_.empty())
        start_batch(out);
    return out;
}

// Validates a command against the speculative state and, when it passes,
// applies it there and queues it for the next batch; otherwise answers its
// sender (and anyone who retried it) why, or asks for a look-up when the log
// may hold it. Returns whether it was queued.
bool sequencer::sequence(sequenced_command pending, std::int64_t now_ms, sequencer_actions& out)
{
    auto result = speculative().validate(pending.command, pending.actor, now_ms);
    if (auto* refused = std::get_if<model::rejection>(&result)) {
        out.refusals.emplace_back(pending.request_id, refused->code);
        if (!pending.op_client.empty() && ops_beyond_window_) {
            const auto separator = pending.op_client.rfind('\x1f');
            refusal_lookup lookup;
            lookup.bare_client =
                separator == std::string::npos ? std::string() : pending.op_client.substr(separator + 1);
            lookup.command = std::move(pending);
            lookup.refused = std::move(*refused);
            out.look_ups.push_back(std::move(lookup));
            return false;
        }
        answer_all(pending, std::nullopt, refused->code, refused->message, out);
        return false;
    }
    auto& event = std::get<pb::Event>(result);
    if (speculative_)
        speculative_->apply(event); // else queued_ below carries it
    if (!pending.op_client.empty())
        remember_op(pending.op_client, pending.request_id, event.seq());
    pending.bytes = event.SerializeAsString();
    pending.event = std::move(event);
    queued_.push_back(std::move(pending));
    return true;
}

void sequencer::start_batch(sequencer_actions& out)
{
    in_store_ = std::move(queued_);
    queued_.clear();
    out.append.reserve(in_store_.size());
    for (const auto& p : in_store_) {
        store::event_record r;
        r.room_id = room_id_;
        r.seq = p.event.seq();
        r.time_ms = p.event.time_ms();
        describe(p.event, r);
        r.client_id = p.op_client;
        r.op_id = p.op_client.empty() ? 0 : p.request_id;
        r.bytes = p.bytes;
        out.append.push_back(std::move(r));
    }
}

sequencer_actions sequencer::on_append(store::append_error result)
{
    sequencer_actions out;
    if (in_store_.empty())
        return out; // dropped meanwhile (drop_all): nobody waits for this answer
    out.first_seq = in_store_.front().event.seq();
    out.last_seq = in_store_.back().event.seq();
    switch (result) {
    case store::append_error::duplicate: {
        // in_store_ stays filled meanwhile: new commands queue behind it and
        // are sequenced again with the rest.
        std::vector<std::pair<std::string, std::uint64_t>> ops;
        ops.reserve(in_store_.size());
        for (const auto& p : in_store_)
            ops.emplace_back(p.op_client, p.request_id);
        out.look_up_batch = std::move(ops);
        return out;
    }
    case store::append_error::fenced: out.step_down = true; return out;
    case store::append_error::io:
        // Nothing of this batch is in the log, and the next batch was
        // validated against it: refuse both and go back to what is stored.
        refuse_pending(not_stored_message, out);
        out.store_failed = true;
        return out;
    case store::append_error::ok: break;
    }
    for (auto& p : in_store_) {
        committed_.apply(p.event);
        out.published.push_back(std::move(p));
    }
    in_store_.clear();
    if (!queued_.empty())
        start_batch(out);
    return out;
}

sequencer_actions sequencer::on_stored_ops(std::optional<std::vector<std::optional<std::uint64_t>>> stored,
                                           bool closing, std::int64_t now_ms)
{
    sequencer_actions out;
    if (in_store_.empty())
        return out;
    out.first_seq = in_store_.front().event.seq();
    out.last_seq = in_store_.back().event.seq();
    const bool any = stored && stored->size() == in_store_.size() &&
        std::any_of(stored->begin(), stored->end(), [](const auto& seq) { return seq.has_value(); });
    if (!any) {
        // No command of the batch is in the log: the key that collided is a
        // seq, so the log holds events this room never sequenced. Its state
        // cannot be trusted: refuse, then load it again from the log.
        refuse_pending(not_stored_message, out);
        if (stored)
            out.reload = true;
        else
            out.store_failed = true;
        return out;
    }
    std::vector<sequenced_command> again;
    for (std::size_t i = 0; i < in_store_.size(); ++i) {
        auto& p = in_store_[i];
        forget_op(p.op_client, p.request_id);
        if (const auto seq = (*stored)[i]) {
            remember_op(p.op_client, p.request_id, *seq);
            answer_all(p, *seq, pb::ERROR_CODE_UNSPECIFIED, {}, out);
        } else {
            again.push_back(std::move(p));
        }
    }
    for (auto& p : queued_) {
        forget_op(p.op_client, p.request_id);
        again.push_back(std::move(p));
    }
    in_store_.clear();
    queued_.clear();
    speculative_.reset(); // the committed state, until a second command needs its own
    // In their original order, against the committed state: a retry never
    // costs a bystander its command.
    for (auto& p : again) {
        if (closing) {
            // Shutting down: nothing new goes to the store; clients resend after they resume.
            out.replies.push_back(error_to(p.sender, p.request_id, pb::ERROR_CODE_ROOM_UNAVAILABLE,
                                           "the server is shutting down; resend after reconnecting"));
            continue;
        }
        sequence(std::move(p), now_ms, out);
    }
    if (!queued_.empty())
        start_batch(out);
    return out;
}

sequencer_actions sequencer::on_refusal_looked_up(refusal_lookup lookup, std::optional<std::uint64_t> stored)
{
    sequencer_actions out;
    if (stored)
        remember_op(lookup.command.op_client, lookup.command.request_id, *stored);
    answer_all(lookup.command, stored, lookup.refused.code, lookup.refused.message, out);
    return out;
}

sequencer_actions sequencer::refuse_queued(const std::string& message)
{
    sequencer_actions out;
    for (auto& p : queued_) {
        forget_op(p.op_client, p.request_id);
        out.replies.push_back(error_to(p.sender, p.request_id, pb::ERROR_CODE_ROOM_UNAVAILABLE, message));
    }
    queued_.clear();
    // What validates next builds on what is stored or being stored only:
    // committed_ and in_store_, made into a state when a command needs it.
    speculative_.reset();
    return out;
}

void sequencer::drop_all()
{
    in_store_.clear();
    queued_.clear();
    speculative_.reset();
}

// Refuses every command of the batch in the store and of the next one
// (nothing of them is stored) and goes back to the committed state.
void sequencer::refuse_pending(const char* message, sequencer_actions& out)
{
    for (auto* batch : {&in_store_, &queued_}) {
        for (auto& p : *batch) {
            forget_op(p.op_client, p.request_id);
            answer_all(p, std::nullopt, pb::ERROR_CODE_STORE_UNAVAILABLE, message, out);
        }
        batch->clear();
    }
    speculative_.reset();
}

bool sequencer::attach_retry(std::uint64_t seq, const std::weak_ptr<subscriber>& sender, std::uint64_t request_id)
{
    for (auto* batch : {&in_store_, &queued_})
        for (auto& p : *batch)
            if (p.event.seq() == seq) {
                p.retries.push_back(ack_target{sender, request_id});
                return true;
            }
    return false;
}

void sequencer::remember_op(const std::string& op_client, std::uint64_t op_id, std::uint64_t seq)
{
    auto key = op_key(op_client, op_id);
    recent_ops_[key] = seq;
    recent_ops_order_.push_back(std::move(key));
    while (recent_ops_order_.size() > recent_ops_limit_) {
        recent_ops_.erase(recent_ops_order_.front());
        recent_ops_order_.pop_front();
        ops_beyond_window_ = true;
    }
}

void sequencer::forget_op(const std::string& op_client, std::uint64_t op_id)
{
    if (!op_client.empty())
        recent_ops_.erase(op_key(op_client, op_id));
}

} // namespace maptable::room
