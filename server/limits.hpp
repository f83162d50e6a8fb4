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
    std::chrono::seconds http_request_timeout{10};  // a slow-loris client gets no longer than this to send its request
    std::size_t http_header_limit = 8 * 1024;       // an upgrade request has a handful of short headers
    std::size_t http_body_limit = 64 * 1024;        // no route takes a large body yet

    // --- WebSocket
    std::size_t ws_read_message_max = 64 * 1024;     // a command is small; the largest legal one (2000 positions, ~61 KB) fits
    std::size_t ws_outbound_queue_max = 16 * 1024 * 1024; // past this a reader is too slow: close, let it resume
    std::chrono::seconds ws_handshake_timeout{10};    // Beast's suggested server value
    std::chrono::seconds ws_idle_timeout{60};         // with keep-alive pings at half of it, a dead peer is found within a minute

    // --- Rooms
    std::chrono::milliseconds presence_tick{50};      // 20 Hz: smooth cursors, O(N) messages per tick per room
    std::chrono::seconds room_idle_unload{60};        // a room nobody is in is dropped from memory after this
    std::uint64_t snapshot_every_events = 1000;       // joins and restarts replay at most this many events
    std::size_t max_batch_events = 1024;              // events in one group commit
    std::size_t recent_ops_per_room = 100000;         // (client, op) ids remembered to acknowledge retries without a store read
};

} // namespace maptable
