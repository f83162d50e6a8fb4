// Layer: bench. The load generator's configuration, its result, and the one
// entry point that runs a load (driver.cpp, the only file that includes Beast).
//
// One io_context, one thread: every simulated client is a WebSocket
// connection with its own send schedule (a steady_timer that never drifts and
// never waits for replies: open loop). Receivers compute publish-to-deliver
// latency from a steady-clock timestamp the sender writes into each payload;
// sender and receivers share the process, so they share the clock.
#pragma once

#include "histogram.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace maptable::bench {

enum class wire_mode { maptable, raw };

// What the clients send besides chat-like events.
enum class mix_kind {
    chat,  // SendChat only (raw mode: one frame per event)
    mixed, // per 4 events: AddFeature, SendChat, UpdateFeature, SendChat (raw mode: frames)
    edits, // AddFeature once, then UpdateFeature of it (acked durable edits: the durable-edits scenario)
};

struct config {
    wire_mode mode = wire_mode::maptable;
    std::string host = "127.0.0.1";
    unsigned short port = 8080;
    std::string path = "/v1/ws"; // maptable mode; raw mode connects to /<room>
    int clients = 10;
    int room_size = 5;           // clients are put in rooms of this size, in order
    std::vector<int> room_sizes; // when set: explicit rooms (e.g. 20 x 25 + 2 x 200); overrides room_size
    double rate = 1.0;           // events per second per client; 0: idle (the idle scenario)
    double cursor_hz = 0;        // cursor moves per second per client (not counted as events)
    mix_kind mix = mix_kind::chat;
    double warmup_s = 2;
    double duration_s = 5;
    double drain_s = 3;       // after the window: wait at most this long for the window's deliveries
    std::size_t payload = 64; // chat text bytes (timestamp included)
    std::size_t frame_bytes =
        0;              // raw mode: bytes per frame; 0 = the size of a maptable chat Event frame with this payload
    std::string secret; // maptable mode: token signing secret
    std::string room_prefix = "bench";
    int slow = 0;             // this many clients (the last of the first room) stop reading and sending at the start
    int writers = 0;          // when set: only the first this many members of each room send; the rest only read
    int server_pid = 0;       // for CPU seconds and RSS of the server over the window
    unsigned short port2 = 0; // when set: odd-numbered rooms go to this second server (thread-model runs)
    int server_pid2 = 0;      // its pid: CPU and RSS are the sum of both servers
    bool join_only =
        false; // join storm and restart scenarios: open and join every client, then stop (no load, no window)
    double connect_retry_s =
        0; // restart scenario: keep retrying refused connections this long (the server is starting)
    bool slow_resume =
        false; // slow-consumer scenario: after the drain the slow members read again, then rejoin with a Resume
    int connect_concurrency = 256; // connections being opened at once
    std::string label;             // copied into the JSON line
};

// Snapshot of a process from /proc (server) or getrusage (self).
struct cpu_rss {
    double cpu_s = 0;       // utime + stime
    double store_cpu_s = 0; // of its threads named store-* (maptable's store writer and readers)
    long rss_kib = 0;       // VmRSS
    long hwm_kib = 0;       // VmHWM (peak RSS)
    bool ok = false;
};

struct result {
    int clients_ready = 0;
    double connect_s = 0;                 // time to open and join every client
    std::uint64_t sent = 0;               // events sent in the window
    std::uint64_t expected = 0;           // their deliveries to other (reading) members
    std::uint64_t delivered = 0;          // of those, delivered (window plus drain)
    std::uint64_t received_in_window = 0; // any event delivered to another member during the window
    std::uint64_t self_events = 0;        // maptable: own events echoed back (window sends)
    std::uint64_t acks = 0;               // maptable: acks of window sends
    std::uint64_t cursor_sent = 0;
    std::uint64_t presence_frames = 0; // PresenceUpdate (maptable) or cursor frames (raw) received
    std::uint64_t errors = 0;          // connect/handshake/join failures, Error messages, unexpected closes
    std::map<std::string, std::uint64_t> error_kinds;
    std::uint64_t late_sends = 0;   // sends that ran more than 1 ms behind their schedule
    std::size_t max_send_queue = 0; // most messages queued on one connection
    histogram latency;              // publish -> deliver, ns
    histogram ack_latency;          // maptable: command -> Ack, ns
    double window_s = 0;
    cpu_rss server_before_connect, server_start, server_end;
    cpu_rss server_joined;            // every client joined, before the first send: what idle connections hold
    double machine_busy_window_s = 0; // every core's non-idle time over the window (/proc/stat)
    double loadgen_cpu_window_s = 0;
    double loadgen_cpu_total_s = 0;
    std::size_t frame_bytes = 0; // raw mode frame size used
    int writers = 0;             // clients that send (every client unless config::writers is set)

    // Joins (every mode; the figures of the join storm and restart scenarios).
    histogram join_latency;          // connect started -> Welcome (raw mode: handshake done), ns
    std::uint64_t welcome_bytes = 0; // bytes of the frames that carried a Welcome
    std::int64_t first_ready_unix_ns =
        0; // system clock at the first Welcome (restart scenario: minus the server's start)
    std::int64_t all_ready_unix_ns = 0; // system clock when the last client was ready
    std::uint64_t connect_retries = 0;

    // The slow members after the window (slow-consumer scenario with --slow-resume).
    std::string slow_close; // how the server ended the slow connection: "close 1013: ...", "reset: ...", "not closed"
    std::string resume_outcome; // "recovered" (missed events sent), "snapshot" (state sent), "failed: ...", "not run"
    std::uint64_t slow_last_seq =
        0; // the seq the slow member had applied (when it stopped reading; when its connection ended)
    std::uint64_t resume_events = 0; // events received after the resume's Welcome
    std::uint64_t resume_seq = 0;    // the seq its replica reached
    std::uint64_t room_seq = 0;      // the newest seq the room's reading members saw (what it must reach)
    double resume_s = 0;             // reconnect -> replica at room_seq
};

result run(const config& cfg);

cpu_rss read_process(int pid); // /proc/<pid>/stat and /status
double self_cpu_seconds();     // getrusage(RUSAGE_SELF)
double machine_busy_seconds(); // non-idle CPU time of every core since boot (/proc/stat)

} // namespace maptable::bench
