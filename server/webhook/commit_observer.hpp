// Layer: webhook (hook). How a room tells the webhook dispatcher that it has
// committed events, and who arrived or left, without the room layer knowing
// webhooks.
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

// A participant's arrival on a room's roster (their first connection) or
// departure from it (their last). Presence, not an event of the log: it is
// told once, when it happens, and kept nowhere else.
struct presence_change {
    enum class kind { joined, left };
    kind what = kind::joined;
    std::string participant_id;
    std::string name;
    int role = 0;                 // the maptable.v1.Role value
    std::int64_t time_ms = 0;     // the server's time, Unix ms
    std::uint64_t after_seq = 0;  // the room's newest committed seq when it happened
    std::uint64_t session_id = 0; // the workshop session running then, 0 for none
};

class commit_observer {
public:
    virtual ~commit_observer() = default;
    // Events of room_id up to seq are durable. Called on the room's strand
    // after each commit: it must only hand the news to another thread,
    // never block, never throw.
    virtual void on_commit(const std::string& room_id, std::uint64_t seq) noexcept = 0;
    // Someone joined or left room_id's roster. Called on the room's strand:
    // the same rules as on_commit.
    virtual void on_presence(const std::string& room_id, const presence_change& change) noexcept
    {
        (void)room_id;
        (void)change;
    }
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

// Called by a room when its roster gains or loses someone.
inline void notify_presence(const std::string& room_id, const presence_change& change) noexcept
{
    if (auto* observer = detail::installed_observer.load(std::memory_order_acquire))
        observer->on_presence(room_id, change);
}

} // namespace maptable::webhook
