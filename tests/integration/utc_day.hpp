// A calendar day as the harvest's from/to take it: "YYYY-MM-DD" in UTC.
// Header-only: the harvest route's tests and the CLI's give it days around
// today, so that a run on any date covers what the test wrote.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace maptable::test {

// YYYY-MM-DD of now + days, in UTC.
inline std::string utc_day(int days)
{
    const auto t = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) + std::chrono::days(days);
    const std::chrono::year_month_day ymd{t};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return buf;
}

} // namespace maptable::test
