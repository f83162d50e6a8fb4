// Token revocation through the admin API:
// a revoked token id ends its live connections at once, is refused at join,
// at refresh and at the upgrade gate, and stays revoked across a restart.
#include "http_probe.hpp"
#include "raw_client.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace maptable;
using namespace maptable::test;

namespace {

constexpr const char* admin_key = "test-admin-key-0123456789";

// One call to the admin API. key "" sends no Authorization header.
http_reply admin_call(unsigned short port, const std::string& method, const std::string& target,
                      const std::string& body, const std::string& key = admin_key)
{
    return call_api(port, {.method = method, .target = target, .bearer = key, .body = body});
}

// A POST whose Content-Length is over the server's body limit (64 KiB),
// without sending the body: the server refuses on the header alone, so the
// answer never races a half-sent body (a reset on the client's write).
http_reply oversized_post(unsigned short port, std::size_t content_length)
{
    return raw_request(
        port,
        "POST /v1/admin/revocations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + std::string(admin_key) +
            "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(content_length) + "\r\n\r\n");
}

http_reply revoke(unsigned short port, const std::string& jti, const std::string& key = admin_key)
{
    return admin_call(port, "POST", "/v1/admin/revocations", "{\"jti\": \"" + jti + "\"}", key);
}

std::int64_t unix_now()
{
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

// A token with a jti (the harness's server.token() has none).
std::string token_with_id(const std::string& room, const std::string& name, const std::string& jti)
{
    auth::join_claims claims;
    claims.room = room;
    claims.subject = name;
    claims.name = name;
    claims.role = pb::ROLE_PARTICIPANT;
    claims.expires_at = unix_now() + 3600;
    claims.token_id = jti;
    return auth::mint_join_token(claims, test_secret);
}

client_options options_with_id(const server_process& server, const std::string& room, const std::string& name,
                               const std::string& jti)
{
    auto o = server.options(room, name);
    o.token = token_with_id(room, name, jti);
    o.reconnect = false;
    return o;
}

} // namespace

TEST_CASE("a revoked token closes its live connection, is refused at join, and stays revoked after a restart")
{
    server_process server({"--admin-key", admin_key});
    client pat(options_with_id(server, "rev", "pat", "t-pat-1"));
    event_recorder pat_sees(pat);
    join_or_fail(pat);
    client ana(options_with_id(server, "rev", "ana", "t-ana-1"));
    event_recorder ana_sees(ana);
    join_or_fail(ana);
    REQUIRE(pat.send_chat("before").get().ok);

    const auto revoked = revoke(server.port(), "t-pat-1");
    REQUIRE_MESSAGE(revoked.status == 204, revoked.body);
    REQUIRE(pat_sees.wait_until([&] { return pat.state() == connection_state::closed; }));
    CHECK(pat.closed().code == 1008);
    CHECK(pat.closed().reason == "token revoked");

    // The other participant is untouched and sees pat leave.
    CHECK(ana.state() == connection_state::connected);
    CHECK(ana.send_chat("still here").get().ok);
    CHECK(ana_sees.wait_until([&] {
        for (const auto& p : ana.online())
            if (p.id() == "pat")
                return false;
        return true;
    }));

    client again(options_with_id(server, "rev", "pat", "t-pat-1"));
    auto refused = again.connect().get();
    CHECK_FALSE(refused.ok);
    CHECK(refused.code == pb::ERROR_CODE_TOKEN_REVOKED);

    // The list shows it.
    const auto list = admin_call(server.port(), "GET", "/v1/admin/revocations", "");
    CHECK(list.status == 200);
    CHECK(list.body.find("\"t-pat-1\"") != std::string::npos);

    // A restart reads the revocation back before it listens.
    REQUIRE(server.stop() == 0);
    server.start();
    raw_client raw(server.port());
    auto answer = raw.join("rev", token_with_id("rev", "pat", "t-pat-1"));
    REQUIRE(answer.has_error());
    CHECK(answer.error().code() == pb::ERROR_CODE_TOKEN_REVOKED);
    CHECK_FALSE(raw.next().has_value());
    CHECK(raw.close().code == 1008);
    // Another token of the same participant still works.
    client fresh(options_with_id(server, "rev", "pat", "t-pat-2"));
    join_or_fail(fresh);
}

TEST_CASE("a raw connection gets Error TOKEN_REVOKED before the close")
{
    server_process server({"--admin-key", admin_key});
    raw_client raw(server.port());
    REQUIRE(raw.join("raw", token_with_id("raw", "pat", "t-raw")).has_welcome());
    REQUIRE(revoke(server.port(), "t-raw").status == 204);
    bool saw_error = false;
    while (auto m = raw.next())
        if (m->has_error() && m->error().code() == pb::ERROR_CODE_TOKEN_REVOKED)
            saw_error = true;
    CHECK(saw_error);
    CHECK(raw.close().code == 1008);
    CHECK(raw.close().reason == "token revoked");
}

TEST_CASE("a refresh to a revoked token is refused; after a refresh, the new token's id is the one that counts")
{
    server_process server({"--admin-key", admin_key});
    client pat(options_with_id(server, "refresh", "pat", "t-old"));
    event_recorder pat_sees(pat);
    join_or_fail(pat);

    REQUIRE(revoke(server.port(), "t-banned").status == 204);
    auto refused = pat.refresh_token(token_with_id("refresh", "pat", "t-banned")).get();
    CHECK(refused.code == pb::ERROR_CODE_TOKEN_REVOKED);

    REQUIRE(pat.refresh_token(token_with_id("refresh", "pat", "t-new")).get().ok);
    // The old id no longer holds this connection...
    REQUIRE(revoke(server.port(), "t-old").status == 204);
    CHECK(pat.send_chat("still in").get().ok);
    CHECK(pat.state() == connection_state::connected);
    // ...the new one does.
    REQUIRE(revoke(server.port(), "t-new").status == 204);
    REQUIRE(pat_sees.wait_until([&] { return pat.state() == connection_state::closed; }));
    CHECK(pat.closed().reason == "token revoked");
}

TEST_CASE("the upgrade gate refuses a revoked token offered in the request with 401")
{
    server_process server({"--admin-key", admin_key});
    REQUIRE(revoke(server.port(), "t-gate").status == 204);
    const auto refused =
        upgrade_request(server.port(), {{"Authorization", "Bearer " + token_with_id("g", "pat", "t-gate")}});
    CHECK(refused.status == 401);
    CHECK(refused.body.find("revoked") != std::string::npos);
    const auto fine =
        upgrade_request(server.port(), {{"Authorization", "Bearer " + token_with_id("g", "pat", "t-ok")}});
    CHECK(fine.status == 101);
}

TEST_CASE("the admin API refuses a wrong key with 401 and bad requests with 400")
{
    server_process server({"--admin-key", admin_key});
    const auto port = server.port();
    CHECK(revoke(port, "t-x", "wrong-key").status == 401);
    const auto no_key = revoke(port, "t-x", "");
    CHECK(no_key.status == 401);
    CHECK(no_key.header("WWW-Authenticate").find("Bearer") == 0);
    CHECK(admin_call(port, "GET", "/v1/admin/revocations", "", "wrong").status == 401);
    // The key never reaches the log.
    CHECK(server.log().find(admin_key) == std::string::npos);
    CHECK(server.log().find("wrong-key") == std::string::npos);

    const auto bad_json = admin_call(port, "POST", "/v1/admin/revocations", "{not json");
    CHECK(bad_json.status == 400);
    CHECK(bad_json.body.find("\"error\"") != std::string::npos);
    CHECK(admin_call(port, "POST", "/v1/admin/revocations", "{}").status == 400);
    CHECK(admin_call(port, "POST", "/v1/admin/revocations", "[\"t-x\"]").status == 400);
    CHECK(admin_call(port, "POST", "/v1/admin/revocations", "{\"jti\": 7}").status == 400);
    CHECK(admin_call(port, "POST", "/v1/admin/revocations", "{\"jti\": \"t\", \"expires_at\": \"soon\"}").status ==
          400);
    CHECK(revoke(port, std::string(129, 'a')).status == 400);
    CHECK(revoke(port, std::string(128, 'a')).status == 204);
    CHECK(admin_call(port, "POST", "/v1/admin/revocations",
                     "{\"jti\": \"t-big\", \"pad\": \"" + std::string(8 * 1024, 'x') + "\"}")
              .status == 400);
    const auto huge = oversized_post(port, 100 * 1024);
    CHECK(huge.status == 400);
    CHECK(huge.body.find("\"error\"") != std::string::npos);
    CHECK(admin_call(port, "DELETE", "/v1/admin/revocations", "").status == 405);
    CHECK(admin_call(port, "GET", "/v1/admin/nothing-here", "").status == 404);

    const auto with_expiry =
        admin_call(port, "POST", "/v1/admin/revocations", "{\"jti\": \"t-exp\", \"expires_at\": 4000000000}");
    CHECK(with_expiry.status == 204);
    const auto list = admin_call(port, "GET", "/v1/admin/revocations", "");
    CHECK(list.status == 200);
    CHECK(list.body.find("{\"jti\":\"t-exp\",\"expires_at\":4000000000}") != std::string::npos);
}

TEST_CASE("without --admin-key the admin API answers 404")
{
    server_process server;
    CHECK(revoke(server.port(), "t-x").status == 404);
    CHECK(revoke(server.port(), "t-x", "").status == 404);
    CHECK(admin_call(server.port(), "GET", "/v1/admin/revocations", "").status == 404);
}
