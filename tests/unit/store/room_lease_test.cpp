// Room leases on PostgreSQL (store/room_lease.hpp): one node owns a room at a
// time; a claim expires by the database's clock; every acquisition bumps the
// generation; and an append stamped with a generation the room no longer has
// is refused as fenced, without hurting the other rooms of the same group
// commit. Skips (with a message) only when PostgreSQL's binaries are not
// installed. SQLite has no leases: its log says so.
#include "postgres_server.hpp"
#include "store/commit_queue.hpp"
#include "store/postgres_event_log.hpp"
#include "store/sqlite_event_log.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <future>
#include <variant>

using namespace maptable::store;
using maptable::store::testing::temp_dir;
using maptable::testing::postgres_server;

namespace {

#define SKIP_WITHOUT_POSTGRES(url)                                                                                     \
    std::string url;                                                                                                   \
    if (auto* server = postgres_server::shared())                                                                      \
        url = server->create_database();                                                                               \
    if (url.empty()) {                                                                                                 \
        MESSAGE("skipped: PostgreSQL's binaries are not installed (deploy/setup.sh installs them)");                   \
        return;                                                                                                        \
    }

lease_owner node(const std::string& id, std::chrono::milliseconds ttl = std::chrono::milliseconds(60'000))
{
    return lease_owner{id, "ws://" + id + "/v1/ws", ttl};
}

std::uint64_t granted(const lease_claim& claim)
{
    REQUIRE_MESSAGE(std::holds_alternative<lease_grant>(claim), "held by " << std::get<lease_holder>(claim).node_id);
    return std::get<lease_grant>(claim).generation;
}

event_record fenced_event(const std::string& room, std::uint64_t seq, std::uint64_t generation)
{
    event_record r;
    r.room_id = room;
    r.seq = seq;
    r.time_ms = 1'700'000'000'000 + std::int64_t(seq);
    r.bytes = room + "#" + std::to_string(seq);
    r.lease_generation = generation;
    return r;
}

// Moves room's lease expiry into the past behind the nodes' backs: what the
// passing of its time does, without waiting for it.
void expire(const std::string& url, const std::string& room)
{
    postgres_server::shared()->exec(postgres_server::database_of(url),
                                    "UPDATE room_leases SET expires_at = now() - interval '1 second' WHERE room = '" +
                                        room + "'");
}

} // namespace

TEST_CASE("a free room is granted; a held one names its live owner and url")
{
    SKIP_WITHOUT_POSTGRES(url);
    postgres_event_log a(url), b(url);
    REQUIRE(a.leases() != nullptr);
    const auto first = granted(a.acquire("r", node("a")));
    CHECK(first >= 1);
    const auto claim = b.acquire("r", node("b"));
    REQUIRE(std::holds_alternative<lease_holder>(claim));
    CHECK(std::get<lease_holder>(claim).node_id == "a");
    CHECK(std::get<lease_holder>(claim).url == "ws://a/v1/ws");
    REQUIRE(b.holder("r").has_value());
    CHECK(b.holder("r")->node_id == "a");
    CHECK(!b.holder("other").has_value());
    // Another room is independent.
    CHECK(granted(b.acquire("other", node("b"))) >= 1);
}

TEST_CASE("renewing keeps a lease; a lease that expired is taken over with a new generation")
{
    SKIP_WITHOUT_POSTGRES(url);
    postgres_event_log a(url), b(url);
    const auto gen_a = granted(a.acquire("r", node("a")));
    CHECK(a.renew({{"r", gen_a}}, node("a")).empty());
    expire(url, "r");
    // Expired by the database's clock: b takes it, and the generation moves on.
    const auto gen_b = granted(b.acquire("r", node("b")));
    CHECK(gen_b == gen_a + 1);
    // a's renewal finds the room taken over: it must step down.
    CHECK(a.renew({{"r", gen_a}}, node("a")) == std::vector<std::string>{"r"});
    CHECK(b.holder("r")->node_id == "b");
    // a cannot take it back while b holds it.
    CHECK(std::holds_alternative<lease_holder>(a.acquire("r", node("a"))));
}

TEST_CASE("a released lease is free at once; a node that restarts under its own id takes its rooms back")
{
    SKIP_WITHOUT_POSTGRES(url);
    postgres_event_log a(url), b(url);
    const auto gen_a = granted(a.acquire("r", node("a")));
    a.release("r", gen_a);
    CHECK(!a.holder("r").has_value());
    const auto gen_b = granted(b.acquire("r", node("b")));
    CHECK(gen_b > gen_a);
    // Releasing with a stale generation changes nothing.
    a.release("r", gen_a);
    CHECK(b.holder("r")->node_id == "b");
    // The same node id (a restart) claims its own unexpired lease again, under a new generation.
    postgres_event_log b_again(url);
    const auto gen_b2 = granted(b_again.acquire("r", node("b")));
    CHECK(gen_b2 == gen_b + 1);
    CHECK(b.renew({{"r", gen_b}}, node("b")) == std::vector<std::string>{"r"});
    CHECK(b_again.renew({{"r", gen_b2}}, node("b")).empty());
}

TEST_CASE("the lease expiry is the database's clock, with the ttl given")
{
    SKIP_WITHOUT_POSTGRES(url);
    postgres_event_log a(url), b(url);
    granted(a.acquire("r", node("a", std::chrono::milliseconds(1))));
    // A 1 ms lease has expired by the time another statement runs: wait for
    // the database's clock to pass it, not for ours.
    postgres_server::shared()->exec(postgres_server::database_of(url), "SELECT pg_sleep(0.01)");
    CHECK(granted(b.acquire("r", node("b"))) == 2);
}

TEST_CASE("an append under a stale generation is refused as fenced, and writes nothing")
{
    SKIP_WITHOUT_POSTGRES(url);
    postgres_event_log a(url), b(url);
    const auto gen_a = granted(a.acquire("r", node("a")));
    REQUIRE(a.append(std::vector{fenced_event("r", 1, gen_a)}) == append_error::ok);
    expire(url, "r");
    const auto gen_b = granted(b.acquire("r", node("b")));
    // The stale owner's next event, at the seq the new owner will use too.
    CHECK(a.append(std::vector{fenced_event("r", 2, gen_a)}) == append_error::fenced);
    CHECK(b.append(std::vector{fenced_event("r", 2, gen_b)}) == append_error::ok);
    CHECK(a.append(std::vector{fenced_event("r", 3, gen_a)}) == append_error::fenced);
    const auto history = b.load("r");
    CHECK(history.events == std::vector<std::string>{"r#1", "r#2"});
    // A room nobody ever claimed cannot be written under a generation either.
    CHECK(a.append(std::vector{fenced_event("unclaimed", 1, 1)}) == append_error::fenced);
    // Generation 0: not fenced (a log without leases, the migration).
    CHECK(a.append(std::vector{fenced_event("unclaimed", 1, 0)}) == append_error::ok);
}

TEST_CASE("a fenced room in a group commit does not fail the other rooms' events")
{
    SKIP_WITHOUT_POSTGRES(url);
    postgres_event_log b(url);
    auto owned = std::make_unique<postgres_event_log>(url);
    auto* a = owned.get();
    const auto gen_r = granted(a->acquire("r", node("a")));
    const auto gen_s = granted(a->acquire("s", node("a")));
    expire(url, "r");
    granted(b.acquire("r", node("b")));
    commit_queue queue(std::move(owned));
    std::promise<append_error> r_done, s_done;
    // Held behind a job until both are queued: one transaction is tried for
    // both, then each alone.
    std::promise<void> go;
    queue.run([gate = go.get_future().share()](event_log&) { gate.wait(); });
    queue.append({fenced_event("r", 1, gen_r)}, [&](append_error e) { r_done.set_value(e); });
    queue.append({fenced_event("s", 1, gen_s)}, [&](append_error e) { s_done.set_value(e); });
    go.set_value();
    CHECK(r_done.get_future().get() == append_error::fenced);
    CHECK(s_done.get_future().get() == append_error::ok);
    queue.drain();
    CHECK(b.load("s").events == std::vector<std::string>{"s#1"});
    CHECK(b.load("r").events.empty());
}

TEST_CASE("an SQLite log has no leases: one process owns every room")
{
    temp_dir dir;
    sqlite_event_log log(dir.file("maptable.db"));
    CHECK(log.leases() == nullptr);
}
