// Room ownership across nodes: two real maptable-server processes on one
// PostgreSQL (started by the test itself), real sockets. One node owns a room
// at a time: a join on the other is redirected to the owner; when the owner
// dies, the other takes the room over after its lease expires, with every
// acked command there once; a stale owner (paused past its lease while the
// other took over and wrote) has its writes refused and sends its clients
// away with close 4001; an admin command sent to the node that does not own
// the room is sent on to the owner, and an export there reads the shared log.
// Skips, with a message, only when PostgreSQL's binaries are not installed.
#include "fault_proxy.hpp"
#include "http_probe.hpp"
#include "postgres_server.hpp"
#include "raw_client.hpp"
#include "server_process.hpp"
#include "store/postgres_event_log.hpp"

#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <csignal>
#include <dirent.h>
#include <fstream>
#include <future>
#include <regex>
#include <sstream>
#include <thread>

using namespace maptable;
using namespace maptable::test;
using maptable::testing::postgres_server;

namespace {

// Short leases keep the takeover tests quick; a renewal every third of it.
constexpr const char* lease_ms = "1000";

constexpr const char* admin_key = "test-admin-key-0123456789";

std::vector<std::string> node_args(const std::string& url, const std::string& node_id)
{
    return {"--store", url, "--node-id", node_id, "--lease-ms", lease_ms, "--admin-key", admin_key};
}

http_reply admin_call(const server_process& node, const std::string& method, const std::string& target,
                      const std::string& body = {})
{
    return call_api(node.port(), {.method = method, .target = target, .bearer = admin_key, .body = body});
}

std::string http_base(const server_process& node)
{
    return "http://127.0.0.1:" + std::to_string(node.port());
}

// The value of a metric without labels in a /metrics text; -1 when absent.
double sample(const std::string& text, const std::string& name)
{
    const std::regex line("(^|\n)" + name + " ([0-9.e+-]+)");
    std::smatch match;
    if (!std::regex_search(text, match, line))
        return -1;
    return std::stod(match[2]);
}

double metric(const server_process& node, const std::string& name)
{
    const auto scraped = http_get(node.port(), "/metrics");
    REQUIRE(scraped.first == 200);
    return sample(scraped.second, name);
}

// The server process's pid, found by its data dir on its command line (the
// harness keeps the pid to itself): to pause and continue it.
pid_t pid_of(const server_process& node)
{
    const std::string dir = node.data_dir().string();
    DIR* proc = ::opendir("/proc");
    REQUIRE(proc != nullptr);
    pid_t found = -1;
    while (auto* entry = ::readdir(proc)) {
        const std::string name = entry->d_name;
        if (name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        std::ifstream in("/proc/" + name + "/cmdline");
        std::stringstream text;
        text << in.rdbuf();
        std::string args = text.str();
        std::replace(args.begin(), args.end(), '\0', ' ');
        if (args.find("maptable-server") != std::string::npos && args.find(" " + dir + " ") != std::string::npos)
            found = static_cast<pid_t>(std::stol(name));
    }
    ::closedir(proc);
    REQUIRE(found > 0);
    return found;
}

// The end of a server log: what a failed check prints, instead of the
// whole log, so that a CI log cut short still holds it.
std::string last_lines(const std::string& text, std::size_t count)
{
    std::size_t at = text.size();
    for (std::size_t seen = 0; seen <= count; ++seen) {
        if (at == 0 || (at = text.rfind('\n', at - 1)) == std::string::npos)
            return text;
    }
    return text.substr(at + 1);
}

struct join_answer {
    std::optional<pb::ServerMessage> first; // the first message after the Join
    std::unique_ptr<raw_client> client;
};

join_answer join_raw(const server_process& node, const std::string& room, const std::string& who,
                     std::optional<pb::Resume> resume = std::nullopt)
{
    join_answer a;
    a.client = std::make_unique<raw_client>(node.port(), "/v1/ws?room=" + room);
    a.client->send(join_message(room, node.token(room, who), who + "-client", std::move(resume), 7));
    a.first = a.client->next();
    return a;
}

// Joins room on node until the answer is a Welcome rather than a Redirect:
// the lease of a node that stopped renewing expires by the database's clock,
// and no event on the wire says when. Each try is a new connection, as a
// client that follows the Redirect, finds nobody and comes back would make.
join_answer join_when_taken_over(const server_process& node, const std::string& room, const std::string& who,
                                 int* redirects, std::optional<pb::Resume> resume = std::nullopt)
{
    for (int attempt = 0; attempt < 600; ++attempt) {
        auto a = join_raw(node, room, who, resume);
        REQUIRE(a.first.has_value());
        if (a.first->has_welcome())
            return a;
        REQUIRE_MESSAGE(a.first->has_redirect(),
                        a.first->DebugString() << "the node's last log lines:\n"
                                               << last_lines(node.log(), 30));
        ++*redirects;
        std::this_thread::sleep_for(std::chrono::milliseconds(50)); // a pause between tries, not a sync point
    }
    FAIL("the room was never taken over");
    return {};
}

pb::ServerMessage read_until_answer(raw_client& c, std::uint64_t request_id)
{
    auto reply = c.answer_to(request_id);
    REQUIRE(reply.has_value());
    return *reply;
}

// What the log holds for room, read through the event log interface: load()
// throws on a gap in the seqs, and (room, seq) is the table's primary key.
std::vector<pb::Event> stored_events(const std::string& url, const std::string& room)
{
    store::postgres_event_log log(url);
    const auto history = log.load(room);
    std::vector<pb::Event> out;
    for (const auto& bytes : history.events) {
        pb::Event e;
        REQUIRE(e.ParseFromString(bytes));
        out.push_back(std::move(e));
    }
    return out;
}

} // namespace

TEST_CASE("a join on the node that does not own the room is redirected to the owner, then closed 4001")
{
    SKIP_WITHOUT_POSTGRES(pg);
    const auto url = pg->create_database();
    server_process a(node_args(url, "node-a"));
    server_process b(node_args(url, "node-b"));

    client writer(a.options("harbour", "writer"));
    join_or_fail(writer);
    auto added = writer.add_feature(point_feature("crane", 4.48, 51.9, "Crane")).get();
    REQUIRE(added.ok);

    // Node b does not load the room: it sends the client to node a.
    auto on_b = join_raw(b, "harbour", "visitor");
    REQUIRE(on_b.first.has_value());
    REQUIRE_MESSAGE(on_b.first->has_redirect(), on_b.first->DebugString());
    const auto& redirect = on_b.first->redirect();
    CHECK(redirect.request_id() == 7);
    CHECK(redirect.url() == a.url() + "?room=harbour");
    CHECK(redirect.room_id() == "harbour");
    CHECK(!redirect.reason().empty());
    CHECK(!on_b.client->next().has_value());
    CHECK(on_b.client->close().code == 4001);
    CHECK(on_b.client->close().reason == "room moved");
    CHECK(metric(b, "maptable_redirects_total") == 1);
    CHECK(metric(b, "maptable_rooms_owned") == 0);
    CHECK(metric(a, "maptable_rooms_owned") == 1);

    // Following the Redirect works, and shows the owner's state.
    auto on_a = join_raw(a, "harbour", "visitor");
    REQUIRE(on_a.first.has_value());
    REQUIRE_MESSAGE(on_a.first->has_welcome(), on_a.first->DebugString());
    CHECK(on_a.first->welcome().state().seq() == added.seq);
    CHECK(on_a.first->welcome().state().features_size() == 1);
    // A write through the owner reaches the writer, and the log holds each seq once.
    on_a.client->send(chat_command(8, "seen from node a"));
    const auto ack = read_until_answer(*on_a.client, 8);
    REQUIRE_MESSAGE(ack.has_ack(), ack.DebugString());
    event_recorder sees(writer);
    CHECK(sees.wait_for_seq(ack.ack().seq()));
    CHECK(writer.replica().seq() == ack.ack().seq());
    CHECK(stored_events(url, "harbour").size() == ack.ack().seq());
}

TEST_CASE("when the owner is killed, the other node takes the room over after the lease with every acked command")
{
    SKIP_WITHOUT_POSTGRES(pg);
    const auto url = pg->create_database();
    server_process a(node_args(url, "node-a"));
    server_process b(node_args(url, "node-b"));

    // A replica on node a, left at seq 1, to resume from after the takeover.
    auto early = join_raw(a, "quay", "early");
    REQUIRE(early.first.has_value());
    REQUIRE(early.first->has_welcome());
    const std::string epoch = early.first->welcome().epoch();
    early.client->send(chat_command(1, "first"));
    const auto first = read_until_answer(*early.client, 1);
    REQUIRE(first.has_ack());

    client writer(a.options("quay", "writer"));
    join_or_fail(writer);
    std::vector<std::future<command_result>> pending;
    for (int i = 0; i < 40; ++i)
        pending.push_back(
            writer.add_feature(point_feature(std::string("m") + std::to_string(i), 4.4 + i * 0.001, 51.9)));
    std::uint64_t last_acked = 0;
    for (auto& p : pending) {
        auto r = p.get();
        REQUIRE(r.ok);
        last_acked = std::max(last_acked, r.seq);
    }
    REQUIRE(last_acked == 41);

    // Before the kill, node b redirects: node a holds the room.
    auto before = join_raw(b, "quay", "visitor");
    REQUIRE(before.first.has_value());
    CHECK_MESSAGE(before.first->has_redirect(), before.first->DebugString());

    a.kill9();
    int redirects = 0;
    auto taken = join_when_taken_over(b, "quay", "visitor", &redirects);
    const auto& welcome = taken.first->welcome();
    CHECK(welcome.epoch() == epoch); // the same history: resumes stay valid
    CHECK(welcome.state().seq() == last_acked);
    CHECK(welcome.state().features_size() == 40);
    CHECK(metric(b, "maptable_rooms_owned") == 1);

    // The dead node's replica resumes on node b from seq 1: recovered, and
    // every event it missed comes exactly once, in order.
    auto resumed = join_raw(b, "quay", "early", resume_at(epoch, first.ack().seq()));
    REQUIRE(resumed.first.has_value());
    REQUIRE(resumed.first->has_welcome());
    CHECK(resumed.first->welcome().recovered());
    std::uint64_t next_seq = first.ack().seq() + 1;
    while (next_seq <= last_acked) {
        auto m = resumed.client->next();
        REQUIRE(m.has_value());
        if (!m->has_event())
            continue; // the roster
        CHECK(m->event().seq() == next_seq);
        ++next_seq;
    }
    // The new owner writes after the last acked seq, and the log has no gap and no seq twice.
    resumed.client->send(chat_command(2, "after the takeover"));
    const auto ack = read_until_answer(*resumed.client, 2);
    REQUIRE_MESSAGE(ack.has_ack(), ack.DebugString());
    CHECK(ack.ack().seq() == last_acked + 1);
    const auto stored = stored_events(url, "quay");
    REQUIRE(stored.size() == last_acked + 1);
    for (std::size_t i = 0; i < stored.size(); ++i)
        CHECK(stored[i].seq() == i + 1);
}

TEST_CASE("a stale owner's writes are fenced: no ack, its clients get close 4001, the log keeps one seq each")
{
    SKIP_WITHOUT_POSTGRES(pg);
    const auto url = pg->create_database();
    server_process a(node_args(url, "node-a"));
    server_process b(node_args(url, "node-b"));

    auto on_a = join_raw(a, "pier", "anna");
    REQUIRE(on_a.first.has_value());
    REQUIRE(on_a.first->has_welcome());
    on_a.client->send(chat_command(1, "before the pause"));
    REQUIRE(read_until_answer(*on_a.client, 1).has_ack());

    // Node a stops (not dead: its process and sockets stay) past its lease.
    const pid_t a_pid = pid_of(a);
    REQUIRE(::kill(a_pid, SIGSTOP) == 0);
    int redirects = 0;
    auto on_b = join_when_taken_over(b, "pier", "ben", &redirects);
    CHECK(on_b.first->welcome().state().seq() == 1);
    on_b.client->send(chat_command(1, "node b owns the pier now"));
    const auto b_ack = read_until_answer(*on_b.client, 1);
    REQUIRE_MESSAGE(b_ack.has_ack(), b_ack.DebugString());
    CHECK(b_ack.ack().seq() == 2);

    // Sent while node a is paused; it reads it when it continues, with its
    // lease long taken over: whether its renewal or this append finds out
    // first, nothing is acked and the client is sent away.
    on_a.client->send(chat_command(2, "from the stale owner"));
    REQUIRE(::kill(a_pid, SIGCONT) == 0);
    for (;;) {
        auto m = on_a.client->next();
        if (!m)
            break;
        CHECK_MESSAGE(!(m->has_ack() && m->ack().request_id() == 2), "the stale owner acked a write");
        CHECK_MESSAGE(!(m->has_error() && m->error().request_id() == 2), m->DebugString());
    }
    CHECK(on_a.client->close().code == 4001);
    CHECK(on_a.client->close().reason == "room moved");
    CHECK(metric(a, "maptable_lease_steps_down_total") == 1);
    CHECK(metric(a, "maptable_rooms_owned") == 0);

    // The log: seq 1 from node a, seq 2 from node b, nothing else.
    const auto stored = stored_events(url, "pier");
    REQUIRE(stored.size() == 2);
    CHECK(stored[0].seq() == 1);
    CHECK(stored[1].seq() == 2);
    CHECK(stored[1].chat_posted().message().text() == "node b owns the pier now");

    // The client comes back (to node a, as after a 4001) and is sent to node b.
    auto again = join_raw(a, "pier", "anna");
    REQUIRE(again.first.has_value());
    REQUIRE_MESSAGE(again.first->has_redirect(), again.first->DebugString());
    CHECK(again.first->redirect().url() == b.url() + "?room=pier");
}

TEST_CASE("an admin command sent to the node that does not own the room reaches the owner; exports read anywhere")
{
    SKIP_WITHOUT_POSTGRES(pg);
    const auto url = pg->create_database();
    server_process a(node_args(url, "node-a"));
    server_process b(node_args(url, "node-b"));

    // Created through node a, which loads the room and so owns it.
    const auto created = admin_call(a, "POST", "/v1/admin/rooms",
                                    R"({"id": "harbour", "title": "Harbour lab", "city": "Cape Town",
                                        "center": {"lon": 18.42, "lat": -33.92}, "zoom": 13})");
    REQUIRE_MESSAGE(created.status == 201, created.body);
    client writer(a.options("harbour", "writer"));
    join_or_fail(writer);
    auto added = writer.add_feature(point_feature("crane", 18.42, -33.92, "Crane")).get();
    REQUIRE(added.ok);

    // Node b does not sequence the owner's room: 307 to the same path on the
    // owner (admin_outcome::moved_to turned into a Location).
    const auto sent_to_b = admin_call(b, "POST", "/v1/admin/rooms/harbour/archive");
    CAPTURE(sent_to_b.body);
    CHECK(sent_to_b.status == 307);
    CHECK(sent_to_b.header("Location") == http_base(a) + "/v1/admin/rooms/harbour/archive");
    CHECK(metric(b, "maptable_rooms_owned") == 0);
    // Nothing was written by node b: the owner's next write follows its last.
    CHECK(stored_events(url, "harbour").size() == added.seq);

    // Sent where node b points, it is applied by the owner, and its clients see it.
    event_recorder sees(writer);
    const auto archived = admin_call(a, "POST", "/v1/admin/rooms/harbour/archive");
    REQUIRE_MESSAGE(archived.status == 200, archived.body);
    CHECK(sees.wait_until([&] { return writer.replica().data().archived; }));

    // An export on node b reads the log the owner writes: no hop needed.
    const auto exported = call_api(b.port(), {.target = "/v1/rooms/harbour/export/geojson", .bearer = admin_key});
    REQUIRE_MESSAGE(exported.status == 200, exported.body);
    CHECK(exported.body.find("Crane") != std::string::npos);
    CHECK(metric(b, "maptable_rooms_owned") == 0);
}

TEST_CASE("a node that shuts down cleanly hands its rooms over at once: the other node takes them without waiting")
{
    SKIP_WITHOUT_POSTGRES(pg);
    const auto url = pg->create_database();
    // A lease far longer than the test: only a release lets node b in.
    std::vector<std::string> long_lease = {"--store", url, "--lease-ms", "600000"};
    auto args_a = long_lease, args_b = long_lease;
    args_a.insert(args_a.end(), {"--node-id", "node-a"});
    args_b.insert(args_b.end(), {"--node-id", "node-b"});
    server_process a(args_a);
    server_process b(args_b);

    auto on_a = join_raw(a, "dock", "anna");
    REQUIRE(on_a.first.has_value());
    REQUIRE(on_a.first->has_welcome());
    on_a.client->send(chat_command(1, "before the restart"));
    const auto ack = read_until_answer(*on_a.client, 1);
    REQUIRE(ack.has_ack());
    auto before = join_raw(b, "dock", "ben");
    REQUIRE(before.first.has_value());
    REQUIRE_MESSAGE(before.first->has_redirect(), before.first->DebugString());

    CHECK(a.stop() == 0);
    auto after = join_raw(b, "dock", "ben");
    REQUIRE(after.first.has_value());
    REQUIRE_MESSAGE(after.first->has_welcome(), after.first->DebugString());
    CHECK(after.first->welcome().state().seq() == ack.ack().seq());
}

TEST_CASE("a node cut off from the database steps down once its lease has lapsed unconfirmed; the other takes over")
{
    SKIP_WITHOUT_POSTGRES(pg);
    const auto url = pg->create_database();
    // Node a reaches the database through a proxy the test can cut; node b directly.
    fault_proxy to_database(pg->port());
    const auto url_via_proxy = "postgresql://maptable@127.0.0.1:" + std::to_string(to_database.port()) + "/" +
        postgres_server::database_of(url);
    server_process a(node_args(url_via_proxy, "node-a"));
    server_process b(node_args(url, "node-b"));

    auto on_a = join_raw(a, "jetty", "anna");
    REQUIRE(on_a.first.has_value());
    REQUIRE(on_a.first->has_welcome());
    on_a.client->send(chat_command(1, "before the cut"));
    REQUIRE(read_until_answer(*on_a.client, 1).has_ack());

    // Every connection of node a to the database ends, and new ones are
    // refused (nothing listens on port 1): its renewals fail from now on.
    to_database.set_target_port(1);
    to_database.cut_all();

    // Node a cannot know whether another node has taken the room: once a
    // whole lease has passed without a confirmed renewal it sends its clients
    // away. The read runs beside a bound, so that a server that never closes
    // fails the test instead of hanging it.
    std::promise<raw_close> closed;
    auto closing = closed.get_future();
    std::thread reader([&] {
        while (on_a.client->next()) {}
        closed.set_value(on_a.client->close());
    });
    const bool in_time = closing.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
    if (!in_time)
        a.kill9(); // ends the read
    reader.join();
    REQUIRE_MESSAGE(in_time, "node a kept its clients with its lease unconfirmed");
    const auto close = closing.get();
    CHECK(close.code == 4001);
    CHECK(close.reason == "room moved");
    CHECK(metric(a, "maptable_lease_steps_down_total") == 1);

    int redirects = 0;
    auto on_b = join_when_taken_over(b, "jetty", "ben", &redirects);
    CHECK(on_b.first->welcome().state().seq() == 1);
}
