// Layer: store. The wall clock as the server writes it everywhere: event
// times, token expiries, created-at stamps. One home for every server layer
// that reads it; it lives in the store because that is the lowest layer all
// of them may include (tests/layering/check_layers.py). The model reads no
// clock (time is passed in), and the SDK, which may not include the server,
// keeps its own.
//
// Durations and deadlines use std::chrono::steady_clock directly: it never
// jumps, so a timer is not cut short or stretched by an NTP step.
#pragma once

#include <chrono>
#include <cstdint>

namespace maptable::clock {

// Milliseconds since the Unix epoch, UTC (the time_ms of events and
// created_at_ms of records).
inline std::int64_t now_ms()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Seconds since the Unix epoch, UTC (JWT exp, nbf and iat).
inline std::int64_t now_seconds()
{
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace maptable::clock
