#include "room/fanout.hpp"

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

std::size_t fanout::send()
{
    std::size_t delivered = 0;
    auto batch = std::make_shared<const std::vector<shared_piece>>(std::move(to_all_));
    to_all_.clear();
    for (auto& group : lanes_) {
        if ((batch->empty() || group.members->empty()) && group.ones.empty())
            continue;
        delivered += batch->size() * group.members->size();
        boost::asio::post(group.executor, [members = group.members, batch, ones = std::move(group.ones)] {
            if (!batch->empty())
                for (const auto& [key, weak] : *members)
                    if (auto who = weak.lock())
                        who->deliver_on_lane(*batch);
            for (const auto& [who, piece] : ones)
                who->deliver_on_lane({piece});
        });
        group.ones.clear();
    }
    if (!batch->empty())
        for (const auto& [key, weak] : unlaned_)
            if (auto who = weak.lock()) {
                who->deliver_all(*batch);
                delivered += batch->size();
            }
    for (auto& [who, piece] : to_one_)
        who->deliver(std::move(piece));
    to_one_.clear();
    return delivered;
}

} // namespace maptable::room
