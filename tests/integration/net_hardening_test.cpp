// The network edge against malformed handshakes: an upgrade whose
// Sec-WebSocket-Key is not the base64 encoding of 16 bytes (RFC 6455,
// section 4.1), or that carries two keys, is refused with 400 and a reason,
// on the wire and in the log; a sound key is accepted.
#include "http_probe.hpp"
#include "raw_client.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace maptable;
using namespace maptable::test;

namespace {

// An upgrade request for /v1/ws with exactly these Sec-WebSocket-Key lines
// (each a whole header line's value; none: no key at all).
http_reply upgrade_with_keys(unsigned short port, const std::vector<std::string>& keys)
{
    std::string request = "GET /v1/ws HTTP/1.1\r\n"
                          "Host: 127.0.0.1:" + std::to_string(port) + "\r\n"
                          "Upgrade: websocket\r\n"
                          "Connection: Upgrade\r\n"
                          "Sec-WebSocket-Version: 13\r\n";
    for (const auto& key : keys)
        request += "Sec-WebSocket-Key: " + key + "\r\n";
    request += "\r\n";
    return raw_request(port, request);
}

} // namespace

TEST_CASE("an upgrade with a malformed Sec-WebSocket-Key is refused with 400 and a reason")
{
    server_process server;
    struct bad_key {
        const char* what;
        std::vector<std::string> keys;
    };
    const std::vector<bad_key> cases = {
        {"not base64", {"not-a-valid-key!"}},
        {"not base64, 24 characters", {"dGhlIHNhbXBsZSBub25jZ!=="}},
        {"15 bytes when decoded", {"AAAAAAAAAAAAAAAAAAAA"}},
        {"17 bytes when decoded", {"AAAAAAAAAAAAAAAAAAAAAAA="}},
        {"18 bytes when decoded", {"AAAAAAAAAAAAAAAAAAAAAAAA"}},
        {"16 bytes with stray bits in the last character", {"dGhlIHNhbXBsZSBub25jZR=="}},
        {"empty", {""}},
        {"two keys", {"dGhlIHNhbXBsZSBub25jZQ==", "AAAAAAAAAAAAAAAAAAAAAA=="}},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        const auto reply = upgrade_with_keys(server.port(), c.keys);
        CHECK(reply.status == 400);
        CHECK(reply.body.find("Sec-WebSocket-Key") != std::string::npos);
    }
    const auto log = server.log();
    CHECK(log.find("upgrade refused (400): Sec-WebSocket-Key must be the base64 encoding of 16 bytes") !=
          std::string::npos);
    CHECK(log.find("upgrade refused (400): the upgrade has more than one Sec-WebSocket-Key header") !=
          std::string::npos);

    // The server goes on: a sound key is accepted, and a client joins.
    CHECK(upgrade_with_keys(server.port(), {"dGhlIHNhbXBsZSBub25jZQ=="}).status == 101);
    CHECK(upgrade_with_keys(server.port(), {" AAAAAAAAAAAAAAAAAAAAAA== "}).status == 101);
    raw_client raw(server.port());
    CHECK(raw.join("after", server.token("after", "joiner")).has_welcome());
}

TEST_CASE("an upgrade with no Sec-WebSocket-Key is refused with 400")
{
    server_process server;
    const auto reply = upgrade_with_keys(server.port(), {});
    CHECK(reply.status == 400);
    CHECK(reply.body.find("Sec-WebSocket-Key") != std::string::npos);
}
