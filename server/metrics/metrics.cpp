// Layer: metrics. Instruments and their Prometheus text exposition.
#include "metrics/metrics.hpp"

#include <charconv>
#include <stdexcept>

namespace maptable::metrics {

histogram::histogram(std::initializer_list<double> upper_bounds) : bounds_(upper_bounds)
{
    if (bounds_.size() > max_buckets)
        throw std::logic_error("histogram: too many buckets");
}

void histogram::observe(double value)
{
    std::size_t i = 0;
    while (i < bounds_.size() && value > bounds_[i])
        ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    double sum = sum_.load(std::memory_order_relaxed);
    while (!sum_.compare_exchange_weak(sum, sum + value, std::memory_order_relaxed)) {}
}

histogram::snapshot histogram::read() const
{
    snapshot s;
    s.upper_bounds = bounds_;
    std::uint64_t running = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        running += buckets_[i].load(std::memory_order_relaxed);
        s.cumulative.push_back(running);
    }
    s.count = running; // consistent with the buckets even while others observe
    s.sum = sum_.load(std::memory_order_relaxed);
    return s;
}

instruments& global()
{
    static instruments all;
    return all;
}

namespace {

std::string number(double v)
{
    char buffer[32];
    const auto r = std::to_chars(buffer, buffer + sizeof buffer, v);
    return std::string(buffer, r.ptr);
}

void header(std::string& out, const char* name, const char* type, const char* help)
{
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

void sample(std::string& out, const std::string& name, std::uint64_t value)
{
    out += name;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
}

void scalar(std::string& out, const char* name, const char* type, const char* help, std::int64_t value)
{
    header(out, name, type, help);
    out += name;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
}

void write_histogram(std::string& out, const char* name, const char* help, const histogram& h)
{
    header(out, name, "histogram", help);
    const auto s = h.read();
    for (std::size_t i = 0; i < s.upper_bounds.size(); ++i)
        sample(out, std::string(name) + "_bucket{le=\"" + number(s.upper_bounds[i]) + "\"}", s.cumulative[i]);
    sample(out, std::string(name) + "_bucket{le=\"+Inf\"}", s.cumulative.back());
    out += std::string(name) + "_sum " + number(s.sum) + "\n";
    sample(out, std::string(name) + "_count", s.count);
}

} // namespace

std::string render(const instruments& m, const char* (*command_name)(int field_number))
{
    std::string out;
    out.reserve(8192);
    scalar(out, "maptable_connections", "gauge", "Open WebSocket connections.", m.connections.value());
    scalar(out, "maptable_rooms_loaded", "gauge", "Rooms held in memory.", m.rooms_loaded.value());

    header(out, "maptable_commands_total", "counter", "Client messages received, by command.");
    for (std::size_t i = 0; i < m.commands.size(); ++i) {
        const char* name = command_name ? command_name(static_cast<int>(i)) : nullptr;
        if (name)
            sample(out, std::string("maptable_commands_total{command=\"") + name + "\"}", m.commands.value(i));
    }
    header(out, "maptable_refusals_total", "counter",
           "Commands answered with an error, by the error code's group (code / 10: 0 envelope, 1 join, 2 token, "
           "3 permission, 4-5 content, 6 server, 7 limits, 8-10 facilitation).");
    for (std::size_t i = 0; i < m.refusals.size(); ++i)
        sample(out, "maptable_refusals_total{group=\"" + std::to_string(i) + "\"}", m.refusals.value(i));

    scalar(out, "maptable_events_committed_total", "counter", "Events made durable in the log.",
           static_cast<std::int64_t>(m.events_committed.value()));
    scalar(out, "maptable_events_fanned_out_total", "counter", "Event deliveries queued to connections.",
           static_cast<std::int64_t>(m.events_fanned_out.value()));
    scalar(out, "maptable_bytes_out_total", "counter", "WebSocket payload bytes written.",
           static_cast<std::int64_t>(m.bytes_out.value()));
    scalar(out, "maptable_frames_out_total", "counter", "WebSocket messages written (each one batch).",
           static_cast<std::int64_t>(m.frames_out.value()));
    scalar(out, "maptable_presence_coalesced_total", "counter",
           "Presence updates replaced by a newer one before the tick sent them.",
           static_cast<std::int64_t>(m.queue_drops.value()));
    scalar(out, "maptable_slow_consumer_closes_total", "counter",
           "Connections closed at the outbound byte limit or the write deadline.",
           static_cast<std::int64_t>(m.slow_consumer_closes.value()));

    scalar(out, "maptable_handler_exceptions_total", "counter",
           "Exceptions that escaped a handler to an event loop; each ended one connection or room, never the process.",
           static_cast<std::int64_t>(m.handler_exceptions.value()));
    scalar(out, "maptable_store_writable", "gauge",
           "1 while the store accepts writes; 0 once its file was replaced, unlinked or failed for good.",
           m.store_writable.value());
    scalar(out, "maptable_rooms_owned", "gauge",
           "Rooms whose lease this node holds (several nodes on one PostgreSQL store; 0 on SQLite).",
           m.rooms_owned.value());
    scalar(out, "maptable_lease_steps_down_total", "counter",
           "Rooms this node gave up because another node had taken their lease over; their clients were sent away "
           "with close 4001.",
           static_cast<std::int64_t>(m.lease_steps_down.value()));
    scalar(out, "maptable_redirects_total", "counter", "Joins answered with a Redirect to the node that owns the room.",
           static_cast<std::int64_t>(m.redirects.value()));

    header(out, "maptable_resumes_total", "counter", "Joins that asked to resume, by how they were answered.");
    static constexpr const char* outcomes[] = {"recovered", "snapshot", "fresh"};
    for (std::size_t i = 0; i < 3; ++i)
        sample(out, std::string("maptable_resumes_total{outcome=\"") + outcomes[i] + "\"}", m.resumes.value(i));

    write_histogram(out, "maptable_commit_batch_events", "Events per store transaction (group commit).",
                    m.commit_batch_events);
    write_histogram(out, "maptable_commit_seconds", "Time of one store transaction, commit included.",
                    m.commit_seconds);
    write_histogram(out, "maptable_ack_seconds", "From a command's arrival at its room to its ack being queued.",
                    m.ack_seconds);
    return out;
}

} // namespace maptable::metrics
