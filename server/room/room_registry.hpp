// Layer: room. The rooms loaded in this process, by id.
//
// Thread-safe. The mutex guards the map lookup only; everything a room does
// runs on the room's own strand.
//
// With leases enabled (several nodes on one PostgreSQL store), each room
// claims its lease when it loads (room_host), and the registry renews the
// leases of every loaded room in one statement every third of the lease, on
// the store's writer thread; a room whose lease another node has taken steps
// down. Renewals that fail (the database unreachable) are retried; once the
// last successful one is a whole lease ago, every room steps down, since
// another node may have taken them over by now.
#pragma once

#include "limits.hpp"
#include "room/room_host.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <optional>
#include <vector>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace maptable::room {

class room_registry {
public:
    // Where a room runs (the room adds its own strand on it).
    using executor_source = std::function<boost::asio::any_io_executor(std::string_view room_id)>;

    // work: where heavy work that is no room's (folding a replay) runs, off
    // every event loop: a small thread pool of the server's.
    room_registry(executor_source room_executor, boost::asio::any_io_executor work, store::commit_queue& store,
                  const server_limits& limits);

    // The host of room_id, loading it from the store if it is not in memory;
    // nullptr when limits.max_rooms_loaded rooms are loaded or the server is
    // shutting down.
    std::shared_ptr<room_host> open(const std::string& room_id);

    std::size_t loaded() const;

    // Rooms are claimed by lease under me from now on, and renewed. Call
    // once, before the first open (the server does, when its store is
    // PostgreSQL). Without it, rooms load without leases (SQLite).
    void enable_leases(store::lease_owner me);

    // Shutdown: no room opens any more; every room finishes its in-flight
    // commit and disconnects its members with reason; drained runs once all
    // have (at once when none is loaded). Call once.
    void shutdown_all(std::string reason, std::function<void()> drained);

private:
    void unload(room_host& host);
    void arm_renewal();
    void renew_leases();
    void on_renewed(std::vector<store::held_lease> held, std::optional<std::vector<std::string>> lost);

    executor_source room_executor_;
    boost::asio::any_io_executor work_;
    store::commit_queue& store_;
    const server_limits& limits_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<room_host>> rooms_;
    bool shutting_down_ = false;

    std::optional<store::lease_owner> lease_;            // set once, before serving
    boost::asio::steady_timer renewal_timer_;            // on work_; guarded by mutex_
    std::chrono::steady_clock::time_point last_renewed_; // the last renewal the database confirmed; mutex_
};

} // namespace maptable::room
