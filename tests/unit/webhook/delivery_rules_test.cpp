#include "webhook/delivery_rules.hpp"

#include <doctest/doctest.h>

using namespace maptable::webhook;
using std::chrono::milliseconds;

namespace {

delivery at(std::uint64_t cursor)
{
    delivery d;
    d.endpoint_id = "wh_0";
    d.room = "r";
    d.cursor = cursor;
    return d;
}

} // namespace

TEST_CASE("an accepted request moves the cursor to its seq and forgets the failures")
{
    auto d = at(4);
    d.attempts = 3;
    d.next_attempt_ms = 999;
    d.last_error = "seq 5: the receiver answered 500";
    record_success(d, 5);
    CHECK(d.cursor == 5);
    CHECK(d.attempts == 0);
    CHECK(d.next_attempt_ms == 0);
    CHECK(d.last_error.empty());
    CHECK(d.delivered == 1);
    // A late answer for an older seq never moves the cursor back.
    record_success(d, 3);
    CHECK(d.cursor == 5);
}

TEST_CASE("a failure keeps the cursor, counts, and schedules the next try by the backoff")
{
    retry_policy policy;
    auto d = at(4);
    const auto first = record_failure(d, 5, "the receiver answered 500", policy, 0.5, 1'000'000);
    REQUIRE(first.has_value());
    CHECK(*first == milliseconds(1000));
    CHECK(d.cursor == 4);
    CHECK(d.attempts == 1);
    CHECK(d.next_attempt_ms == 1'001'000);
    CHECK(d.last_error == "seq 5: the receiver answered 500");
    CHECK(d.status == delivery_status::active);
    const auto second = record_failure(d, 5, "no answer within 10000 ms", policy, 0.5, 2'000'000);
    REQUIRE(second.has_value());
    CHECK(*second == milliseconds(2000));
    CHECK(d.next_attempt_ms == 2'002'000);
    CHECK(d.last_error == "seq 5: no answer within 10000 ms");
}

TEST_CASE("the Nth failure in a row dead-letters the delivery; its cursor stays so nothing is dropped")
{
    retry_policy policy;
    policy.max_attempts = 3;
    auto d = at(7);
    CHECK(record_failure(d, 8, "x", policy, 0.5, 0).has_value());
    CHECK(record_failure(d, 8, "x", policy, 0.5, 0).has_value());
    CHECK_FALSE(record_failure(d, 8, "refused", policy, 0.5, 0).has_value());
    CHECK(d.status == delivery_status::dead);
    CHECK(d.attempts == 3);
    CHECK(d.cursor == 7);
    CHECK(d.last_error == "seq 8: refused");
}

TEST_CASE("a success between failures starts the count again")
{
    retry_policy policy;
    policy.max_attempts = 2;
    auto d = at(0);
    CHECK(record_failure(d, 1, "x", policy, 0.5, 0).has_value());
    record_success(d, 1);
    CHECK(record_failure(d, 2, "x", policy, 0.5, 0).has_value());
    CHECK(d.status == delivery_status::active);
}

TEST_CASE("reactivation makes a dead delivery active and due at once, from the same cursor")
{
    retry_policy policy;
    policy.max_attempts = 1;
    auto d = at(9);
    CHECK_FALSE(record_failure(d, 10, "refused", policy, 0.5, 0).has_value());
    reactivate(d);
    CHECK(d.status == delivery_status::active);
    CHECK(d.attempts == 0);
    CHECK(d.next_attempt_ms == 0);
    CHECK(d.cursor == 9);
    CHECK(d.last_error == "seq 10: refused");
}

TEST_CASE("an unwanted event moves the cursor without a request")
{
    auto d = at(2);
    pass_over(d, 3);
    CHECK(d.cursor == 3);
    CHECK(d.delivered == 0);
    pass_over(d, 1);
    CHECK(d.cursor == 3);
}

TEST_CASE("a join or leave that fails counts like an event, names itself, and keeps the cursor")
{
    retry_policy policy;
    policy.max_attempts = 2;
    auto d = at(7);
    const auto first =
        record_failure(d, "participant.joined r:presence-1-1", "the receiver answered 500", policy, 0.5, 1'000'000);
    REQUIRE(first.has_value());
    CHECK(d.attempts == 1);
    CHECK(d.cursor == 7);
    CHECK(d.last_error == "participant.joined r:presence-1-1: the receiver answered 500");
    CHECK_FALSE(record_failure(d, "participant.joined r:presence-1-1", "again", policy, 0.5, 0).has_value());
    CHECK(d.status == delivery_status::dead);
    // Accepted after a reactivation: the failures are forgotten, the cursor
    // (which counts the log's events only) stays.
    reactivate(d);
    record_success(d, d.cursor);
    CHECK(d.cursor == 7);
    CHECK(d.attempts == 0);
    CHECK(d.last_error.empty());
}
