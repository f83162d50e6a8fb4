#include "webhook/backoff.hpp"

#include <doctest/doctest.h>

using namespace maptable::webhook;
using std::chrono::milliseconds;

TEST_CASE("the delay starts at one second and doubles up to five minutes")
{
    const retry_policy policy;
    // Jitter 0.5 is the middle of the spread: the schedule itself.
    const long long expected[] = {1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000};
    for (unsigned failures = 1; failures <= 11; ++failures)
        CHECK(retry_delay(policy, failures, 0.5) == milliseconds(expected[failures - 1]));
    CHECK(retry_delay(policy, 1000, 0.5) == milliseconds(300000));
    CHECK(retry_delay(policy, ~0u, 0.99) == milliseconds(300000));
}

TEST_CASE("jitter spreads a delay over three quarters to five quarters of it, never past the cap")
{
    const retry_policy policy;
    CHECK(retry_delay(policy, 1, 0.0) == milliseconds(750));
    CHECK(retry_delay(policy, 1, 0.999) < milliseconds(1250));
    CHECK(retry_delay(policy, 1, 0.999) > milliseconds(1240));
    CHECK(retry_delay(policy, 3, 0.0) == milliseconds(3000));
    CHECK(retry_delay(policy, 12, 0.0) == milliseconds(225000));
    CHECK(retry_delay(policy, 12, 0.999) == milliseconds(300000));
    // Out-of-range jitter is clamped rather than trusted.
    CHECK(retry_delay(policy, 1, -5.0) == milliseconds(750));
    CHECK(retry_delay(policy, 1, 7.0) == milliseconds(1250));
}

TEST_CASE("a shorter first delay (the tests' flag) doubles the same way")
{
    retry_policy policy;
    policy.first_delay = milliseconds(50);
    CHECK(retry_delay(policy, 1, 0.5) == milliseconds(50));
    CHECK(retry_delay(policy, 2, 0.5) == milliseconds(100));
    CHECK(retry_delay(policy, 4, 0.5) == milliseconds(400));
    CHECK(retry_delay(policy, 0, 0.5) == milliseconds(50));
}

TEST_CASE("a delivery is dead-lettered at max_attempts failures in a row")
{
    retry_policy policy;
    CHECK_FALSE(dead_lettered(policy, 9));
    CHECK(dead_lettered(policy, 10));
    policy.max_attempts = 3;
    CHECK_FALSE(dead_lettered(policy, 2));
    CHECK(dead_lettered(policy, 3));
}
