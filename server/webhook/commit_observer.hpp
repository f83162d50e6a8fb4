// Layer: webhook (hook). How a room tells the webhook dispatcher that it has
// committed events, without the room layer knowing webhooks.
//
// One process-wide observer, installed by the server's wiring before the
// first room can commit and removed only after every room has stopped (so
// no notify_commit can run while it is being destroyed). Header-only, so
// the room layer links nothing for it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace maptable::webhook {

class commit_observer {
public:
    virtual ~commit_observer() = default;
    // Events of room_id up to seq are durable. Called on the room's strand
    // after each commit: it must only hand the news to another thread,
    // never block, never throw.
    virtual void on_commit(const std::string& room_id, std::uint64_t seq) noexcept = 0;
};

namespace detail {
inline std::atomic<commit_observer*> installed_observer{nullptr};
}

// Installs observer (nullptr: none).
inline void observe_commits(commit_observer* observer)
{
    detail::installed_observer.store(observer, std::memory_order_release);
}

// Called by a room after a commit: tells the observer, if there is one.
inline void notify_commit(const std::string& room_id, std::uint64_t seq) noexcept
{
    if (auto* observer = detail::installed_observer.load(std::memory_order_acquire))
        observer->on_commit(room_id, seq);
}

} // namespace maptable::webhook
