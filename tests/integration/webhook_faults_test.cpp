// Webhooks through faults: a receiver that fails, hangs past the timeout and
// recovers gets everything in seq order after the backoff; the server killed
// -9 while a request hangs delivers everything after its restart, in order
// per room, repeating only what a receiver may see twice (the same
// webhook-id); a delivery dead-lettered after N failures resumes when an
// admin reactivates it.
#include "http_probe.hpp"
#include "server_process.hpp"
#include "webhook_receiver_process.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <future>
#include <map>
#include <set>
#include <string>

using namespace maptable;
using namespace maptable::test;

namespace {

// The seqs of room's requests in the order they arrived.
std::vector<std::uint64_t> seqs_of(const std::vector<received_webhook>& got, const std::string& room)
{
    std::vector<std::uint64_t> out;
    for (const auto& r : got)
        if (r.room() == room)
            out.push_back(r.seq());
    return out;
}

// At-least-once in order: every seq 1..n, never one before an earlier one
// was accepted; a repeat only of the seq just accepted (a request whose
// answer was lost), with the same webhook-id.
void check_in_order(const std::vector<received_webhook>& got, const std::string& room, std::uint64_t n)
{
    INFO("room " << room);
    std::uint64_t expected = 1;
    for (const auto& r : got) {
        if (r.room() != room)
            continue;
        CHECK(r.id == room + ":" + std::to_string(r.seq()));
        if (r.seq() + 1 == expected)
            continue; // a repeat of the one just accepted
        CHECK(r.seq() == expected);
        expected = r.seq() + 1;
    }
    CHECK(expected == n + 1);
}

} // namespace

TEST_CASE("a receiver that fails, then hangs past the timeout, then recovers gets every event in seq order")
{
    webhook_receiver_process receiver("fail");
    server_process server({"--admin-key", webhook_admin_key, "--webhook-retry-ms", "50", "--webhook-timeout-ms", "300",
                           "--webhook-max-attempts", "1000"});
    const auto hook = register_webhook(server.port(), receiver.url(), "pier", {"chat"});
    client fay(server.options("pier", "fay"));
    join_or_fail(fay);
    std::uint64_t last = 0;
    for (int i = 1; i <= 4; ++i) {
        const auto sent = fay.send_chat("message " + std::to_string(i)).get();
        REQUIRE(sent.ok);
        last = sent.seq;
    }

    // Failing: the first event is tried again and again, the others wait
    // behind it (one request at a time per room and endpoint).
    const auto failed = receiver.attempts(3);
    for (const auto& a : failed) {
        CHECK(a.id == "pier:1");
        CHECK(a.mode == "fail");
    }
    const auto state = webhook_state(server.port(), hook.id).at("deliveries").as_array().at(0).as_object();
    CHECK(state.at("cursor") == 0);
    CHECK(state.at("state") == "active");

    // Hanging: requests get no answer and time out on the server's side.
    receiver.set_mode("hang");
    const auto timed_out = wait_for_delivery(server.port(), hook.id, [](const auto& d) {
        return !d.at("last_error").is_null() &&
            std::string(d.at("last_error").as_string()).find("no answer within 300 ms") != std::string::npos;
    });
    CHECK(timed_out.at("cursor") == 0);
    std::size_t hung = 0;
    for (const auto& a : receiver.attempts(1)) {
        CHECK(a.id == "pier:1");
        hung += a.mode == "hang";
    }
    CHECK(hung >= 1);

    receiver.set_mode("ok");
    const auto got = receiver.records(last);
    REQUIRE(got.size() == last);
    check_in_order(got, "pier", last);
    const auto done = wait_for_delivery(server.port(), hook.id, [&](const auto& d) { return d.at("cursor") == last; });
    CHECK(done.at("attempts") == 0);
    CHECK(done.at("last_error").is_null());
}

TEST_CASE("the server killed -9 while a request hangs delivers everything after its restart, in order per room")
{
    webhook_receiver_process receiver("hang");
    // A long timeout: the request is still hanging when the server dies.
    server_process server(
        {"--admin-key", webhook_admin_key, "--webhook-retry-ms", "50", "--webhook-timeout-ms", "60000"});
    // The log's events only: joins and leaves are not durable (docs/WEBHOOKS.md).
    const auto north = register_webhook(server.port(), receiver.url("/north"), "north", {"chat", "feature"});
    const auto south = register_webhook(server.port(), receiver.url("/south"), "south", {"chat", "feature"});
    std::map<std::string, std::uint64_t> last;
    {
        client a(server.options("north", "ann"));
        client b(server.options("south", "bob"));
        join_or_fail(a);
        join_or_fail(b);
        for (int i = 1; i <= 5; ++i) {
            const auto x = a.send_chat("north " + std::to_string(i)).get();
            const auto y = b.add_feature(point_feature("f" + std::to_string(i), 13.0 + i * 0.01, 52.5)).get();
            REQUIRE(x.ok);
            REQUIRE(y.ok);
            last["north"] = x.seq;
            last["south"] = y.seq;
        }
        // One request per room is hanging at the receiver: mid-delivery.
        const auto hanging = receiver.attempts(2);
        std::set<std::string> ids;
        for (const auto& h : hanging)
            ids.insert(h.id);
        CHECK(ids == std::set<std::string>{"north:1", "south:1"});
        a.disconnect();
        b.disconnect();
    }
    server.kill9();
    receiver.set_mode("ok");
    server.start();

    const auto got = receiver.records(last["north"] + last["south"]);
    check_in_order(got, "north", last["north"]);
    check_in_order(got, "south", last["south"]);
    CHECK(seqs_of(got, "north").size() >= last["north"]);
    for (const auto& r : got)
        CHECK(r.path == "/" + r.room());
    CHECK(wait_for_delivery(server.port(), north.id, [&](const auto& d) {
              return d.at("cursor") == last["north"];
          }).at("state") == "active");
    CHECK(wait_for_delivery(server.port(), south.id, [&](const auto& d) {
              return d.at("cursor") == last["south"];
          }).at("state") == "active");
}

TEST_CASE("after N failures in a row a delivery is dead-lettered; reactivating it delivers what was owed, in order")
{
    webhook_receiver_process receiver("fail");
    server_process server({"--admin-key", webhook_admin_key, "--webhook-retry-ms", "20", "--webhook-timeout-ms", "2000",
                           "--webhook-max-attempts", "3"});
    const auto hook = register_webhook(server.port(), receiver.url(), "dock", {"chat"});
    client fay(server.options("dock", "fay"));
    join_or_fail(fay);
    REQUIRE(fay.send_chat("first").get().ok);
    const auto second = fay.send_chat("second").get();
    REQUIRE(second.ok);

    const auto dead = wait_for_delivery(server.port(), hook.id, [](const auto& d) { return d.at("state") == "dead"; });
    CHECK(dead.at("attempts") == 3);
    CHECK(dead.at("cursor") == 0);
    CHECK(std::string(dead.at("last_error").as_string()).find("500") != std::string::npos);
    // Exactly N requests, all for the first event: dead means no more tries.
    const auto tried = receiver.attempts(3);
    CHECK(tried.size() == 3);
    for (const auto& a : tried)
        CHECK(a.id == "dock:1");
    const auto metrics = call_api(server.port(), {.target = "/metrics"});
    CHECK(metrics.body.find("maptable_webhook_dead_lettered_total 1") != std::string::npos);
    CHECK(metrics.body.find("maptable_webhook_dead_deliveries 1") != std::string::npos);

    // More events while dead are owed too.
    const auto third = fay.send_chat("third").get();
    REQUIRE(third.ok);

    receiver.set_mode("ok");
    const auto reactivated = call_api(
        server.port(),
        {.method = "POST", .target = "/v1/admin/webhooks/" + hook.id + "/reactivate", .bearer = webhook_admin_key});
    REQUIRE(reactivated.status == 200);
    CHECK(json_body(reactivated).at("deliveries").at(0).at("attempts") == 0);
    const auto got = receiver.records(third.seq);
    check_in_order(got, "dock", third.seq);
    CHECK(wait_for_delivery(server.port(), hook.id, [&](const auto& d) {
              return d.at("cursor") == third.seq;
          }).at("state") == "active");
}

TEST_CASE("a backlog longer than one read of the log is delivered whole and in order once the receiver recovers")
{
    webhook_receiver_process receiver("fail");
    server_process server({"--admin-key", webhook_admin_key, "--webhook-retry-ms", "20", "--webhook-timeout-ms", "2000",
                           "--webhook-max-attempts", "100000", "--command-rate", "100000", "--command-burst",
                           "100000"});
    const auto hook = register_webhook(server.port(), receiver.url(), "backlog", {"chat"});
    client fay(server.options("backlog", "fay"));
    join_or_fail(fay);
    // 250 events: the dispatcher reads the log 100 at a time.
    std::vector<std::future<command_result>> sent;
    for (int i = 1; i <= 250; ++i)
        sent.push_back(fay.send_chat("backlog " + std::to_string(i)));
    std::uint64_t last = 0;
    for (auto& s : sent) {
        const auto r = s.get();
        REQUIRE(r.ok);
        last = std::max(last, r.seq);
    }
    REQUIRE(last == 250);
    receiver.attempts(2); // failing: the backlog waits behind the first event
    receiver.set_mode("ok");
    const auto got = receiver.records(last);
    check_in_order(got, "backlog", last);
    CHECK(wait_for_delivery(server.port(), hook.id, [&](const auto& d) { return d.at("cursor") == last; }).at("lag") ==
          0);
}

TEST_CASE("SIGTERM while a request hangs stops the server cleanly; the event is delivered after the restart")
{
    webhook_receiver_process receiver("hang");
    server_process server({"--admin-key", webhook_admin_key, "--webhook-timeout-ms", "60000"});
    register_webhook(server.port(), receiver.url(), "quay", {"chat"}); // the log's events: joins are not durable
    std::uint64_t last = 0;
    {
        client fay(server.options("quay", "fay"));
        join_or_fail(fay);
        const auto sent = fay.send_chat("in flight at shutdown").get();
        REQUIRE(sent.ok);
        last = sent.seq;
        receiver.attempts(1);
        fay.disconnect();
    }
    // The hanging request is abandoned, not waited for: a clean exit, and
    // its cursor has not moved.
    CHECK(server.stop() == 0);
    receiver.set_mode("ok");
    server.start();
    const auto got = receiver.records(last);
    check_in_order(got, "quay", last);
}
