// The C++ SDK when the room lives on another node: a Join answered with a
// Redirect is sent again, the same, to the Redirect's url, and the client
// ends joined on the owner and writes there; a node that loses the room
// closes with 4001 "room moved" and the client rejoins at once through its
// configured url; nodes that keep redirecting stop the client with an error.
// First with a real maptable-server as the owner and a stand-in for the
// node that does not own the room (a WebSocket listener that answers as
// such a node does), so the SDK's side is pinned whatever the cluster does;
// then with two real nodes sharing one PostgreSQL (started by the test;
// those cases skip, with a message, when PostgreSQL is not installed).
#include "postgres_server.hpp"
#include "server_process.hpp"
#include "store/postgres_event_log.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace maptable;
using namespace maptable::test;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// A node that does not own the room, on a loopback port of its own. For
// each connection it reads the Join, records it and answers with what
// `answer` returns for that connection (numbered from 0), then closes with
// 4001 "room moved", as a node does after a Redirect or on losing the room.
class stand_in_node {
public:
    // own_url: this node's url with the room, for a node that redirects to itself.
    using answer_fn =
        std::function<pb::ServerMessage(int connection, const pb::ClientMessage& join, const std::string& own_url)>;

    explicit stand_in_node(answer_fn answer)
        : answer_(std::move(answer)), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0})
    {
        thread_ = std::thread([this] { serve(); });
    }

    ~stand_in_node()
    {
        stopping_ = true;
        beast::error_code ignored;
        // Wake the blocking accept with a connection of our own.
        tcp::socket poke(io_);
        poke.connect(acceptor_.local_endpoint(), ignored);
        thread_.join();
    }

    std::string url() const { return "ws://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/v1/ws"; }

    std::vector<pb::ClientMessage> joins() const
    {
        std::lock_guard lock(mutex_);
        return joins_;
    }

private:
    void serve()
    {
        for (int n = 0;; ++n) {
            tcp::socket socket(io_);
            beast::error_code ec;
            acceptor_.accept(socket, ec);
            if (stopping_ || ec)
                return;
            answer_one(n, std::move(socket));
        }
    }

    void answer_one(int n, tcp::socket socket)
    {
        try {
            websocket::stream<tcp::socket> ws(std::move(socket));
            ws.accept();
            ws.binary(true);
            beast::flat_buffer buffer;
            ws.read(buffer);
            pb::ClientMessage join;
            const auto data = buffer.cdata();
            const bool parsed = join.ParseFromArray(data.data(), static_cast<int>(data.size()));
            CHECK_MESSAGE(parsed, "the client's first message is not a ClientMessage");
            if (!parsed)
                return;
            {
                std::lock_guard lock(mutex_);
                joins_.push_back(join);
            }
            pb::ServerFrame frame;
            *frame.add_messages() = answer_(n, join, url() + "?room=" + join.join().room_id());
            ws.write(asio::buffer(frame.SerializeAsString()));
            ws.close(websocket::close_reason(static_cast<websocket::close_code>(4001), "room moved"));
            // Until the client's side of the close (or its drop).
            for (beast::error_code read_ec; !read_ec;)
                ws.read(buffer, read_ec);
        } catch (const beast::system_error&) {
            // The client left first: it followed the Redirect at once.
        }
    }

    answer_fn answer_;
    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::vector<pb::ClientMessage> joins_;
    std::thread thread_;
};

pb::ServerMessage redirect_to(const std::string& url, const pb::ClientMessage& join)
{
    pb::ServerMessage m;
    auto* r = m.mutable_redirect();
    r->set_request_id(join.request_id());
    r->set_url(url);
    r->set_room_id(join.join().room_id());
    r->set_reason("the room is owned by another node");
    return m;
}

std::string with_room(const std::string& url, const std::string& room)
{
    return url + "?room=" + room;
}

// A node of a cluster on one PostgreSQL. Short leases keep a takeover quick.
std::vector<std::string> node_args(const std::string& database_url, const std::string& node_id)
{
    return {"--store", database_url, "--node-id", node_id, "--lease-ms", "1000"};
}

// Waits until the client has had `count` Welcomes; false after a deadline
// that only bounds a hung test.
class welcome_counter {
public:
    explicit welcome_counter(client& c) : client_(c)
    {
        c.on_welcome([this](bool) {
            std::lock_guard lock(mutex_);
            ++count_;
            changed_.notify_all();
        });
    }
    // No delivery reaches a counter that is gone.
    ~welcome_counter() { client_.clear_callbacks(); }
    bool wait_for(int count)
    {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, std::chrono::seconds(60), [&] { return count_ >= count; });
    }

private:
    client& client_;
    std::mutex mutex_;
    std::condition_variable changed_;
    int count_ = 0;
};

} // namespace

TEST_CASE("a client that reaches a node not owning the room follows the Redirect, joins the owner and writes there")
{
    server_process owner;
    const auto owner_url = with_room(owner.url(), "harbour");
    stand_in_node other(
        [&](int, const pb::ClientMessage& join, const std::string&) { return redirect_to(owner_url, join); });

    auto options = owner.options("harbour", "Ana");
    options.url = other.url();
    options.client_id = "c-ana-redirect";
    client ana(options);
    join_or_fail(ana);
    CHECK(ana.state() == connection_state::connected);
    CHECK(ana.endpoint() == owner_url);

    // The stand-in saw the Join the owner got: same room, token, client id.
    const auto joins = other.joins();
    REQUIRE(joins.size() == 1);
    CHECK(joins[0].join().room_id() == "harbour");
    CHECK(joins[0].join().client_id() == "c-ana-redirect");
    CHECK(joins[0].join().token() == options.token);

    // Writes land on the owner: a client joined there directly sees them.
    client ben(owner.options("harbour", "Ben"));
    event_recorder ben_sees(ben);
    join_or_fail(ben);
    const auto added = ana.add_feature(point_feature("f-moved", 18.42, -33.92)).get();
    REQUIRE_MESSAGE(added.ok, added.message);
    REQUIRE(ben_sees.wait_for_seq(added.seq));
    CHECK(ben.replica().find_feature("f-moved") != nullptr);
}

TEST_CASE(
    "a 4001 room-moved close rejoins at once through the configured url, resuming, and the Redirect leads to the owner")
{
    server_process owner;
    const auto owner_url = with_room(owner.url(), "harbour");
    // Connection 0: this node owns the room, welcomes the client, then loses
    // the room (4001). Connection 1: the room is elsewhere now: a Redirect.
    stand_in_node node([&](int n, const pb::ClientMessage& join, const std::string&) {
        if (n > 0)
            return redirect_to(owner_url, join);
        pb::ServerMessage m;
        auto* w = m.mutable_welcome();
        w->set_request_id(join.request_id());
        w->mutable_state()->mutable_info()->set_id("harbour");
        w->set_epoch("e-old-owner");
        w->set_protocol_version(1);
        return m;
    });

    auto options = owner.options("harbour", "Ana");
    options.url = node.url();
    // A backoff this long would outlast the test: the rejoin must not wait for it.
    options.reconnect_initial_delay = std::chrono::hours(1);
    options.reconnect_max_delay = std::chrono::hours(1);
    client ana(options);
    welcome_counter welcomes(ana);
    join_or_fail(ana);
    REQUIRE(welcomes.wait_for(2));
    CHECK(ana.state() == connection_state::connected);
    CHECK(ana.endpoint() == owner_url);
    CHECK(ana.epoch() != "e-old-owner"); // the owner's history, not the old node's

    const auto joins = node.joins();
    REQUIRE(joins.size() == 2);
    CHECK(joins[1].join().client_id() == ana.client_id());
    // The rejoin resumes from what the client had.
    REQUIRE(joins[1].join().has_resume());
    CHECK(joins[1].join().resume().epoch() == "e-old-owner");

    const auto added = ana.add_feature(point_feature("f-after-move", 18.42, -33.92)).get();
    REQUIRE_MESSAGE(added.ok, added.message);
    client ben(owner.options("harbour", "Ben"));
    join_or_fail(ben);
    CHECK(ben.replica().find_feature("f-after-move") != nullptr);
}

TEST_CASE("nodes that keep redirecting stop the client with an error after max_redirects, without looping")
{
    stand_in_node loop(
        [](int, const pb::ClientMessage& join, const std::string& own_url) { return redirect_to(own_url, join); });

    client_options options;
    options.url = loop.url();
    options.room_id = "harbour";
    options.token = "not-checked-here";
    options.max_redirects = 3;
    client ana(options);
    const auto joined = ana.connect().get();
    CHECK_FALSE(joined.ok);
    CHECK_MESSAGE(joined.message.find("redirects in a row") != std::string::npos, joined.message);
    CHECK(ana.state() == connection_state::closed);
    // The first Join and one per redirect followed, then no more.
    CHECK(loop.joins().size() == 4);
}

TEST_CASE("on two nodes sharing PostgreSQL, a client configured with the node that does not own the room joins the "
          "owner and writes there")
{
    SKIP_WITHOUT_POSTGRES(pg);
    const auto database = pg->create_database();
    server_process a(node_args(database, "node-a"));
    server_process b(node_args(database, "node-b"));

    // The room loads on node a: a owns it.
    client writer(a.options("harbour", "writer"));
    event_recorder writer_sees(writer);
    join_or_fail(writer);

    auto options = b.options("harbour", "Ana");
    client ana(options);
    join_or_fail(ana);
    CHECK(ana.state() == connection_state::connected);
    CHECK(ana.endpoint() == with_room(a.url(), "harbour"));

    const auto added = ana.add_feature(point_feature("f-via-b", 4.48, 51.9)).get();
    REQUIRE_MESSAGE(added.ok, added.message);
    REQUIRE(writer_sees.wait_for_seq(added.seq));
    CHECK(writer.replica().find_feature("f-via-b") != nullptr);
    store::postgres_event_log log(database);
    CHECK(log.load("harbour").events.size() == added.seq);
}

TEST_CASE("when the owner is killed, a client follows the room to the node that takes it over, and its commands sent "
          "meanwhile land once")
{
    SKIP_WITHOUT_POSTGRES(pg);
    const auto database = pg->create_database();
    server_process a(node_args(database, "node-a"));
    server_process b(node_args(database, "node-b"));

    client writer(a.options("quay", "writer"));
    join_or_fail(writer);

    // Ana goes through node b, which sends her to node a.
    auto options = b.options("quay", "Ana");
    options.reconnect_initial_delay = std::chrono::milliseconds(20);
    options.reconnect_max_delay = std::chrono::milliseconds(200);
    client ana(options);
    welcome_counter welcomes(ana);
    join_or_fail(ana);
    REQUIRE(ana.endpoint() == with_room(a.url(), "quay"));
    for (int i = 0; i < 5; ++i)
        REQUIRE(ana.add_feature(point_feature("before-" + std::to_string(i), 4.4 + i * 0.001, 51.9)).get().ok);
    const auto epoch = ana.epoch();

    a.kill9();
    // Sent while the room has no owner: kept, and resent once one welcomes.
    std::vector<std::future<command_result>> meanwhile;
    for (int i = 0; i < 10; ++i)
        meanwhile.push_back(ana.add_feature(point_feature("meanwhile-" + std::to_string(i), 4.5 + i * 0.001, 51.9)));

    // Until the lease expires node b keeps sending Ana to the dead node a;
    // the client backs off and asks again, and then node b welcomes her.
    REQUIRE(welcomes.wait_for(2));
    std::uint64_t last = 0;
    for (auto& f : meanwhile) {
        const auto r = f.get();
        REQUIRE_MESSAGE(r.ok, r.message);
        last = std::max(last, r.seq);
    }
    CHECK(ana.state() == connection_state::connected);
    CHECK(ana.endpoint() == b.url());
    CHECK(ana.epoch() == epoch); // the same history: the rejoin resumed
    CHECK(last == 15);
    store::postgres_event_log log(database);
    CHECK(log.load("quay").events.size() == 15); // each command once
    CHECK(ana.replica().data().features.size() == 15);
}
