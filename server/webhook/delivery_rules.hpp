// Layer: webhook (pure). How one delivery's state moves: after an accepted
// request, after a failed one, on reactivation. No I/O and no clock (now is
// passed in), so the dispatcher only carries these out and the rules are
// unit-tested alone.
#pragma once

#include "webhook/backoff.hpp"
#include "webhook/endpoint_store.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace maptable::webhook {

// The receiver accepted the event at seq: the cursor moves to it, the
// failures are forgotten.
void record_success(delivery& d, std::uint64_t seq);

// The request for the event at seq failed (why: error). Counts the failure
// and returns the delay before the next try, or nullopt when this failure
// dead-letters the delivery (its cursor stays: nothing owed is dropped).
std::optional<std::chrono::milliseconds> record_failure(delivery& d, std::uint64_t seq, std::string_view error,
                                                        const retry_policy& policy, double jitter, std::int64_t now_ms);
// The same for a request named otherwise (what: "seq 12", or a join's
// "participant.joined <webhook-id>"), which last_error starts with.
std::optional<std::chrono::milliseconds> record_failure(delivery& d, std::string_view what, std::string_view error,
                                                        const retry_policy& policy, double jitter, std::int64_t now_ms);

// An admin's reactivation: active again, no failures, due at once; the
// cursor and the last error (for the record) stay.
void reactivate(delivery& d);

// An event of seq that the endpoint does not want is passed over.
void pass_over(delivery& d, std::uint64_t seq);

} // namespace maptable::webhook
