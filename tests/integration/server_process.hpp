// Test harness: a real maptable-server process on a free loopback port with a
// data directory of its own, and helpers to join it.
#pragma once

#include "auth/join_token.hpp"
#include "maptable/client.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <vector>

namespace maptable::test {

inline constexpr const char* test_secret = "integration-test-secret-0123456789abcdef";

class server_process {
public:
    // Starts the server on port 0 in a fresh temporary data directory.
    explicit server_process(std::vector<std::string> extra_args = {});
    ~server_process(); // kills the server and removes the data directory

    // Starts it again on the same data directory and port (after stop() or kill9()).
    void start();
    // SIGTERM and wait for the exit; returns the exit status.
    int stop();
    // SIGKILL and reap: no chance to flush anything.
    void kill9();

    bool running() const { return pid_ > 0; }
    unsigned short port() const { return port_; }
    std::string url() const;
    const std::filesystem::path& data_dir() const { return data_dir_; }
    std::string db_path() const { return (data_dir_ / "maptable.db").string(); }
    // The server's stderr so far (its log), for failure messages.
    std::string log() const;

    // A join token signed with the server's secret.
    std::string token(const std::string& room, const std::string& name, pb::Role role = pb::ROLE_PARTICIPANT,
                      std::int64_t ttl_seconds = 3600) const;

    // Client options for room with a fresh token.
    client_options options(const std::string& room, const std::string& name,
                           pb::Role role = pb::ROLE_PARTICIPANT) const;

private:
    std::vector<std::string> extra_args_;
    std::filesystem::path data_dir_;
    pid_t pid_ = -1;
    unsigned short port_ = 0;
};

// Records a client's events and lets a test wait for them without sleeping.
class event_recorder {
public:
    explicit event_recorder(client& c);
    ~event_recorder(); // detaches from the client: no callback reaches a dead recorder
    // Waits until the client's replica reached seq and, for events after the
    // recorder was made, this recorder has seen them (the replica advances
    // just before the event callbacks run); false on timeout. Not for a
    // client that may resume from a snapshot: the events inside a snapshot
    // Welcome are never delivered, so this can wait forever with the replica
    // already at seq.
    bool wait_for_seq(std::uint64_t seq, std::chrono::seconds timeout = std::chrono::seconds(30));
    // Waits until pred() holds (checked after each event, presence or roster
    // change). pred may call this recorder's accessors: the lock is recursive.
    template <class Pred>
    bool wait_until(Pred pred, std::chrono::seconds timeout = std::chrono::seconds(30))
    {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return pred(); });
    }
    std::vector<pb::Event> events() const;
    std::vector<pb::PresenceUpdate> presence() const;
    std::vector<std::string> joined() const;
    std::vector<std::string> left() const;

private:
    void notify();
    client& client_;
    mutable std::recursive_mutex mutex_;
    std::condition_variable_any changed_;
    std::vector<pb::Event> events_;
    std::uint64_t start_seq_ = 0;    // the client's seq when recording began
    std::uint64_t recorded_seq_ = 0; // the seq of the newest event recorded
    std::vector<pb::PresenceUpdate> presence_;
    std::vector<std::string> joined_, left_;
};

// Connects and joins; fails the test when the join is refused.
void join_or_fail(client& c);

// A point marker at (lon, lat), for tests that need a feature.
pb::Feature point_feature(const std::string& id, double lon, double lat, const std::string& title = {});

// An area titled "district ID" with n positions on a small circle (about 20
// bytes each), for tests that need large features.
pb::Feature large_area(const std::string& id, int n);

} // namespace maptable::test
