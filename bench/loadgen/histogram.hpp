// Layer: bench. A log-bucketed latency histogram (HDR-like): each power of
// two is split into 64 linear sub-buckets, so a reported percentile is within
// 1.6 % of the true value, recording is O(1) with no allocation, and memory is
// fixed (64 x 64 counters) however many samples arrive.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace maptable::bench {

class histogram {
public:
    void record(std::int64_t value)
    {
        if (value < 0)
            value = 0;
        const auto v = static_cast<std::uint64_t>(value);
        ++counts_[index(v)];
        ++total_;
        max_ = std::max(max_, v);
    }

    std::uint64_t count() const { return total_; }
    std::uint64_t max() const { return max_; }

    // The smallest recorded bucket value at or above quantile q (0..1); 0 when empty.
    std::uint64_t percentile(double q) const
    {
        if (total_ == 0)
            return 0;
        auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_));
        if (rank >= total_)
            rank = total_ - 1;
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < counts_.size(); ++i) {
            seen += counts_[i];
            if (seen > rank)
                return std::min(upper(i), max_);
        }
        return max_;
    }

private:
    static constexpr unsigned sub_bits = 6; // 64 sub-buckets per power of two
    static constexpr std::uint64_t sub = 1u << sub_bits;

    static std::size_t index(std::uint64_t v)
    {
        if (v < sub)
            return static_cast<std::size_t>(v);
        const unsigned magnitude = 63u - static_cast<unsigned>(std::countl_zero(v)); // >= sub_bits
        const unsigned shift = magnitude - sub_bits;
        const auto within = (v >> shift) - sub; // 0..63
        return static_cast<std::size_t>((shift + 1) * sub + within);
    }

    // The largest value that falls into bucket i.
    static std::uint64_t upper(std::size_t i)
    {
        if (i < sub)
            return i;
        const std::uint64_t shift = i / sub - 1;
        const std::uint64_t within = i % sub;
        return ((sub + within + 1) << shift) - 1;
    }

    std::array<std::uint64_t, 64 * 64> counts_{};
    std::uint64_t total_ = 0;
    std::uint64_t max_ = 0;
};

} // namespace maptable::bench
