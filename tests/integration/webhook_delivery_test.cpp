// Webhooks delivered by a real server to a real receiver process: every kind
// of event once, in seq order, signed as docs/WEBHOOKS.md says; the kinds
// filter (whose unwanted events still move the cursor); HTTPS with a CA the
// server is told to trust.
#include "http_probe.hpp"
#include "server_process.hpp"
#include "webhook_receiver_process.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <set>
#include <string>

using namespace maptable;
using namespace maptable::test;

namespace {

std::vector<std::string> server_args()
{
    return {"--admin-key", webhook_admin_key, "--webhook-retry-ms", "50", "--webhook-timeout-ms", "2000"};
}

std::int64_t unix_seconds()
{
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace

TEST_CASE("every kind of event reaches the receiver once, in seq order, signed, with webhook-id room:seq")
{
    webhook_receiver_process receiver;
    server_process server(server_args());
    const auto hook = register_webhook(server.port(), receiver.url(), "harbour", {"*"});
    CHECK(hook.id.rfind("wh_", 0) == 0);
    CHECK(hook.secret.rfind("whsec_", 0) == 0);

    client fay(server.options("harbour", "fay", pb::ROLE_FACILITATOR));
    join_or_fail(fay);
    const auto before = unix_seconds();
    REQUIRE(fay.add_feature(point_feature("pier", 13.40, 52.50, "Old pier")).get().ok);
    REQUIRE(fay.send_chat("Welcome to the harbour").get().ok);
    REQUIRE(fay.start_thread("t-1", "pier", "Is the pier safe?").get().ok);
    REQUIRE(fay.add_comment("t-1", "It was repaired last year").get().ok);
    pb::VoteRound round;
    round.set_id("v-1");
    round.set_title("Which first?");
    round.set_dots_per_person(1);
    REQUIRE(fay.open_vote(round).get().ok);
    REQUIRE(fay.close_vote("v-1").get().ok);
    REQUIRE(fay.start_session("Evening 1").get().ok);
    const auto last = fay.end_session().get();
    REQUIRE(last.ok);

    // "*" includes fay's arrival (participant.joined, not an event of the
    // log: tests/integration/webhook_presence_test.cpp); the rest are the
    // log's events.
    const auto all = receiver.records(last.seq + 1);
    REQUIRE(all.size() == last.seq + 1);
    CHECK(all[0].type() == "participant.joined");
    const std::vector<received_webhook> got(all.begin() + 1, all.end());
    REQUIRE(got.size() == last.seq);
    const std::vector<std::string> types = {"feature.added", "chat.posted", "comment.thread_started", "comment.added",
                                            "vote.opened",   "vote.closed", "session.started",        "session.ended"};
    REQUIRE(last.seq == types.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        const auto& r = got[i];
        INFO("request " << i << ": " << r.id << " " << r.body);
        CHECK(r.id == "harbour:" + std::to_string(i + 1));
        CHECK(r.room() == "harbour");
        CHECK(r.seq() == i + 1);
        CHECK(r.type() == types[i]);
        CHECK(r.path == "/hook");
        CHECK(signature_valid(hook.secret, r));
        CHECK(std::stoll(r.timestamp) >= before - 1);
        CHECK(std::stoll(r.timestamp) <= unix_seconds() + 1);
        CHECK(r.json.at("actor").at("id") == "fay");
        CHECK(r.json.at("data").is_object());
        CHECK(r.json.at("time_ms").to_number<std::int64_t>() > 0);
    }
    CHECK(got[0].json.at("data").at("feature").at("id") == "pier");
    CHECK(got[1].json.at("data").at("message").at("text") == "Welcome to the harbour");
    CHECK(got[3].body.find("\"It was repaired last year\"") != std::string::npos);
    // A signature over another body, or with another secret, does not verify.
    auto forged = got[1];
    forged.body += " ";
    CHECK_FALSE(signature_valid(hook.secret, forged));
    const auto other = register_webhook(server.port(), receiver.url("/other"), "elsewhere", {"*"});
    CHECK_FALSE(signature_valid(other.secret, got[1]));

    // Delivered once: the receiver accepted each and was asked nothing more.
    const auto delivery =
        wait_for_delivery(server.port(), hook.id, [&](const auto& d) { return d.at("cursor") == last.seq; });
    CHECK(delivery.at("state") == "active");
    CHECK(delivery.at("delivered") == last.seq + 1);
    CHECK(delivery.at("attempts") == 0);
    CHECK(receiver.attempts(last.seq + 1).size() == last.seq + 1);
}

TEST_CASE("an endpoint gets only the kinds it asked for, and its cursor passes over the others")
{
    webhook_receiver_process receiver;
    server_process server(server_args());
    const auto features = register_webhook(server.port(), receiver.url("/features"), "square", {"feature"});
    const auto talk = register_webhook(server.port(), receiver.url("/talk"), "square", {"chat", "feature.deleted"});
    const auto closes = register_webhook(server.port(), receiver.url("/closes"), "square", {"vote.closed"});
    // Another room's events go to its own endpoints only.
    const auto elsewhere = register_webhook(server.port(), receiver.url("/elsewhere"), "market", {"*"});

    client fay(server.options("square", "fay", pb::ROLE_FACILITATOR));
    join_or_fail(fay);
    REQUIRE(fay.send_chat("one").get().ok);                                   // 1 talk
    REQUIRE(fay.add_feature(point_feature("a", 13.40, 52.50, "A")).get().ok); // 2 features
    REQUIRE(fay.send_chat("two").get().ok);                                   // 3 talk
    pb::VoteRound round;
    round.set_id("v");
    round.set_title("Pick");
    round.set_dots_per_person(1);
    REQUIRE(fay.open_vote(round).get().ok);          // 4 nobody
    REQUIRE(fay.close_vote("v").get().ok);           // 5 closes
    const auto last = fay.delete_feature("a").get(); // 6 features, talk
    REQUIRE(last.ok);
    REQUIRE(last.seq == 6);

    // 2 + 3 + 1 requests in all; each endpoint's last one is seq 6 or 5.
    const auto got = receiver.records(6);
    std::map<std::string, std::vector<std::uint64_t>> by_path;
    for (const auto& r : got)
        by_path[r.path].push_back(r.seq());
    CHECK(by_path["/features"] == std::vector<std::uint64_t>{2, 6});
    CHECK(by_path["/talk"] == std::vector<std::uint64_t>{1, 3, 6});
    CHECK(by_path["/closes"] == std::vector<std::uint64_t>{5});
    CHECK(by_path.count("/elsewhere") == 0);

    // Unwanted events advance the cursor too: every endpoint of the room is
    // at its head, so a restart would not read them again.
    for (const auto* id : {&features.id, &talk.id})
        CHECK(wait_for_delivery(server.port(), *id, [](const auto& d) { return d.at("cursor") == 6; }).at("lag") == 0);
    const auto closes_state =
        wait_for_delivery(server.port(), closes.id, [](const auto& d) { return d.at("cursor") == 6; });
    CHECK(closes_state.at("delivered") == 1);
    CHECK(webhook_state(server.port(), elsewhere.id).at("deliveries").as_array().at(0).at("cursor") == 0);
    CHECK(receiver.attempts(6).size() == 6);
}

TEST_CASE("an endpoint registered on a busy room gets what happens after its registration")
{
    webhook_receiver_process receiver;
    server_process server(server_args());
    client fay(server.options("busy", "fay", pb::ROLE_FACILITATOR));
    join_or_fail(fay);
    for (int i = 0; i < 5; ++i)
        REQUIRE(fay.send_chat("before " + std::to_string(i)).get().ok);
    const auto hook = register_webhook(server.port(), receiver.url(), "busy", {"chat"});
    CHECK(webhook_state(server.port(), hook.id).at("deliveries").as_array().at(0).at("cursor") == 5);
    const auto after = fay.send_chat("after").get();
    REQUIRE(after.ok);
    const auto got = receiver.records(1);
    REQUIRE(got.size() == 1);
    CHECK(got[0].id == "busy:6");
}

TEST_CASE("an https receiver is reached when the server trusts its CA, and refused otherwise")
{
    const auto dir = std::filesystem::temp_directory_path() / ("maptable-webhook-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto cert = (dir / "cert.pem").string();
    const auto key = (dir / "key.pem").string();
    write_self_signed_certificate(cert, key);
    webhook_receiver_process receiver("ok", cert, key);

    auto args = server_args();
    args.insert(args.end(), {"--webhook-ca-file", cert});
    server_process trusting(args);
    // The certificate names localhost and 127.0.0.1; the URL's host is checked against it.
    const auto hook = register_webhook(trusting.port(), receiver.url(), "tls-room", {"chat"});
    client fay(trusting.options("tls-room", "fay"));
    join_or_fail(fay);
    REQUIRE(fay.send_chat("over TLS").get().ok);
    const auto delivered =
        wait_for_delivery(trusting.port(), hook.id, [](const auto& d) { return d.at("delivered") == 1; });
    CHECK(delivered.at("cursor") == 1);

    server_process wary(server_args());
    const auto refused = register_webhook(wary.port(), receiver.url(), "tls-room", {"chat"});
    client pat(wary.options("tls-room", "pat"));
    join_or_fail(pat);
    REQUIRE(pat.send_chat("not trusted").get().ok);
    const auto failing =
        wait_for_delivery(wary.port(), refused.id, [](const auto& d) { return d.at("attempts").as_int64() >= 1; });
    CHECK(failing.at("delivered") == 0);
    CHECK(std::string(failing.at("last_error").as_string()).find("TLS handshake") != std::string::npos);
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
}
