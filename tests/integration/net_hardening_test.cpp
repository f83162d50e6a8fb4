// The network edge against malformed handshakes: an upgrade whose
// Sec-WebSocket-Key is not the base64 encoding of 16 bytes (RFC 6455,
// section 4.1), or that carries two keys, is refused with 400 and a reason,
// on the wire and in the log; a sound key is accepted. And HTTP framing: a
// HEAD answer has no body.
#include "http_probe.hpp"
#include "raw_client.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

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
                          "Host: 127.0.0.1:" +
        std::to_string(port) +
        "\r\n"
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

TEST_CASE("a HEAD answer carries no body, so the next answer on the connection is read whole")
{
    server_process server;
    namespace asio = boost::asio;
    asio::io_context io;
    const std::string host = "Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n";
    // Two requests pipelined on one connection: the second closes it, so
    // reading to the end reads exactly both answers.
    for (const char* path : {"/healthz", "/metrics"}) {
        CAPTURE(path);
        const std::string requests = std::string("HEAD ") + path + " HTTP/1.1\r\n" + host + "\r\n" +
            "GET /healthz HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n";
        asio::ip::tcp::socket s(io);
        s.connect({asio::ip::make_address("127.0.0.1"), server.port()});
        asio::write(s, asio::buffer(requests));
        std::string answers;
        boost::system::error_code ec;
        char chunk[4096];
        for (;;) {
            const auto n = s.read_some(asio::buffer(chunk), ec);
            answers.append(chunk, n);
            if (ec)
                break;
        }
        CAPTURE(answers);
        const auto end_of_first = answers.find("\r\n\r\n");
        REQUIRE(end_of_first != std::string::npos);
        CHECK(answers.rfind("HTTP/1.1 200", 0) == 0);
        // The HEAD answer says how long the body would be...
        const auto head = answers.substr(0, end_of_first);
        CHECK(head.find("Content-Length: 0") == std::string::npos);
        CHECK(head.find("Content-Length: ") != std::string::npos);
        // ...and the next bytes are the second answer, not that body.
        CHECK(answers.compare(end_of_first + 4, 12, "HTTP/1.1 200") == 0);
        CHECK(answers.substr(answers.size() - 3) == "ok\n");
    }
}
