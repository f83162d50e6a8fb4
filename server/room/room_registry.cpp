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
    , renewal_timer_(work_)
{
}

void room_registry::enable_leases(store::lease_owner me)
{
    std::lock_guard lock(mutex_);
    lease_ = std::move(me);
    last_renewed_ = std::chrono::steady_clock::now();
    arm_renewal();
}

// With mutex_ held.
void room_registry::arm_renewal()
{
    if (shutting_down_ || !lease_)
        return;
    // A third of the lease: two renewals may be lost or late before it expires.
    renewal_timer_.expires_after(std::max(lease_->ttl / 3, std::chrono::milliseconds(1)));
    renewal_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec)
            renew_leases();
    });
}

void room_registry::renew_leases()
{
    std::vector<store::held_lease> held;
    {
        std::lock_guard lock(mutex_);
        if (shutting_down_)
            return;
        for (const auto& [id, host] : rooms_)
            if (const auto generation = host->lease_generation())
                held.push_back({id, generation});
        if (held.empty()) {
            last_renewed_ = std::chrono::steady_clock::now();
            return arm_renewal();
        }
    }
    // The next renewal is armed when this one has answered, so a slow
    // database never has two of them queued.
    store_.run([this, me = *lease_, held = std::move(held)](store::event_log& log) mutable {
        std::optional<std::vector<std::string>> lost;
        try {
            if (auto* leases = log.leases())
                lost = leases->renew(held, me);
            else
                lost.emplace();
        } catch (const std::exception& e) {
            spdlog::warn("room leases not renewed: {}; trying again", e.what());
        }
        on_renewed(std::move(held), std::move(lost));
    });
}

void room_registry::on_renewed(std::vector<store::held_lease> held, std::optional<std::vector<std::string>> lost)
{
    std::vector<std::pair<std::shared_ptr<room_host>, std::uint64_t>> stepping_down;
    std::string why;
    {
        std::lock_guard lock(mutex_);
        const auto now = std::chrono::steady_clock::now();
        auto host_of = [&](const store::held_lease& h) {
            auto it = rooms_.find(h.room_id);
            if (it != rooms_.end())
                stepping_down.emplace_back(it->second, h.generation);
        };
        if (lost) {
            last_renewed_ = now;
            for (const auto& room : *lost)
                for (const auto& h : held)
                    if (h.room_id == room)
                        host_of(h);
            why = "its lease renewal found another node holding it";
        } else if (now - last_renewed_ >= lease_->ttl) {
            // Unconfirmed for a whole lease: another node may own these rooms
            // now. Fencing keeps the log safe either way; stepping down stops
            // clients from waiting on a room whose writes would be refused.
            for (const auto& h : held)
                host_of(h);
            why = "its lease could not be renewed for a whole lease";
        }
        arm_renewal();
    }
    for (auto& [host, generation] : stepping_down)
        host->step_down(generation, why);
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
        slot = std::make_shared<room_host>(
            room_executor_(room_id), work_, room_id, store_, limits_, [this](room_host& h) { unload(h); },
            lease_ ? &*lease_ : nullptr);
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
        // A room found owned by another node was never loaded: not worth a line per redirected join.
        if (host.moved_to().empty())
            spdlog::info("room={} unloaded", host.id());
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
        // The work pool is joined at the end of a shutdown: a pending wait would hold it.
        renewal_timer_.cancel();
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
