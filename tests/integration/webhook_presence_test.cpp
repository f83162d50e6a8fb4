// participant.joined and participant.left delivered by a real server to a
// real receiver process: once per person (not per connection), in their
// place among the room's events, signed, retried with the same webhook-id,
// and only to the endpoints that asked for them.
#include "http_probe.hpp"
#include "server_process.hpp"
#include "webhook_receiver_process.hpp"

#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <set>
#include <string>

using namespace maptable;
using namespace maptable::test;

namespace {

std::vector<std::string> server_args()
{
    return {"--admin-key", webhook_admin_key, "--webhook-retry-ms", "50", "--webhook-timeout-ms", "2000"};
}

std::string participant_of(const received_webhook& r)
{
    return std::string(r.json.at("data").at("participant").at("id").as_string());
}

} // namespace

TEST_CASE("joins and leaves reach the receiver once per person, in their place among the room's events")
{
    webhook_receiver_process receiver;
    server_process server(server_args());
    const auto hook = register_webhook(server.port(), receiver.url(), "harbour", {"participant", "chat"});

    client fay(server.options("harbour", "fay", pb::ROLE_FACILITATOR));
    join_or_fail(fay);                          // joined fay, after seq 0
    REQUIRE(fay.send_chat("Welcome").get().ok); // seq 1
    auto ana_phone = std::make_unique<client>(server.options("harbour", "ana"));
    join_or_fail(*ana_phone); // joined ana, after seq 1
    auto ana_laptop = std::make_unique<client>(server.options("harbour", "ana"));
    join_or_fail(*ana_laptop); // a second connection: nothing
    REQUIRE(receiver.records(3).size() == 3);
    ana_phone->disconnect(); // ana is still here on the laptop: nothing
    ana_phone.reset();
    REQUIRE(fay.send_chat("Still here?").get().ok); // seq 2
    ana_laptop->disconnect();                       // left ana, after seq 2
    ana_laptop.reset();
    const auto got_left = receiver.records(5);
    REQUIRE(fay.send_chat("Goodbye").get().ok); // seq 3

    const auto got = receiver.records(6);
    REQUIRE(got.size() == 6);
    const std::vector<std::string> types = {"participant.joined", "chat.posted",      "participant.joined",
                                            "chat.posted",        "participant.left", "chat.posted"};
    std::set<std::string> ids;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const auto& r = got[i];
        INFO("request " << i << ": " << r.id << " " << r.body);
        CHECK(r.type() == types[i]);
        CHECK(r.room() == "harbour");
        CHECK(signature_valid(hook.secret, r));
        CHECK(r.json.at("time_ms").to_number<std::int64_t>() > 0);
        ids.insert(r.id);
    }
    CHECK(ids.size() == got.size()); // every request its own idempotency key
    // Events keep their room:seq ids; joins and leaves have ids of their own.
    CHECK(got[1].id == "harbour:1");
    CHECK(got[3].id == "harbour:2");
    CHECK(got[5].id == "harbour:3");
    for (const auto i : {0, 2, 4})
        CHECK(got[i].id.rfind("harbour:presence-", 0) == 0);

    // Who, and after which event.
    CHECK(participant_of(got[0]) == "fay");
    CHECK(got[0].json.at("data").at("participant").at("role") == "ROLE_FACILITATOR");
    CHECK(got[0].seq() == 0);
    CHECK(participant_of(got[2]) == "ana");
    CHECK(got[2].json.at("data").at("participant").at("role") == "ROLE_PARTICIPANT");
    CHECK(got[2].json.at("actor").at("id") == "ana");
    CHECK(got[2].seq() == 1);
    CHECK(participant_of(got[4]) == "ana");
    CHECK(got[4].seq() == 2);

    // Delivered once each: the cursor counts the log's events only.
    const auto delivery =
        wait_for_delivery(server.port(), hook.id, [](const auto& d) { return d.at("delivered") == 6; });
    CHECK(delivery.at("cursor") == 3);
    CHECK(delivery.at("lag") == 0);
    CHECK(receiver.attempts(6).size() == 6);
}

TEST_CASE("only endpoints that asked for joins or leaves get them")
{
    webhook_receiver_process receiver;
    server_process server(server_args());
    const auto chat = register_webhook(server.port(), receiver.url("/chat"), "square", {"chat"});
    const auto left = register_webhook(server.port(), receiver.url("/left"), "square", {"participant.left"});
    const auto moderation = register_webhook(server.port(), receiver.url("/moderation"), "square",
                                             {"participant.muted", "participant.removed"});
    const auto elsewhere = register_webhook(server.port(), receiver.url("/elsewhere"), "market", {"*"});
    (void)chat;
    (void)moderation;
    (void)elsewhere;

    client fay(server.options("square", "fay", pb::ROLE_FACILITATOR));
    join_or_fail(fay);
    {
        client pat(server.options("square", "pat"));
        join_or_fail(pat);
        pat.disconnect();
    }
    REQUIRE(receiver.records(1).size() == 1); // pat's leave
    const auto last = fay.send_chat("after pat").get();
    REQUIRE(last.ok);

    const auto got = receiver.records(2);
    std::map<std::string, std::vector<std::string>> by_path;
    for (const auto& r : got)
        by_path[r.path].push_back(r.type() + " " + (r.type() == "chat.posted" ? "" : participant_of(r)));
    CHECK(by_path["/left"] == std::vector<std::string>{"participant.left pat"});
    CHECK(by_path["/chat"] == std::vector<std::string>{"chat.posted "});
    CHECK(by_path.count("/moderation") == 0);
    CHECK(by_path.count("/elsewhere") == 0);
    CHECK(receiver.attempts(2).size() == 2);
}

TEST_CASE("a join the receiver refuses is sent again with the same webhook-id, before the events after it")
{
    webhook_receiver_process receiver("fail");
    server_process server(server_args());
    const auto hook = register_webhook(server.port(), receiver.url(), "pier", {"*"});
    client ana(server.options("pier", "ana"));
    join_or_fail(ana);
    const auto failing = receiver.attempts(2); // refused twice: retried
    REQUIRE(failing.size() >= 2);
    CHECK(failing[0].id == failing[1].id);
    CHECK(failing[0].type() == "participant.joined");
    const auto state =
        wait_for_delivery(server.port(), hook.id, [](const auto& d) { return d.at("attempts").as_int64() >= 2; });
    CHECK(std::string(state.at("last_error").as_string()).rfind("participant.joined pier:presence-", 0) == 0);
    // An event committed meanwhile waits behind the join.
    REQUIRE(ana.send_chat("behind the join").get().ok);

    receiver.set_mode("ok");
    const auto got = receiver.records(2);
    REQUIRE(got.size() == 2);
    CHECK(got[0].id == failing[0].id);
    CHECK(got[0].type() == "participant.joined");
    CHECK(got[1].id == "pier:1");
    CHECK(wait_for_delivery(server.port(), hook.id, [](const auto& d) { return d.at("cursor") == 1; }).at("attempts") ==
          0);
}

TEST_CASE("the admin API accepts the new kinds and still refuses unknown ones")
{
    server_process server(server_args());
    const auto post = [&](const std::string& kind) {
        return call_api(server.port(),
                        {.method = "POST",
                         .target = "/v1/admin/webhooks",
                         .bearer = webhook_admin_key,
                         .body = R"({"url":"https://example.org/hook","room":"r","kinds":[")" + kind + "\"]}"});
    };
    for (const char* kind : {"participant.joined", "participant.left", "participant"}) {
        const auto res = post(kind);
        INFO(kind << ": " << res.body);
        CHECK(res.status == 201);
    }
    const auto res = post("participant.arrived");
    CHECK(res.status == 400);
    CHECK(res.body.find("unknown kind") != std::string::npos);
}
