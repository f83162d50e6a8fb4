// Layer: room. The rooms loaded in this process, by id.
//
// Thread-safe. The mutex guards the map lookup only; everything a room does
// runs on the room's own strand.
#pragma once

#include "limits.hpp"
#include "room/room_host.hpp"

#include <boost/asio/any_io_executor.hpp>

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

    // Shutdown: no room opens any more; every room finishes its in-flight
    // commit and disconnects its members with reason; drained runs once all
    // have (at once when none is loaded). Call once.
    void shutdown_all(std::string reason, std::function<void()> drained);

private:
    void unload(room_host& host);

    executor_source room_executor_;
    boost::asio::any_io_executor work_;
    store::commit_queue& store_;
    const server_limits& limits_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<room_host>> rooms_;
    bool shutting_down_ = false;
};

} // namespace maptable::room
