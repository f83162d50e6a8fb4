#include "room/room_registry.hpp"

#include "metrics/metrics.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <vector>

namespace maptable::room {

room_registry::room_registry(executor_source room_executor, boost::asio::any_io_executor work,
                             store::commit_queue& store, const server_limits& limits)
    : room_executor_(std::move(room_executor))
    , work_(std::move(work))
    , store_(store)
    , limits_(limits)
{
}

std::shared_ptr<room_host> room_registry::open(const std::string& room_id)
{
    std::shared_ptr<room_host> host;
    {
        std::lock_guard lock(mutex_);
        if (shutting_down_)
            return nullptr;
        auto it = rooms_.find(room_id);
        if (it != rooms_.end())
            return it->second;
        if (rooms_.size() >= limits_.max_rooms_loaded) {
            spdlog::warn("room={} not loaded: {} rooms are loaded, the limit", room_id, rooms_.size());
            return nullptr;
        }
        auto& slot = rooms_[room_id];
        slot = std::make_shared<room_host>(room_executor_(room_id), work_, room_id, store_, limits_,
                                           [this](room_host& h) { unload(h); });
        host = slot;
        metrics::global().rooms_loaded.set(static_cast<std::int64_t>(rooms_.size()));
    }
    host->load();
    return host;
}

void room_registry::unload(room_host& host)
{
    std::lock_guard lock(mutex_);
    auto it = rooms_.find(host.id());
    if (it != rooms_.end() && it->second.get() == &host) {
        rooms_.erase(it);
        metrics::global().rooms_loaded.set(static_cast<std::int64_t>(rooms_.size()));
        spdlog::info("room={} unloaded (idle)", host.id());
    }
}

std::size_t room_registry::loaded() const
{
    std::lock_guard lock(mutex_);
    return rooms_.size();
}

void room_registry::shutdown_all(std::string reason, std::function<void()> drained)
{
    std::vector<std::shared_ptr<room_host>> rooms;
    {
        std::lock_guard lock(mutex_);
        shutting_down_ = true;
        for (auto& [id, host] : rooms_)
            rooms.push_back(host);
    }
    if (rooms.empty()) {
        drained();
        return;
    }
    // The last room to finish calls drained.
    auto remaining = std::make_shared<std::atomic<std::size_t>>(rooms.size());
    auto done = std::make_shared<std::function<void()>>(std::move(drained));
    for (auto& host : rooms)
        host->shutdown(reason, [remaining, done] {
            if (--*remaining == 0)
                (*done)();
        });
}

} // namespace maptable::room
