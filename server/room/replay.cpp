#include "room/replay.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <exception>
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

// One asynchronous replay: the state between pages, and who to tell.
class replay_run : public std::enable_shared_from_this<replay_run> {
public:
    replay_run(store::commit_queue& store, boost::asio::any_io_executor fold_on, std::string room_id,
               std::function<void(replay_result)> done)
        : store_(store)
        , fold_on_(std::move(fold_on))
        , room_id_(std::move(room_id))
        , done_(std::move(done))
    {
    }

    // On the writer thread: resolve the target, read the snapshot and the first page.
    void start(replay_target at, std::uint64_t up_to_seq)
    {
        store_.read([self = shared_from_this(), at, up_to_seq](store::event_log& log) {
            try {
                auto resolved = resolve(log, self->room_id_, at, up_to_seq);
                if (auto* failed = std::get_if<replay_failure>(&resolved))
                    return self->finish(std::move(*failed));
                const auto target = std::get<std::uint64_t>(resolved);
                auto snapshot = target == 0 ? std::nullopt : log.snapshot_at_most(self->room_id_, target);
                const auto [from, to] = next_page(snapshot ? snapshot->seq : 0, target);
                auto page = from <= to ? log.events_between(self->room_id_, from, to) : std::vector<std::string>{};
                boost::asio::post(self->fold_on_, [self, target, snapshot = std::move(snapshot),
                                                   page = std::move(page)] {
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
            return done_(std::move(*state_));
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
    std::uint64_t target_ = 0;
    std::optional<model::room_state> state_;
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
        return std::move(state);
    } catch (const std::exception& e) {
        return unreadable(e.what());
    }
}

void replay_async(store::commit_queue& store, boost::asio::any_io_executor fold_on, std::string room_id,
                  replay_target at, std::uint64_t up_to_seq, std::function<void(replay_result)> done)
{
    std::make_shared<replay_run>(store, std::move(fold_on), std::move(room_id), std::move(done))
        ->start(at, up_to_seq);
}

} // namespace maptable::room
