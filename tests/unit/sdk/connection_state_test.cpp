// SDK connection logic, without sockets: sequences of events fed to
// connection_machine and the actions it returns. Each case pins one rule of
// reconnecting, following a Redirect and giving up.
#include "connection_state.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

using namespace maptable;
using namespace maptable::detail;
using std::chrono::milliseconds;
using kind = link_action::kind;

namespace {

const std::string configured = "ws://proxy.example:8080/v1/ws";
const std::string owner = "ws://node-b.example:8080/v1/ws?room=harbour";

reconnect_policy policy(bool reconnect = true)
{
    reconnect_policy p;
    p.url = configured;
    p.reconnect = reconnect;
    p.initial_delay = milliseconds(200);
    p.max_delay = milliseconds(10000);
    p.max_hops = 4;
    return p;
}

// Jitter at its top: each delay is the full exponential step.
connection_machine machine(bool reconnect = true)
{
    return connection_machine(policy(reconnect), [] { return 1.0; });
}

// start, opened, welcome: a joined machine.
connection_machine joined_machine(bool reconnect = true)
{
    auto m = machine(reconnect);
    REQUIRE(m.on(link_event::start()).what == kind::connect);
    REQUIRE(m.on(link_event::opened()).what == kind::send_join);
    REQUIRE(m.on(link_event::welcome()).what == kind::none);
    REQUIRE(m.state() == link_state::joined);
    return m;
}

} // namespace

TEST_CASE("connect() opens the configured url, the open socket sends the Join, the Welcome joins")
{
    auto m = machine();
    CHECK(m.state() == link_state::idle);
    CHECK_FALSE(m.accepts_requests());
    auto a = m.on(link_event::start());
    CHECK(a.what == kind::connect);
    CHECK(a.url == configured);
    CHECK(m.state() == link_state::connecting);
    CHECK(m.public_state() == connection_state::connecting);
    CHECK(m.accepts_requests()); // queued until the Welcome
    CHECK(m.on(link_event::opened()).what == kind::send_join);
    CHECK(m.state() == link_state::joining);
    CHECK(m.on(link_event::welcome()).what == kind::none);
    CHECK(m.state() == link_state::joined);
    CHECK(m.public_state() == connection_state::connected);
    CHECK(m.ever_joined());
}

TEST_CASE("a second start, a Welcome without a Join and a stray timer change nothing")
{
    auto m = joined_machine();
    CHECK(m.on(link_event::start()).what == kind::none);
    CHECK(m.on(link_event::welcome()).what == kind::none);
    CHECK(m.on(link_event::timer()).what == kind::none);
    CHECK(m.on(link_event::opened()).what == kind::none);
    CHECK(m.state() == link_state::joined);
}

TEST_CASE("the first connection failing, or dropping before any Welcome, is final: connect() reports it")
{
    SUBCASE("cannot connect")
    {
        auto m = machine();
        m.on(link_event::start());
        auto a = m.on(link_event::open_failed("cannot connect to proxy.example:8080: refused"));
        CHECK(a.what == kind::give_up);
        CHECK(a.code == 0);
        CHECK(a.message == "cannot connect to proxy.example:8080: refused");
        CHECK(m.state() == link_state::closed);
    }
    SUBCASE("dropped while joining")
    {
        auto m = machine();
        m.on(link_event::start());
        m.on(link_event::opened());
        auto a = m.on(link_event::closed(1001, "going away"));
        CHECK(a.what == kind::give_up);
        CHECK(a.code == 1001);
        CHECK(a.message == "connection closed: going away");
        CHECK(m.public_state() == connection_state::closed);
    }
}

TEST_CASE("a refused join is final, with the server's error code")
{
    auto m = machine();
    m.on(link_event::start());
    m.on(link_event::opened());
    auto a = m.on(link_event::join_refused(pb::ERROR_CODE_TOKEN_EXPIRED, "the token expired"));
    CHECK(a.what == kind::give_up);
    CHECK(a.code == 1008);
    CHECK(a.error == pb::ERROR_CODE_TOKEN_EXPIRED);
    CHECK(a.message == "the token expired");
    CHECK(m.state() == link_state::closed);
    CHECK_FALSE(m.accepts_requests());
}

TEST_CASE("backoff doubles from the initial delay up to the cap, and a Welcome resets it")
{
    auto m = joined_machine();
    std::vector<long long> delays;
    for (int i = 0; i < 8; ++i) {
        link_action a;
        if (i == 0) {
            a = m.on(link_event::closed(1001, "going away"));
        } else {
            REQUIRE(m.on(link_event::timer()).what == kind::connect);
            a = m.on(link_event::open_failed("refused"));
        }
        REQUIRE(a.what == kind::schedule);
        CHECK(m.state() == link_state::backing_off);
        CHECK(m.public_state() == connection_state::reconnecting);
        delays.push_back(a.delay.count());
    }
    CHECK(delays == std::vector<long long>{200, 400, 800, 1600, 3200, 6400, 10000, 10000});

    // Back: the next drop starts from the initial delay again.
    REQUIRE(m.on(link_event::timer()).what == kind::connect);
    REQUIRE(m.on(link_event::opened()).what == kind::send_join);
    REQUIRE(m.on(link_event::welcome()).what == kind::none);
    CHECK(m.attempt() == 0);
    auto again = m.on(link_event::closed(0, "connection reset"));
    REQUIRE(again.what == kind::schedule);
    CHECK(again.delay == milliseconds(200));
}

TEST_CASE("the reconnect delay jitters within [delay/2, delay] and does not overflow")
{
    CHECK(reconnect_delay(0, milliseconds(200), milliseconds(10000), 0.0) == milliseconds(100));
    CHECK(reconnect_delay(0, milliseconds(200), milliseconds(10000), 1.0) == milliseconds(200));
    CHECK(reconnect_delay(3, milliseconds(200), milliseconds(10000), 1.0) == milliseconds(1600));
    CHECK(reconnect_delay(10, milliseconds(200), milliseconds(10000), 0.0) == milliseconds(5000));
    CHECK(reconnect_delay(1000, milliseconds(200), milliseconds(10000), 0.5) == milliseconds(7500));
}

TEST_CASE("after a timer the reconnect goes to the configured url and sends the Join again")
{
    auto m = joined_machine();
    REQUIRE(m.on(link_event::closed(1011, "internal error")).what == kind::schedule);
    auto a = m.on(link_event::timer());
    CHECK(a.what == kind::connect);
    CHECK(a.url == configured);
    CHECK(m.public_state() == connection_state::reconnecting);
    CHECK(m.on(link_event::opened()).what == kind::send_join);
}

TEST_CASE("1003, 1008 and 1009 are final; 1001, 1011, 1013 and a dropped connection back off")
{
    for (std::uint16_t code : {1003, 1008, 1009}) {
        CAPTURE(code);
        auto m = joined_machine();
        auto a = m.on(link_event::closed(code, "refused"));
        CHECK(a.what == kind::give_up);
        CHECK(a.code == code);
        CHECK(m.state() == link_state::closed);
    }
    for (std::uint16_t code : {1001, 1011, 1013, 0}) {
        CAPTURE(code);
        auto m = joined_machine();
        auto a = m.on(link_event::closed(code, ""));
        CHECK(a.what == kind::schedule);
        CHECK(a.delay == milliseconds(200));
        CHECK(m.state() == link_state::backing_off);
        CHECK(m.will_resume());
    }
}

TEST_CASE("with reconnect off, any end is final, 4001 too")
{
    for (std::uint16_t code : {std::uint16_t(1001), std::uint16_t(0), close_room_moved}) {
        CAPTURE(code);
        auto m = joined_machine(false);
        CHECK(m.on(link_event::closed(code, "")).what == kind::give_up);
        CHECK(m.state() == link_state::closed);
        CHECK_FALSE(m.will_resume());
    }
}

TEST_CASE("4001 room moved reconnects at once, to the configured url, without backoff")
{
    auto m = joined_machine();
    auto a = m.on(link_event::closed(close_room_moved, "room moved"));
    CHECK(a.what == kind::connect);
    CHECK(a.url == configured);
    CHECK(m.state() == link_state::connecting);
    CHECK(m.public_state() == connection_state::reconnecting);
    CHECK(m.attempt() == 0); // no backoff step taken
    CHECK(m.on(link_event::opened()).what == kind::send_join);
    CHECK(m.on(link_event::welcome()).what == kind::none);
    CHECK(m.hops() == 0);
}

TEST_CASE("4001 before the first Welcome also rejoins at once: the room moved while joining")
{
    auto m = machine();
    m.on(link_event::start());
    m.on(link_event::opened());
    auto a = m.on(link_event::closed(close_room_moved, "room moved"));
    CHECK(a.what == kind::connect);
    CHECK(a.url == configured);
    CHECK(m.public_state() == connection_state::connecting);
}

TEST_CASE("a Redirect answering the Join connects to its url, and the Join goes there")
{
    auto m = machine();
    m.on(link_event::start());
    m.on(link_event::opened());
    auto a = m.on(link_event::redirect(owner));
    CHECK(a.what == kind::connect);
    CHECK(a.url == owner);
    CHECK(m.state() == link_state::redirected);
    CHECK(m.endpoint() == owner);
    CHECK(m.public_state() == connection_state::connecting);
    CHECK(m.on(link_event::opened()).what == kind::send_join);
    CHECK(m.on(link_event::welcome()).what == kind::none);
    CHECK(m.state() == link_state::joined);
    CHECK(m.endpoint() == owner);
}

TEST_CASE("a Redirect during a resume is followed as a reconnect, and later drops start from the configured url")
{
    auto m = joined_machine();
    REQUIRE(m.on(link_event::closed(0, "reset")).what == kind::schedule);
    REQUIRE(m.on(link_event::timer()).what == kind::connect);
    REQUIRE(m.on(link_event::opened()).what == kind::send_join);
    auto a = m.on(link_event::redirect(owner));
    CHECK(a.what == kind::connect);
    CHECK(a.url == owner);
    CHECK(m.public_state() == connection_state::reconnecting);
    REQUIRE(m.on(link_event::opened()).what == kind::send_join);
    REQUIRE(m.on(link_event::welcome()).what == kind::none);
    REQUIRE(m.on(link_event::closed(0, "reset")).what == kind::schedule);
    auto back = m.on(link_event::timer());
    CHECK(back.url == configured);
    CHECK(m.endpoint() == configured);
}

TEST_CASE("the owner unreachable after a Redirect on the first join is final; after a Welcome it backs off")
{
    SUBCASE("first join")
    {
        auto m = machine();
        m.on(link_event::start());
        m.on(link_event::opened());
        m.on(link_event::redirect(owner));
        CHECK(m.on(link_event::open_failed("cannot connect to node-b.example:8080")).what == kind::give_up);
    }
    SUBCASE("a resume")
    {
        auto m = joined_machine();
        m.on(link_event::closed(close_room_moved, "room moved"));
        m.on(link_event::opened());
        m.on(link_event::redirect(owner));
        CHECK(m.on(link_event::open_failed("cannot connect to node-b.example:8080")).what == kind::schedule);
    }
}

TEST_CASE("a redirect loop stops after max_hops with an error instead of bouncing for ever")
{
    auto m = machine();
    m.on(link_event::start());
    for (int hop = 1; hop <= 4; ++hop) {
        CAPTURE(hop);
        REQUIRE(m.on(link_event::opened()).what == kind::send_join);
        // Redirects and room-moved closes count alike.
        auto a = hop % 2 ? m.on(link_event::redirect(owner)) : m.on(link_event::closed(close_room_moved, "room moved"));
        REQUIRE(a.what == kind::connect);
    }
    REQUIRE(m.on(link_event::opened()).what == kind::send_join);
    auto a = m.on(link_event::redirect(owner));
    CHECK(a.what == kind::give_up);
    CHECK(a.message.find("redirects in a row") != std::string::npos);
    CHECK(m.state() == link_state::closed);
    CHECK(m.public_state() == connection_state::closed);
}

TEST_CASE("during a takeover, redirects to an owner that is down back off and are followed again after each backoff")
{
    auto m = joined_machine();
    REQUIRE(m.on(link_event::closed(0, "the owner died")).what == kind::schedule);
    // Many more rounds than max_hops: the other node redirects to the dead
    // owner until the owner's lease expires, then welcomes.
    for (int round = 0; round < 10; ++round) {
        CAPTURE(round);
        REQUIRE(m.on(link_event::timer()).what == kind::connect);
        REQUIRE(m.on(link_event::opened()).what == kind::send_join);
        REQUIRE(m.on(link_event::redirect(owner)).what == kind::connect);
        REQUIRE(m.on(link_event::open_failed("cannot connect to node-b.example:8080")).what == kind::schedule);
    }
    REQUIRE(m.on(link_event::timer()).what == kind::connect);
    REQUIRE(m.on(link_event::opened()).what == kind::send_join);
    CHECK(m.on(link_event::welcome()).what == kind::none);
    CHECK(m.state() == link_state::joined);
}

TEST_CASE("a Welcome resets the redirect count")
{
    auto m = machine();
    m.on(link_event::start());
    // Each round: a room-moved close (after the first) and redirects, max_hops
    // in all; over three rounds far more than max_hops without a reset.
    for (int round = 0; round < 3; ++round) {
        for (int hop = 0; hop < 3; ++hop) {
            REQUIRE(m.on(link_event::opened()).what == kind::send_join);
            REQUIRE(m.on(link_event::redirect(owner)).what == kind::connect);
        }
        REQUIRE(m.on(link_event::opened()).what == kind::send_join);
        REQUIRE(m.on(link_event::welcome()).what == kind::none);
        REQUIRE(m.on(link_event::closed(close_room_moved, "room moved")).what == kind::connect);
    }
}

TEST_CASE("a Redirect is only an answer to the Join: once joined it is ignored; without a url it is an error")
{
    auto m = joined_machine();
    CHECK(m.on(link_event::redirect(owner)).what == kind::none);
    CHECK(m.state() == link_state::joined);
    CHECK(m.endpoint() == configured);

    auto n = machine();
    n.on(link_event::start());
    n.on(link_event::opened());
    auto a = n.on(link_event::redirect(""));
    CHECK(a.what == kind::give_up);
    CHECK(n.state() == link_state::closed);
}

TEST_CASE("a client configured with wss:// refuses a Redirect to ws://: the Join carries the token")
{
    auto p = policy();
    p.url = "wss://proxy.example/v1/ws";
    connection_machine m(p, [] { return 1.0; });
    m.on(link_event::start());
    m.on(link_event::opened());
    auto a = m.on(link_event::redirect(owner));
    CHECK(a.what == kind::give_up);
    CHECK(a.message.find("unencrypted") != std::string::npos);

    connection_machine n(p, [] { return 1.0; });
    n.on(link_event::start());
    n.on(link_event::opened());
    auto b = n.on(link_event::redirect("WSS://node-b.example/v1/ws?room=harbour"));
    CHECK(b.what == kind::connect);
}

TEST_CASE("disconnect: a live connection closes politely and the close ends the client; otherwise at once")
{
    SUBCASE("joined")
    {
        auto m = joined_machine();
        CHECK(m.on(link_event::user_close()).what == kind::close_socket);
        CHECK(m.state() == link_state::closing);
        CHECK_FALSE(m.accepts_requests());
        CHECK_FALSE(m.will_resume());
        CHECK(m.public_state() == connection_state::connected);
        CHECK(m.on(link_event::user_close()).what == kind::none);
        // The server's answer to the close, 1000 or not, never reconnects.
        auto a = m.on(link_event::closed(1001, "going away"));
        CHECK(a.what == kind::give_up);
        CHECK(a.code == 1001);
        CHECK(m.state() == link_state::closed);
    }
    SUBCASE("backing off")
    {
        auto m = joined_machine();
        m.on(link_event::closed(0, "reset"));
        auto a = m.on(link_event::user_close());
        CHECK(a.what == kind::give_up);
        CHECK(a.code == 1000);
        CHECK(a.message == "closed by the client");
        CHECK(m.on(link_event::timer()).what == kind::none);
    }
    SUBCASE("following a Redirect")
    {
        auto m = machine();
        m.on(link_event::start());
        m.on(link_event::opened());
        m.on(link_event::redirect(owner));
        CHECK(m.on(link_event::user_close()).what == kind::give_up);
        CHECK(m.on(link_event::opened()).what == kind::none);
    }
    SUBCASE("never connected")
    {
        auto m = machine();
        CHECK(m.on(link_event::user_close()).what == kind::none);
        CHECK(m.state() == link_state::closed);
        CHECK(m.on(link_event::start()).what == kind::none);
    }
}

TEST_CASE("the url's target names the room unless the url does; only ws and wss with a host")
{
    auto plain = parse_ws_url("ws://127.0.0.1:9000/v1/ws", "a b/c");
    REQUIRE(plain);
    CHECK_FALSE(plain->secure);
    CHECK(plain->host == "127.0.0.1");
    CHECK(plain->port == "9000");
    CHECK(plain->target == "/v1/ws?room=a%20b%2Fc");
    auto redirect = parse_ws_url("wss://node-b.example/v1/ws?room=harbour", "harbour");
    REQUIRE(redirect);
    CHECK(redirect->secure);
    CHECK(redirect->port == "443");
    CHECK(redirect->target == "/v1/ws?room=harbour");
    CHECK(parse_ws_url("ws://h:1?node=2", "r")->target == "/?node=2&room=r");
    CHECK_FALSE(parse_ws_url("http://node-b.example/v1/ws", "r"));
    CHECK_FALSE(parse_ws_url("not a url", "r"));
    CHECK_FALSE(parse_ws_url("", "r"));
}
