// Layer: webhook (pure). Exponential backoff with jitter.
#include "webhook/backoff.hpp"

#include <algorithm>

namespace maptable::webhook {

std::chrono::milliseconds retry_delay(const retry_policy& policy, unsigned failures, double jitter)
{
    using std::chrono::milliseconds;
    const auto cap = std::max(policy.max_delay, milliseconds(1));
    auto delay = std::max(policy.first_delay, milliseconds(1));
    // Doubling stops at the cap, so no shift overflows however many failures.
    for (unsigned i = 1; i < failures && delay < cap; ++i)
        delay *= 2;
    delay = std::min(delay, cap);
    jitter = std::clamp(jitter, 0.0, 1.0);
    const auto spread =
        milliseconds(static_cast<long long>(static_cast<double>(delay.count()) * (0.75 + 0.5 * jitter)));
    return std::clamp(spread, milliseconds(1), cap);
}

} // namespace maptable::webhook
