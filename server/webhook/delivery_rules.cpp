// Layer: webhook (pure). A delivery's transitions.
#include "webhook/delivery_rules.hpp"

#include <algorithm>
#include <string>

namespace maptable::webhook {

void record_success(delivery& d, std::uint64_t seq)
{
    d.cursor = std::max(d.cursor, seq);
    d.attempts = 0;
    d.next_attempt_ms = 0;
    d.last_error.clear();
    ++d.delivered;
}

std::optional<std::chrono::milliseconds> record_failure(delivery& d, std::uint64_t seq, std::string_view error,
                                                        const retry_policy& policy, double jitter, std::int64_t now_ms)
{
    return record_failure(d, "seq " + std::to_string(seq), error, policy, jitter, now_ms);
}

std::optional<std::chrono::milliseconds> record_failure(delivery& d, std::string_view what, std::string_view error,
                                                        const retry_policy& policy, double jitter, std::int64_t now_ms)
{
    ++d.attempts;
    d.last_error = std::string(what) + ": " + std::string(error);
    if (dead_lettered(policy, d.attempts)) {
        d.status = delivery_status::dead;
        d.next_attempt_ms = 0;
        return std::nullopt;
    }
    const auto delay = retry_delay(policy, d.attempts, jitter);
    d.next_attempt_ms = now_ms + delay.count();
    return delay;
}

void reactivate(delivery& d)
{
    d.status = delivery_status::active;
    d.attempts = 0;
    d.next_attempt_ms = 0;
}

void pass_over(delivery& d, std::uint64_t seq)
{
    d.cursor = std::max(d.cursor, seq);
}

} // namespace maptable::webhook
