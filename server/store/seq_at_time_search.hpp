// Layer: store. "The event at a time" found by binary search over seq.
//
// The SQLite log keeps no index on time (every index keyed by room costs a
// page write per room per commit). It does not need one: server times grow
// with seq within a room, so in a run of events whose times never go back,
// the events at or before a moment are a prefix of the run, found with
// log2(n) reads by key. A clock set back (an NTP step, an operator) breaks
// that order, so the log records every setback, the seq of an event whose
// time is earlier than its predecessor's; setbacks cut the log into runs that
// do grow. Searching each run and keeping the best answer gives exactly what
// an index on (time, seq) would: the greatest time at or before the moment,
// the greatest seq among equal times.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace maptable::store {

struct timed_seq {
    std::uint64_t seq = 0;
    std::int64_t time_ms = 0;
};

// Searches the events first..last (first <= last, no gaps). setbacks: the
// seqs that start a new run, ascending (those outside (first, last] are
// ignored). time_of(seq): the stored time of an event in the range. Returns
// the event with the greatest time <= time_ms (the greatest seq among equal
// times), or nullopt when every event is later.
template <class TimeOf>
std::optional<timed_seq> last_at_or_before(std::uint64_t first, std::uint64_t last,
                                           std::span<const std::uint64_t> setbacks, std::int64_t time_ms,
                                           TimeOf&& time_of)
{
    std::optional<timed_seq> best;
    const auto consider = [&](timed_seq found) {
        if (!best || found.time_ms > best->time_ms || (found.time_ms == best->time_ms && found.seq > best->seq))
            best = found;
    };
    // In one run [a, b] the times never decrease: the answer is the last
    // seq whose time is <= time_ms, if the run's first event is not later.
    const auto search_run = [&](std::uint64_t a, std::uint64_t b) {
        const std::int64_t at_b = time_of(b);
        if (at_b <= time_ms)
            return consider({b, at_b});
        std::int64_t at_lo = time_of(a);
        if (a == b || at_lo > time_ms)
            return;
        std::uint64_t lo = a, hi = b; // time(lo) <= time_ms < time(hi)
        while (hi - lo > 1) {
            const std::uint64_t mid = lo + (hi - lo) / 2;
            const std::int64_t at_mid = time_of(mid);
            if (at_mid <= time_ms) {
                lo = mid;
                at_lo = at_mid;
            } else {
                hi = mid;
            }
        }
        consider({lo, at_lo});
    };

    std::uint64_t run_start = first;
    for (const std::uint64_t setback : setbacks) {
        if (setback <= run_start || setback > last)
            continue;
        search_run(run_start, setback - 1);
        run_start = setback;
    }
    search_run(run_start, last);
    return best;
}

} // namespace maptable::store
