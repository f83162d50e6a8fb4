// The fault proxy itself: it forwards bytes unchanged, cuts exactly where it
// is told to, and its cuts reach both the SDK and the server as a dropped
// connection, including the window between a commit and its ack.
#include "fault_proxy.hpp"
#include "server_process.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <future>
#include <set>
#include <thread>

using namespace maptable;
using namespace maptable::test;

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// A loopback TCP server that accepts `count` connections one after another
// and, for each, reads until the stream ends; echo: writes back what it read.
class sink_server {
public:
    sink_server(int count, bool echo) : acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0))
    {
        thread_ = std::thread([this, count, echo] {
            for (int i = 0; i < count; ++i) {
                tcp::socket s(io_);
                acceptor_.accept(s);
                std::string got;
                std::array<char, 4096> buf;
                for (;;) {
                    boost::system::error_code ec;
                    const auto n = s.read_some(asio::buffer(buf), ec);
                    if (ec)
                        break;
                    got.append(buf.data(), n);
                    if (echo)
                        asio::write(s, asio::buffer(buf.data(), n), ec);
                }
                received_.push_back(std::move(got));
            }
        });
    }
    ~sink_server()
    {
        if (thread_.joinable())
            thread_.join();
    }
    unsigned short port() const { return acceptor_.local_endpoint().port(); }
    // What each connection delivered, in accept order (joins the thread).
    const std::vector<std::string>& received()
    {
        if (thread_.joinable())
            thread_.join();
        return received_;
    }

private:
    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::thread thread_;
    std::vector<std::string> received_;
};

std::string pattern(std::size_t n)
{
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return s;
}

// Connects to the proxy, writes data (ignoring a cut), reads until the end.
std::string send_through(unsigned short port, const std::string& data, bool read_back)
{
    asio::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
    boost::system::error_code ec;
    asio::write(s, asio::buffer(data), ec);
    std::string back;
    if (read_back) {
        back.resize(data.size());
        const auto n = asio::read(s, asio::buffer(back), ec);
        back.resize(n);
    }
    s.shutdown(tcp::socket::shutdown_send, ec);
    // Wait for the other end to finish, so the proxy's counters are final.
    std::array<char, 256> drain;
    while (!ec)
        s.read_some(asio::buffer(drain), ec);
    return back;
}

pb::Feature marker(const std::string& id)
{
    pb::Feature f;
    f.set_id(id);
    f.mutable_geometry()->set_kind(pb::FEATURE_KIND_POINT);
    auto* p = f.mutable_geometry()->add_positions();
    p->set_lon(13.40);
    p->set_lat(52.52);
    f.set_title(id);
    return f;
}

} // namespace

TEST_CASE("the proxy forwards bytes unchanged in both directions and counts them")
{
    sink_server echo(1, true);
    fault_proxy proxy(echo.port());
    const auto data = pattern(300 * 1000);
    const auto back = send_through(proxy.port(), data, true);
    CHECK(back == data);
    REQUIRE(echo.received().size() == 1);
    CHECK(echo.received()[0] == data);
    CHECK(proxy.connections() == 1);
    CHECK(proxy.cuts() == 0);
    CHECK(proxy.bytes_to_server() == data.size());
    CHECK(proxy.bytes_to_client() == data.size());
}

TEST_CASE("cut_after_client_bytes delivers exactly that many bytes, then the end")
{
    sink_server sink(1, false);
    fault_proxy proxy(sink.port());
    // Wait for the pair to exist before arming it: the budget applies to live pairs.
    asio::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(asio::ip::address_v4::loopback(), proxy.port()));
    REQUIRE(proxy.wait_for_live(1));
    proxy.cut_after_client_bytes(1234, cut_style::close);
    boost::system::error_code ec;
    asio::write(s, asio::buffer(pattern(10000)), ec);
    REQUIRE(proxy.wait_for_cuts(1));
    // The client sees the end too.
    std::array<char, 16> buf;
    s.read_some(asio::buffer(buf), ec);
    CHECK(ec);
    REQUIRE(sink.received().size() == 1);
    CHECK(sink.received()[0] == pattern(10000).substr(0, 1234));
    CHECK(proxy.cuts() == 1);
    CHECK(proxy.live() == 0);
}

TEST_CASE("random cuts fall anywhere inside the range, a fresh point for each connection")
{
    constexpr int n = 30;
    sink_server sink(n, false);
    fault_proxy proxy(sink.port(), 42);
    proxy.cut_randomly(10, 20000, cut_style::close);
    const auto data = pattern(50000);
    for (int i = 0; i < n; ++i)
        send_through(proxy.port(), data, false);
    const auto& got = sink.received();
    REQUIRE(got.size() == static_cast<std::size_t>(n));
    std::set<std::size_t> cut_points;
    for (const auto& g : got) {
        CHECK(g.size() >= 10);
        CHECK(g.size() <= 20000);
        CHECK(g == data.substr(0, g.size())); // a prefix: nothing reordered or invented
        cut_points.insert(g.size());
    }
    CHECK(cut_points.size() > n / 2); // not one fixed point
    CHECK(proxy.cuts() == static_cast<std::uint64_t>(n));
    CHECK(proxy.connections() == static_cast<std::uint64_t>(n));
}

TEST_CASE("an SDK client joins through the proxy; cut_all drops it for client and server alike")
{
    server_process server;
    fault_proxy proxy(server.port());
    auto options = server.options("proxied", "ana");
    options.url = proxy.url();
    options.reconnect = false;
    client ana(options);
    event_recorder ana_sees(ana);
    join_or_fail(ana);
    client ben(server.options("proxied", "ben")); // direct, not through the proxy
    event_recorder ben_sees(ben);
    join_or_fail(ben);

    auto said = ana.send_chat("through the proxy").get();
    REQUIRE(said.ok);
    REQUIRE(ben_sees.wait_for_seq(said.seq));
    CHECK(proxy.connections() == 1);

    CHECK(proxy.cut_all() == 1);
    REQUIRE(ana_sees.wait_until([&] { return ana.closed().closed; }));
    CHECK(ana.closed().code == 0); // dropped, no close frame
    // The server noticed too: ana left the room.
    REQUIRE(ben_sees.wait_until([&] {
        auto left = ben_sees.left();
        return std::find(left.begin(), left.end(), "ana") != left.end();
    }));
    CHECK(proxy.cuts() == 1);
    CHECK(proxy.live() == 0);
}

TEST_CASE("cut_after_server_bytes(0) loses the ack of a command the server has committed")
{
    server_process server;
    fault_proxy proxy(server.port());
    auto options = server.options("lost-ack", "ana");
    options.url = proxy.url();
    options.reconnect = false;
    client ana(options);
    event_recorder ana_sees(ana);
    join_or_fail(ana);
    client ben(server.options("lost-ack", "ben"));
    event_recorder ben_sees(ben);
    join_or_fail(ben);
    // Nothing else may be on its way to ana when the proxy is armed.
    REQUIRE(ana_sees.wait_until([&] { return !ana_sees.joined().empty(); }));

    REQUIRE(ana.add_feature(marker("before")).get().ok);
    proxy.cut_after_server_bytes(0);
    auto lost = ana.add_feature(marker("committed-unacked")).get();
    CHECK_FALSE(lost.ok); // the connection went before the Event and Ack arrived
    CHECK(proxy.cuts() == 1);
    // ...and yet the server committed it: ben sees the event, and ana's
    // replica never did.
    REQUIRE(ben_sees.wait_for_seq(2));
    REQUIRE(ben.replica().find_feature("committed-unacked") != nullptr);
    CHECK(ana.seq() == 1);
}

TEST_CASE("cut_after_client_bytes cuts a command in the middle of its WebSocket frame: nothing is applied")
{
    server_process server;
    fault_proxy proxy(server.port());
    auto options = server.options("half-frame", "ana");
    options.url = proxy.url();
    options.reconnect = false;
    client ana(options);
    join_or_fail(ana);

    REQUIRE(ana.send_chat("whole").get().ok);
    proxy.cut_after_client_bytes(20); // a chat frame of 200+ bytes: the server gets 20 of them
    auto half = ana.send_chat(std::string(200, 'x')).get();
    CHECK_FALSE(half.ok);
    CHECK(proxy.cuts() == 1);

    client ben(server.options("half-frame", "ben"));
    join_or_fail(ben);
    CHECK(ben.seq() == 1);
    REQUIRE(ben.replica().recent_chat().size() == 1);
    CHECK(ben.replica().recent_chat()[0].text() == "whole");
}
