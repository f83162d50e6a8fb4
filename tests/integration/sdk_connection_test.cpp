// The C++ SDK's connection from outside: the upgrade names the room in its
// target (?room=ID), so a proxy can route by room without reading the Join;
// and a server message larger than the client accepts ends the connection
// for good (close code 1009) instead of a reconnect that would meet the same
// message again.
#include "server_process.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <istream>
#include <string>
#include <thread>

using namespace maptable;
using namespace maptable::test;

namespace {

// The request line of the first HTTP request a client sends to url's port,
// read by a bare TCP listener (no server: nothing answers, the client gives up).
std::string upgrade_request_line(const std::string& path_and_query, const std::string& room)
{
    namespace asio = boost::asio;
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    const auto port = acceptor.local_endpoint().port();
    client_options options;
    options.url = "ws://127.0.0.1:" + std::to_string(port) + path_and_query;
    options.room_id = room;
    options.token = "not-checked-here";
    options.reconnect = false;
    client c(options);
    auto joined = c.connect();
    asio::ip::tcp::socket socket(io);
    acceptor.accept(socket);
    asio::streambuf buffer;
    asio::read_until(socket, buffer, "\r\n");
    std::istream in(&buffer);
    std::string line;
    std::getline(in, line);
    socket.close(); // the join fails: no server here
    joined.wait();
    if (!line.empty() && line.back() == '\r')
        line.pop_back();
    return line;
}

} // namespace

TEST_CASE("the SDK's upgrade names the room in the URL, unless the URL already does")
{
    CHECK(upgrade_request_line("/v1/ws", "harbour.lab") == "GET /v1/ws?room=harbour.lab HTTP/1.1");
    CHECK(upgrade_request_line("", "harbour") == "GET /?room=harbour HTTP/1.1");
    CHECK(upgrade_request_line("/v1/ws?node=2", "harbour") == "GET /v1/ws?node=2&room=harbour HTTP/1.1");
    CHECK(upgrade_request_line("/v1/ws?room=other", "harbour") == "GET /v1/ws?room=other HTTP/1.1");
    CHECK(upgrade_request_line("/v1/ws", "a b/c") == "GET /v1/ws?room=a%20b%2Fc HTTP/1.1");
}

TEST_CASE("a server message over the client's limit ends the connection for good with 1009")
{
    server_process server;
    auto small = server.options("harbour", "Ana");
    small.max_message_bytes = 16 * 1024;
    client ana(small);
    std::promise<close_info> closed;
    ana.on_closed([&closed](const close_info& info) { closed.set_value(info); });
    join_or_fail(ana); // the empty room's Welcome fits

    client ben(server.options("harbour", "Ben"));
    join_or_fail(ben);
    // One area of 2,000 positions: an Event of about 40 KB, over Ana's 16 KiB.
    REQUIRE(ben.add_feature(large_area("district", 2000)).get().ok);

    auto ended = closed.get_future();
    REQUIRE_MESSAGE(ended.wait_for(std::chrono::seconds(30)) == std::future_status::ready,
                    "the client never gave up: it reconnects into the same message");
    const auto info = ended.get();
    CHECK(info.code == 1009);
    CHECK(ana.state() == connection_state::closed);
}
