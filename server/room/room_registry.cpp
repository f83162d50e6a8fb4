#include "room/room_registry.hpp"

#include <spdlog/spdlog.h>

namespace maptable::room {

room_registry::room_registry(boost::asio::io_context& io, store::commit_queue& store, const server_limits& limits)
    : io_(io)
    , store_(store)
    , limits_(limits)
{
}

std::shared_ptr<room_host> room_registry::open(const std::string& room_id)
{
    std::shared_ptr<room_host> host;
    {
        std::lock_guard lock(mutex_);
        auto& slot = rooms_[room_id];
        if (slot)
            return slot;
        slot = std::make_shared<room_host>(io_.get_executor(), room_id, store_, limits_,
                                           [this](room_host& h) { unload(h); });
        host = slot;
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
        spdlog::info("room={} unloaded (idle)", host.id());
    }
}

std::size_t room_registry::loaded() const
{
    std::lock_guard lock(mutex_);
    return rooms_.size();
}

void room_registry::shutdown_all(const std::string& reason)
{
    std::lock_guard lock(mutex_);
    for (auto& [id, host] : rooms_)
        host->shutdown(reason);
}

} // namespace maptable::room
