// Layer: metrics (beside every layer; depends on none). What an operator
// scrapes at GET /metrics, in the Prometheus text format.
//
// One process-wide set of instruments, updated on hot paths with relaxed
// atomic adds: no lock, no allocation, no string formatting until a scrape.
// The instruments are fixed here rather than registered at run time, so a
// typo is a compile error and the scrape's layout is stable.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace maptable::metrics {

class counter {
public:
    void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

class gauge {
public:
    void add(std::int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
    void set(std::int64_t n) { value_.store(n, std::memory_order_relaxed); }
    std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> value_{0};
};

// Cumulative buckets with fixed upper bounds, as Prometheus histograms are.
class histogram {
public:
    explicit histogram(std::initializer_list<double> upper_bounds);
    void observe(double value);

    struct snapshot {
        std::vector<double> upper_bounds;
        std::vector<std::uint64_t> cumulative; // per bound, then +Inf last
        double sum = 0;
        std::uint64_t count = 0;
    };
    snapshot read() const;

private:
    static constexpr std::size_t max_buckets = 24;
    std::vector<double> bounds_;
    std::array<std::atomic<std::uint64_t>, max_buckets + 1> buckets_{}; // not cumulative; the last is +Inf
    std::atomic<std::uint64_t> count_{0};
    std::atomic<double> sum_{0};
};

// Counters by a small integer label (a protobuf oneof case number).
template <std::size_t N>
class counter_family {
public:
    void add(std::size_t label, std::uint64_t n = 1)
    {
        if (label < N)
            slots_[label].add(n);
    }
    std::uint64_t value(std::size_t label) const { return label < N ? slots_[label].value() : 0; }
    static constexpr std::size_t size() { return N; }

private:
    std::array<counter, N> slots_;
};

enum class resume_outcome { recovered = 0, snapshot = 1, fresh = 2 };

struct instruments {
    gauge connections; // open WebSocket connections
    gauge rooms_loaded;
    counter_family<64> commands; // by ClientMessage body field number
    counter_family<16> refusals; // by ErrorCode / 10 (the code's group), for a coarse error rate
    counter events_committed;
    counter events_fanned_out;    // event deliveries queued to connections (one per recipient)
    counter bytes_out;            // WebSocket payload bytes written
    counter frames_out;           // WebSocket messages written (each a batch)
    counter queue_drops;          // presence updates dropped by coalescing
    counter slow_consumer_closes; // connections closed at the outbound limit or write deadline
    counter_family<3> resumes;    // by resume_outcome
    counter handler_exceptions;   // exceptions that escaped a handler to an event loop (one connection or room ended)
    gauge store_writable;         // 1 while the store accepts writes; 0 once its file was lost or it failed for good
    gauge rooms_owned;            // rooms whose lease this node holds (several nodes on PostgreSQL; 0 on SQLite)
    counter lease_steps_down;     // rooms given up because another node took their lease (renewal or fenced append)
    counter redirects;            // joins sent to the node that owns their room
    histogram commit_batch_events{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
    histogram commit_seconds{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1};
    histogram ack_seconds{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
};

// The process's instruments.
instruments& global();

// The exposition of every instrument (text format 0.0.4). command_name maps
// a ClientMessage field number to its name (nullptr: not a command), so this
// file need not know the protocol.
std::string render(const instruments& m, const char* (*command_name)(int field_number));

} // namespace maptable::metrics
