// Several nodes, one room state: clients that join a room at different nodes
// are all sent to the room's one owner (Redirect), their commands are
// sequenced once, and every replica, a fresh joiner's at each node and the
// state rebuilt from the PostgreSQL log are identical.
#include "cluster_harness.hpp"

#include <doctest/doctest.h>

using namespace maptable;
using namespace maptable::test;
using namespace maptable::test::cluster_test;

namespace {

pb::ClientMessage add_marker(const std::string& id, double lon, double lat)
{
    pb::ClientMessage m;
    auto* f = m.mutable_add_feature()->mutable_feature();
    f->set_id(id);
    f->set_title("marker " + id);
    f->mutable_geometry()->set_kind(pb::FEATURE_KIND_POINT);
    auto* p = f->mutable_geometry()->add_positions();
    p->set_lon(lon);
    p->set_lat(lat);
    return m;
}

pb::ClientMessage retitle(const std::string& id, const std::string& title)
{
    pb::ClientMessage m;
    m.mutable_update_feature()->set_id(id);
    m.mutable_update_feature()->mutable_patch()->set_title(title);
    return m;
}

// The room rebuilt from its stored events alone.
std::string log_hash(const std::string& store_url, const std::string& room)
{
    model::room_state state(room);
    for (const auto& e : stored_events(store_url, room)) {
        pb::Event event;
        REQUIRE(event.ParseFromString(e.body));
        REQUIRE(state.apply(event));
    }
    return state.canonical_hash();
}

} // namespace

TEST_CASE("clients spread over three nodes converge on one state hash per room")
{
    CLUSTER_SKIP_WITHOUT_POSTGRES(pg);
    // A lease long enough that no renewal delayed by a busy machine moves a
    // room during the test: this one is about convergence, not fail-over.
    cluster c(*pg, {.nodes = 3, .lease_ms = 3000});
    const std::vector<std::string> rooms = {"north", "south", "east"};
    constexpr int clients_per_room = 3;
    constexpr int rounds = 20;

    for (std::size_t r = 0; r < rooms.size(); ++r) {
        CAPTURE(rooms[r]);
        std::vector<std::unique_ptr<room_client>> clients;
        // Client k of room r first knocks at node (r + k) % 3: every room
        // has clients arriving at every node, and the rooms' first joins
        // land on different nodes, so the owners differ.
        for (int k = 0; k < clients_per_room; ++k) {
            clients.push_back(std::make_unique<room_client>(c, rooms[r], "p" + std::to_string(k)));
            const auto joined = clients.back()->join((r + std::size_t(k)) % c.size());
            CHECK(joined.joined);
        }
        const int owner = clients.front()->node();
        int redirected = 0;
        for (int k = 0; k < clients_per_room; ++k) {
            CHECK_MESSAGE(clients[std::size_t(k)]->node() == owner,
                          "every client of a room is served by its one owner");
            if (clients[std::size_t(k)]->node() != int((r + std::size_t(k)) % c.size()))
                ++redirected;
        }
        // The first client made the room its node's; the others knocked
        // at the two other nodes and were sent there.
        CHECK(redirected == clients_per_room - 1);

        // Interleaved edits of shared features: adds that collide, retitles,
        // chat. Each round every client sends before anyone reads.
        for (int round = 0; round < rounds; ++round) {
            for (int k = 0; k < clients_per_room; ++k) {
                auto& client = *clients[std::size_t(k)];
                const std::string id = "f" + std::to_string((round + k) % 5);
                client.send_command(add_marker(id, 8.6 + 0.001 * k, 50.1 + 0.001 * round));
                client.send_command(retitle(id, client.client_id() + " round " + std::to_string(round)));
                client.send_chat("round " + std::to_string(round) + " from " + client.client_id());
            }
        }
        std::uint64_t last = 0;
        for (auto& client : clients) {
            REQUIRE(client->drain());
            for (const auto& [id, seq] : client->acked())
                last = std::max(last, seq);
        }
        for (auto& client : clients)
            REQUIRE(client->read_until_seq(last));

        // A newcomer at each node sees the same room.
        std::vector<std::unique_ptr<room_client>> newcomers;
        for (std::size_t n = 0; n < c.size(); ++n) {
            newcomers.push_back(std::make_unique<room_client>(c, rooms[r], "late" + std::to_string(n)));
            REQUIRE(newcomers.back()->join(n).joined);
            CHECK(newcomers.back()->node() == owner);
            CHECK(newcomers.back()->replica().seq() == last);
        }

        const auto expected = log_hash(c.store_url(), rooms[r]);
        std::vector<const room_client*> all;
        for (auto& client : clients) {
            CHECK(client->replica().seq() == last);
            CHECK(client->replica().canonical_hash() == expected);
            all.push_back(client.get());
        }
        for (auto& newcomer : newcomers)
            CHECK(newcomer->replica().canonical_hash() == expected);
        const auto problems = log_problems(stored_events(c.store_url(), rooms[r]), all);
        CHECK_MESSAGE(problems.empty(), describe(problems));
    }

    const auto check = run_server_command({"check", "--store", c.store_url()});
    INFO(check.out << check.err);
    CHECK(check.status == 0);
}
