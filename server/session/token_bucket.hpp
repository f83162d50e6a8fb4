// Layer: session. A token bucket: `rate` tokens per second up to `burst`.
// Pure: the caller passes the time, so it is tested without a clock.
#pragma once

#include <algorithm>
#include <chrono>

namespace maptable::session {

class token_bucket {
public:
    using clock = std::chrono::steady_clock;

    token_bucket(double rate, double burst, clock::time_point now)
        : rate_(rate), burst_(burst), tokens_(burst), last_(now)
    {
    }

    // Takes one token if there is one.
    bool try_take(clock::time_point now)
    {
        const std::chrono::duration<double> elapsed = now - last_;
        if (elapsed.count() > 0) {
            tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
            last_ = now;
        }
        if (tokens_ < 1)
            return false;
        tokens_ -= 1;
        return true;
    }

private:
    double rate_;
    double burst_;
    double tokens_;
    clock::time_point last_;
};

} // namespace maptable::session
