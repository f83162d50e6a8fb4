// Every limit and timeout of the server, with its default and why. One struct,
// filled from flags and the environment by app/config, read by every layer.
// Content limits of commands (lengths, vertices) live with the state machine
// in protocol/model/limits.hpp, because the SDK applies the same ones.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace maptable {

struct server_limits {
    // --- HTTP, before the WebSocket upgrade
    std::chrono::seconds http_request_timeout{10}; // a slow-loris client gets no longer than this to send its request
    std::size_t http_header_limit = 8 * 1024;      // an upgrade request has a handful of short headers
    std::size_t http_body_limit = 64 * 1024;       // no route takes a large body yet

    // --- Connections
    std::size_t max_connections = 20000; // file descriptors and memory: well under a default ulimit raised for a server
    std::size_t max_connections_per_ip =
        200; // a whole municipal office behind one NAT fits; one script cannot take the server
    std::chrono::seconds join_timeout{10}; // a connection that never sends Join is closed (JOIN_TIMEOUT)

    // --- WebSocket
    std::size_t ws_read_message_max =
        64 * 1024; // a command is small; the largest legal one (2000 positions, ~61 KB) fits
    std::size_t ws_outbound_queue_max =
        16 * 1024 * 1024; // live pieces queued past this: the reader is too slow: close 1013, let it resume. A join's
                          // catch-up (Welcome, missed events) is not counted: it is sent in full
    std::chrono::seconds ws_write_timeout{15}; // a write this long, then this long with no byte acknowledged: the peer
                                               // stopped reading: drop it, it resumes
    std::chrono::seconds ws_handshake_timeout{10}; // Beast's suggested server value
    std::chrono::seconds ws_idle_timeout{
        60}; // with keep-alive pings at half of it, a dead peer is found within a minute

    // --- Per connection rates (token buckets)
    double command_rate = 100;   // commands per second, sustained: far above a person, below a flood
    double command_burst = 1000; // a backlog resent after a resume, or a host app importing marks, fits
    double presence_rate = 40;   // cursor/viewport updates per second; beyond it they are coalesced, newest sent later
    int rate_strikes_before_close = 50; // refused commands before the connection is closed (sustained flood)

    // --- Rooms
    std::chrono::milliseconds presence_tick{50}; // 20 Hz: smooth cursors, O(N) messages per tick per room
    std::chrono::seconds room_idle_unload{60};   // a room nobody is in is dropped from memory after this
    std::uint64_t snapshot_every_events = 1000;  // joins and restarts replay at most this many events
    std::size_t max_batch_events = 1024;         // events in one group commit
    std::chrono::microseconds commit_window{
        2000}; // appends gather this long before a commit: fewer, larger transactions (store/commit_queue.hpp)
    std::size_t recent_ops_per_room = 100000; // (client, op) ids remembered to acknowledge retries without a store read
    std::size_t resume_window_events = 10000; // events kept in memory per room to answer a Resume without a snapshot
    std::size_t max_participants_per_room =
        500; // a plenary of a large network fits; beyond it fan-out cost grows quadratically
    std::size_t max_rooms_loaded = 10000; // rooms in memory at once (idle ones are unloaded)
    std::size_t max_replays_per_room =
        4; // GetStateAt folds up to a room's whole log: a few at once per room, the rest RATE_LIMITED

    // --- Shutdown
    std::chrono::seconds shutdown_timeout{10}; // SIGTERM: in-flight commits finish and clients are closed within this
};

} // namespace maptable
