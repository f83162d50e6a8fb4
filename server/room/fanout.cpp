// The pieces for everyone are joined into runs of at most 8 KiB once per
// send() (room/piece_runs.hpp), not once per member; on a lane a member's own
// pieces (the sender's ack) come in the same hand-over as the batch, so that
// they leave in the same write.
#include "room/fanout.hpp"

#include "room/piece_runs.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace maptable::room {

fanout::lane_group& fanout::group_of(const boost::asio::any_io_executor& executor)
{
    for (auto& group : lanes_)
        if (group.executor == executor)
            return group;
    lanes_.push_back(lane_group{executor, std::make_shared<const member_list>(), {}});
    return lanes_.back();
}

void fanout::add(const std::shared_ptr<subscriber>& who)
{
    ++members_;
    if (const auto* lane = who->lane()) {
        auto& group = group_of(*lane);
        auto grown = std::make_shared<member_list>(*group.members);
        grown->emplace_back(who.get(), who);
        group.members = std::move(grown);
        return;
    }
    unlaned_.emplace_back(who.get(), who);
}

void fanout::remove(const subscriber* who)
{
    const auto is_who = [who](const member_entry& entry) { return entry.first == who; };
    if (std::erase_if(unlaned_, is_who) > 0) {
        --members_;
        return;
    }
    for (auto& group : lanes_) {
        if (std::none_of(group.members->begin(), group.members->end(), is_who))
            continue;
        auto shrunk = std::make_shared<member_list>(*group.members);
        std::erase_if(*shrunk, is_who);
        group.members = std::move(shrunk);
        --members_;
        return;
    }
}

void fanout::to_one(std::shared_ptr<subscriber> who, shared_piece piece)
{
    if (const auto* lane = who->lane()) {
        group_of(*lane).ones.emplace_back(std::move(who), std::move(piece));
        return;
    }
    to_one_.emplace_back(std::move(who), std::move(piece));
}

namespace {

using addressed_piece = std::pair<std::shared_ptr<subscriber>, shared_piece>;

// Delivers, on a lane's thread, the batch to each member and, in the same
// hand-over, the pieces for that member alone: the sender's ack leaves in
// the write that carries its event, not in one of its own behind it.
void deliver_lane_batch(const std::vector<std::pair<const subscriber*, std::weak_ptr<subscriber>>>& members,
                        const std::vector<shared_piece>& batch, std::vector<addressed_piece> ones)
{
    // By recipient, each one's pieces in the order queued.
    std::stable_sort(ones.begin(), ones.end(),
                     [](const addressed_piece& a, const addressed_piece& b) { return a.first < b.first; });
    std::vector<bool> delivered_ones(ones.size(), false);
    std::vector<shared_piece> with_ones; // batch + one member's pieces, reused
    const auto pieces_of = [&](const subscriber* who) {
        auto first = std::lower_bound(ones.begin(), ones.end(), who,
                                      [](const addressed_piece& a, const subscriber* b) { return a.first.get() < b; });
        auto last = first;
        while (last != ones.end() && last->first.get() == who)
            ++last;
        return std::pair(first, last);
    };
    if (!batch.empty())
        for (const auto& [key, weak] : members) {
            auto who = weak.lock();
            if (!who)
                continue;
            const auto [first, last] = ones.empty() ? std::pair(ones.end(), ones.end()) : pieces_of(key);
            if (first == last) {
                who->deliver_on_lane(batch);
                continue;
            }
            with_ones.assign(batch.begin(), batch.end());
            for (auto it = first; it != last; ++it) {
                with_ones.push_back(it->second);
                delivered_ones[static_cast<std::size_t>(it - ones.begin())] = true;
            }
            who->deliver_on_lane(with_ones);
        }
    // Recipients that are not members (or got no batch), one hand-over each.
    for (std::size_t i = 0; i < ones.size();) {
        std::size_t next = i;
        with_ones.clear();
        while (next < ones.size() && ones[next].first == ones[i].first) {
            if (!delivered_ones[next])
                with_ones.push_back(ones[next].second);
            ++next;
        }
        if (!with_ones.empty())
            ones[i].first->deliver_on_lane(with_ones);
        i = next;
    }
}

} // namespace

std::size_t fanout::send()
{
    std::size_t delivered = 0;
    // Counted per event, handed over in runs.
    const std::size_t events = to_all_.size();
    auto batch = std::make_shared<const std::vector<shared_piece>>(join_pieces(std::move(to_all_)));
    to_all_.clear();
    for (auto& group : lanes_) {
        if ((batch->empty() || group.members->empty()) && group.ones.empty())
            continue;
        delivered += events * group.members->size();
        boost::asio::post(group.executor, [members = group.members, batch, ones = std::move(group.ones)]() mutable {
            deliver_lane_batch(*members, *batch, std::move(ones));
        });
        group.ones.clear();
    }
    if (!batch->empty())
        for (const auto& [key, weak] : unlaned_)
            if (auto who = weak.lock()) {
                who->deliver_all(*batch);
                delivered += events;
            }
    for (auto& [who, piece] : to_one_)
        who->deliver(std::move(piece));
    to_one_.clear();
    return delivered;
}

} // namespace maptable::room
