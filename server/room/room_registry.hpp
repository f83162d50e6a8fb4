// Layer: room. The rooms loaded in this process, by id.
//
// Thread-safe. The mutex guards the map lookup only; everything a room does
// runs on the room's own strand.
#pragma once

#include "limits.hpp"
#include "room/room_host.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace maptable::room {

class room_registry {
public:
    room_registry(boost::asio::io_context& io, store::commit_queue& store, const server_limits& limits);

    // The host of room_id, loading it from the store if it is not in memory.
    std::shared_ptr<room_host> open(const std::string& room_id);

    std::size_t loaded() const;

    // Disconnects everyone in every room (shutdown).
    void shutdown_all(const std::string& reason);

private:
    void unload(room_host& host);

    boost::asio::io_context& io_;
    store::commit_queue& store_;
    const server_limits& limits_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<room_host>> rooms_;
};

} // namespace maptable::room
