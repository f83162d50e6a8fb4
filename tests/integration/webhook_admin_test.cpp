// The webhook admin API over HTTP: bad registrations are refused with 400
// and a reason; the admin key guards every route; an endpoint is listed
// without its secret, inspected, and deleted.
#include "http_probe.hpp"
#include "server_process.hpp"
#include "webhook_receiver_process.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace maptable;
using namespace maptable::test;

namespace {

http_reply admin(unsigned short port, const std::string& method, const std::string& target,
                 const std::string& body = {}, const std::string& key = webhook_admin_key)
{
    return call_api(port, {.method = method, .target = target, .bearer = key, .body = body});
}

} // namespace

TEST_CASE("bad registrations are refused with 400 and a reason naming the field")
{
    server_process server({"--admin-key", webhook_admin_key});
    const struct {
        const char* body;
        const char* reason;
    } cases[] = {
        {"not json", "not JSON"},
        {"[1,2]", "JSON object"},
        {R"({"room":"r","kinds":["chat"]})", "\"url\""},
        {R"({"url":"","room":"r","kinds":["chat"]})", "\"url\""},
        {R"({"url":"not a url","room":"r","kinds":["chat"]})", "absolute URL"},
        {R"({"url":"ftp://example.org/x","room":"r","kinds":["chat"]})", "scheme ftp"},
        {R"({"url":"http://example.org/hook","room":"r","kinds":["chat"]})", "loopback"},
        {R"({"url":"https://user:pw@example.org/hook","room":"r","kinds":["chat"]})", "user name"},
        {R"({"url":"https://example.org/hook#x","room":"r","kinds":["chat"]})", "fragment"},
        {R"({"url":"https://example.org:0/hook","room":"r","kinds":["chat"]})", "port"},
        {R"({"url":"https://example.org/hook","kinds":["chat"]})", "\"room\""},
        {R"({"url":"https://example.org/hook","room":"no spaces","kinds":["chat"]})", "room id"},
        {R"({"url":"https://example.org/hook","room":"r/../x","kinds":["chat"]})", "room id"},
        {R"({"url":"https://example.org/hook","room":"r"})", "\"kinds\""},
        {R"({"url":"https://example.org/hook","room":"r","kinds":[]})", "\"kinds\""},
        {R"({"url":"https://example.org/hook","room":"r","kinds":["presence"]})", "unknown kind \"presence\""},
        {R"({"url":"https://example.org/hook","room":"r","kinds":["vote.tallied"]})", "unknown kind"},
        {R"({"url":"https://example.org/hook","room":"r","kinds":[7]})", "unknown kind 7"},
        {R"({"url":"https://example.org/hook","room":"r","kinds":["chat"],"scope":"network"})", "\"scope\""},
        {R"({"url":"https://example.org/hook","room":"r","kinds":["chat"],"secret":"mine"})",
         "unknown field \"secret\""},
    };
    for (const auto& c : cases) {
        INFO(std::string(c.body));
        const auto reply = admin(server.port(), "POST", "/v1/admin/webhooks", c.body);
        CHECK(reply.status == 400);
        CHECK(reply.header("Content-Type") == "application/json");
        const auto error = json_body(reply);
        REQUIRE(error.is_object());
        CHECK(std::string(error.at("error").as_string()).find(c.reason) != std::string::npos);
    }
    // Nothing was registered, and the server is still serving.
    const auto list = admin(server.port(), "GET", "/v1/admin/webhooks");
    CHECK(list.status == 200);
    CHECK(json_body(list).as_array().empty());
    CHECK(server.log().find("webhook registration refused (400)") != std::string::npos);
}

TEST_CASE("the admin key guards the webhook routes; without one configured they do not exist")
{
    server_process with_key({"--admin-key", webhook_admin_key});
    const auto body = R"({"url":"https://example.org/hook","room":"r","kinds":["chat"]})";
    CHECK(admin(with_key.port(), "GET", "/v1/admin/webhooks", {}, "").status == 401);
    CHECK(admin(with_key.port(), "POST", "/v1/admin/webhooks", body, "wrong").status == 401);
    server_process without_key;
    CHECK(admin(without_key.port(), "GET", "/v1/admin/webhooks", {}, "anything").status == 404);
    CHECK(admin(without_key.port(), "POST", "/v1/admin/webhooks", body, "anything").status == 404);
}

TEST_CASE("an endpoint is listed without its secret, shown with its delivery, reactivated, and deleted")
{
    server_process server({"--admin-key", webhook_admin_key});
    const auto created = admin(
        server.port(), "POST", "/v1/admin/webhooks",
        R"({"url":"https://hooks.example.org/maptable?x=1","room":"plaza","kinds":["chat","vote.closed"],"scope":"room"})");
    REQUIRE(created.status == 201);
    const auto endpoint = json_body(created).as_object();
    const auto id = std::string(endpoint.at("id").as_string());
    CHECK(std::string(endpoint.at("secret").as_string()).rfind("whsec_", 0) == 0);
    CHECK(endpoint.at("scope") == "room");
    CHECK(endpoint.at("room") == "plaza");
    CHECK(endpoint.at("url") == "https://hooks.example.org/maptable?x=1");

    const auto list = admin(server.port(), "GET", "/v1/admin/webhooks");
    REQUIRE(list.status == 200);
    REQUIRE(json_body(list).as_array().size() == 1);
    CHECK(json_body(list).at(0).at("id").as_string() == id);
    CHECK(json_body(list).at(0).as_object().if_contains("secret") == nullptr);
    CHECK(list.body.find("whsec_") == std::string::npos);

    const auto one = admin(server.port(), "GET", "/v1/admin/webhooks/" + id);
    REQUIRE(one.status == 200);
    const auto delivery = json_body(one).at("deliveries").at(0).as_object();
    CHECK(delivery.at("room") == "plaza");
    CHECK(delivery.at("cursor") == 0);
    CHECK(delivery.at("state") == "active");
    CHECK(json_body(one).as_object().if_contains("secret") == nullptr);

    CHECK(admin(server.port(), "POST", "/v1/admin/webhooks/" + id + "/reactivate").status == 200);
    CHECK(admin(server.port(), "PUT", "/v1/admin/webhooks/" + id).status == 405);
    CHECK(admin(server.port(), "GET", "/v1/admin/webhooks/" + id + "/reactivate").status == 405);
    CHECK(admin(server.port(), "DELETE", "/v1/admin/webhooks").status == 405);
    CHECK(admin(server.port(), "GET", "/v1/admin/webhooks/" + id + "/nothing").status == 404);
    CHECK(admin(server.port(), "DELETE", "/v1/admin/webhooks/" + id).status == 204);
    CHECK(admin(server.port(), "GET", "/v1/admin/webhooks/" + id).status == 404);
    CHECK(admin(server.port(), "DELETE", "/v1/admin/webhooks/" + id).status == 404);
    CHECK(admin(server.port(), "POST", "/v1/admin/webhooks/" + id + "/reactivate").status == 404);

    // Registrations survive a restart.
    const auto kept = admin(server.port(), "POST", "/v1/admin/webhooks",
                            R"({"url":"https://hooks.example.org/2","room":"plaza","kinds":["*"]})");
    REQUIRE(kept.status == 201);
    REQUIRE(server.stop() == 0);
    server.start();
    const auto after = admin(server.port(), "GET", "/v1/admin/webhooks");
    REQUIRE(json_body(after).as_array().size() == 1);
    CHECK(json_body(after).at(0).at("id") == json_body(kept).at("id"));
}

TEST_CASE("a room takes sixteen endpoints; the seventeenth is refused with 409 until one is deleted")
{
    server_process server({"--admin-key", webhook_admin_key});
    std::string first;
    for (int i = 0; i < 16; ++i) {
        const auto reply =
            admin(server.port(), "POST", "/v1/admin/webhooks",
                  R"({"url":"https://hooks.example.org/)" + std::to_string(i) + R"(","room":"crowded","kinds":["*"]})");
        REQUIRE(reply.status == 201);
        if (i == 0)
            first = std::string(json_body(reply).at("id").as_string());
    }
    const auto body = R"({"url":"https://hooks.example.org/more","room":"crowded","kinds":["*"]})";
    const auto refused = admin(server.port(), "POST", "/v1/admin/webhooks", body);
    CHECK(refused.status == 409);
    CHECK(std::string(json_body(refused).at("error").as_string()).find("delete one first") != std::string::npos);
    // Another room is not affected.
    CHECK(admin(server.port(), "POST", "/v1/admin/webhooks",
                R"({"url":"https://hooks.example.org/more","room":"quiet","kinds":["*"]})")
              .status == 201);
    REQUIRE(admin(server.port(), "DELETE", "/v1/admin/webhooks/" + first).status == 204);
    CHECK(admin(server.port(), "POST", "/v1/admin/webhooks", body).status == 201);
}
