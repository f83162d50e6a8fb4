#include "room/replay.hpp"

#include "model/limits.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace maptable::room {
namespace {

replay_failure beyond(std::uint64_t seq, std::uint64_t last)
{
    return {pb::ERROR_CODE_SEQ_OUT_OF_RANGE,
            "seq " + std::to_string(seq) + " is beyond the room's last event (seq " + std::to_string(last) + ")"};
}

replay_failure unreadable(const std::string& why)
{
    return {pb::ERROR_CODE_STORE_UNAVAILABLE, "the room's history could not be read (" + why + "); try again"};
}

// The seq that target names, no higher than up_to_seq.
std::variant<std::uint64_t, replay_failure> resolve(store::event_log& log, const std::string& room_id,
                                                    const replay_target& at, std::uint64_t up_to_seq)
{
    if (const auto* s = std::get_if<replay_at_seq>(&at)) {
        if (s->seq > up_to_seq)
            return beyond(s->seq, up_to_seq);
        return s->seq;
    }
    const auto time_ms = std::get<replay_at_time>(at).time_ms;
    if (auto seq = log.seq_at_time(room_id, time_ms, up_to_seq))
        return *seq;
    return replay_failure{pb::ERROR_CODE_SEQ_OUT_OF_RANGE,
                          "time " + std::to_string(time_ms) + " ms is before the room's first event"};
}

// Where the fold starts: the stored snapshot when it is not past target, else the empty room.
std::variant<model::room_state, replay_failure> starting_state(const std::string& room_id,
                                                               const std::optional<store::stored_snapshot>& snapshot)
{
    if (!snapshot)
        return model::room_state(room_id);
    pb::RoomState proto;
    if (!proto.ParseFromString(snapshot->bytes) || proto.seq() != snapshot->seq)
        return replay_failure{pb::ERROR_CODE_INTERNAL, "the room's snapshot does not decode"};
    return model::room_state::from_proto(proto);
}

// Applies one page of encoded events, which must continue state's seq.
std::optional<replay_failure> fold(model::room_state& state, const std::vector<std::string>& page)
{
    for (const auto& bytes : page) {
        pb::Event event;
        if (!event.ParseFromString(bytes) || event.seq() != state.seq() + 1 || !state.apply(event))
            return replay_failure{pb::ERROR_CODE_INTERNAL,
                                  "the room's log does not replay at seq " + std::to_string(state.seq() + 1)};
    }
    return std::nullopt;
}

// The range of the next page of a fold at seq toward target.
std::pair<std::uint64_t, std::uint64_t> next_page(std::uint64_t seq, std::uint64_t target)
{
    const auto from = seq + 1;
    return {from, std::min(target, from + replay_page_events - 1)};
}

// ---- What was deleted after the replayed seq
//
// A replay shows the room as it was, except for what a facilitator or its
// author took back later: a chat message or comment deleted at any seq up to
// the head the caller may see shows as deleted (with who and why), exactly as
// the Welcome, chat history and exports show it, and never with its words.
// Chat deletions are read by the index of the messages' seqs
// (event_log::chat_changes, one read for at most limits().recent_chat
// messages); comments are compared with the state at the head, which costs
// the fold from the room's newest snapshot (at most snapshot_every_events
// events, like a load) and is skipped when the replayed state has no comment.

// The seqs of the first and last chat message the state still shows with
// its words; nullopt when none.
std::optional<std::pair<std::uint64_t, std::uint64_t>> live_chat(const model::room_state& state)
{
    std::optional<std::pair<std::uint64_t, std::uint64_t>> range;
    for (const auto& m : state.recent_chat())
        if (!m.deleted())
            range = std::pair{range ? range->first : m.seq(), m.seq()};
    return range;
}

bool has_live_comments(const model::room_state& state)
{
    for (const auto& [id, thread] : state.data().threads)
        for (const auto& c : thread.comments())
            if (!c.deleted())
                return true;
    return false;
}

// The chat deletions among encoded chat changes, after seq and at most up_to_seq.
std::vector<pb::Event> chat_deletions(const std::vector<std::string>& changes, std::uint64_t after_seq,
                                      std::uint64_t up_to_seq)
{
    std::vector<pb::Event> deletions;
    for (const auto& bytes : changes) {
        pb::Event change;
        if (change.ParseFromString(bytes) && change.has_chat_deleted() && change.seq() > after_seq &&
            change.seq() <= up_to_seq)
            deletions.push_back(std::move(change));
    }
    return deletions;
}

// The state with every message named by deletions, and every comment that
// head shows deleted, deleted as it was later.
model::room_state withhold_deleted(model::room_state state, const std::vector<pb::Event>& deletions,
                                   const model::room_state* head)
{
    std::map<std::uint64_t, const pb::Event*> deleted_chat;
    for (const auto& d : deletions)
        deleted_chat.emplace(d.chat_deleted().message_seq(), &d);
    // (thread id, comment seq) -> the comment as head shows it, deleted.
    std::map<std::pair<std::string, std::uint64_t>, const pb::Comment*> deleted_comments;
    if (head) {
        for (const auto& [id, thread] : state.data().threads) {
            const pb::Thread* later = head->find_thread(id);
            if (!later)
                continue;
            const auto& comments = later->comments(); // oldest first, so by seq
            for (const auto& c : thread.comments()) {
                const auto it = std::lower_bound(comments.begin(), comments.end(), c.seq(),
                                                 [](const pb::Comment& x, std::uint64_t seq) { return x.seq() < seq; });
                if (!c.deleted() && it != comments.end() && it->seq() == c.seq() && it->deleted())
                    deleted_comments.emplace(std::pair{id, c.seq()}, &*it);
            }
        }
    }
    if (deleted_chat.empty() && deleted_comments.empty())
        return state;
    // Only apply() changes a room_state: the change goes through its proto.
    auto proto = state.to_proto();
    for (auto& m : *proto.mutable_recent_chat())
        if (auto it = deleted_chat.find(m.seq()); it != deleted_chat.end() && !m.deleted())
            model::apply_chat_change(m, *it->second);
    for (auto& thread : *proto.mutable_threads())
        for (auto& c : *thread.mutable_comments())
            if (auto it = deleted_comments.find({thread.id(), c.seq()}); it != deleted_comments.end()) {
                c.clear_text();
                c.set_deleted(true);
                c.set_deleted_by(it->second->deleted_by());
                c.set_delete_reason(it->second->delete_reason());
            }
    return model::room_state::from_proto(proto);
}

// The first page of the fold to the head, for withholding deleted comments:
// from the room's snapshot when it lies after seq (and not after up_to_seq),
// else from the replayed state itself. Reads on the writer thread.
struct head_start {
    std::optional<store::stored_snapshot> snapshot;
    std::vector<std::string> page;
};

head_start read_head_start(store::event_log& log, const std::string& room_id, std::uint64_t seq,
                           std::uint64_t up_to_seq)
{
    head_start start;
    start.snapshot = log.snapshot_at_most(room_id, up_to_seq);
    if (start.snapshot && start.snapshot->seq <= seq)
        start.snapshot.reset();
    const auto [from, to] = next_page(start.snapshot ? start.snapshot->seq : seq, up_to_seq);
    if (from <= to)
        start.page = log.events_between(room_id, from, to);
    return start;
}

// One asynchronous replay: the state between pages, and who to tell.
class replay_run : public std::enable_shared_from_this<replay_run> {
public:
    replay_run(store::commit_queue& store, boost::asio::any_io_executor fold_on, std::string room_id,
               std::function<void(replay_result)> done)
        : store_(store), fold_on_(std::move(fold_on)), room_id_(std::move(room_id)), done_(std::move(done))
    {
    }

    // On the writer thread: resolve the target, read the snapshot and the first page.
    void start(replay_target at, std::uint64_t up_to_seq)
    {
        up_to_seq_ = up_to_seq;
        store_.read([self = shared_from_this(), at, up_to_seq](store::event_log& log) {
            try {
                auto resolved = resolve(log, self->room_id_, at, up_to_seq);
                if (auto* failed = std::get_if<replay_failure>(&resolved))
                    return self->finish(std::move(*failed));
                const auto target = std::get<std::uint64_t>(resolved);
                auto snapshot = target == 0 ? std::nullopt : log.snapshot_at_most(self->room_id_, target);
                const auto [from, to] = next_page(snapshot ? snapshot->seq : 0, target);
                auto page = from <= to ? log.events_between(self->room_id_, from, to) : std::vector<std::string>{};
                boost::asio::post(self->fold_on_,
                                  [self, target, snapshot = std::move(snapshot), page = std::move(page)] {
                    auto start = starting_state(self->room_id_, snapshot);
                    if (auto* failed = std::get_if<replay_failure>(&start))
                        return self->done_(std::move(*failed));
                    self->target_ = target;
                    self->state_.emplace(std::move(std::get<model::room_state>(start)));
                    self->on_page(page);
                });
            } catch (const std::exception& e) {
                self->finish(unreadable(e.what()));
            }
        });
    }

private:
    // On fold_on: applies a page, then asks for the next one or finishes.
    void on_page(const std::vector<std::string>& page)
    {
        const auto [from, to] = next_page(state_->seq(), target_);
        if (auto failed = fold(*state_, page))
            return done_(std::move(*failed));
        if (state_->seq() == target_)
            return withhold();
        if (page.size() < to - from + 1)
            return done_(beyond(target_, state_->seq()));
        // Not a structured binding: clang 14 cannot capture one in a lambda.
        const auto next_range = next_page(state_->seq(), target_);
        store_.read([self = shared_from_this(), next_from = next_range.first,
                     next_to = next_range.second](store::event_log& log) {
            try {
                auto next = log.events_between(self->room_id_, next_from, next_to);
                boost::asio::post(self->fold_on_, [self, next = std::move(next)] { self->on_page(next); });
            } catch (const std::exception& e) {
                self->finish(unreadable(e.what()));
            }
        });
    }

    // On fold_on, the state at target: reads what was deleted after it.
    void withhold()
    {
        const auto chat = live_chat(*state_);
        const bool comments = has_live_comments(*state_);
        if (target_ >= up_to_seq_ || (!chat && !comments))
            return done_(std::move(*state_)); // nothing shown could have been deleted later
        store_.read([self = shared_from_this(), chat, comments, seq = target_](store::event_log& log) {
            try {
                auto changes =
                    chat ? log.chat_changes(self->room_id_, chat->first, chat->second) : std::vector<std::string>{};
                auto start = comments ? std::optional(read_head_start(log, self->room_id_, seq, self->up_to_seq_))
                                      : std::nullopt;
                boost::asio::post(self->fold_on_, [self, changes = std::move(changes), start = std::move(start)] {
                    self->deletions_ = chat_deletions(changes, self->target_, self->up_to_seq_);
                    if (!start)
                        return self->done_(withhold_deleted(std::move(*self->state_), self->deletions_, nullptr));
                    auto head = start->snapshot ? starting_state(self->room_id_, start->snapshot)
                                                : std::variant<model::room_state, replay_failure>(*self->state_);
                    if (auto* failed = std::get_if<replay_failure>(&head))
                        return self->done_(std::move(*failed));
                    self->head_.emplace(std::move(std::get<model::room_state>(head)));
                    self->on_head_page(start->page);
                });
            } catch (const std::exception& e) {
                self->finish(unreadable(e.what()));
            }
        });
    }

    // On fold_on: folds the state at the head a page further, or withholds
    // what it shows deleted once the head (or the log's end) is reached.
    void on_head_page(const std::vector<std::string>& page)
    {
        const auto [from, to] = next_page(head_->seq(), up_to_seq_);
        if (auto failed = fold(*head_, page))
            return done_(std::move(*failed));
        if (head_->seq() >= up_to_seq_ || page.size() < to - from + 1)
            return done_(withhold_deleted(std::move(*state_), deletions_, &*head_));
        const auto next_range = next_page(head_->seq(), up_to_seq_);
        store_.read([self = shared_from_this(), next_from = next_range.first,
                     next_to = next_range.second](store::event_log& log) {
            try {
                auto next = log.events_between(self->room_id_, next_from, next_to);
                boost::asio::post(self->fold_on_, [self, next = std::move(next)] { self->on_head_page(next); });
            } catch (const std::exception& e) {
                self->finish(unreadable(e.what()));
            }
        });
    }

    // From the writer thread: done runs on fold_on, never on the writer.
    void finish(replay_failure failure)
    {
        boost::asio::post(fold_on_, [self = shared_from_this(), failure = std::move(failure)]() mutable {
            self->done_(std::move(failure));
        });
    }

    store::commit_queue& store_;
    boost::asio::any_io_executor fold_on_;
    std::string room_id_;
    std::function<void(replay_result)> done_;
    std::uint64_t up_to_seq_ = replay_unbounded;
    std::uint64_t target_ = 0;
    std::optional<model::room_state> state_;
    std::vector<pb::Event> deletions_;      // chat deleted after target_
    std::optional<model::room_state> head_; // the room at up_to_seq_ (or the log's end), for comments
};

} // namespace

std::optional<replay_target> replay_target_of(const pb::GetStateAt& ask)
{
    switch (ask.at_case()) {
    case pb::GetStateAt::kSeq: return replay_at_seq{ask.seq()};
    case pb::GetStateAt::kTimeMs: return replay_at_time{ask.time_ms()};
    default: return std::nullopt;
    }
}

replay_result replay(store::event_log& log, const std::string& room_id, const replay_target& at,
                     std::uint64_t up_to_seq)
{
    try {
        auto resolved = resolve(log, room_id, at, up_to_seq);
        if (auto* failed = std::get_if<replay_failure>(&resolved))
            return std::move(*failed);
        const auto target = std::get<std::uint64_t>(resolved);
        auto start = starting_state(room_id, target == 0 ? std::nullopt : log.snapshot_at_most(room_id, target));
        if (auto* failed = std::get_if<replay_failure>(&start))
            return std::move(*failed);
        auto& state = std::get<model::room_state>(start);
        while (state.seq() < target) {
            const auto [from, to] = next_page(state.seq(), target);
            const auto page = log.events_between(room_id, from, to);
            if (auto failed = fold(state, page))
                return std::move(*failed);
            if (page.size() < to - from + 1)
                return beyond(target, state.seq());
        }
        if (target >= up_to_seq)
            return std::move(state);
        const auto chat = live_chat(state);
        const auto deletions = chat
            ? chat_deletions(log.chat_changes(room_id, chat->first, chat->second), target, up_to_seq)
            : std::vector<pb::Event>{};
        if (!has_live_comments(state))
            return withhold_deleted(std::move(state), deletions, nullptr);
        auto head_from = read_head_start(log, room_id, target, up_to_seq);
        auto head = head_from.snapshot ? starting_state(room_id, head_from.snapshot)
                                       : std::variant<model::room_state, replay_failure>(state);
        if (auto* failed = std::get_if<replay_failure>(&head))
            return std::move(*failed);
        auto& later = std::get<model::room_state>(head);
        auto page = std::move(head_from.page);
        while (true) {
            const auto [from, to] = next_page(later.seq(), up_to_seq);
            if (auto failed = fold(later, page))
                return std::move(*failed);
            if (later.seq() >= up_to_seq || page.size() < to - from + 1)
                break;
            const auto next_range = next_page(later.seq(), up_to_seq);
            page = log.events_between(room_id, next_range.first, next_range.second);
        }
        return withhold_deleted(std::move(state), deletions, &later);
    } catch (const std::exception& e) {
        return unreadable(e.what());
    }
}

void replay_async(store::commit_queue& store, boost::asio::any_io_executor fold_on, std::string room_id,
                  replay_target at, std::uint64_t up_to_seq, std::function<void(replay_result)> done)
{
    std::make_shared<replay_run>(store, std::move(fold_on), std::move(room_id), std::move(done))->start(at, up_to_seq);
}

// ---- Loading a room

namespace {

// Whether the elements of items are in strictly increasing order of key:
// as room_state keeps them (maps and sets by id), and so as encode() writes them.
template <class Items, class Key>
bool strictly_increasing(const Items& items, Key key)
{
    for (int i = 1; i < items.size(); ++i)
        if (!(key(items[i - 1]) < key(items[i])))
            return false;
    return true;
}

// Whether room_state::from_proto(snapshot).encode() gives back the
// snapshot's own bytes: true of every snapshot encode() (or to_proto(), the
// same bytes) wrote, which is every snapshot a server writes. What
// from_proto would change (an order, a duplicate id, chat beyond the limit,
// a field it does not keep, an empty part encode() always writes) makes it
// false, and the state is encoded again. Cheap: no copy, one compare per id.
bool encodes_to_itself(const pb::RoomState& s)
{
    const auto by_id = [](const auto& item) -> const std::string& { return item.id(); };
    const auto itself = [](const std::string& id) -> const std::string& { return id; };
    return s.GetReflection()->GetUnknownFields(s).empty() && s.has_info() && s.has_settings() && s.has_timer() &&
        s.has_follow() && s.has_speaking() && (!s.has_breakouts() || s.breakouts().ByteSizeLong() > 0) &&
        (!s.has_breakout_of() || s.breakout_of().ByteSizeLong() > 0) &&
        static_cast<std::size_t>(s.recent_chat_size()) <= model::limits().recent_chat &&
        strictly_increasing(s.features(), by_id) && strictly_increasing(s.threads(), by_id) &&
        strictly_increasing(s.votes(), by_id) && strictly_increasing(s.layers(), by_id) &&
        strictly_increasing(s.attachments(), by_id) && strictly_increasing(s.muted(), itself) &&
        strictly_increasing(s.removed(), itself);
}

// The snapshot's state: decoded into a message that is taken apart, not
// copied. itself: whether the snapshot's bytes are the state's encoding.
std::optional<model::room_state> decode_snapshot(const std::string& bytes, bool& itself)
{
    pb::RoomState proto;
    if (!proto.ParseFromString(bytes))
        return std::nullopt;
    itself = encodes_to_itself(proto);
    return model::room_state::from_proto(std::move(proto));
}

} // namespace

std::variant<loaded_room, load_failure> fold_loaded_history(const std::string& room_id, store::room_history history)
{
    try {
        std::optional<model::room_state> state;
        bool snapshot_is_encoding = false;
        if (history.snapshot) {
            state = decode_snapshot(*history.snapshot, snapshot_is_encoding);
            if (!state)
                return load_failure{"its snapshot does not decode"};
            if (!snapshot_is_encoding)
                history.snapshot.reset(); // the state holds it now: 2.5 MB less while the rest is built
        } else {
            state.emplace(room_id);
        }
        std::vector<std::pair<std::uint64_t, shared_piece>> recent;
        recent.reserve(history.events.size());
        std::uint64_t seq = history.first_event_seq;
        pb::Event event;
        for (const auto& bytes : history.events) {
            if (seq > history.snapshot_seq) {
                if (!event.ParseFromString(bytes) || !state->apply(event))
                    return load_failure{"its log does not replay at seq " + std::to_string(state->seq() + 1)};
            }
            recent.emplace_back(seq++, encode_event_piece(bytes));
        }
        // No event after the snapshot: its bytes are the Welcome's state at
        // this seq, and the load need not encode 2.5 MB again.
        auto state_bytes = snapshot_is_encoding && state->seq() == history.snapshot_seq
            ? std::make_shared<const std::string>(std::move(*history.snapshot))
            : std::make_shared<const std::string>(state->encode());
        history.snapshot.reset();
        return loaded_room{
            std::move(*state),        std::move(recent),    std::move(state_bytes), std::move(history.recent_ops),
            std::move(history.epoch), history.snapshot_seq, history.events.size()};
    } catch (const std::exception& e) {
        return load_failure{std::string("its history could not be folded: ") + e.what()};
    }
}

} // namespace maptable::room
