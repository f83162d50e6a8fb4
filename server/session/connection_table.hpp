// Layer: session. The table of every live network connection of this
// server, whatever it carries (HTTP, WebSocket, TLS or not): the connection
// limits are checked against it and a shutdown closes through it. It is in
// the session layer because server_context, which every connection shares,
// holds it; only net admits and releases.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace maptable::session {

// Every accepted socket from its accept until it is closed: counted against
// max_connections and max_connections_per_ip, and reachable through a
// "closer" so that a shutdown can end the ones no room will close.
//
// Thread-safe. The mutex guards the counts and the closers only; closers and
// the empty callback are always called outside it.
class connection_table {
public:
    enum class admission { admitted, server_full, address_full, shutting_down };

    // Counts connection id from address unless a limit is reached or a
    // shutdown has begun. Every admitted id must be released exactly once.
    admission admit(std::uint64_t id, const std::string& address, std::size_t max_total, std::size_t max_per_address)
    {
        std::lock_guard lock(mutex_);
        if (shutting_down_)
            return admission::shutting_down;
        if (live_.size() >= max_total)
            return admission::server_full;
        auto& from_address = per_address_[address];
        if (from_address >= max_per_address) {
            if (from_address == 0)
                per_address_.erase(address);
            return admission::address_full;
        }
        ++from_address;
        live_.emplace(id, entry{address, {}});
        return admission::admitted;
    }

    // What closes connection id at shutdown (called from any thread; it must
    // post to the connection's strand). Replaces the previous closer, e.g.
    // when an HTTP connection becomes a WebSocket. Once a shutdown has begun
    // the closer is called at once.
    void set_closer(std::uint64_t id, std::function<void()> closer)
    {
        {
            std::lock_guard lock(mutex_);
            auto it = live_.find(id);
            if (it == live_.end())
                return;
            if (!shutting_down_) {
                it->second.closer = std::move(closer);
                return;
            }
        }
        closer();
    }

    void release(std::uint64_t id)
    {
        std::function<void()> now_empty;
        {
            std::lock_guard lock(mutex_);
            auto it = live_.find(id);
            if (it == live_.end())
                return;
            if (auto per = per_address_.find(it->second.address); per != per_address_.end() && --per->second == 0)
                per_address_.erase(per);
            live_.erase(it);
            if (live_.empty())
                now_empty = std::move(on_empty_);
        }
        if (now_empty)
            now_empty();
    }

    std::size_t live() const
    {
        std::lock_guard lock(mutex_);
        return live_.size();
    }

    // Shutdown: admits nothing more; calls every live connection's closer.
    void close_all()
    {
        std::vector<std::function<void()>> closers;
        {
            std::lock_guard lock(mutex_);
            shutting_down_ = true;
            for (auto& [id, e] : live_)
                if (e.closer)
                    closers.push_back(e.closer);
        }
        for (auto& c : closers)
            c();
    }

    // Calls done once, when no connection is left (at once if none is).
    // An empty function clears a pending callback.
    void when_empty(std::function<void()> done)
    {
        {
            std::lock_guard lock(mutex_);
            if (!live_.empty() || !done) {
                on_empty_ = std::move(done);
                return;
            }
        }
        done();
    }

private:
    struct entry {
        std::string address;
        std::function<void()> closer;
    };
    mutable std::mutex mutex_;
    bool shutting_down_ = false;
    std::unordered_map<std::uint64_t, entry> live_;
    std::unordered_map<std::string, std::size_t> per_address_;
    std::function<void()> on_empty_;
};

} // namespace maptable::session
