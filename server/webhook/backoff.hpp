// Layer: webhook (pure). When a failed delivery is tried again, and when an
// endpoint is given up on. No clock: the caller adds the delay to its now.
#pragma once

#include <chrono>

namespace maptable::webhook {

struct retry_policy {
    // The delay after the first failure; it doubles with each failure after
    // that. One second: a receiver that restarts is back within a few tries.
    std::chrono::milliseconds first_delay{1000};
    // The longest delay: a receiver down for hours is still tried every five
    // minutes, so it catches up soon after it returns.
    std::chrono::milliseconds max_delay{5 * 60 * 1000};
    // Failures in a row after which an endpoint's delivery to a room is
    // dead-lettered (stops until an admin reactivates it). Ten: with the
    // delays above, about twenty minutes of an unreachable receiver.
    unsigned max_attempts = 10;
};

// The delay before the next try after `failures` failures in a row (1 or
// more): first_delay * 2^(failures-1), capped at max_delay, then spread by
// jitter (0 <= jitter < 1) over [0.75, 1.25) of that, and capped again, so
// receivers that failed together are not all retried at the same instant.
std::chrono::milliseconds retry_delay(const retry_policy& policy, unsigned failures, double jitter);

// Whether `failures` failures in a row dead-letter the delivery.
inline bool dead_lettered(const retry_policy& policy, unsigned failures)
{
    return failures >= policy.max_attempts;
}

} // namespace maptable::webhook
