// The gate in front of the upgrade: Origin against the allow-list (Cross-Site
// WebSocket Hijacking), and a join token offered in the upgrade request
// itself, both answered over HTTP before any WebSocket exists.
#include "http_probe.hpp"
#include "raw_client.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>

using namespace maptable;
using namespace maptable::test;

namespace {

std::string host_of(const server_process& server)
{
    return "127.0.0.1:" + std::to_string(server.port());
}

} // namespace

TEST_CASE("with an allow-list, a foreign Origin gets 403 and a listed one upgrades")
{
    server_process server({"--allowed-origins", "https://maps.example.org, http://localhost:3000/"});

    const auto foreign = upgrade_request(server.port(), {{"Origin", "https://evil.example"}});
    CHECK(foreign.status == 403);
    CHECK(foreign.body.find("Origin") != std::string::npos);
    CHECK(foreign.header("Upgrade").empty());

    // Listed, in any case, with or without the trailing slash the list had.
    CHECK(upgrade_request(server.port(), {{"Origin", "https://maps.example.org"}}).status == 101);
    CHECK(upgrade_request(server.port(), {{"Origin", "HTTP://LOCALHOST:3000"}}).status == 101);
    // Same host, other port or scheme: another origin.
    CHECK(upgrade_request(server.port(), {{"Origin", "https://maps.example.org:8443"}}).status == 403);
    CHECK(upgrade_request(server.port(), {{"Origin", "http://maps.example.org"}}).status == 403);
    // A sandboxed page or a file:// page sends "null".
    CHECK(upgrade_request(server.port(), {{"Origin", "null"}}).status == 403);
    // The server's own origin is not listed, so it is refused too.
    CHECK(upgrade_request(server.port(), {{"Origin", "http://" + host_of(server)}}).status == 403);

    INFO(server.log());
    CHECK(server.log().find("Origin 'https://evil.example' is not allowed") != std::string::npos);
}

TEST_CASE("without an allow-list, only the server's own origin may upgrade")
{
    server_process server;
    CHECK(upgrade_request(server.port(), {{"Origin", "http://" + host_of(server)}}).status == 101);
    CHECK(upgrade_request(server.port(), {{"Origin", "https://" + host_of(server)}}).status == 101);
    CHECK(upgrade_request(server.port(), {{"Origin", "https://evil.example"}}).status == 403);
    CHECK(upgrade_request(server.port(), {{"Origin", "http://127.0.0.1:1"}}).status == 403);
}

TEST_CASE("a client that sends no Origin (an app, the SDK) upgrades and joins")
{
    server_process server({"--allowed-origins", "https://maps.example.org"});
    CHECK(upgrade_request(server.port()).status == 101);

    // The SDK sends no Origin: it joins as before.
    client c(server.options("harbour", "ana"));
    join_or_fail(c);
}

TEST_CASE("a join token offered in the upgrade request is checked before the upgrade")
{
    server_process server;
    const auto good = server.token("harbour", "ana");

    SUBCASE("an invalid bearer token gets 401")
    {
        const auto reply = upgrade_request(server.port(), {{"Authorization", "Bearer not.a.token"}});
        CHECK(reply.status == 401);
        CHECK(reply.body.find("join token refused") != std::string::npos);
        CHECK(reply.header("WWW-Authenticate").find("invalid_token") != std::string::npos);
    }
    SUBCASE("an expired token gets 401 saying so")
    {
        const auto expired = server.token("harbour", "ana", pb::ROLE_PARTICIPANT, -3600);
        const auto reply = upgrade_request(server.port(), {{"Authorization", "Bearer " + expired}});
        CHECK(reply.status == 401);
        CHECK(reply.body.find("expired") != std::string::npos);
    }
    SUBCASE("Authorization that is not a bearer token gets 401")
    {
        CHECK(upgrade_request(server.port(), {{"Authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"}}).status == 401);
        CHECK(upgrade_request(server.port(), {{"Authorization", "Bearer"}}).status == 401);
    }
    SUBCASE("a valid bearer token upgrades")
    {
        CHECK(upgrade_request(server.port(), {{"Authorization", "Bearer " + good}}).status == 101);
    }
    SUBCASE("a token in Sec-WebSocket-Protocol: valid upgrades and only maptable.v1 is echoed")
    {
        const auto reply =
            upgrade_request(server.port(), {{"Sec-WebSocket-Protocol", "maptable.v1, maptable.v1.token." + good}});
        CHECK(reply.status == 101);
        CHECK(reply.header("Sec-WebSocket-Protocol") == "maptable.v1");
    }
    SUBCASE("a token in Sec-WebSocket-Protocol: invalid gets 401")
    {
        const auto reply = upgrade_request(server.port(),
                                           {{"Sec-WebSocket-Protocol", "maptable.v1"},
                                            {"Sec-WebSocket-Protocol", "maptable.v1.token.eyJhbGciOiJub25lIn0.e30."}});
        CHECK(reply.status == 401);
        CHECK(reply.header("Upgrade").empty());
    }
    SUBCASE("no token in the request: the upgrade proceeds (the Join carries it)")
    {
        const auto reply = upgrade_request(server.port(), {{"Sec-WebSocket-Protocol", "maptable.v1"}});
        CHECK(reply.status == 101);
        CHECK(reply.header("Sec-WebSocket-Protocol") == "maptable.v1");
        raw_client raw(server.port());
        CHECK(raw.join("harbour", good).has_welcome());
    }
    // Tokens are secrets: none of them reaches the log, refused or not.
    const auto log = server.log();
    CHECK(log.find(good) == std::string::npos);
    CHECK(log.find(good.substr(good.rfind('.') + 1)) == std::string::npos); // not even the signature
}

TEST_CASE("the Origin is checked before the token")
{
    server_process server({"--allowed-origins", "https://maps.example.org"});
    const auto reply = upgrade_request(
        server.port(),
        {{"Origin", "https://evil.example"}, {"Authorization", "Bearer " + server.token("harbour", "ana")}});
    CHECK(reply.status == 403);
}

TEST_CASE("a malformed --allowed-origins stops the start with a message")
{
    // Checked by parsing only: the server exits before it listens.
    const std::string command = std::string(MAPTABLE_SERVER_BINARY) +
        " --port 0 --data-dir /nonexistent-maptable --allowed-origins 'maps.example.org' 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    REQUIRE(pipe != nullptr);
    std::string out;
    char chunk[1024];
    while (auto n = std::fread(chunk, 1, sizeof chunk, pipe.get()))
        out.append(chunk, n);
    const int status = ::pclose(pipe.release());
    INFO(out);
    CHECK(WEXITSTATUS(status) == 2);
    CHECK(out.find("scheme://host") != std::string::npos);
}
